"""``cix bench api``: declarations POSTed one per request to a real ``cix serve``, answered with the channel."""

from __future__ import annotations

import typer

from cix.cli.common import JsonOption, emit_json, fail_from
from cix.errors import CixError


def register(app: typer.Typer) -> None:
    @app.command("api")
    def api(
        rate: float = typer.Option(100.0, "--rate", min=1, help="Requests per second offered."),
        seconds: float = typer.Option(30.0, "--seconds", min=1, help="How long to offer them."),
        seed: int = typer.Option(7, "--seed", help="Generator seed."),
        history: int = typer.Option(2000, "--history", min=100, help="Declarations of the history month made first."),
        json: bool = JsonOption,
    ) -> None:
        """Latency of the full declaration path over HTTP (p50, p99), errors and loss, beside the floor."""
        import sys

        from cix.bench.api import run

        def log(msg: str) -> None:
            sys.stderr.write(msg + "\n")

        try:
            result = run(rate, seconds, seed=seed, history=history, log=log)
        except CixError as exc:
            fail_from(exc)
        if json:
            emit_json(result)
        else:
            for k, v in result.items():
                typer.echo(f"{k:>20}: {v}")
