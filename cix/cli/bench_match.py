"""``cix bench match``: bulk Green Corridor matching over N × N generated records (see cix.bench.match)."""

from __future__ import annotations

import typer

from cix.cli.common import JsonOption, emit_json, fail_from
from cix.errors import CixError


def register(app: typer.Typer) -> None:
    @app.command("match")
    def match(
        count: int = typer.Option(100_000, "--count", min=1, help="Partner export records and import declarations."),
        seed: int = typer.Option(11, help="Generator seed."),
        json: bool = JsonOption,
    ) -> None:
        """Bulk matching (read both sides, match, write back) beside the floor (an exact UCR join)."""
        from cix.bench.match import run

        try:
            result = run(count, seed=seed)
        except CixError as exc:
            fail_from(exc)
        if json:
            emit_json(result)
        else:
            for k, v in result.items():
                typer.echo(f"{k:>20}: {v}")
