"""Importing a file: read it with :mod:`cix.ingest.readers` and lodge it batch by batch."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

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
) -> Summary:
    """Import one file; idempotent (a second run stores nothing new and counts duplicates)."""
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
