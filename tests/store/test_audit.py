"""The hash-chained audit log on SQLite and PostgreSQL: appends verify, any edit is detected."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, update

from cix.store import audit
from cix.store.schema import audit_log


def _fill(store: Any, n: int = 5) -> None:
    with store.write() as conn:
        audit.append(conn, [{"event": "message.sent", "actor": "node", "subject": f"m{i}", "details": {"i": i}}
                            for i in range(n)])  # fmt: skip
    with store.write() as conn:
        audit.append(conn, [{"event": "message.received", "subject": "x"}])


def test_chain_verifies(store: Any) -> None:
    _fill(store)
    with store.read() as conn:
        v = audit.verify(conn)
        assert v.ok and v.checked == 6
        assert [e["seq"] for e in audit.tail(conn, 2)] == [6, 5]


def test_edit_detected(store: Any) -> None:
    _fill(store)
    with store.write() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 3).values(details='{"i":99}'))
    with store.read() as conn:
        v = audit.verify(conn)
    assert not v.ok and v.first_bad_seq == 3


def test_deletion_detected(store: Any) -> None:
    _fill(store)
    with store.write() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.seq == 2))
    with store.read() as conn:
        v = audit.verify(conn)
    assert not v.ok and v.first_bad_seq == 3


def test_rewritten_hash_detected_downstream(store: Any) -> None:
    _fill(store)
    with store.write() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 4).values(event="forged", hash="f" * 64))
    with store.read() as conn:
        v = audit.verify(conn)
    assert not v.ok and v.first_bad_seq == 4
