"""Shared plumbing of the commands: the node context, JSON output and one-line failures.

Command contracts: with ``--json`` standard output carries exactly one JSON object; progress and
logs go to standard error; the exit status is non-zero only when the command could not do its job,
with a one-line reason on standard error.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, NoReturn

import orjson
import typer

from cix.errors import CixError

HomeOption = typer.Option(None, "--home", help="Node data directory (default: $CIX_HOME or ~/.cix).")
JsonOption = typer.Option(False, "--json", help="Print one JSON object on standard output.")


def settings_for(home: Path | None):
    from cix.settings import load_settings

    return load_settings(home)


def emit_json(obj: Any) -> None:
    sys.stdout.buffer.write(orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS, default=str) + b"\n")
    sys.stdout.flush()


def fail(message: str, code: int = 1) -> NoReturn:
    """End the command with a one-line reason on standard error."""
    first = " ".join(str(message).split())
    sys.stderr.write(f"cix: {first}\n")
    raise typer.Exit(code)


def fail_from(exc: CixError) -> NoReturn:
    fail(exc.message, exc.exit_code)


def tune_gc_for_long_run() -> None:
    """For servers and workers: collect cycles less often, and never rescan what start-up loaded.

    They allocate many short-lived, acyclic containers (JSON documents, rows, envelopes) that
    reference counting frees; the default thresholds make the collector rescan them constantly.
    """
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)


def err_console():
    from rich.console import Console

    return Console(stderr=True)
