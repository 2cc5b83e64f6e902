"""Signature suites: round trips, refusals without exceptions, key ids, the GOST worked example."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cix.exchange.rejection import Rejection
from cix.exchange.suites import SUITES, Gost2012Suite, KeyPair, Suite, get_suite

ED = get_suite("ed25519")
GOST = get_suite("gost2012-256")


@pytest.fixture(scope="module")
def gost_pair() -> KeyPair:
    return GOST.generate()


@pytest.fixture(scope="module")
def ed_pair() -> KeyPair:
    return ED.generate()


def pair_for(suite: Suite, ed_pair: KeyPair, gost_pair: KeyPair) -> KeyPair:
    return ed_pair if suite is ED else gost_pair


def test_registry_lists_both_suites_default_first() -> None:
    assert SUITES[:2] == ("ed25519", "gost2012-256")
    assert get_suite("gost2012-256").name == "gost2012-256"


def test_unknown_suite_is_a_clear_rejection() -> None:
    with pytest.raises(Rejection) as info:
        get_suite("rsa-pss")
    assert info.value.rule == "suite.unknown"
    assert info.value.field == "suite"
    assert "rsa-pss" in info.value.message and "ed25519" in info.value.message


@pytest.mark.parametrize("suite", [ED, GOST], ids=lambda s: s.name)
def test_sign_verify_round_trip(suite: Suite, ed_pair: KeyPair, gost_pair: KeyPair) -> None:
    pair = pair_for(suite, ed_pair, gost_pair)
    data = b'{"id":"x","type":"price_record"}'
    signature = suite.sign(pair.private, data)
    assert suite.verify(pair.public, data, signature)
    assert suite.public_key(pair.private) == pair.public
    assert not suite.verify(pair.public, data + b" ", signature)
    flipped = bytes([signature[0] ^ 1]) + signature[1:]
    assert not suite.verify(pair.public, data, flipped)


@pytest.mark.parametrize("suite", [ED, GOST], ids=lambda s: s.name)
def test_another_key_does_not_verify(suite: Suite, ed_pair: KeyPair, gost_pair: KeyPair) -> None:
    pair = pair_for(suite, ed_pair, gost_pair)
    other = suite.generate()
    signature = suite.sign(other.private, b"data")
    assert not suite.verify(pair.public, b"data", signature)


@pytest.mark.parametrize("suite", [ED, GOST], ids=lambda s: s.name)
@pytest.mark.parametrize(
    ("public", "signature"),
    [(b"", b""), (b"\x00" * 32, b"\x00" * 64), (b"\xff" * 64, b"\x01" * 64), ("text", "text"), (None, None)],
)
def test_verify_answers_false_on_garbage(suite: Suite, public: object, signature: object) -> None:
    assert suite.verify(public, b"data", signature) is False  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(public=st.binary(max_size=70), signature=st.binary(max_size=70), data=st.binary(max_size=64))
def test_ed25519_verify_never_raises(public: bytes, signature: bytes, data: bytes) -> None:
    assert ED.verify(public, data, signature) is False


@settings(max_examples=15, deadline=None)
@given(public=st.binary(min_size=64, max_size=64), signature=st.binary(min_size=64, max_size=64))
def test_gost_verify_never_raises(public: bytes, signature: bytes) -> None:
    assert GOST.verify(public, b"data", signature) is False


def test_key_sizes_and_key_ids(ed_pair: KeyPair, gost_pair: KeyPair) -> None:
    assert (len(ed_pair.private), len(ed_pair.public)) == (32, 32)
    assert (len(gost_pair.private), len(gost_pair.public)) == (32, 64)
    assert len(ED.sign(ed_pair.private, b"x")) == 64
    for suite, pair in ((ED, ed_pair), (GOST, gost_pair)):
        kid = suite.key_id(pair.public)
        assert len(kid) == 22 and kid == suite.key_id(pair.public)
    # the suite name is part of the key id: the same bytes under two suites are two keys
    assert ED.key_id(b"\x01" * 32) != GOST.key_id(b"\x01" * 32)


def test_bad_private_keys_are_value_errors() -> None:
    with pytest.raises(ValueError):
        ED.sign(b"short", b"data")
    with pytest.raises(ValueError):
        GOST.sign(b"\x00" * 32, b"data")  # zero is not a private key
    with pytest.raises(ValueError):
        GOST.sign(b"\xff" * 32, b"data")  # at or above the group order


def test_key_pair_repr_hides_the_private_key(ed_pair: KeyPair) -> None:
    assert ed_pair.private.hex() not in repr(ed_pair)
    private, public = ed_pair
    assert (private, public) == (ed_pair.private, ed_pair.public)


def test_streebog_256_matches_rfc_6986() -> None:
    # RFC 6986 §10.1, message M1; the RFC writes the hash most significant byte first
    m1 = b"012345678901234567890123456789012345678901234567890123456789012"
    expected = "00557be5e584fd52a449b16b0251d05d27f94ab76cbaa6da890b59d8ef1e159d"
    assert Gost2012Suite.digest(m1)[::-1].hex() == expected


def test_gost_arithmetic_matches_the_standards_worked_example() -> None:
    """GOST R 34.10-2012 appendix A.1 (= RFC 7091 §7.1): key, and signature of a given α with a given k."""
    from gostcrypto import gostsignature

    p = 0x8000000000000000000000000000000000000000000000000000000000000431
    q = 0x8000000000000000000000000000000150FE8A1892976154C59CFC193ACCF5B3
    curve = {
        "p": p,
        "a": 7,
        "b": 0x5FBFF498AA938CE739B8E022FBAFEF40563F6E6A3472FC2A514C0CE9DAE23B7E,
        "m": q,
        "q": q,
        "x": 2,
        "y": 0x08E2A8A0E65147D4BD6316030E16D19C85C97F0A9CA267122B96ABBCEA7E8FC8,
    }
    signer = gostsignature.new(gostsignature.MODE_256, curve)
    d = bytes.fromhex("7A929ADE789BB9BE10ED359DD39A72C11B60961F49397EEE1D19CE9891EC3B28")
    public = bytes(signer.public_key_generate(bytearray(d)))
    assert public.hex().upper() == (
        "7F2B49E270DB6D90D8595BEC458B50C58585BA1D4E9B788F6689DBD8E56FD80B"
        "26F1B489D6701DD185C8413A977B3CBBAF64D1C593D26627DFFB101A87FF77DA"
    )
    alpha = bytearray.fromhex("2DFBC1B372D89A1188C09C52E0EEC61FCE52032AB1022E8E67ECE6672B043EE5")
    k = bytearray.fromhex("77105C9B20BCD3122823C8CF6FCC7B956DE33814E95B7FE64FED924594DCEAB3")
    signature = bytes(signer.sign(bytearray(d), alpha, k))
    assert signature.hex().upper() == (
        "41AA28D2F1AB148280CD9ED56FEDA41974053554A42767B83AD043FD39DC0493"  # r
        "01456C64BA4642A1653C235A98A60249BCD6D3F746B631DF928014F6C5BF9C40"  # s
    )
    assert signer.verify(bytearray(public), alpha, bytearray(signature))


def test_gost_uses_the_documented_parameter_set() -> None:
    assert isinstance(GOST, Gost2012Suite)
    assert GOST.curve_name == "id-tc26-gost-3410-2012-256-paramSetB"
