"""Payload encryption: round trip, wrong key, altered ciphertext or header, envelope integration."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from cix.exchange import envelope as E
from cix.exchange.crypto_box import (
    ALG,
    decrypt_payload,
    encrypt_payload,
    encryption_key_id,
    generate_encryption_keypair,
    is_encrypted,
)
from cix.exchange.rejection import Rejection
from cix.exchange.suites import KeyPair, b64u, b64u_decode, get_suite

ED = get_suite("ed25519")
PAYLOAD: dict[str, Any] = {"declaration": {"functional_reference": "26FI000000123456"}, "value": "18450.00"}
AAD = b'{"id":"x"}'


@pytest.fixture(scope="module")
def recipient() -> KeyPair:
    return generate_encryption_keypair()


@pytest.fixture(scope="module")
def signer() -> KeyPair:
    return ED.generate()


def undecryptable(enc: Any, private: Any, aad: bytes = AAD) -> None:
    with pytest.raises(Rejection) as info:
        decrypt_payload(enc, private, aad)
    assert (info.value.rule, info.value.field) == ("payload.undecryptable", "payload")


def test_round_trip(recipient: KeyPair) -> None:
    enc = encrypt_payload(PAYLOAD, recipient.public, AAD)
    assert set(enc) == {"enc", "kid", "epk", "iv", "ct"} and enc["enc"] == ALG
    assert enc["kid"] == encryption_key_id(recipient.public)
    assert "26FI000000123456" not in str(enc)
    assert is_encrypted(enc) and not is_encrypted(PAYLOAD)
    assert decrypt_payload(enc, recipient.private, AAD) == PAYLOAD
    assert decrypt_payload(enc, {enc["kid"]: recipient.private}, AAD) == PAYLOAD


def test_every_message_has_a_fresh_ephemeral_key_and_nonce(recipient: KeyPair) -> None:
    a, b = (encrypt_payload(PAYLOAD, recipient.public, AAD) for _ in range(2))
    assert a["epk"] != b["epk"] and a["iv"] != b["iv"] and a["ct"] != b["ct"]


def test_wrong_key_is_undecryptable(recipient: KeyPair) -> None:
    enc = encrypt_payload(PAYLOAD, recipient.public, AAD)
    undecryptable(enc, generate_encryption_keypair().private)
    undecryptable(enc, {"someone-else": recipient.private})
    undecryptable(enc, b"short")


def test_altered_ciphertext_nonce_key_or_aad_is_undecryptable(recipient: KeyPair) -> None:
    enc = encrypt_payload(PAYLOAD, recipient.public, AAD)
    ct = bytearray(b64u_decode(enc["ct"]))
    ct[3] ^= 0x80
    undecryptable(enc | {"ct": b64u(bytes(ct))}, recipient.private)
    undecryptable(enc | {"iv": b64u(b"\x00" * 12)}, recipient.private)
    undecryptable(enc | {"epk": b64u(generate_encryption_keypair().public)}, recipient.private)
    undecryptable(enc | {"epk": b64u(b"\x00" * 32)}, recipient.private)  # small-order point
    undecryptable(enc, recipient.private, aad=b'{"id":"y"}')


@pytest.mark.parametrize(
    "enc",
    [
        None,
        "text",
        {},
        {"enc": "A128CBC"},
        {"enc": ALG},
        {"enc": ALG, "kid": "k", "epk": 1, "iv": "", "ct": ""},
        {"enc": ALG, "kid": "k", "epk": "!!", "iv": "AA", "ct": "AA"},
    ],
)
def test_malformed_encrypted_payloads_are_undecryptable(recipient: KeyPair, enc: Any) -> None:
    undecryptable(enc, recipient.private)


def test_bad_recipient_key_is_refused_when_encrypting() -> None:
    with pytest.raises(ValueError, match="32 raw X25519 bytes"):
        encrypt_payload(PAYLOAD, b"short", AAD)


def _seal(signer: KeyPair, recipient: KeyPair) -> E.Envelope:
    return E.seal(
        type="export_declaration",
        sender="FI-CUSTOMS",
        recipient="RU-FCS",
        agreement="green-corridor",
        payload=PAYLOAD,
        suite="ed25519",
        private_key=signer.private,
        key_id=ED.key_id(signer.public),
        encrypt_to=recipient.public,
    )


def test_sealed_encrypted_envelope_verifies_without_the_decryption_key(signer: KeyPair, recipient: KeyPair) -> None:
    env = E.from_bytes(E.to_bytes(_seal(signer, recipient)))
    assert env.encrypted and env.payload["enc"] == ALG
    E.verify(env, signer.public)  # a relay can check origin and integrity without reading
    assert env.payload_digest == E.payload_digest(env.payload)
    assert E.open_payload(env, recipient.private) == PAYLOAD


def test_open_payload_of_a_plain_envelope_returns_it(signer: KeyPair) -> None:
    env = E.seal(
        type="price_record",
        sender="FI-CUSTOMS",
        recipient="RU-FCS",
        agreement="apec-preliminary",
        payload=PAYLOAD,
        suite="ed25519",
        private_key=signer.private,
        key_id=ED.key_id(signer.public),
    )
    assert E.open_payload(env, None) == PAYLOAD


def test_encrypted_envelope_with_wrong_or_no_key(signer: KeyPair, recipient: KeyPair) -> None:
    env = _seal(signer, recipient)
    for key in (generate_encryption_keypair().private, None):
        with pytest.raises(Rejection) as info:
            E.open_payload(env, key)
        assert info.value.rule == "payload.undecryptable"


def test_ciphertext_cannot_be_moved_to_another_header(signer: KeyPair, recipient: KeyPair) -> None:
    env = _seal(signer, recipient)
    # even a party able to re-sign (the sender's key) cannot reuse the ciphertext under another id
    moved = E.seal(
        type="export_declaration",
        sender="FI-CUSTOMS",
        recipient="RU-FCS",
        agreement="green-corridor",
        payload=env.payload,
        suite="ed25519",
        private_key=signer.private,
        key_id=ED.key_id(signer.public),
    )
    E.verify(moved, signer.public)
    with pytest.raises(Rejection) as info:
        E.open_payload(moved, recipient.private)
    assert info.value.rule == "payload.undecryptable"


def test_tampered_encrypted_payload_fails_digest(signer: KeyPair, recipient: KeyPair) -> None:
    env = _seal(signer, recipient)
    ct = bytearray(b64u_decode(env.payload["ct"]))
    ct[0] ^= 1
    tampered = dataclasses.replace(env, payload=env.payload | {"ct": b64u(bytes(ct))})
    with pytest.raises(Rejection) as info:
        E.verify(tampered, signer.public)
    assert info.value.rule == "digest.mismatch"
    with pytest.raises(Rejection) as info:
        E.open_payload(tampered, recipient.private)
    assert info.value.rule == "payload.undecryptable"
