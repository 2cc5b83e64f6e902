"""Key rotation in the middle of traffic, the end of the overlap, and payload encryption to the recipient.

The sender's identity is created a day back (its first keys valid from yesterday), so that the
keys made by a rotation today are unambiguously the newer ones; the agreement is in force since
yesterday too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from cix.agreements import Agreement, instantiate
from cix.exchange import envelope as E
from cix.exchange import node, outbox, partners
from cix.exchange.crypto_box import generate_encryption_keypair
from cix.exchange.transport import MemoryTransport
from cix.store import audit
from cix.store.schema import inbox as inbox_t
from cix.store.schema import outbox as outbox_t
from tests.conftest import import_declaration
from tests.exchange.conftest import TestNode as Peer
from tests.exchange.conftest import link, make_node
from tests.exchange.test_inbox_rejections import TYPE, assert_rejected, count, receive, seal

YESTERDAY = dt.timedelta(days=1)


def _backdated(tmp: Path, country: str, authority: str, monkeypatch: pytest.MonkeyPatch) -> Peer:
    real = node._now
    with monkeypatch.context() as m:
        m.setattr(node, "_now", lambda: real() - YESTERDAY)
        return make_node(tmp, country, authority)


@dataclasses.dataclass
class Net:
    cn: Peer
    ru: Peer
    agreement: Agreement
    transport: MemoryTransport

    def partner(self, of: Peer, pid: str) -> partners.Partner:
        with of.store.read() as conn:
            return partners.get(conn, pid)

    def send(self, docs: list[dict[str, Any]]) -> list[str]:
        """Seal CN's messages now (with CN's current key) and queue them."""
        ru = self.partner(self.cn, "RU-FCS")
        envs = [outbox.seal_for(self.cn.node, ru, self.agreement, TYPE, d)[0] for d in docs]
        with self.cn.store.write() as conn:
            return outbox.enqueue(conn, envs)

    def hand_card(self, frm: Peer, to: Peer, card: dict[str, Any] | None = None) -> None:
        with to.store.write() as conn:
            _p, new = partners.add(conn, card or node.card(frm.node))
        assert not new  # an update of a known partner

    def deliver(self) -> int:
        return self.cn.deliverer(self.transport).run_once()


def _net(tmp: Path, monkeypatch: pytest.MonkeyPatch, *, encrypt: bool = False) -> Net:
    cn = _backdated(tmp, "CN", "GACC", monkeypatch)
    ru = _backdated(tmp, "RU", "FCS", monkeypatch)
    # In force since yesterday, as the nodes' first keys are: a message sealed two hours ago must fall
    # inside the agreement also between midnight and two o'clock.
    agreement = instantiate(
        "apec-preliminary",
        ["CN-GACC", "RU-FCS"],
        agreement_id="apec-enc" if encrypt else "apec-cn-ru",
        encrypt=encrypt,
        valid_from=dt.date.today() - YESTERDAY,
    )
    link(cn, ru, agreement)
    t = MemoryTransport()
    t.register("RU-FCS", ru.receiver())
    t.register("CN-GACC", cn.receiver())
    return Net(cn, ru, agreement, t)


@pytest.fixture
def net(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Net]:
    yield _net(tmp_path, monkeypatch)


@pytest.fixture
def enc_net(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Net]:
    yield _net(tmp_path, monkeypatch, encrypt=True)


def prelim(i: int) -> dict[str, Any]:
    return import_declaration(kind="preliminary", lrn=f"PI-{i}")


def statuses(n: Peer) -> dict[str, str]:
    with n.store.read() as conn:
        return dict(conn.execute(select(outbox_t.c.id, outbox_t.c.status)).all())


def key_of(n: Peer, message_id: str) -> str:
    with n.store.read() as conn:
        raw = conn.execute(select(inbox_t.c.envelope).where(inbox_t.c.id == message_id)).scalar_one()
    return E.from_bytes(raw).key_id


# --- rotation ---------------------------------------------------------------------------------------


def test_rotation_in_the_middle_of_traffic(net: Net) -> None:
    old = net.cn.node.signing_key()
    before = net.send([prelim(i) for i in range(3)])
    net.transport.down.add("RU-FCS")  # these wait in the outbox, signed with the old key
    assert net.deliver() == 0
    net.transport.down.clear()
    sent_early = net.send([prelim(10)])
    assert net.deliver() == 1  # the three are backing off; only the new one is due

    net.cn.node = node.rotate(net.cn.node.home, overlap_days=30)
    new = net.cn.node.signing_key()
    assert new.kid != old.kid and new.private is not None
    rotated_old = next(k for k in net.cn.node.keys if k.kid == old.kid)
    assert rotated_old.valid_to is not None and rotated_old.valid_to > dt.datetime.now(dt.UTC)

    # before the receiver has the new card, a new-key message is refused (not stored), the old key still works
    early_new = seal(net.cn, net.ru, net.agreement)
    assert early_new.key_id == new.kid
    assert_rejected(net.ru, E.to_bytes(early_new), "key.unknown", "key_id")

    net.hand_card(net.cn, net.ru)
    after = net.send([prelim(20 + i) for i in range(3)])
    with net.cn.store.write() as conn:  # the back-off of the old-key messages has passed
        conn.execute(outbox_t.update().values(next_attempt_at=outbox_t.c.created_at))
    assert net.deliver() == 6
    st = statuses(net.cn)
    assert all(st[i] == "delivered" for i in before + sent_early + after), st
    assert {key_of(net.ru, i) for i in before + sent_early} == {old.kid}
    assert {key_of(net.ru, i) for i in after} == {new.kid}
    (r,) = receive(net.ru, [E.to_bytes(early_new)])  # the refused message, sent again, now verifies
    assert r.accepted
    assert count(net.ru.store, inbox_t) == 8
    for n in (net.cn, net.ru):
        with n.store.read() as conn:
            assert audit.verify(conn).ok


def test_old_key_after_the_overlap_ends(net: Net) -> None:
    old = net.cn.node.signing_key()
    net.cn.node = node.rotate(net.cn.node.home)
    new = net.cn.node.signing_key()
    now = dt.datetime.now(dt.UTC)
    ended = now - dt.timedelta(hours=1)
    card = node.card(net.cn.node)
    for k in card["keys"]:
        if k["kid"] == old.kid:
            k["valid_to"] = ended.isoformat().replace("+00:00", "Z")
    net.hand_card(net.cn, net.ru, card)

    late = seal(net.cn, net.ru, net.agreement, key=old, created=now - dt.timedelta(minutes=10))
    r = assert_rejected(net.ru, E.to_bytes(late), "key.expired", "key_id")
    assert old.kid in r.reasons[0]["message"]
    # a message the old key signed while it was valid still verifies
    early = seal(net.cn, net.ru, net.agreement, key=old, created=now - dt.timedelta(hours=2))
    fresh = seal(net.cn, net.ru, net.agreement)
    assert fresh.key_id == new.kid
    got = receive(net.ru, [E.to_bytes(early), E.to_bytes(fresh)])
    assert [g.status for g in got] == ["accepted", "accepted"]
    assert count(net.ru.store, inbox_t) == 2


def test_receiver_rotates_and_receipts_still_verify(net: Net) -> None:
    """The receiver signs receipts with its new key; the sender settles them once it has the new card."""
    old = net.ru.node.signing_key()
    net.ru.node = node.rotate(net.ru.node.home)
    net.transport.register("RU-FCS", net.ru.receiver())
    assert net.ru.node.signing_key().kid != old.kid
    net.hand_card(net.ru, net.cn)
    ids = net.send([prelim(i) for i in range(2)])
    assert net.deliver() == 2
    assert {statuses(net.cn)[i] for i in ids} == {"delivered"}


def test_newest_key_when_rotated_within_the_same_second(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rotating makes the new key the one that signs, even when the rotation happens in the second
    the previous key was made (``node._now`` drops microseconds, so both keys share ``valid_from``).

    (Regression: ``max(valid_from)`` picked the retired key on such a tie.)"""
    frozen = dt.datetime.now(dt.UTC).replace(microsecond=0)
    monkeypatch.setattr(node, "_now", lambda: frozen)
    home = tmp_path / "CN-GACC"
    first = node.init(home, "CN", "GACC")
    old_sig, old_enc = first.signing_key(), first.encryption_key()
    rotated = node.rotate(home)
    assert rotated.signing_key().kid != old_sig.kid
    enc = rotated.encryption_key()
    assert enc is not None and old_enc is not None and enc.kid != old_enc.kid


# --- encryption -------------------------------------------------------------------------------------


def test_encrypted_agreement_encrypts_and_receiver_decrypts(enc_net: Net) -> None:
    net = enc_net
    doc = prelim(1)
    env, dropped = outbox.seal_for(net.cn.node, net.partner(net.cn, "RU-FCS"), net.agreement, TYPE, doc)
    assert env.encrypted and "/goods/0/invoice_amount" in dropped
    ru_enc = net.ru.node.encryption_key()
    assert ru_enc is not None and env.payload["kid"] == ru_enc.kid
    wire = E.to_bytes(env)
    for clear in (b"PI-1", b"0901210000", b"Coffee", b"hs_code", b"CSQU3054383"):
        assert clear not in wire  # nothing of the payload travels in clear
    with net.cn.store.write() as conn:
        outbox.enqueue(conn, [env])
    assert net.deliver() == 1
    assert statuses(net.cn)[env.id] == "delivered"
    with net.ru.store.read() as conn:
        stored = orjson.loads(conn.execute(select(inbox_t.c.payload).where(inbox_t.c.id == env.id)).scalar_one())
    assert stored["lrn"] == "PI-1" and stored["goods"][0]["hs_code"] == "0901210000"
    assert "invoice_amount" not in stored["goods"][0]


def test_unencrypted_message_refused_under_encrypting_agreement(enc_net: Net) -> None:
    net = enc_net
    plain = seal(net.cn, net.ru, net.agreement)
    assert not plain.encrypted
    assert_rejected(net.ru, E.to_bytes(plain), "payload.unencrypted", "payload")


def test_encrypted_payload_tampered_or_to_a_foreign_key(enc_net: Net) -> None:
    net = enc_net
    ru_enc = net.ru.node.encryption_key()
    assert ru_enc is not None
    env = seal(net.cn, net.ru, net.agreement, encrypt_to=ru_enc.public)
    ct = env.payload["ct"]
    forged = {**env.payload, "ct": ("A" if ct[0] != "A" else "B") + ct[1:]}
    assert_rejected(net.ru, E.to_bytes(dataclasses.replace(env, payload=forged)), "digest.mismatch", "payload")
    # correctly signed, but encrypted to a key the receiver does not hold
    _priv, stranger_public = generate_encryption_keypair()
    lost = seal(net.cn, net.ru, net.agreement, encrypt_to=stranger_public)
    assert_rejected(net.ru, E.to_bytes(lost), "payload.undecryptable", "payload")


def test_encrypted_ciphertext_moved_into_another_envelope(enc_net: Net) -> None:
    """A ciphertext is bound to its envelope header: re-sealed under another id, it does not open."""
    net = enc_net
    ru_enc = net.ru.node.encryption_key()
    assert ru_enc is not None
    original = seal(net.cn, net.ru, net.agreement, encrypt_to=ru_enc.public)
    k = net.cn.node.signing_key()
    assert k.private is not None
    moved = E.seal(
        type=TYPE,
        sender=net.cn.node.id,
        recipient=net.ru.node.id,
        agreement=net.agreement.id,
        payload=original.payload,  # already encrypted: sealed as is
        suite=k.suite,
        private_key=k.private,
        key_id=k.kid,
    )
    assert moved.encrypted and moved.id != original.id
    assert_rejected(net.ru, E.to_bytes(moved), "payload.undecryptable", "payload")


def test_receiver_rotates_encryption_key(enc_net: Net) -> None:
    """Messages encrypted to the receiver's old key still open after it rotates; new ones use the new key."""
    net = enc_net
    before = net.send([prelim(1)])
    old_enc = net.ru.node.encryption_key()
    net.ru.node = node.rotate(net.ru.node.home)
    net.transport.register("RU-FCS", net.ru.receiver())
    new_enc = net.ru.node.encryption_key()
    assert old_enc is not None and new_enc is not None and new_enc.kid != old_enc.kid
    net.hand_card(net.ru, net.cn)
    after = net.send([prelim(2)])
    with net.cn.store.read() as conn:
        kids = {i: orjson.loads(outbox.get(conn, i)["envelope"])["payload"]["kid"] for i in before + after}
    assert kids == {before[0]: old_enc.kid, after[0]: new_enc.kid}
    assert net.deliver() == 2
    assert set(statuses(net.cn).values()) == {"delivered"}
    assert count(net.ru.store, inbox_t) == 2
