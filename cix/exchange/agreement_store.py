"""The node's agreements, kept in the store: added from agreement files, found by id when messages move."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import orjson
from sqlalchemy import Connection, delete, select

from cix.agreements import Agreement, parse_agreement
from cix.errors import NotFound
from cix.store.schema import agreements

ACTIVE = "active"


def add(conn: Connection, agreement: Agreement) -> bool:
    """Add or replace an agreement; returns whether it was new."""
    data = orjson.loads(agreement.to_json())
    exists = conn.execute(select(agreements.c.id).where(agreements.c.id == agreement.id)).first() is not None
    if exists:
        conn.execute(agreements.update().where(agreements.c.id == agreement.id).values(data=data, status=ACTIVE))
    else:
        conn.execute(
            agreements.insert().values(id=agreement.id, data=data, status=ACTIVE, added_at=dt.datetime.now(dt.UTC))
        )
    _CACHE.clear()
    return not exists


def get(conn: Connection, agreement_id: str) -> Agreement:
    r = conn.execute(select(agreements.c.data).where(agreements.c.id == agreement_id)).first()
    if r is None:
        raise NotFound(f"no agreement {agreement_id!r}")
    return parse_agreement(r[0])


def list_agreements(conn: Connection) -> list[dict[str, Any]]:
    return [
        {"id": r.id, "status": r.status, "added_at": r.added_at, "agreement": r.data}
        for r in conn.execute(select(agreements).order_by(agreements.c.id))
    ]


def remove(conn: Connection, agreement_id: str) -> None:
    if conn.execute(delete(agreements).where(agreements.c.id == agreement_id)).rowcount == 0:
        raise NotFound(f"no agreement {agreement_id!r}")
    _CACHE.clear()


_CACHE: dict[tuple[int, str], tuple[float, Agreement | None]] = {}
_LOCK = threading.Lock()


def cached(store: Any, agreement_id: str, ttl: float = 2.0) -> Agreement | None:
    """The agreement for the receive path, re-read at most every ``ttl`` seconds."""
    key = (id(store), agreement_id)
    now = time.monotonic()
    with _LOCK:
        hit = _CACHE.get(key)
    if hit is not None and now - hit[0] <= ttl:
        return hit[1]
    try:
        with store.read() as conn:
            found: Agreement | None = get(conn, agreement_id)
    except NotFound:
        found = None
    with _LOCK:
        _CACHE[key] = (now, found)
    return found
