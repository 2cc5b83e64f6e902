"""``cix bench valuation`` and ``cix bench valuation-quality`` (registered on ``cix bench``)."""

from __future__ import annotations

from pathlib import Path

import typer

from cix.cli.common import JsonOption, emit_json, fail_from
from cix.errors import CixError

KCS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "kcs"


def _print(result: dict, json: bool) -> None:
    if json:
        emit_json(result)
    else:
        for k, v in result.items():
            typer.echo(f"{k:>26}: {v}")


def register(app: typer.Typer) -> None:
    @app.command("valuation")
    def valuation(
        count: int = typer.Option(100_000, "--count", min=1, help="Import declarations to generate and build over."),
        seed: int = typer.Option(11, help="Generator seed."),
        json: bool = JsonOption,
    ) -> None:
        """Price reference build over N declarations (beside reading them only) and the per-item check."""
        from cix.bench.valuation import run

        try:
            result = run(count, seed=seed)
        except CixError as exc:
            fail_from(exc)
        _print(result, json)

    @app.command("valuation-quality")
    def valuation_quality(
        train: Path | None = typer.Option(None, help="KCS training file (default: ../shared/data/kcs/train.csv)."),
        valid: Path | None = typer.Option(None, help="KCS validation file (default: ../shared/data/kcs/valid.csv)."),
        json: bool = JsonOption,
    ) -> None:
        """Recall and false flags by fraud kind on generated trade; precision at top k % on KCS (if found)."""
        from cix.bench.valuation import quality

        tr = train or (KCS / "train.csv")
        va = valid or (KCS / "valid.csv")
        try:
            result = quality(tr if tr.exists() else None, va if va.exists() else None)
        except CixError as exc:
            fail_from(exc)
        _print(result, json)
