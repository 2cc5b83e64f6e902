"""The quarantine: every rejected record, kept with its raw input, its problems and its source.

Entries are ``open`` until a retry stores the record (``resolved``, with the declaration id) or an
operator sets them aside (``discarded``). Nothing rejected is ever dropped: an import's summary
counts each quarantined record, and ``cix quarantine list|show|retry`` work on them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, func, select, update

from cix.errors import NotFound
from cix.store.declarations import now
from cix.store.schema import quarantine

OPEN, RESOLVED, DISCARDED = "open", "resolved", "discarded"


def add_many(conn: Connection, entries: Sequence[dict[str, Any]]) -> None:
    """Keep rejected records (raw, raw_hash, format, reason, problems, source, locator, natural_key)."""
    if not entries:
        return
    at = now()
    conn.execute(
        quarantine.insert(),
        [
            {
                "created_at": at,
                "source": e.get("source"),
                "locator": e.get("locator"),
                "format": e["format"],
                "reason": e["reason"],
                "natural_key": e.get("natural_key"),
                "raw": e["raw"],
                "raw_hash": e["raw_hash"],
                "problems": e["problems"],
                "status": OPEN,
            }
            for e in entries
        ],
    )


def get(conn: Connection, entry_id: int) -> dict[str, Any]:
    row = conn.execute(select(quarantine).where(quarantine.c.id == entry_id)).mappings().first()
    if row is None:
        raise NotFound(f"no quarantine entry {entry_id}")
    return dict(row)


def list_entries(
    conn: Connection,
    *,
    status: str | None = OPEN,
    reason: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[dict[str, Any]]]:
    conds = []
    if status:
        conds.append(quarantine.c.status == status)
    if reason:
        conds.append(quarantine.c.reason == reason)
    total = conn.execute(select(func.count()).select_from(quarantine).where(*conds)).scalar_one()
    q = select(quarantine).where(*conds).order_by(quarantine.c.id).limit(limit).offset(offset)
    return total, [dict(r) for r in conn.execute(q).mappings()]


def open_ids(conn: Connection, *, reason: str | None = None) -> list[int]:
    conds = [quarantine.c.status == OPEN]
    if reason:
        conds.append(quarantine.c.reason == reason)
    return list(conn.execute(select(quarantine.c.id).where(*conds).order_by(quarantine.c.id)).scalars())


def resolve(conn: Connection, entry_id: int, declaration_id: int | None, status: str = RESOLVED) -> None:
    conn.execute(
        update(quarantine)
        .where(quarantine.c.id == entry_id)
        .values(status=status, resolved_at=now(), declaration_id=declaration_id)
    )


def update_problems(conn: Connection, entry_id: int, problems: list[dict[str, Any]], reason: str) -> None:
    conn.execute(update(quarantine).where(quarantine.c.id == entry_id).values(problems=problems, reason=reason))
