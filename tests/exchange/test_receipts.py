"""Receipts: signed, verifiable, naming the message and its digest, with reasons when rejected."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from cix.exchange import envelope as E
from cix.exchange import receipts
from cix.exchange.envelope import Envelope
from cix.exchange.rejection import Rejection
from cix.exchange.suites import KeyPair, get_suite

ED = get_suite("ed25519")


@pytest.fixture(scope="module")
def keys() -> KeyPair:
    return ED.generate()


def seal(keys: KeyPair) -> Envelope:
    return E.seal(
        type="preliminary_information",
        sender="RU-FCS",
        recipient="FI-CUSTOMS",
        agreement="apec-preliminary",
        payload={"consignment": {"ucr": "6FI1234567-ABC123"}},
        suite="ed25519",
        private_key=keys.private,
        key_id=ED.key_id(keys.public),
    )


def rule_of(envelope: Envelope, public: bytes) -> str:
    with pytest.raises(Rejection) as info:
        E.verify(envelope, public)
    return info.value.rule


def test_receipt_for_an_accepted_message(keys: KeyPair) -> None:
    message = seal(keys)
    receiver = ED.generate()
    receipt = receipts.receipt_for(
        message,
        accepted=True,
        reasons=[],
        suite="ed25519",
        private_key=receiver.private,
        key_id=ED.key_id(receiver.public),
    )
    E.verify(E.from_bytes(E.to_bytes(receipt)), receiver.public)
    assert (receipt.type, receipt.sender, receipt.recipient) == ("receipt", "FI-CUSTOMS", "RU-FCS")
    assert receipt.agreement == message.agreement
    read = receipts.read_receipt(receipt)
    assert read.accepted and read.message_id == message.id
    assert read.payload_digest == message.payload_digest and read.reasons == []


def test_receipt_for_a_rejected_message_lists_reasons(keys: KeyPair) -> None:
    message = seal(keys)
    receiver = ED.generate()
    tampered = dataclasses.replace(message, sender="RU-FTS")
    with pytest.raises(Rejection) as info:
        E.verify(tampered, keys.public)
    receipt = receipts.make_receipt(
        message_id=message.id,
        digest=message.payload_digest,
        accepted=False,
        reasons=[info.value.to_reason()],
        receiver="FI-CUSTOMS",
        sender="RU-FCS",
        agreement=message.agreement,
        suite="ed25519",
        private_key=receiver.private,
        key_id=ED.key_id(receiver.public),
        received=dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC),
    )
    E.verify(receipt, receiver.public)
    read = receipts.read_receipt(receipt)
    assert read.status == "rejected" and not read.accepted
    assert read.received == "2026-11-27T12:00:00.000Z"
    assert read.reasons == [{"rule": "signature.invalid", "field": "signature", "message": info.value.message}]
    forged = dataclasses.replace(receipt, payload={**receipt.payload, "status": "accepted"})
    assert rule_of(forged, receiver.public) == "digest.mismatch"


def test_read_receipt_refuses_other_envelopes(keys: KeyPair) -> None:
    with pytest.raises(Rejection) as info:
        receipts.read_receipt(seal(keys))
    assert info.value.rule == "receipt.malformed"
