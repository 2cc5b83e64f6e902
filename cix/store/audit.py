"""The audit log: append-only and hash-chained, so any later edit or deletion is detected.

Each entry carries the SHA-256 of the previous entry's hash and its own canonical content
(sequence number, time, event, actor, subject, details), so changing, inserting or removing an entry
breaks every hash after it; :func:`verify` walks the chain and names the first entry that does not
hold. Appends are serialised (SQLite's single writer; a transaction-scoped advisory lock on
PostgreSQL), so the chain has no forks even with several worker processes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, select, text

from cix.store.schema import audit_log

GENESIS = "0" * 64
_LOCK_KEY = 0x0C1A0D17  # advisory lock id for the audit chain on PostgreSQL


def _digest(
    prev: str, seq: int, at: dt.datetime | str, event: str, actor: str | None, subject: str | None, details: str
) -> str:
    body = orjson.dumps([seq, at if isinstance(at, str) else _ts(at), event, actor, subject, details])
    return hashlib.sha256(prev.encode() + b"\n" + body).hexdigest()


def _ts(at: dt.datetime) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def append(conn: Connection, entries: Iterable[Mapping[str, Any]]) -> int:
    """Append entries (``event``, and optional ``actor``, ``subject``, ``details``) in one go."""
    entries = list(entries)
    if not entries:
        return 0
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    last = conn.execute(select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)).first()
    seq, prev = (last[0], last[1]) if last else (0, GENESIS)
    at = dt.datetime.now(dt.UTC)
    at = at.replace(microsecond=at.microsecond // 1000 * 1000)
    stamp = _ts(at)  # every entry of one append shares its time
    rows = []
    for e in entries:
        seq += 1
        details = orjson.dumps(e.get("details") or {}, option=orjson.OPT_SORT_KEYS, default=str).decode()
        h = _digest(prev, seq, stamp, e["event"], e.get("actor"), e.get("subject"), details)
        rows.append(
            {
                "seq": seq,
                "at": at,
                "event": e["event"],
                "actor": e.get("actor"),
                "subject": e.get("subject"),
                "details": details,
                "prev_hash": prev,
                "hash": h,
            }
        )
        prev = h
    conn.execute(audit_log.insert(), rows)
    return len(rows)


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "checked": self.checked, "first_bad_seq": self.first_bad_seq, "reason": self.reason}


def verify(conn: Connection) -> Verification:
    """Walk the whole chain; the first entry whose links or hash do not hold is reported."""
    prev, expected_seq, n = GENESIS, 1, 0
    q = select(audit_log).order_by(audit_log.c.seq).execution_options(yield_per=5000)
    for r in conn.execute(q).mappings():
        n += 1
        if r["seq"] != expected_seq:
            return Verification(False, n, r["seq"], f"entry {expected_seq} is missing")
        if r["prev_hash"] != prev:
            return Verification(False, n, r["seq"], "the link to the previous entry is broken")
        h = _digest(prev, r["seq"], r["at"], r["event"], r["actor"], r["subject"], r["details"])
        if h != r["hash"]:
            return Verification(False, n, r["seq"], "the entry was changed after it was written")
        prev, expected_seq = r["hash"], expected_seq + 1
    return Verification(True, n)


def tail(conn: Connection, limit: int = 50, event: str | None = None) -> list[dict[str, Any]]:
    q = select(audit_log).order_by(audit_log.c.seq.desc()).limit(limit)
    if event:
        q = q.where(audit_log.c.event == event)
    out = []
    for r in conn.execute(q).mappings():
        d = dict(r)
        d["details"] = orjson.loads(d["details"])
        out.append(d)
    return out
