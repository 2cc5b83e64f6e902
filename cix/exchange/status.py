"""The state of the exchange per partner: what went out, what came in, what is stuck.

Read by ``cix exchange status``, the API and (later) the console's exchange monitor.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from cix.exchange import outbox, partners
from cix.store.schema import exchange_rejections, inbox
from cix.store.schema import outbox as ob


def partner_status(conn: Connection) -> list[dict[str, Any]]:
    """Per partner: outgoing counts by state, last delivery, oldest undelivered; incoming counts."""
    counts = outbox.status_counts(conn)
    last_delivered = dict(
        conn.execute(
            select(ob.c.recipient, func.max(ob.c.delivered_at))
            .where(ob.c.status == outbox.DELIVERED)
            .group_by(ob.c.recipient)
        ).all()
    )
    oldest_pending = dict(
        conn.execute(
            select(ob.c.recipient, func.min(ob.c.created_at))
            .where(ob.c.status.in_((outbox.PENDING, outbox.SENT)))
            .group_by(ob.c.recipient)
        ).all()
    )
    received = {
        s: (n, last)
        for s, n, last in conn.execute(
            select(inbox.c.sender, func.count(), func.max(inbox.c.received_at)).group_by(inbox.c.sender)
        )
    }
    refused: dict[str, int] = dict(
        conn.execute(
            select(exchange_rejections.c.sender, func.count())
            .where(exchange_rejections.c.sender.is_not(None))
            .group_by(exchange_rejections.c.sender)
        ).all()
    )
    known = {p.id: p for p in partners.list_partners(conn)}
    out = []
    for pid in sorted(set(known) | set(counts) | set(received)):
        p = known.get(pid)
        out.append(
            {
                "partner": pid,
                "name": p.name if p else None,
                "known": p is not None,
                "outgoing": counts.get(pid, dict.fromkeys(outbox.STATUSES, 0)),
                "last_delivered": last_delivered.get(pid),
                "oldest_pending": oldest_pending.get(pid),
                "received": received.get(pid, (0, None))[0],
                "last_received": received.get(pid, (0, None))[1],
                "rejected_incoming": refused.get(pid, 0),
            }
        )
    return out


def list_received(conn: Connection, *, limit: int = 50, rejected: bool = False) -> list[dict[str, Any]]:
    """Received messages newest first (without their bodies), or the refused ones with their reasons."""
    if rejected:
        t = exchange_rejections
        cols = [c for c in t.c if c.name != "receipt"]
        q = select(*cols).order_by(t.c.received_at.desc(), t.c.id.desc()).limit(limit)
    else:
        cols = [c for c in inbox.c if c.name not in ("envelope", "payload", "receipt")]
        q = select(*cols).order_by(inbox.c.received_at.desc()).limit(limit)
    return [dict(r) for r in conn.execute(q).mappings()]
