from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.exceptions import InvalidComponent, InvalidFormat, InvalidLength, ValidationError

from cix.identifiers import ucr
from cix.reference.countries import country_codes

UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIGITS = "0123456789"


@st.composite
def ucrs(draw: st.DrawFn) -> str:
    head = draw(st.sampled_from(DIGITS)) + draw(st.sampled_from(sorted(country_codes())))
    exporter = draw(st.text(UPPER + DIGITS, min_size=1, max_size=17))
    reference = draw(st.text(UPPER + DIGITS + "-", max_size=35 - len(head) - len(exporter) - 1))
    return head + exporter + ("-" + reference if reference else "")


@given(ucrs())
def test_valid_ucrs_validate_and_round_trip(number: str) -> None:
    assert len(number) <= 35
    assert ucr.validate(number) == number
    assert ucr.is_valid(" " + number.lower() + " ")
    assert ucr.compact(ucr.format(number)) == number
    assert ucr.country(number) == number[1:3]


@given(ucrs(), st.data())
def test_a_forbidden_character_is_invalid_format(number: str, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(number) - 1))
    bad = number[:i] + data.draw(st.sampled_from("/_.*()é")) + number[i + 1 :]
    with pytest.raises(InvalidFormat):
        ucr.validate(bad)


@given(ucrs(), st.sampled_from(UPPER + "-"))
def test_first_character_must_be_a_year_digit(number: str, char: str) -> None:
    with pytest.raises(InvalidFormat):
        ucr.validate(char + number[1:])


@pytest.mark.parametrize(
    ("number", "error"),
    [
        ("9GB", InvalidLength),
        ("9GB" + "1" * 33, InvalidLength),
        ("9G1123", InvalidFormat),
        ("9QQ123456789000-1", InvalidComponent),
        ("9XI123456789000-1", InvalidComponent),
    ],
)
def test_invalid(number: str, error: type[ValidationError]) -> None:
    with pytest.raises(error):
        ucr.validate(number)


def test_uk_ducr_example() -> None:
    assert ucr.validate("9GB123456789000-1234567") == "9GB123456789000-1234567"


@given(st.text() | st.text(UPPER + DIGITS + " -ß", max_size=40))
def test_random_text_raises_only_validation_errors(text: str) -> None:
    ucr.compact(text)
    ucr.format(text)
    try:
        ucr.validate(text)
    except ValidationError:
        assert not ucr.is_valid(text)
