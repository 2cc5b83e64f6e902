"""``cix bench pipeline``: the whole declaration path (validation to channel) per second, beside the floor."""

from __future__ import annotations

import typer

from cix.cli.common import JsonOption, emit_json, fail_from
from cix.errors import CixError


def register(app: typer.Typer) -> None:
    @app.command("pipeline")
    def pipeline(
        count: int = typer.Option(20_000, "--count", min=1, help="Import declarations to generate and lodge."),
        seed: int = typer.Option(7, "--seed", help="Generator seed."),
        batch_size: int = typer.Option(2000, "--batch-size", min=1, help="Records per transaction."),
        history: int | None = typer.Option(
            None, "--history", min=100, help="Declarations of the history month made first (default max(2000, N/2))."
        ),
        workers: int | None = typer.Option(
            None, "--workers", min=1, help="Import processes (default one per core; 1 = serial, in this process)."
        ),
        json: bool = JsonOption,
    ) -> None:
        """Validation, storage, matching, valuation, 50 profiles, the model and the channel; floor beside."""
        import sys

        from cix.bench.pipeline import run

        def log(msg: str) -> None:
            sys.stderr.write(msg + "\n")

        try:
            result = run(count, seed=seed, batch_size=batch_size, history=history, workers=workers, log=log)
        except CixError as exc:
            fail_from(exc)
        if json:
            emit_json(result)
        else:
            for k, v in result.items():
                typer.echo(f"{k:>24}: {v}")
