"""The sender enforces the agreement: a field outside the scope never leaves, a failing condition stops the message."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import func, select

from cix.agreements import Agreement, instantiate
from cix.errors import ValidationFailed
from cix.exchange import envelope as E
from cix.exchange import outbox, partners
from cix.exchange.transport import MemoryTransport
from cix.store.schema import inbox as inbox_t
from cix.store.schema import outbox as outbox_t
from tests.conftest import import_declaration
from tests.exchange.conftest import TestNode as Peer
from tests.exchange.conftest import link, make_node
from tests.exchange.test_inbox_rejections import assert_rejected, seal

SENTINELS = ("SENTINEL-NOTE-7f3a", "987654.32", "SENTINEL-SELLER", "SENTINEL-CV")


def _partner(of: Peer, pid: str) -> partners.Partner:
    with of.store.read() as conn:
        return partners.get(conn, pid)


def _leaky(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` with values no agreement lets leave, each marked so it can be searched for in bytes."""
    doc["internal_note"] = SENTINELS[0]
    doc["goods"][0]["invoice_amount"] = 987654.32
    doc["seller"] = {"name": SENTINELS[2], "identifier": "CN91110000MA0000000X"}
    doc["goods"][0]["customs_value"] = SENTINELS[3]
    return doc


def _outbox_bytes(n: Peer) -> list[bytes]:
    with n.store.read() as conn:
        return [r.encode() for r in conn.execute(select(outbox_t.c.envelope)).scalars()]


@dataclasses.dataclass
class Net:
    sender: Peer
    receiver: Peer
    agreement: Agreement
    transport: MemoryTransport


@pytest.fixture
def apec(tmp_path: Path) -> Iterator[Net]:
    cn = make_node(tmp_path, "CN", "GACC")
    ru = make_node(tmp_path, "RU", "FCS")
    agreement = instantiate("apec-preliminary", ["CN-GACC", "RU-FCS"], agreement_id="apec-cn-ru")
    link(cn, ru, agreement)
    t = MemoryTransport()
    t.register("RU-FCS", ru.receiver())
    yield Net(cn, ru, agreement, t)


@pytest.fixture
def green(tmp_path: Path) -> Iterator[Net]:
    fi = make_node(tmp_path, "FI", "CUSTOMS")
    ru = make_node(tmp_path, "RU", "FCS")
    agreement = instantiate("green-corridor", ["FI-CUSTOMS", "RU-FCS"], agreement_id="gc-fi-ru")
    link(fi, ru, agreement)
    t = MemoryTransport()
    t.register("RU-FCS", ru.receiver())
    t.register("FI-CUSTOMS", fi.receiver())
    yield Net(fi, ru, agreement, t)


def export_declaration(aeo: Any = True) -> dict[str, Any]:
    exporter: dict[str, Any] = {"name": "Exporter Oy", "identifier": "FI12345678", "country": "FI"}
    if aeo is not None:
        exporter["aeo"] = aeo
    doc = import_declaration(kind="export", lrn="EX-1", mrn="26FI000000000001A1", exporter=exporter)
    doc["goods"][0]["customs_value"] = 5000
    return doc


# --- scope -----------------------------------------------------------------------------------------


def test_field_outside_scope_never_stored_in_outbox(apec: Net) -> None:
    doc = _leaky(import_declaration(kind="preliminary", lrn="PI-1"))
    env, dropped = outbox.seal_for(
        apec.sender.node, _partner(apec.sender, "RU-FCS"), apec.agreement, "preliminary_information", doc
    )
    assert {"/internal_note", "/seller", "/goods/0/invoice_amount", "/goods/0/customs_value"} <= set(dropped)
    assert "/goods/0/tax_rate" in dropped and "/goods/0/incoterm" in dropped
    with apec.sender.store.write() as conn:
        outbox.enqueue(conn, [env])
    (raw,) = _outbox_bytes(apec.sender)
    for s in SENTINELS:
        assert s.encode() not in raw
    for name in (b"invoice_amount", b"customs_value", b"internal_note", b"seller", b"tax_rate"):
        assert name not in raw
    assert b"0901210000" in raw  # what the scope gives does leave
    # and nothing of it reaches the partner
    assert apec.sender.deliverer(apec.transport).run_once() == 1
    with apec.receiver.store.read() as conn:
        stored = conn.execute(select(inbox_t.c.envelope, inbox_t.c.payload, inbox_t.c.dropped)).one()
    assert stored.dropped is None  # the receiver had nothing to drop
    for s in SENTINELS:
        assert s not in stored.envelope and s not in stored.payload


def test_sender_does_not_alter_the_callers_record(apec: Net) -> None:
    doc = _leaky(import_declaration(kind="preliminary", lrn="PI-1"))
    copy = orjson.loads(orjson.dumps(doc))
    outbox.seal_for(apec.sender.node, _partner(apec.sender, "RU-FCS"), apec.agreement, "preliminary_information", doc)
    assert doc == copy


def test_message_type_outside_agreement_never_queued(apec: Net) -> None:
    with pytest.raises(ValidationFailed) as exc:
        outbox.seal_for(
            apec.sender.node, _partner(apec.sender, "RU-FCS"), apec.agreement, "seizure_report", {"case": "X"}
        )
    problems = exc.value.details["problems"]
    assert [p["rule"] for p in problems] == ["agreement.type"]
    assert problems[0]["path"] == "/type"


# --- conditions and direction (green corridor) -----------------------------------------------------


def test_green_corridor_requires_aeo_exporter(green: Net) -> None:
    cond = green.agreement.message_types["export_declaration"].conditions
    assert [(c.path, c.op, c.value) for c in cond] == [("/exporter/aeo", "eq", True)]
    ru = _partner(green.sender, "RU-FCS")
    for aeo in (False, None, "true", 1):  # only JSON true holds
        with pytest.raises(ValidationFailed) as exc:
            outbox.seal_for(green.sender.node, ru, green.agreement, "export_declaration", export_declaration(aeo))
        problems = exc.value.details["problems"]
        assert [(p["rule"], p["path"]) for p in problems] == [("agreement.condition", "/exporter/aeo")], aeo
        assert green.agreement.id in exc.value.message
    assert _outbox_bytes(green.sender) == []


def test_green_corridor_aeo_exporter_leaves_without_customs_value(green: Net) -> None:
    ru = _partner(green.sender, "RU-FCS")
    env, dropped = outbox.seal_for(green.sender.node, ru, green.agreement, "export_declaration", export_declaration())
    assert env.encrypted  # the preset requires encryption to the importing customs
    assert "/goods/0/customs_value" in dropped
    with green.sender.store.write() as conn:
        outbox.enqueue(conn, [env])
    assert green.sender.deliverer(green.transport).run_once() == 1
    with green.receiver.store.read() as conn:
        payload = orjson.loads(conn.execute(select(inbox_t.c.payload)).scalar_one())
        n = conn.execute(select(func.count()).select_from(inbox_t)).scalar_one()
    assert n == 1
    assert payload["exporter"]["aeo"] is True and payload["mrn"] == "26FI000000000001A1"
    assert "customs_value" not in payload["goods"][0]


def test_green_corridor_one_way_only(green: Net) -> None:
    """The importing customs may not send export declaration data back."""
    with pytest.raises(ValidationFailed) as exc:
        outbox.seal_for(
            green.receiver.node,
            _partner(green.receiver, "FI-CUSTOMS"),
            green.agreement,
            "export_declaration",
            export_declaration(),
        )
    assert [p["rule"] for p in exc.value.details["problems"]] == ["agreement.direction"]


def test_green_corridor_condition_enforced_by_receiver_too(green: Net) -> None:
    """A sender that skips its own checks (or a forged node) is refused at the inbox."""
    ru_enc = green.receiver.node.encryption_key()
    assert ru_enc is not None
    doc = export_declaration(aeo=False)
    del doc["goods"][0]["customs_value"]
    scoped = {k: v for k, v in doc.items() if k in ("kind", "mrn", "date", "exporter")}
    env = seal(
        green.sender,
        green.receiver,
        green.agreement,
        type="export_declaration",
        payload=scoped,
        encrypt_to=ru_enc.public,
    )
    r = assert_rejected(green.receiver, E.to_bytes(env), "agreement.condition", "/exporter/aeo")
    assert r.reasons[0]["field"] == "/exporter/aeo"
