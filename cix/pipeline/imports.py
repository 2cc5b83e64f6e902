"""Importing a file: read it with :mod:`cix.ingest.readers` and lodge it batch by batch."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from cix.errors import InputError
from cix.ingest import readers
from cix.pipeline.lodge import Summary, lodge
from cix.store.db import Store


def import_file(
    store: Store,
    path: Path,
    fmt: str,
    *,
    mapping: Path | None = None,
    batch_size: int = 2000,
    today: dt.date | None = None,
    max_future_days: int = 1,
    progress: Callable[[Summary], None] | None = None,
    workers: int = 1,
) -> Summary:
    """Import one file; idempotent (a second run stores nothing new and counts duplicates).

    JSON lines are checked in ``workers`` processes when the file holds more than two batches.
    """
    if fmt == "jsonl" and workers > 1 and _larger_than(path, 2 * batch_size):
        from cix.pipeline.parallel import jsonl_batches, lodge_lines

        try:
            with path.open("rb") as f:
                return lodge_lines(
                    store,
                    jsonl_batches(f, path.name, batch_size),
                    source=path.name,
                    workers=workers,
                    today=today,
                    max_future_days=max_future_days,
                    progress=progress,
                )
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    records = readers.read(path, fmt, mapping)
    return lodge(
        store,
        records,
        source=str(path.name),
        batch_size=batch_size,
        today=today,
        max_future_days=max_future_days,
        progress=progress,
    )


def _larger_than(path: Path, lines: int) -> bool:
    """Whether the file has more than ``lines`` lines (reads at most that many)."""
    try:
        with path.open("rb") as f:
            for n, _line in enumerate(f, 1):
                if n > lines:
                    return True
    except OSError:
        return False
    return False
