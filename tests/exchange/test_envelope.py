"""Envelopes: sealing, verifying, every tampering caught by the right rule, parsing, receipts."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cix.exchange import envelope as E
from cix.exchange.envelope import Envelope
from cix.exchange.ids import uuid7_time
from cix.exchange.rejection import Rejection
from cix.exchange.suites import KeyPair, b64u, get_suite

ED = get_suite("ed25519")
PAYLOAD: dict[str, Any] = {
    "consignment": {"ucr": "6FI1234567-ABC123", "containers": [{"id": "MSCU1234565", "seals": ["S1"]}]},
    "goods_items": [{"sequence": 1, "hs_code": "850440", "net_mass": "1530.5", "origin_country": "CN"}],
    "means_of_transport": {"mode": 3, "nationality": "RU", "registration": "A123BC77"},
    "route": {"departure": "CN", "entry_office": "FI000123"},
}


_PAIR = ED.generate()
_VALID_WIRE = E.to_bytes(
    E.seal(
        type="preliminary_information",
        sender="RU-FCS",
        recipient="FI-CUSTOMS",
        agreement="apec-preliminary",
        payload=PAYLOAD,
        suite="ed25519",
        private_key=_PAIR.private,
        key_id=ED.key_id(_PAIR.public),
    )
)


@pytest.fixture(scope="module")
def keys() -> KeyPair:
    return ED.generate()


def seal(keys: KeyPair, **overrides: Any) -> Envelope:
    args: dict[str, Any] = {
        "type": "preliminary_information",
        "sender": "RU-FCS",
        "recipient": "FI-CUSTOMS",
        "agreement": "apec-preliminary",
        "payload": PAYLOAD,
        "suite": "ed25519",
        "private_key": keys.private,
        "key_id": ED.key_id(keys.public),
    }
    return E.seal(**(args | overrides))


def rule_of(envelope: Envelope, public: bytes | dict[str, bytes], **kwargs: Any) -> str:
    with pytest.raises(Rejection) as info:
        E.verify(envelope, public, **kwargs)
    return info.value.rule


def test_seal_then_verify(keys: KeyPair) -> None:
    env = seal(keys)
    E.verify(env, keys.public)
    assert env.type == "preliminary_information" and env.version == 1
    assert env.payload == PAYLOAD and not env.encrypted
    assert env.payload_digest == E.payload_digest(PAYLOAD)
    assert env.suite == "ed25519" and env.key_id == ED.key_id(keys.public)
    assert abs(env.created_at - uuid7_time(env.id)) < dt.timedelta(seconds=1)


def test_wire_round_trip(keys: KeyPair) -> None:
    env = seal(keys)
    raw = E.to_bytes(env)
    assert list(orjson.loads(raw)) == list(E.FIELDS)
    back = E.from_bytes(raw)
    assert back == env
    E.verify(back, keys.public)


def test_digest_is_sha256_of_sorted_compact_json() -> None:
    import hashlib

    canonical = b'{"a":{"b":[1,"\xc3\xa9"],"c":null},"z":true}'
    assert E.canonical({"z": True, "a": {"c": None, "b": [1, "é"]}}) == canonical
    assert E.payload_digest({"z": True, "a": {"c": None, "b": [1, "é"]}}) == "sha-256:" + b64u(
        hashlib.sha256(canonical).digest()
    )


def test_created_and_id_can_be_given(keys: KeyPair) -> None:
    moment = dt.datetime(2026, 11, 27, 10, 0, 0, 123456, tzinfo=dt.UTC)
    env = seal(keys, created=moment, id="01a21d12-eb60-77dc-8875-4e39638983a3")
    assert env.created == "2026-11-27T10:00:00.123Z"
    assert env.id == "01a21d12-eb60-77dc-8875-4e39638983a3"
    E.verify(env, keys.public)


def test_tampered_payload_is_a_digest_mismatch(keys: KeyPair) -> None:
    env = seal(keys)
    changed = orjson.loads(orjson.dumps(env.payload))
    changed["goods_items"][0]["net_mass"] = "15.5"
    assert rule_of(dataclasses.replace(env, payload=changed), keys.public) == "digest.mismatch"


def test_a_flipped_bit_anywhere_in_the_payload_is_caught(keys: KeyPair) -> None:
    raw = E.to_bytes(seal(keys))
    start = raw.index(b'"payload":') + 11
    end = raw.index(b'"payload_digest"')
    caught = 0
    for i in range(start, end, 7):
        mutated = bytearray(raw)
        mutated[i] ^= 0x01
        try:
            E.verify(E.from_bytes(bytes(mutated)), keys.public)
        except Rejection as exc:
            assert exc.rule in ("digest.mismatch", "envelope.malformed")
            caught += 1
    assert caught == len(range(start, end, 7))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sender", "RU-FTS"),
        ("recipient", "EE-EMTA"),
        ("type", "export_declaration"),
        ("created", "2020-01-01T00:00:00.000Z"),
        ("agreement", "bsec-preliminary"),
        ("version", 2),
        ("id", "01a21d12-eb60-77dc-8875-4e39638983a3"),
        ("payload_digest", "sha-256:" + "A" * 43),
    ],
)
def test_tampered_header_is_an_invalid_signature(keys: KeyPair, field: str, value: Any) -> None:
    env = seal(keys)
    tampered = dataclasses.replace(env, **{field: value})
    expected = "digest.mismatch" if field == "payload_digest" else "signature.invalid"
    assert rule_of(tampered, keys.public) == expected


def test_signature_by_another_key_is_invalid(keys: KeyPair) -> None:
    other = ED.generate()
    forged = seal(keys, private_key=other.private)  # claims keys' key id, signed by other
    assert rule_of(forged, keys.public) == "signature.invalid"


def test_signature_bytes_altered_or_garbled(keys: KeyPair) -> None:
    env = seal(keys)
    flipped = ("B" if env.signature[0] == "A" else "A") + env.signature[1:]
    assert rule_of(dataclasses.replace(env, signature=flipped), keys.public) == "signature.invalid"
    assert rule_of(dataclasses.replace(env, signature="A"), keys.public) == "signature.invalid"


def test_key_named_by_the_envelope_must_be_known(keys: KeyPair) -> None:
    other = ED.generate()
    env = seal(keys, private_key=other.private, key_id=ED.key_id(other.public))
    assert rule_of(env, keys.public) == "key.unknown"
    assert rule_of(env, {ED.key_id(keys.public): keys.public}) == "key.unknown"
    E.verify(env, {ED.key_id(keys.public): keys.public, ED.key_id(other.public): other.public})


def test_unknown_and_refused_suites(keys: KeyPair) -> None:
    env = seal(keys)
    assert rule_of(dataclasses.replace(env, suite="rsa"), keys.public) == "suite.unknown"
    assert rule_of(env, keys.public, accepted_suites={"gost2012-256"}) == "suite.refused"
    E.verify(env, keys.public, accepted_suites=("ed25519", "gost2012-256"))
    with pytest.raises(Rejection) as info:
        seal(keys, suite="rsa")
    assert info.value.rule == "suite.unknown"


def test_gost_suite_seals_and_verifies() -> None:
    gost = get_suite("gost2012-256")
    pair = gost.generate()
    env = E.seal(
        type="price_record",
        sender="RU-FCS",
        recipient="BY-GTK",
        agreement="eaeu-prices",
        payload={"hs_code": "850440", "unit_price": "12.50", "currency": "USD"},
        suite=gost,
        private_key=pair.private,
        key_id=gost.key_id(pair.public),
    )
    E.verify(E.from_bytes(E.to_bytes(env)), pair.public)
    assert rule_of(dataclasses.replace(env, sender="RU-FTS"), pair.public) == "signature.invalid"


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"sender": "finland"}, "sender"),
        ({"recipient": "FI_CUSTOMS"}, "recipient"),
        ({"type": "Preliminary Information"}, "type"),
        ({"agreement": ""}, "agreement"),
        ({"key_id": "no spaces allowed"}, "key_id"),
        ({"id": "not-a-uuid"}, "id"),
        ({"created": "2026-11-27 10:00:00"}, "created"),
        ({"version": 0}, "version"),
        ({"payload": ["a list"]}, "payload"),
        ({"payload": {"amount": {1, 2}}}, "payload"),
    ],
)
def test_seal_refuses_what_a_receiver_would_refuse(keys: KeyPair, override: dict[str, Any], field: str) -> None:
    with pytest.raises(Rejection) as info:
        seal(keys, **override)
    assert (info.value.rule, info.value.field) == ("envelope.malformed", field)


def _wire(keys: KeyPair) -> dict[str, Any]:
    return orjson.loads(E.to_bytes(seal(keys)))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d.pop("signature"), "signature"),
        (lambda d: d.pop("payload"), "payload"),
        (lambda d: d.update(extra=1), "extra"),
        (lambda d: d.update(version="1"), "version"),
        (lambda d: d.update(version=True), "version"),
        (lambda d: d.update(sender=None), "sender"),
        (lambda d: d.update(payload="text"), "payload"),
        (lambda d: d.update(created="2026-13-45T99:00:00.000Z"), "created"),
        (lambda d: d.update(payload_digest="md5:abc"), "payload_digest"),
        (lambda d: d.update(id=d["id"].upper()), "id"),
        (lambda d: d.update(signature="a+b/c="), "signature"),
    ],
)
def test_from_bytes_names_the_bad_field(keys: KeyPair, change: Any, field: str) -> None:
    data = _wire(keys)
    change(data)
    with pytest.raises(Rejection) as info:
        E.from_bytes(orjson.dumps(data))
    assert (info.value.rule, info.value.field) == ("envelope.malformed", field)
    assert field in info.value.message


@pytest.mark.parametrize("raw", [b"", b"null", b"[]", b"{", b"\xff\xfe", "{}", b'{"id": 1}'])
def test_from_bytes_refuses_non_envelopes(raw: bytes | str) -> None:
    with pytest.raises(Rejection) as info:
        E.from_bytes(raw)
    assert info.value.rule == "envelope.malformed"


def test_from_bytes_size_limit(keys: KeyPair) -> None:
    raw = E.to_bytes(seal(keys))
    assert E.from_bytes(raw, max_bytes=len(raw)) is not None
    with pytest.raises(Rejection) as info:
        E.from_bytes(raw, max_bytes=len(raw) - 1)
    assert info.value.rule == "envelope.too_large"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_only_ever_raise_rejection(raw: bytes) -> None:
    with contextlib.suppress(Rejection):
        E.from_bytes(raw)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.text(max_size=10)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(
    changes=st.dictionaries(st.sampled_from((*E.FIELDS, "other")), json_values, max_size=4),
    dropped=st.sets(st.sampled_from(E.FIELDS), max_size=2),
)
def test_altered_envelopes_only_ever_raise_rejection(changes: dict[str, Any], dropped: set[str]) -> None:
    data = orjson.loads(_VALID_WIRE) | changes
    for name in dropped:
        data.pop(name, None)
    with contextlib.suppress(Rejection):
        E.verify(E.from_bytes(orjson.dumps(data)), _PAIR.public)


@settings(max_examples=60, deadline=None)
@given(payload=st.dictionaries(st.text(max_size=12), json_values, max_size=6))
def test_any_json_payload_survives_the_wire(payload: dict[str, Any]) -> None:
    pair = _PAIR
    env = E.seal(
        type="statistics",
        sender="FI-CUSTOMS",
        recipient="RU-FCS",
        agreement="statistics-quarterly",
        payload=payload,
        suite="ed25519",
        private_key=pair.private,
        key_id=ED.key_id(pair.public),
    )
    E.verify(E.from_bytes(E.to_bytes(env)), pair.public)


def test_deep_payload_received_is_rejected_not_crashed(keys: KeyPair) -> None:
    data = _wire(keys)
    data["payload"] = {"x": "HOLE"}
    raw = orjson.dumps(data).replace(b'"HOLE"', b"[" * 300 + b"]" * 300)
    env = E.from_bytes(raw)  # parses: orjson reads deeper than it writes
    with pytest.raises(Rejection) as info:
        E.verify(env, keys.public)
    assert info.value.rule == "envelope.malformed"
