"""Retrying quarantined records after a reference-data fix (or discarding them, with a reason kept).

A retry re-reads the raw text the quarantine kept, runs the whole declaration path again, and marks
the entry ``resolved`` when the record is now stored (or was stored meanwhile: a duplicate), or
keeps it open with its fresh problems.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from cix.errors import Conflict
from cix.ingest import readers
from cix.pipeline.lodge import DUPLICATE, STORED, lodge_batch
from cix.store import quarantine as q_store
from cix.store.db import Store


def retry(store: Store, ids: Sequence[int], *, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Retry the given open entries; returns per entry its new status and problems."""
    results = []
    for entry_id in ids:
        with store.read() as conn:
            entry = q_store.get(conn, entry_id)
        if entry["status"] != q_store.OPEN:
            raise Conflict(f"quarantine entry {entry_id} is {entry['status']}, not open")
        inc = readers.reparse(entry["format"], entry["raw"], entry["locator"])
        # The entry itself is still open with the same raw text: do not let the lodge re-quarantine it.
        summary = lodge_batch(
            store, [inc], source=entry["source"], today=today, keep_outcomes=True, resolve_quarantine=False
        )
        assert summary.outcomes is not None
        outcome = summary.outcomes[0]
        with store.write() as conn:
            if outcome.status in (STORED, DUPLICATE):
                q_store.resolve(conn, entry_id, outcome.declaration_id)
                status = q_store.RESOLVED
            else:
                q_store.update_problems(
                    conn,
                    entry_id,
                    [p.to_dict() for p in outcome.problems],
                    "conflict" if any(p.rule == "key.conflict" for p in outcome.problems) else "invalid",
                )
                status = q_store.OPEN
        results.append(
            {
                "id": entry_id,
                "status": status,
                "outcome": outcome.status,
                "declaration_id": outcome.declaration_id,
                "problems": [p.to_dict() for p in outcome.problems],
            }
        )
    return results


def discard(store: Store, entry_id: int) -> None:
    with store.write() as conn:
        entry = q_store.get(conn, entry_id)
        if entry["status"] != q_store.OPEN:
            raise Conflict(f"quarantine entry {entry_id} is {entry['status']}, not open")
        q_store.resolve(conn, entry_id, None, status=q_store.DISCARDED)
