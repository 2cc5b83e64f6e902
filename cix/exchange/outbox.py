"""The transactional outbox: a business write and its outgoing messages commit together.

:func:`enqueue` checks the message against its agreement (parties, direction, validity, type,
conditions), cuts the payload to the agreement's scope (a field outside it never leaves this
node), signs it — encrypting it to the partner where the agreement says so — and inserts it into
``outbox`` on the caller's connection, inside the caller's transaction. The delivery worker
(:mod:`cix.exchange.worker`) takes it from there. Outbox states: ``pending`` (to send), ``sent``
(handed to an asynchronous transport, receipt awaited), ``delivered`` (accepted receipt),
``rejected`` (the partner refused it for good), ``dead`` (a dead letter, retryable by hand).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, func, select, update

from cix.agreements import Agreement, prepare_outbound
from cix.errors import NotFound, ValidationFailed
from cix.exchange import envelope as E
from cix.exchange.node import Node
from cix.exchange.partners import Partner
from cix.store import audit
from cix.store.schema import outbox

PENDING, SENT, DELIVERED, REJECTED, DEAD = "pending", "sent", "delivered", "rejected", "dead"
STATUSES = (PENDING, SENT, DELIVERED, REJECTED, DEAD)


def _suite_for(node: Node, partner: Partner) -> str:
    for s in node.suites:
        if s in partner.suites:
            return s
    raise ValidationFailed(
        f"no signature suite in common with {partner.id}: this node signs with {', '.join(node.suites)}, "
        f"the partner accepts {', '.join(partner.suites) or 'none'}"
    )


def seal_for(
    node: Node, partner: Partner, agreement: Agreement, type: str, payload: dict[str, Any], *, on: dt.date | None = None
) -> tuple[E.Envelope, list[str]]:
    """The signed envelope for ``partner`` under ``agreement`` and the paths cut by the scope."""
    scoped, problems, dropped = prepare_outbound(agreement, node.id, partner.id, type, payload, on)
    if scoped is None:
        raise ValidationFailed(
            f"agreement {agreement.id} does not allow this {type} to {partner.id}",
            details={"problems": [p.to_dict() for p in problems]},
        )
    suite = _suite_for(node, partner)
    key = node.signing_key(suite)
    encrypt_to = None
    if agreement.encrypt:
        enc = partner.encryption_key()
        if enc is None:
            raise ValidationFailed(f"agreement {agreement.id} requires encryption and {partner.id} has no key")
        encrypt_to = enc.public
    assert key.private is not None
    env = E.seal(
        type=type,
        sender=node.id,
        recipient=partner.id,
        agreement=agreement.id,
        payload=scoped,
        suite=suite,
        private_key=key.private,
        key_id=key.kid,
        encrypt_to=encrypt_to,
    )
    return env, dropped


def enqueue(conn: Connection, envelopes: Sequence[E.Envelope]) -> list[str]:
    """Insert sealed envelopes into the outbox on the caller's transaction; returns their ids."""
    now = dt.datetime.now(dt.UTC)
    rows: list[dict[str, Any]] = [
        {
            "id": e.id,
            "recipient": e.recipient,
            "type": e.type,
            "agreement": e.agreement,
            "envelope": E.to_bytes(e).decode(),
            "payload_digest": e.payload_digest,
            "status": PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for e in envelopes
    ]
    if rows:
        # Audited when it is sent and when its receipt comes back (cix.exchange.worker); the queueing
        # itself is this row, committed with the business write.
        conn.execute(outbox.insert(), rows)
    return [r["id"] for r in rows]


def status_counts(conn: Connection) -> dict[str, dict[str, int]]:
    """Messages by partner and state."""
    out: dict[str, dict[str, int]] = {}
    q = select(outbox.c.recipient, outbox.c.status, func.count()).group_by(outbox.c.recipient, outbox.c.status)
    for recipient, status, n in conn.execute(q):
        out.setdefault(recipient, {s: 0 for s in STATUSES})[status] = n
    return out


def list_messages(
    conn: Connection, *, status: str | None = None, recipient: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    conds = []
    if status:
        conds.append(outbox.c.status == status)
    if recipient:
        conds.append(outbox.c.recipient == recipient)
    cols = [c for c in outbox.c if c.name not in ("envelope",)]
    q = select(*cols).where(*conds).order_by(outbox.c.created_at.desc()).limit(limit)
    return [dict(r) for r in conn.execute(q).mappings()]


def get(conn: Connection, message_id: str) -> dict[str, Any]:
    r = conn.execute(select(outbox).where(outbox.c.id == message_id)).mappings().first()
    if r is None:
        raise NotFound(f"no outgoing message {message_id}")
    return dict(r)


def retry(conn: Connection, ids: Sequence[str] | None = None, *, actor: str | None = None) -> int:
    """Put dead letters (all, or the given ids) back in the queue, tries counted from zero."""
    conds = [outbox.c.status == DEAD]
    if ids:
        conds.append(outbox.c.id.in_(list(ids)))
    chosen = list(conn.execute(select(outbox.c.id).where(*conds)).scalars())
    if not chosen:
        return 0
    conn.execute(
        update(outbox)
        .where(outbox.c.id.in_(chosen))
        .values(status=PENDING, attempts=0, next_attempt_at=dt.datetime.now(dt.UTC), last_error=None)
    )
    audit.append(conn, [{"event": "message.retried", "actor": actor, "subject": i} for i in chosen])
    return len(chosen)
