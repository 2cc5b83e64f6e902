"""``cix bench``: benchmarks that generate their own input and print JSON (rate beside its floor)."""

from __future__ import annotations

from pathlib import Path

import typer

from cix.cli.common import JsonOption, emit_json, fail_from
from cix.errors import CixError

app = typer.Typer(help="Benchmarks: seeded input, rate beside floor, JSON output.", no_args_is_help=True)


def _print(result: dict, json: bool) -> None:
    if json:
        emit_json(result)
    else:
        for k, v in result.items():
            typer.echo(f"{k:>20}: {v}")


@app.command("ingest")
def ingest(
    count: int = typer.Option(100_000, "--count", min=1, help="Declarations to generate and import."),
    seed: int = typer.Option(7, help="Generator seed."),
    batch_size: int = typer.Option(2000, min=1, help="Records per transaction."),
    url: str | None = typer.Option(None, help="Store URL (default: a fresh SQLite file). Tables are emptied."),
    workers: int | None = typer.Option(None, min=1, help="Import processes (default: the number of cores)."),
    json: bool = JsonOption,
) -> None:
    """Parse + validate + store through the real import path, beside the floor (store only)."""
    from cix.bench.ingest import run

    try:
        result = run(count, seed=seed, batch_size=batch_size, url=url, workers=workers)
    except CixError as exc:
        fail_from(exc)
    _print(result, json)


@app.command("exchange")
def exchange(
    count: int = typer.Option(10_000, "--count", min=1, help="Messages to send."),
    transport: str = typer.Option("http", "--transport", help="http | nats"),
    rate: float | None = typer.Option(None, "--rate", min=1, help="Messages per second offered (default: full speed)."),
    json: bool = JsonOption,
) -> None:
    """Two nodes as processes on loopback: signed, verified, stored messages per second, latency, loss."""
    from cix.bench.exchange import run

    if transport not in ("http", "nats"):
        fail_from(CixError(f"unknown transport {transport!r}; http or nats"))
    try:
        result = run(count, transport=transport, rate=rate)
    except CixError as exc:
        fail_from(exc)
    _print(result, json)


@app.command("targeting")
def targeting(
    train: Path = typer.Option(..., help="KCS training file (train.csv)."),
    valid: Path = typer.Option(..., help="KCS validation file (valid.csv)."),
    seeds: int = typer.Option(5, min=1, help="Seeds of the published recipe."),
    json: bool = JsonOption,
) -> None:
    """Our targeting model beside the KCS published recipe (XGBoost, 5 seeds) on the same split."""
    from cix.bench.targeting import run

    try:
        result = run(train, valid, seeds=tuple(range(seeds)))
    except CixError as exc:
        fail_from(exc)
    _print(result, json)


# Benchmarks of later capabilities live in their own modules (cix.cli.bench_<name>), each with a
# ``register(app)`` that adds its commands; a module not built yet is skipped.
def _register_optional() -> None:
    import importlib

    for name in ("match", "valuation", "pipeline", "api"):
        try:
            mod = importlib.import_module(f"cix.cli.bench_{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"cix.cli.bench_{name}":
                raise
            continue
        mod.register(app)


_register_optional()
