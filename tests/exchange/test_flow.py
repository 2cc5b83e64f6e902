"""A message's whole path in one process: outbox → transport → inbox → receipt → delivered."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

import cix.pipeline.partner_data  # noqa: F401  (registers the declaration handlers)
from cix.exchange import inbox, outbox
from cix.store import audit
from cix.store.schema import declarations, exchange_rejections
from cix.store.schema import inbox as inbox_t
from cix.store.schema import outbox as outbox_t
from tests.conftest import import_declaration


def prelim(i: int = 0) -> dict[str, Any]:
    d = import_declaration(kind="preliminary", lrn=f"PI-{i}")
    d["goods"][0]["tax_rate"] = 5
    return d


def send(cn: Any, ru: Any, agreement: Any, docs: list[dict[str, Any]]) -> list[str]:
    envs = [outbox.seal_for(cn.node, _partner(cn, "RU-FCS"), agreement, "preliminary_information", d)[0]
            for d in docs]  # fmt: skip
    with cn.store.write() as conn:
        return outbox.enqueue(conn, envs)


def _partner(n: Any, pid: str) -> Any:
    from cix.exchange import partners

    with n.store.read() as conn:
        return partners.get(conn, pid)


def count(store: Any, table: Any, *where: Any) -> int:
    with store.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def test_delivered_once_with_receipt(pair: Any) -> None:
    cn, ru, t, agreement = pair
    ids = send(cn, ru, agreement, [prelim(i) for i in range(5)])
    assert cn.deliverer(t).run_once() == 5
    assert count(cn.store, outbox_t, outbox_t.c.status == "delivered") == 5
    assert count(ru.store, inbox_t) == 5
    # the scope cut what the agreement does not give: no invoice amount reached RU
    with ru.store.read() as conn:
        payload = conn.execute(select(inbox_t.c.payload).where(inbox_t.c.id == ids[0])).scalar_one()
    assert "invoice_amount" not in payload and "hs_code" in payload
    # processing lodges the preliminary information as declarations
    assert inbox.process_pending(ru.store) == 5
    assert count(ru.store, declarations, declarations.c.kind == "preliminary") == 5
    assert inbox.receipt(ru.store, ids[0]) is not None
    with cn.store.read() as conn:
        assert audit.verify(conn).ok
    with ru.store.read() as conn:
        assert audit.verify(conn).ok


def test_resend_is_answered_with_original_receipt(pair: Any) -> None:
    cn, ru, _t, agreement = pair
    (mid,) = send(cn, ru, agreement, [prelim()])
    with cn.store.read() as conn:
        raw = outbox.get(conn, mid)["envelope"].encode()
    first = inbox.receive(ru.store, ru.node, ru.settings, [raw])
    again = inbox.receive(ru.store, ru.node, ru.settings, [raw])
    assert first == again
    assert count(ru.store, inbox_t) == 1


def test_partner_down_then_back(pair: Any) -> None:
    cn, ru, t, agreement = pair
    send(cn, ru, agreement, [prelim(i) for i in range(3)])
    t.down.add("RU-FCS")
    d = cn.deliverer(t)
    assert d.run_once() == 0
    with cn.store.read() as conn:
        rows = outbox.list_messages(conn)
    assert all(r["status"] == "pending" and r["attempts"] == 1 and r["last_error"] for r in rows)
    t.down.clear()
    with cn.store.write() as conn:  # the back-off has passed
        conn.execute(outbox_t.update().values(next_attempt_at=outbox_t.c.created_at))
    assert d.run_once() == 3
    assert count(ru.store, inbox_t) == 3


def test_dead_letter_and_retry(pair: Any) -> None:
    cn, ru, t, agreement = pair
    cn.settings.max_attempts = 2
    send(cn, ru, agreement, [prelim()])
    t.down.add("RU-FCS")
    d = cn.deliverer(t)
    for _ in range(2):
        with cn.store.write() as conn:
            conn.execute(outbox_t.update().values(next_attempt_at=outbox_t.c.created_at))
        d.run_once()
    assert count(cn.store, outbox_t, outbox_t.c.status == "dead") == 1
    with cn.store.read() as conn:
        assert [e["event"] for e in audit.tail(conn, 1)] == ["message.dead_letter"]
    t.down.clear()
    with cn.store.write() as conn:
        assert outbox.retry(conn) == 1
    d.run_once()
    assert count(cn.store, outbox_t, outbox_t.c.status == "delivered") == 1


def test_rejection_kept_apart(pair: Any) -> None:
    cn, ru, t, agreement = pair
    send(cn, ru, agreement, [prelim()])
    with cn.store.write() as conn:  # tamper with the payload after signing
        raw = conn.execute(select(outbox_t.c.envelope)).scalar_one()
        conn.execute(outbox_t.update().values(envelope=raw.replace("PI-0", "PI-9")))
    cn.deliverer(t).run_once()
    assert count(ru.store, inbox_t) == 0
    assert count(ru.store, exchange_rejections) == 1
    assert count(cn.store, outbox_t, outbox_t.c.status == "rejected") == 1


def test_unreadable_envelope_is_settled_by_position(pair: Any) -> None:
    """A receiver that cannot read an envelope at all (too large) still answers; the sender records why."""
    cn, ru, t, agreement = pair
    ru.settings.max_message_bytes = 1024
    send(cn, ru, agreement, [prelim()])
    cn.deliverer(t).run_once()
    with cn.store.read() as conn:
        (row,) = outbox.list_messages(conn)
    assert row["status"] == "rejected"
    assert "envelope.too_large" in row["last_error"]
    assert count(ru.store, inbox_t) == 0
