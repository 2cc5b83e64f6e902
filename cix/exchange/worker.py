"""The delivery worker: takes due messages from the outbox, hands them to a transport, reads receipts.

Each round claims due messages (``pending``, or ``sent`` whose receipt is overdue) by pushing their
next attempt past a lease — with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL so several workers never
take the same message — and delivers them per partner in batches. A transport error or a retryable
rejection schedules the next try with exponential back-off and full jitter; after ``max_attempts``
tries or ``dead_after_seconds`` of age a message becomes a dead letter (audited, retryable with
``cix exchange retry``). Receipts are verified with the partner's keys before they change anything.
A crash anywhere leaves the message claimed until its lease runs out, then it is sent again; the
receiver's inbox deduplicates by message id, so a resend is never processed twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import orjson
from sqlalchemy import bindparam, select, update

from cix.exchange import envelope as E
from cix.exchange import partners
from cix.exchange.node import Node
from cix.exchange.outbox import DEAD, DELIVERED, PENDING, REJECTED, SENT
from cix.exchange.receipts import read_receipt
from cix.exchange.rejection import Rejection
from cix.exchange.transport import Transport, TransportError
from cix.settings import Settings
from cix.store import audit
from cix.store.db import Store
from cix.store.schema import outbox

log = logging.getLogger("cix.exchange")

LEASE = dt.timedelta(seconds=60)
RECEIPT_TIMEOUT = dt.timedelta(seconds=120)
RETRYABLE = frozenset({"rate.limited"})
UNREADABLE_ID = "00000000-0000-7000-8000-000000000000"  # the id a receipt names for an unreadable envelope


def backoff(attempts: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Seconds to wait before try ``attempts + 1``: exponential with full jitter.

    >>> 0 <= backoff(1, 1.0, 300.0) <= 2.0 and 0 <= backoff(20, 1.0, 300.0) <= 300.0
    True
    """
    r = rng or random
    return float(r.uniform(0, min(cap, base * 2**attempts)))


class Deliverer:
    """Delivers this node's outbox through the transports, one round at a time."""

    def __init__(self, store: Store, node: Node, settings: Settings, transports: dict[str, Transport]) -> None:
        self.store = store
        self.node = node
        self.settings = settings
        self.transports = transports
        self._stop = threading.Event()

    def _transport_for(self, partner: partners.Partner) -> Transport | None:
        pref = [self.settings.transport] + [t for t in self.transports if t != self.settings.transport]
        for name in pref:
            if name in self.transports and partner.endpoint(name) is not None:
                return self.transports[name]
        if "memory" in self.transports:
            return self.transports["memory"]
        return None

    def claim(self, limit: int) -> list[dict[str, Any]]:
        now = dt.datetime.now(dt.UTC)
        with self.store.write() as conn:
            q = (
                select(
                    outbox.c.id,
                    outbox.c.recipient,
                    outbox.c.envelope,
                    outbox.c.attempts,
                    outbox.c.created_at,
                    outbox.c.status,
                )
                .where(outbox.c.status.in_((PENDING, SENT)), outbox.c.next_attempt_at <= now)
                .order_by(outbox.c.next_attempt_at)
                .limit(limit)
            )
            if conn.dialect.name == "postgresql":
                q = q.with_for_update(skip_locked=True)
            rows = [dict(r) for r in conn.execute(q).mappings()]
            if rows:
                ids = [r["id"] for r in rows]
                conn.execute(update(outbox).where(outbox.c.id.in_(ids)).values(next_attempt_at=now + LEASE))
        return rows

    def run_once(self, limit: int = 1000, batch: int = 500) -> int:
        """One round: claim due messages and deliver them; returns how many were handed over."""
        rows = self.claim(limit)
        by_partner: dict[str, list[dict[str, Any]]] = {}
        for r in rows:
            by_partner.setdefault(r["recipient"], []).append(r)
        handed = 0
        for pid, msgs in by_partner.items():
            partner = partners.cached(self.store, pid)
            transport = self._transport_for(partner) if partner else None
            for i in range(0, len(msgs), batch):
                chunk = msgs[i : i + batch]
                if partner is None or transport is None:
                    self._failed(chunk, f"no partner {pid} or no transport to it")
                    continue
                try:
                    receipts = transport.deliver(partner, [m["envelope"].encode() for m in chunk])
                except TransportError as exc:
                    self._failed(chunk, exc.message)
                    continue
                handed += len(chunk)
                if receipts is None:
                    self._sent(chunk, transport.name)
                else:
                    self.apply_receipts(receipts, partner, chunk)
        return handed

    def _sent(self, chunk: Sequence[dict[str, Any]], transport: str) -> None:
        now = dt.datetime.now(dt.UTC)
        with self.store.write() as conn:
            ids = [m["id"] for m in chunk]
            conn.execute(
                update(outbox)
                .where(outbox.c.id.in_(ids), outbox.c.status.in_((PENDING, SENT)))
                .values(status=SENT, sent_at=now, attempts=outbox.c.attempts + 1, next_attempt_at=now + RECEIPT_TIMEOUT)
            )
            audit.append(
                conn,
                [
                    {
                        "event": "message.sent",
                        "subject": m["id"],
                        "details": {"to": m["recipient"], "transport": transport},
                    }
                    for m in chunk
                ],
            )

    def _failed(self, chunk: Sequence[dict[str, Any]], error: str) -> None:
        now = dt.datetime.now(dt.UTC)
        s = self.settings
        dead, retry = [], []
        for m in chunk:
            attempts = m["attempts"] + 1
            created = m["created_at"] if m["created_at"].tzinfo else m["created_at"].replace(tzinfo=dt.UTC)
            if attempts >= s.max_attempts or (now - created).total_seconds() > s.dead_after_seconds:
                dead.append(m)
            else:
                retry.append(
                    (m, now + dt.timedelta(seconds=backoff(attempts, s.retry_base_seconds, s.retry_max_seconds)))
                )
        with self.store.write() as conn:
            for m, when in retry:
                conn.execute(
                    update(outbox)
                    .where(outbox.c.id == m["id"], outbox.c.status.in_((PENDING, SENT)))
                    .values(attempts=outbox.c.attempts + 1, next_attempt_at=when, last_error=error[:500])
                )
            if dead:
                ids = [m["id"] for m in dead]
                conn.execute(
                    update(outbox)
                    .where(outbox.c.id.in_(ids), outbox.c.status.in_((PENDING, SENT)))
                    .values(status=DEAD, attempts=outbox.c.attempts + 1, last_error=error[:500])
                )
                audit.append(
                    conn,
                    [
                        {
                            "event": "message.dead_letter",
                            "subject": m["id"],
                            "details": {"to": m["recipient"], "error": error[:500], "attempts": m["attempts"] + 1},
                        }
                        for m in dead
                    ],
                )

    def apply_receipts(
        self, receipts: Sequence[bytes], partner: partners.Partner | None, chunk: Sequence[dict[str, Any]] | None = None
    ) -> int:
        """Verify receipts with the partner's keys and settle their messages; returns how many settled."""
        settled, retry = [], []
        now = dt.datetime.now(dt.UTC)
        positional = chunk is not None and len(chunk) == len(receipts)
        for i, raw in enumerate(receipts):
            try:
                env = E.from_bytes(raw)
                p = (
                    partner
                    if partner is not None and partner.id == env.sender
                    else partners.cached(self.store, env.sender)
                )
                unreadable = positional and env.payload.get("message_id") == UNREADABLE_ID
                if p is None or (env.recipient != self.node.id and not unreadable):
                    raise Rejection("receipt.foreign", f"receipt from {env.sender} to {env.recipient}")
                E.verify(env, {k.kid: k.public for k in p.keys if k.use == "sig"}, accepted_suites=p.suites)
                rc = read_receipt(env)
                if unreadable and chunk is not None:
                    # The partner could not read the envelope at all: its receipt answers by position.
                    mine = orjson.loads(chunk[i]["envelope"])
                    rc = replace(rc, message_id=mine["id"], payload_digest=mine["payload_digest"])
            except Rejection as exc:
                log.warning("receipt refused: %s", exc)
                continue
            if not rc.accepted and all(r.get("rule") in RETRYABLE for r in rc.reasons):
                retry.append(rc.message_id)
                continue
            settled.append((rc, raw))
        with self.store.write() as conn:
            events = []
            # One look-up and one executemany per round, not a statement per receipt.
            open_digest: dict[str, str] = {}
            ids = [rc.message_id for rc, _ in settled]
            for i in range(0, len(ids), 900):
                q = select(outbox.c.id, outbox.c.payload_digest).where(
                    outbox.c.id.in_(ids[i : i + 900]), outbox.c.status.in_((PENDING, SENT, DEAD))
                )
                open_digest.update({mid: d for mid, d in conn.execute(q)})
            changes = []
            for rc, raw in settled:
                if open_digest.get(rc.message_id) != rc.payload_digest:
                    continue  # already settled, or a receipt for other content
                changes.append(
                    {
                        "b_id": rc.message_id,
                        "b_status": DELIVERED if rc.accepted else REJECTED,
                        "b_receipt": raw.decode(),
                        "b_error": None if rc.accepted else str(rc.reasons)[:500],
                    }
                )
                events.append(
                    {
                        "event": "message.delivered" if rc.accepted else "message.refused",
                        "actor": partner.id if partner else None,
                        "subject": rc.message_id,
                        "details": {"reasons": rc.reasons},
                    }
                )
            if changes:
                conn.execute(
                    update(outbox)
                    .where(outbox.c.id == bindparam("b_id"))
                    .values(
                        status=bindparam("b_status"),
                        delivered_at=now,
                        receipt=bindparam("b_receipt"),
                        last_error=bindparam("b_error"),
                    ),
                    changes,
                )
            for mid in retry:
                conn.execute(
                    update(outbox)
                    .where(outbox.c.id == mid, outbox.c.status.in_((PENDING, SENT)))
                    .values(
                        next_attempt_at=now + dt.timedelta(seconds=backoff(1, 1.0, 5.0)),
                        last_error="rate limited by the partner",
                    )
                )
            audit.append(conn, events)
        return len(settled)

    def stop(self) -> None:
        self._stop.set()

    def run_forever(self, idle: float = 0.2) -> None:
        """Deliver until :meth:`stop`; sleeps ``idle`` seconds when nothing is due."""
        while not self._stop.is_set():
            try:
                n = self.run_once()
            except Exception:  # a store hiccup must not kill the worker
                log.exception("delivery round failed")
                n = 0
            if n == 0:
                self._stop.wait(idle)
