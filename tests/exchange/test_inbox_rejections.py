"""The inbox refuses every attack with the exact rule, stores nothing as accepted, and audits it.

Each attack builds the bad envelope bytes by hand (sealing with the sender's real keys, then
altering what the attacker would alter), hands them to :func:`cix.exchange.inbox.receive` on the
receiving node, and checks the signed receipt (verified with the receiver's public key), the
``inbox`` and ``exchange_rejections`` tables and the audit chain.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import func, select

from cix.agreements import Agreement, instantiate, parse_agreement, scope_payload
from cix.exchange import envelope as E
from cix.exchange import inbox, node, partners
from cix.exchange.ids import uuid7
from cix.exchange.receipts import Receipt, read_receipt
from cix.exchange.rejection import Rejection
from cix.exchange.suites import get_suite
from cix.store import audit
from cix.store.schema import exchange_rejections
from cix.store.schema import inbox as inbox_t
from tests.conftest import import_declaration
from tests.exchange.conftest import TestNode as Peer
from tests.exchange.conftest import link, make_node

AGREEMENT_ID = "apec-cn-ru"
TYPE = "preliminary_information"


# --- helpers ---------------------------------------------------------------------------------------


def payload(agreement: Agreement, i: int = 0) -> dict[str, Any]:
    """A preliminary information payload inside the agreement's scope."""
    scoped, _ = scope_payload(agreement, TYPE, import_declaration(kind="preliminary", lrn=f"PI-{i}"))
    return scoped


def seal(src: Peer, dst: Peer | str, agr: Agreement, key: Any = None, **over: Any) -> E.Envelope:
    """An envelope from ``src`` to ``dst``, signed with ``src``'s current key (or ``key``).

    ``over`` replaces any argument of :func:`cix.exchange.envelope.seal`.
    """
    k = key or src.node.signing_key()
    args: dict[str, Any] = {
        "type": TYPE,
        "sender": src.node.id,
        "recipient": dst if isinstance(dst, str) else dst.node.id,
        "agreement": agr.id,
        "payload": payload(agr),
        "suite": k.suite,
        "private_key": k.private,
        "key_id": k.kid,
    }
    args.update(over)
    return E.seal(**args)


def wire(env: E.Envelope, **changes: Any) -> bytes:
    """The envelope's bytes, with ``changes`` made after signing (what a forger does)."""
    return E.to_bytes(dataclasses.replace(env, **changes) if changes else env)


def read(receiver: Peer, raw_receipt: bytes) -> tuple[E.Envelope, Receipt]:
    """A receipt verified with the receiver's public signing keys, and its content."""
    env = E.from_bytes(raw_receipt)
    E.verify(env, {k.kid: k.public for k in receiver.node.keys if k.use == "sig"})
    assert env.sender == receiver.node.id and env.type == "receipt"
    return env, read_receipt(env)


def receive(receiver: Peer, raws: list[bytes]) -> list[Receipt]:
    return [read(receiver, r)[1] for r in inbox.receive(receiver.store, receiver.node, receiver.settings, raws)]


def count(store: Any, table: Any, *where: Any) -> int:
    with store.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def rules(reasons: list[dict[str, Any]]) -> list[str]:
    return [r["rule"] for r in reasons]


def assert_rejected(receiver: Peer, raw: bytes, rule: str, field: str | None = None) -> Receipt:
    """``raw`` is refused for ``rule`` alone: signed receipt, nothing stored, a rejection row, audited."""
    stored_before = count(receiver.store, inbox_t)
    rejected_before = count(receiver.store, exchange_rejections)
    (raw_receipt,) = inbox.receive(receiver.store, receiver.node, receiver.settings, [raw])
    receipt_env, r = read(receiver, raw_receipt)
    assert r.status == "rejected" and not r.accepted
    assert set(rules(r.reasons)) == {rule}, r.reasons
    assert all(x["message"] for x in r.reasons)  # a clear reason, not just a code
    if field is not None:
        assert r.reasons[0].get("field") == field, r.reasons
    try:
        sent = E.from_bytes(raw, max_bytes=receiver.settings.max_message_bytes)
    except Rejection:
        sent = None  # the receipt then names no message: the sender matches it by its place in the batch
    if sent is not None:  # the receipt names the message and its digest, and goes back to its sender
        assert r.message_id == sent.id and r.payload_digest == sent.payload_digest
        assert receipt_env.recipient == sent.sender
    assert count(receiver.store, inbox_t) == stored_before
    assert count(receiver.store, exchange_rejections) == rejected_before + 1
    with receiver.store.read() as conn:
        row = (
            conn.execute(select(exchange_rejections).order_by(exchange_rejections.c.id.desc()).limit(1))
            .mappings()
            .one()
        )
        (entry,) = audit.tail(conn, 1)
        assert audit.verify(conn).ok
    assert rule in rules(row["reasons"]) and row["size"] == len(raw)
    assert row["receipt"].encode() == raw_receipt
    assert row["message_id"] == (sent.id if sent else None)
    assert entry["event"] == "message.rejected"
    assert rule in rules(entry["details"]["reasons"])
    assert entry["subject"] == (sent.id if sent else None)
    if sent is not None and rule != "message.id_reused":
        assert inbox.receipt(receiver.store, sent.id) == raw_receipt  # the receipt can be fetched again
    return r


# --- the attacks -----------------------------------------------------------------------------------


@dataclasses.dataclass
class Ctx:
    sender: Peer
    receiver: Peer
    agreement: Agreement
    tmp: Path


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def tampered_payload(c: Ctx) -> bytes:
    env = seal(c.sender, c.receiver, c.agreement)
    return wire(env, payload={**env.payload, "lrn": "PI-FORGED"})


def tampered_nested_payload(c: Ctx) -> bytes:
    env = seal(c.sender, c.receiver, c.agreement)
    forged = orjson.loads(orjson.dumps(env.payload))
    forged["goods"][0]["hs_code"] = "9999999999"
    return wire(env, payload=forged)


def payload_and_digest_replaced(c: Ctx) -> bytes:
    """The forger replaces the payload and recomputes its digest: the signature no longer holds."""
    env = seal(c.sender, c.receiver, c.agreement)
    forged = {**env.payload, "lrn": "PI-FORGED"}
    return wire(env, payload=forged, payload_digest=E.payload_digest(forged))


def header_version(c: Ctx) -> bytes:
    return wire(seal(c.sender, c.receiver, c.agreement), version=2)


def header_id(c: Ctx) -> bytes:
    return wire(seal(c.sender, c.receiver, c.agreement), id=str(uuid7()))


def header_created(c: Ctx) -> bytes:
    env = seal(c.sender, c.receiver, c.agreement)
    return wire(env, created=E.format_time(env.created_at - dt.timedelta(seconds=1)))


def header_type(c: Ctx) -> bytes:
    return wire(seal(c.sender, c.receiver, c.agreement), type="price_record")


def signature_flipped(c: Ctx) -> bytes:
    env = seal(c.sender, c.receiver, c.agreement)
    sig = env.signature
    return wire(env, signature=("A" if sig[0] != "A" else "B") + sig[1:])


def foreign_key(c: Ctx) -> bytes:
    """Signed by a key that is not the partner's, and naming that key."""
    suite = get_suite("ed25519")
    pair = suite.generate()
    return wire(seal(c.sender, c.receiver, c.agreement, private_key=pair.private, key_id=suite.key_id(pair.public)))


def foreign_key_claiming_partners_kid(c: Ctx) -> bytes:
    """Signed by a key that is not the partner's while naming the partner's key id."""
    pair = get_suite("ed25519").generate()
    return wire(seal(c.sender, c.receiver, c.agreement, private_key=pair.private))


def unknown_sender(c: Ctx) -> bytes:
    stranger = make_node(c.tmp, "FI", "CUSTOMS")
    return wire(seal(stranger, c.receiver, c.agreement))


def impersonated_sender(c: Ctx) -> bytes:
    """A stranger writes a known partner's id as sender: its key is not that partner's."""
    stranger = make_node(c.tmp, "FI", "CUSTOMS")
    return wire(seal(stranger, c.receiver, c.agreement, sender=c.sender.node.id))


def unknown_suite(c: Ctx) -> bytes:
    return wire(seal(c.sender, c.receiver, c.agreement), suite="rsa-pss-4096")


def wrong_recipient(c: Ctx) -> bytes:
    return wire(seal(c.sender, "FI-CUSTOMS", c.agreement))


def stale(c: Ctx) -> bytes:
    age = dt.timedelta(seconds=c.receiver.settings.freshness_seconds + 60)
    return wire(seal(c.sender, c.receiver, c.agreement, created=_now() - age))


def future(c: Ctx) -> bytes:
    ahead = dt.timedelta(seconds=c.receiver.settings.clock_skew_seconds + 60)
    return wire(seal(c.sender, c.receiver, c.agreement, created=_now() + ahead))


def unknown_agreement(c: Ctx) -> bytes:
    return wire(seal(c.sender, c.receiver, c.agreement, agreement="no-such-agreement"))


def type_not_covered(c: Ctx) -> bytes:
    return wire(seal(c.sender, c.receiver, c.agreement, type="seizure_report", payload={"case": "X-1"}))


def field_outside_scope(c: Ctx) -> bytes:
    full = payload(c.agreement)
    full["goods"][0]["invoice_amount"] = 4800  # commercial values stay home under apec-preliminary
    return wire(seal(c.sender, c.receiver, c.agreement, payload=full))


def receipt_sent_to_inbox(c: Ctx) -> bytes:
    return wire(seal(c.sender, c.receiver, c.agreement, type="receipt"))


def not_json(c: Ctx) -> bytes:
    return b"this is not an envelope"


def json_array(c: Ctx) -> bytes:
    return b"[1, 2, 3]"


def missing_signature(c: Ctx) -> bytes:
    d = seal(c.sender, c.receiver, c.agreement).to_dict()
    del d["signature"]
    return orjson.dumps(d)


def extra_field(c: Ctx) -> bytes:
    d = seal(c.sender, c.receiver, c.agreement).to_dict()
    d["x-forwarded"] = "1"
    return orjson.dumps(d)


def bad_id(c: Ctx) -> bytes:
    d = seal(c.sender, c.receiver, c.agreement).to_dict()
    d["id"] = "'; DROP TABLE inbox; --"
    return orjson.dumps(d)


def empty(c: Ctx) -> bytes:
    return b""


ATTACKS: dict[str, tuple[Callable[[Ctx], bytes], str, str | None]] = {
    "tampered payload": (tampered_payload, "digest.mismatch", "payload"),
    "tampered nested payload": (tampered_nested_payload, "digest.mismatch", "payload"),
    "payload and digest replaced": (payload_and_digest_replaced, "signature.invalid", "signature"),
    "header version changed": (header_version, "signature.invalid", "signature"),
    "header id changed": (header_id, "signature.invalid", "signature"),
    "header created changed": (header_created, "signature.invalid", "signature"),
    "header type changed": (header_type, "signature.invalid", "signature"),
    "signature altered": (signature_flipped, "signature.invalid", "signature"),
    "signed by a foreign key": (foreign_key, "key.unknown", "key_id"),
    "foreign key claiming the partner's key id": (foreign_key_claiming_partners_kid, "signature.invalid", "signature"),
    "unknown sender": (unknown_sender, "sender.unknown", "sender"),
    "impersonated sender": (impersonated_sender, "key.unknown", "key_id"),
    "unknown suite": (unknown_suite, "suite.unknown", "suite"),
    "wrong recipient": (wrong_recipient, "recipient.wrong", "recipient"),
    "stale timestamp": (stale, "message.stale", "created"),
    "timestamp from the future": (future, "message.future", "created"),
    "unknown agreement": (unknown_agreement, "agreement.unknown", "agreement"),
    "message type not covered": (type_not_covered, "agreement.type", "/type"),
    "field outside the scope": (field_outside_scope, "agreement.field", "/goods/0/invoice_amount"),
    "receipt sent to the inbox": (receipt_sent_to_inbox, "type.receipt", "type"),
    "not JSON": (not_json, "envelope.malformed", None),
    "empty bytes": (empty, "envelope.malformed", None),
    "JSON array": (json_array, "envelope.malformed", None),
    "missing signature": (missing_signature, "envelope.malformed", "signature"),
    "unknown envelope field": (extra_field, "envelope.malformed", "x-forwarded"),
    "malformed id": (bad_id, "envelope.malformed", "id"),
}


@pytest.fixture
def ctx(pair: Any, tmp_path: Path) -> Ctx:
    cn, ru, _t, agreement = pair
    return Ctx(cn, ru, agreement, tmp_path)


def _pg_ctx(tmp: Path, url: str) -> Ctx:
    cn = make_node(tmp, "CN", "GACC")
    ru = make_node(tmp, "RU", "FCS", url=url)
    agreement = instantiate("apec-preliminary", ["CN-GACC", "RU-FCS"], agreement_id=AGREEMENT_ID)
    link(cn, ru, agreement)
    return Ctx(cn, ru, agreement, tmp)


@pytest.fixture
def ctx_any(tmp_path: Path, store_url: str) -> Iterator[Ctx]:
    """The pair with the receiver's store on each back end (SQLite file, PostgreSQL)."""
    c = _pg_ctx(tmp_path, store_url)
    yield c
    c.receiver.store.dispose()
    c.sender.store.dispose()


@pytest.mark.parametrize("name", list(ATTACKS))
def test_attack_rejected(ctx: Ctx, name: str) -> None:
    make, rule, field = ATTACKS[name]
    assert_rejected(ctx.receiver, make(ctx), rule, field)


@pytest.mark.postgres
def test_every_attack_rejected_on_postgresql(tmp_path: Path) -> None:
    from tests.conftest import _pg_database

    gen = _pg_database()
    url = next(gen)
    try:
        c = _pg_ctx(tmp_path, url)
        for name, (make, rule, field) in ATTACKS.items():
            sub = tmp_path / name.replace(" ", "_").replace("'", "")
            sub.mkdir()
            assert_rejected(c.receiver, make(dataclasses.replace(c, tmp=sub)), rule, field)
        # and a good message still goes through afterwards
        (r,) = receive(c.receiver, [wire(seal(c.sender, c.receiver, c.agreement))])
        assert r.accepted
        c.receiver.store.dispose()
    finally:
        next(gen, None)  # drops the database


def test_good_message_accepted(ctx: Ctx) -> None:
    """The control: the same construction without an attack is accepted and stored."""
    env = seal(ctx.sender, ctx.receiver, ctx.agreement)
    (r,) = receive(ctx.receiver, [wire(env)])
    assert r.accepted and r.reasons == [] and r.message_id == env.id
    assert count(ctx.receiver.store, inbox_t) == 1
    assert count(ctx.receiver.store, exchange_rejections) == 0


def test_rejections_do_not_spoil_the_batch(ctx: Ctx) -> None:
    """A batch mixing good and bad envelopes: one receipt each, in order; only the good ones stored."""
    good = [wire(seal(ctx.sender, ctx.receiver, ctx.agreement)) for _ in range(3)]
    bad = [tampered_payload(ctx), stale(ctx), not_json(ctx)]
    batch = [good[0], bad[0], good[1], bad[1], bad[2], good[2]]
    got = receive(ctx.receiver, batch)
    assert [r.status for r in got] == ["accepted", "rejected", "accepted", "rejected", "rejected", "accepted"]
    assert [rules(r.reasons) for r in got if not r.accepted] == [
        ["digest.mismatch"],
        ["message.stale"],
        ["envelope.malformed"],
    ]
    assert count(ctx.receiver.store, inbox_t) == 3
    assert count(ctx.receiver.store, exchange_rejections) == 3
    with ctx.receiver.store.read() as conn:
        events = [e["event"] for e in audit.tail(conn, 10)]
        assert audit.verify(conn).ok
    assert sorted(events) == ["message.received"] * 3 + ["message.rejected"] * 3


# --- attacks that need the receiver configured -----------------------------------------------------


def test_suite_not_accepted_from_partner(ctx: Ctx) -> None:
    """The suite exists, but this partner is configured for another one only."""
    with ctx.receiver.store.write() as conn:
        partners.add(conn, node.card(ctx.sender.node), suites=["gost2012-256"])
    raw = wire(seal(ctx.sender, ctx.receiver, ctx.agreement))
    r = assert_rejected(ctx.receiver, raw, "suite.refused", "suite")
    assert "gost2012-256" in r.reasons[0]["message"]
    # configured back: the same bytes are accepted
    with ctx.receiver.store.write() as conn:
        partners.add(conn, node.card(ctx.sender.node), suites=["ed25519", "gost2012-256"])
    (again,) = receive(ctx.receiver, [raw])
    assert again.accepted


def test_oversized_envelope(tmp_path: Path) -> None:
    cn = make_node(tmp_path, "CN", "GACC")
    ru = make_node(tmp_path, "RU", "FCS", max_message_bytes=2048)
    agreement = instantiate("apec-preliminary", ["CN-GACC", "RU-FCS"], agreement_id=AGREEMENT_ID)
    link(cn, ru, agreement)
    small = wire(seal(cn, ru, agreement))
    assert len(small) <= 2048
    big_payload = payload(agreement)
    big_payload["goods"] = big_payload["goods"] * 20
    big = wire(seal(cn, ru, agreement, payload=big_payload))
    assert len(big) > 2048
    r = assert_rejected(ru, big, "envelope.too_large")
    assert "2048" in r.reasons[0]["message"]
    (ok,) = receive(ru, [small])
    assert ok.accepted


def test_field_outside_scope_dropped_when_not_strict(ctx: Ctx) -> None:
    ctx.receiver.settings.strict_scope = False
    raw = field_outside_scope(ctx)
    env = E.from_bytes(raw)
    (r,) = receive(ctx.receiver, [raw])
    assert r.accepted and r.reasons == []
    with ctx.receiver.store.read() as conn:
        row = conn.execute(select(inbox_t).where(inbox_t.c.id == env.id)).mappings().one()
        (entry,) = audit.tail(conn, 1)
        assert audit.verify(conn).ok
    stored = orjson.loads(row["payload"])
    assert "invoice_amount" not in stored["goods"][0] and stored["goods"][0]["hs_code"]
    assert row["dropped"] == ["/goods/0/invoice_amount"]
    assert entry["event"] == "message.received" and entry["details"]["dropped"] == ["/goods/0/invoice_amount"]
    assert count(ctx.receiver.store, exchange_rejections) == 0


def test_strict_scope_names_every_field(ctx: Ctx) -> None:
    full = payload(ctx.agreement)
    full["goods"][0]["invoice_amount"] = 4800
    full["goods"][0]["customs_value"] = 5000
    full["secret_note"] = "for our eyes only"
    (r,) = receive(ctx.receiver, [wire(seal(ctx.sender, ctx.receiver, ctx.agreement, payload=full))])
    assert not r.accepted
    assert set(rules(r.reasons)) == {"agreement.field"}
    assert sorted(x["field"] for x in r.reasons) == [
        "/goods/0/customs_value",
        "/goods/0/invoice_amount",
        "/secret_note",
    ]
    assert "for our eyes only" not in orjson.dumps(r.reasons).decode()  # out-of-scope data is not echoed
    assert count(ctx.receiver.store, inbox_t) == 0


def test_rate_limited_per_partner_then_accepted(ctx: Ctx) -> None:
    ctx.receiver.settings.partner_rate_per_s = 20
    envs = [seal(ctx.sender, ctx.receiver, ctx.agreement) for _ in range(25)]
    got = receive(ctx.receiver, [wire(e) for e in envs])
    accepted = [e for e, r in zip(envs, got, strict=True) if r.accepted]
    limited = [(e, r) for e, r in zip(envs, got, strict=True) if not r.accepted]
    assert len(accepted) == 20 and len(limited) == 5
    assert all(rules(r.reasons) == ["rate.limited"] for _e, r in limited)
    assert count(ctx.receiver.store, inbox_t) == 20
    assert count(ctx.receiver.store, exchange_rejections) == 5
    with ctx.receiver.store.read() as conn:
        assert [e["event"] for e in audit.tail(conn, 5)] == ["message.rejected"] * 5
        assert audit.verify(conn).ok
    # the rejection is retryable: once the bucket refills, the same messages are accepted
    time.sleep(0.4)
    again = receive(ctx.receiver, [wire(e) for e, _r in limited])
    assert all(r.accepted for r in again)
    assert count(ctx.receiver.store, inbox_t) == 25


# --- replay and id reuse ---------------------------------------------------------------------------


def test_replay_answered_with_original_receipt(ctx_any: Ctx) -> None:
    c = ctx_any
    raw = wire(seal(c.sender, c.receiver, c.agreement))
    (first,) = inbox.receive(c.receiver.store, c.receiver.node, c.receiver.settings, [raw])
    assert read(c.receiver, first)[1].accepted
    again = inbox.receive(c.receiver.store, c.receiver.node, c.receiver.settings, [raw])
    twice_in_a_batch = inbox.receive(c.receiver.store, c.receiver.node, c.receiver.settings, [raw, raw])
    assert again == [first] and twice_in_a_batch == [first, first]  # byte for byte the original receipt
    assert count(c.receiver.store, inbox_t) == 1
    assert count(c.receiver.store, exchange_rejections) == 0
    with c.receiver.store.read() as conn:
        events = [e["event"] for e in reversed(audit.tail(conn, 10))]
        assert audit.verify(conn).ok
    assert events == ["message.received"] + ["message.duplicate"] * 3
    assert inbox.receipt(c.receiver.store, E.from_bytes(raw).id) == first


def test_duplicate_within_first_batch_stored_once(ctx_any: Ctx) -> None:
    c = ctx_any
    raw = wire(seal(c.sender, c.receiver, c.agreement))
    a, b = inbox.receive(c.receiver.store, c.receiver.node, c.receiver.settings, [raw, raw])
    assert a == b and read(c.receiver, a)[1].accepted
    assert count(c.receiver.store, inbox_t) == 1


def test_id_reused_by_another_message(ctx_any: Ctx) -> None:
    c = ctx_any
    first = seal(c.sender, c.receiver, c.agreement)
    (ok,) = receive(c.receiver, [wire(first)])
    assert ok.accepted
    other = seal(c.sender, c.receiver, c.agreement, id=first.id, payload=payload(c.agreement, 7))
    assert other.payload_digest != first.payload_digest
    r = assert_rejected(c.receiver, wire(other), "message.id_reused", "id")
    assert r.payload_digest == other.payload_digest
    with c.receiver.store.read() as conn:
        stored = conn.execute(select(inbox_t.c.payload_digest).where(inbox_t.c.id == first.id)).scalar_one()
    assert stored == first.payload_digest  # the first message is kept, untouched


def test_id_reused_within_one_batch(ctx: Ctx) -> None:
    first = seal(ctx.sender, ctx.receiver, ctx.agreement)
    other = seal(ctx.sender, ctx.receiver, ctx.agreement, id=first.id, payload=payload(ctx.agreement, 7))
    a, b = receive(ctx.receiver, [wire(first), wire(other)])
    assert a.accepted
    assert not b.accepted and rules(b.reasons) == ["message.id_reused"]
    assert count(ctx.receiver.store, inbox_t) == 1
    assert count(ctx.receiver.store, exchange_rejections) == 1


def test_rejected_message_is_not_remembered_as_accepted(ctx: Ctx) -> None:
    """A tampered copy arrives first; the genuine message under the same id is still accepted after."""
    env = seal(ctx.sender, ctx.receiver, ctx.agreement)
    assert_rejected(ctx.receiver, wire(env, payload={**env.payload, "lrn": "PI-FORGED"}), "digest.mismatch")
    (r,) = receive(ctx.receiver, [wire(env)])
    assert r.accepted
    assert count(ctx.receiver.store, inbox_t) == 1


# --- stored values the back ends must hold --------------------------------------------------------


def test_long_unknown_sender_does_not_break_the_batch(ctx_any: Ctx) -> None:
    """A sender id may have up to 67 characters by the envelope format; an unknown one is refused
    with its own receipt, and the good envelopes of the same batch are still accepted.

    (Regression: the sender columns were 40 characters, so PostgreSQL refused the rejection row and
    the whole batch failed without receipts.)"""
    c = ctx_any
    long_id = "FI-" + "C" * 60
    stranger = make_node(c.tmp, "FI", "CUSTOMS")
    forged = wire(seal(stranger, c.receiver, c.agreement, sender=long_id))
    good = wire(seal(c.sender, c.receiver, c.agreement))
    got = receive(c.receiver, [good, forged])
    assert got[0].accepted
    assert rules(got[1].reasons) == ["sender.unknown"]
    assert count(c.receiver.store, inbox_t) == 1


def test_long_message_type_is_stored(ctx_any: Ctx, request: pytest.FixtureRequest) -> None:
    """An agreement may name a message type of up to 64 characters (agreements.model.TYPE_RE, and the
    envelope's ``type`` format); a message of that type is accepted and stored on both back ends."""
    c = ctx_any
    long_type = "preliminary_information_multimodal_transit"  # 42 characters
    data = c.agreement.to_dict()
    data["id"] = "apec-long-type"
    data["message_types"][long_type] = data["message_types"][TYPE]
    agr = parse_agreement(data)
    link(c.sender, c.receiver, agr)
    env = seal(c.sender, c.receiver, agr, type=long_type)
    (r,) = receive(c.receiver, [wire(env)])
    assert r.accepted
    assert count(c.receiver.store, inbox_t, inbox_t.c.type == long_type) == 1
