from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.exceptions import InvalidFormat, InvalidLength, ValidationError

from cix.identifiers import hs

codes = st.text("0123456789", min_size=6, max_size=10)


@given(codes)
def test_valid_codes_validate_and_round_trip(code: str) -> None:
    assert hs.validate(code) == code
    assert hs.is_valid(code)
    assert hs.compact(hs.format(code)) == code
    assert hs.validate(hs.format(code)) == code
    assert hs.subheading(code) == code[:6]
    assert hs.heading(code) == code[:4]
    assert hs.chapter(code) == code[:2]


@given(codes, st.data())
def test_a_non_digit_is_invalid_format(code: str, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(code) - 1))
    bad = code[:i] + data.draw(st.sampled_from("AZx/-_²٣")) + code[i + 1 :]
    with pytest.raises(InvalidFormat):
        hs.validate(bad)


@given(st.text("0123456789", min_size=1, max_size=5) | st.text("0123456789", min_size=11, max_size=20))
def test_wrong_length_is_invalid_length(code: str) -> None:
    with pytest.raises(InvalidLength):
        hs.validate(code)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("8703.23", "870323"), (" 8703 23 19 ", "87032319"), ("8703.23.19 90", "8703231990")],
)
def test_separators_are_removed(raw: str, expected: str) -> None:
    assert hs.validate(raw) == expected


@pytest.mark.parametrize(
    ("code", "shown"),
    [
        ("870323", "8703.23"),
        ("8703231", "8703.23.1"),
        ("87032319", "8703.23.19"),
        ("870323199", "8703.23.19 9"),
        ("8703231990", "8703.23.19 90"),
    ],
)
def test_format(code: str, shown: str) -> None:
    assert hs.format(code) == shown


@given(st.integers(10000, 99999))
def test_pad_restores_a_lost_leading_zero(number: int) -> None:
    assert hs.pad(number) == "0" + str(number)
    assert hs.pad(str(number)) == "0" + str(number)


@pytest.mark.parametrize("value", ["870323", "87032319", "8703231990", "0901211"])
def test_pad_leaves_valid_lengths_alone(value: str) -> None:
    assert hs.pad(value) == value


@pytest.mark.parametrize("value", ["9012.1", "8703.2", "1234", True, 1.5])
def test_pad_does_not_guess(value: object) -> None:
    with pytest.raises(ValidationError):
        hs.pad(value)  # type: ignore[arg-type]


@given(st.text() | st.text("0123456789. x", max_size=14))
def test_random_text_raises_only_validation_errors(text: str) -> None:
    hs.compact(text)
    hs.format(text)
    try:
        assert hs.validate(text).isdecimal()
    except ValidationError:
        assert not hs.is_valid(text)
    with contextlib.suppress(ValidationError):
        hs.pad(text)
