"""The inbox: verify what partners send, keep each accepted message once, answer with signed receipts.

:func:`receive` runs every check on every envelope of a batch — size, shape, recipient, a known
sender, a suite accepted from that partner, a key valid when the message was created, payload
digest and signature, freshness (replay window and tolerated clock skew), the partner's rate, and
the agreement (type covered, direction, validity, conditions, fields in scope) — then, in one
transaction, stores the accepted messages (the message id is the primary key: a resend is answered
with the original receipt and never stored twice; a different message under a used id is refused),
records the rejected ones apart with their reasons, and audits both. Nothing rejected is stored as
accepted. :func:`process_pending` then hands accepted payloads to their handlers (a partner's
export declaration or preliminary information goes through the declaration path).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import select, update

from cix.agreements import check_inbound
from cix.exchange import agreement_store, partners
from cix.exchange import envelope as E
from cix.exchange.handlers import handle
from cix.exchange.node import Node
from cix.exchange.receipts import make_receipt
from cix.exchange.rejection import Rejection
from cix.i18n import _
from cix.settings import Settings
from cix.store import audit
from cix.store.db import Store, StoreIntegrityError
from cix.store.schema import exchange_rejections, inbox

UNREADABLE_ID = "00000000-0000-7000-8000-000000000000"  # what a receipt names when the envelope was unreadable


class _Buckets:
    """Per-partner token buckets (messages per second, burst of one second's worth)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: dict[str, tuple[float, float]] = {}

    def take(self, partner: str, rate: float) -> bool:
        now = time.monotonic()
        with self._lock:
            tokens, last = self._state.get(partner, (rate, now))
            tokens = min(rate, tokens + (now - last) * rate)
            ok = tokens >= 1.0
            self._state[partner] = (tokens - 1.0 if ok else tokens, now)
            return ok


_BUCKETS = _Buckets()


@dataclass
class _Verdict:
    raw: bytes
    env: E.Envelope | None
    accepted: bool
    reasons: list[dict[str, Any]]
    payload: dict[str, Any] | None = None
    dropped: list[str] | None = None
    receipt: bytes | None = None


def _reject(rule: str, message: str, field: str | None = None) -> Rejection:
    return Rejection(rule, message, field=field)


def _check(raw: bytes, node: Node, store: Store, settings: Settings, now: dt.datetime) -> _Verdict:
    try:
        env = E.from_bytes(raw, max_bytes=settings.max_message_bytes)
    except Rejection as exc:
        return _Verdict(raw, None, False, [exc.to_reason()])
    try:
        if env.recipient != node.id:
            raise _reject(
                "recipient.wrong",
                _("the message is for {r}, this node is {me}").format(r=env.recipient, me=node.id),
                "recipient",
            )
        if env.type == "receipt":
            raise _reject("type.receipt", _("receipts are not sent to the inbox"), "type")
        partner = partners.cached(store, env.sender)
        if partner is None or partner.status != partners.ACTIVE:
            raise _reject("sender.unknown", _("{s} is not a partner of this node").format(s=env.sender), "sender")
        created = env.created_at
        if created < now - dt.timedelta(seconds=settings.freshness_seconds):
            raise _reject(
                "message.stale",
                _("created {t}, older than the {n} s replay window").format(
                    t=env.created, n=settings.freshness_seconds
                ),
                "created",
            )
        if created > now + dt.timedelta(seconds=settings.clock_skew_seconds):
            raise _reject(
                "message.future",
                _("created {t}, ahead of this node's clock beyond the tolerated skew").format(t=env.created),
                "created",
            )
        keys = {k.kid: k.public for k in partner.keys if k.use == "sig" and k.valid_at(created)}
        if env.key_id not in keys and partner.key(env.key_id) is not None:
            raise _reject(
                "key.expired", _("key {k} was not valid when the message was created").format(k=env.key_id), "key_id"
            )
        E.verify(env, keys, accepted_suites=partner.suites)
        agreement = agreement_store.cached(store, env.agreement)
        if agreement is None:
            raise _reject("agreement.unknown", _("no agreement {a} on this node").format(a=env.agreement), "agreement")
        if agreement.encrypt and not env.encrypted:
            raise _reject(
                "payload.unencrypted",
                _("agreement {a} requires an encrypted payload").format(a=agreement.id),
                "payload",
            )
        payload = E.open_payload(env, {k.kid: k.private for k in node.encryption_keys() if k.private})
        accepted, problems, dropped = check_inbound(
            agreement, env.sender, env.recipient, env.type, payload, created.date(), strict=settings.strict_scope
        )
        if accepted is None:
            return _Verdict(
                raw, env, False, [{"rule": p.rule, "message": p.message, "field": p.path} for p in problems]
            )
        if not _BUCKETS.take(env.sender, settings.partner_rate_per_s):
            raise _reject("rate.limited", _("too many messages from {s}; retry later").format(s=env.sender))
        return _Verdict(raw, env, True, [], accepted, dropped)
    except Rejection as exc:
        return _Verdict(raw, env, False, [exc.to_reason()])


def _sign_receipt(node: Node, v: _Verdict, key: Any = None) -> bytes:
    key = key or node.signing_key()
    assert key.private is not None
    env = v.env
    r = make_receipt(
        message_id=env.id if env else UNREADABLE_ID,
        digest=env.payload_digest if env else "sha-256:" + "A" * 43,
        accepted=v.accepted,
        reasons=v.reasons,
        receiver=node.id,
        sender=env.sender if env else node.id,
        agreement=env.agreement if env else "none",
        suite=key.suite,
        private_key=key.private,
        key_id=key.kid,
    )
    return E.to_bytes(r)


def receive(store: Store, node: Node, settings: Settings, raws: Sequence[bytes]) -> list[bytes]:
    """Check, store and answer a batch of envelopes: one signed receipt each, in order."""
    now = dt.datetime.now(dt.UTC)
    verdicts = [_check(bytes(r), node, store, settings, now) for r in raws]
    for _attempt in range(3):
        try:
            _commit(store, node, verdicts, now)
            break
        except StoreIntegrityError:
            continue  # the same message arrived twice at once: the next round sees it stored
    return [v.receipt or b"" for v in verdicts]


def _commit(store: Store, node: Node, verdicts: list[_Verdict], now: dt.datetime) -> None:
    accepted = [v for v in verdicts if v.accepted and v.env is not None]
    key = node.signing_key()  # one look-up for the whole batch of receipts
    with store.write() as conn:
        now = dt.datetime.now(dt.UTC)  # the time of this commit, not of the arrival
        ids = list({v.env.id for v in accepted if v.env is not None})
        prior: dict[str, tuple[str, str]] = {}
        for i in range(0, len(ids), 900):
            q = select(inbox.c.id, inbox.c.payload_digest, inbox.c.receipt).where(inbox.c.id.in_(ids[i : i + 900]))
            prior.update({mid: (d, rc) for mid, d, rc in conn.execute(q)})
        rows: list[dict[str, Any]] = []
        rejected: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        for v in verdicts:
            env = v.env
            if v.accepted and env is not None:
                if env.id in prior:
                    digest, receipt = prior[env.id]
                    if digest == env.payload_digest:
                        v.receipt = receipt.encode()  # a resend: the original receipt, nothing stored again
                        events.append({"event": "message.duplicate", "actor": env.sender, "subject": env.id})
                        continue
                    v.accepted = False
                    v.reasons = [
                        {
                            "rule": "message.id_reused",
                            "message": _("another message was received under this id"),
                            "field": "id",
                        }
                    ]
                else:
                    v.receipt = _sign_receipt(node, v, key)
                    prior[env.id] = (env.payload_digest, v.receipt.decode())
                    rows.append(
                        {
                            "id": env.id,
                            "sender": env.sender,
                            "type": env.type,
                            "agreement": env.agreement,
                            "created_at": env.created_at,
                            "received_at": now,
                            "payload_digest": env.payload_digest,
                            "envelope": v.raw.decode(),
                            "payload": orjson.dumps(v.payload).decode(),
                            "dropped": v.dropped or None,
                            "receipt": v.receipt.decode(),
                            "processed": 0,
                        }
                    )
                    events.append(
                        {
                            "event": "message.received",
                            "actor": env.sender,
                            "subject": env.id,
                            "details": {
                                "type": env.type,
                                "agreement": env.agreement,
                                "digest": env.payload_digest,
                                "dropped": v.dropped or [],
                            },
                        }
                    )
                    continue
            v.receipt = _sign_receipt(node, v, key)
            rejected.append(
                {
                    "message_id": env.id if env else None,
                    "sender": env.sender if env else None,
                    "received_at": now,
                    "reasons": v.reasons,
                    "size": len(v.raw),
                    "receipt": v.receipt.decode(),
                }
            )
            events.append(
                {
                    "event": "message.rejected",
                    "actor": env.sender if env else None,
                    "subject": env.id if env else None,
                    "details": {"reasons": v.reasons},
                }
            )
        if rows:
            conn.execute(inbox.insert(), rows)
        if rejected:
            conn.execute(exchange_rejections.insert(), rejected)
        audit.append(conn, events)


def receipt(store: Store, message_id: str) -> bytes | None:
    """The signed receipt this node gave for a message (accepted or rejected), for a re-fetch."""
    with store.read() as conn:
        r = conn.execute(select(inbox.c.receipt).where(inbox.c.id == message_id)).scalar()
        if r is None:
            r = conn.execute(
                select(exchange_rejections.c.receipt)
                .where(exchange_rejections.c.message_id == message_id)
                .order_by(exchange_rejections.c.id.desc())
                .limit(1)
            ).scalar()
    return r.encode() if r else None


def process_pending(store: Store, *, limit: int = 2000) -> int:
    """Hand accepted, unprocessed messages to their handlers; returns how many were processed."""
    with store.read() as conn:
        rows = list(
            conn.execute(
                select(inbox.c.id, inbox.c.sender, inbox.c.type, inbox.c.payload)
                .where(inbox.c.processed == 0)
                .order_by(inbox.c.received_at)
                .limit(limit)
            )
        )
    if not rows:
        return 0
    handle(store, [(r.id, r.sender, r.type, orjson.loads(r.payload)) for r in rows])
    with store.write() as conn:
        ids = [r.id for r in rows]
        for i in range(0, len(ids), 900):
            conn.execute(update(inbox).where(inbox.c.id.in_(ids[i : i + 900])).values(processed=1))
    return len(rows)
