from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.exceptions import InvalidComponent, InvalidFormat, InvalidLength, ValidationError

from cix.identifiers import eori
from cix.reference.countries import country_codes

ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

eoris = st.builds(
    str.__add__,
    st.sampled_from([*sorted(country_codes()), "XI"]),
    st.text(ALNUM, min_size=1, max_size=15),
)


@given(eoris)
def test_valid_numbers_validate_and_round_trip(number: str) -> None:
    assert eori.validate(number) == number
    assert eori.is_valid(number.lower())
    assert eori.compact(eori.format(number)) == number
    assert eori.country(number) == number[:2]


@given(eoris, st.data())
def test_a_forbidden_character_is_invalid_format(number: str, data: st.DataObject) -> None:
    i = data.draw(st.integers(2, len(number) - 1))
    bad = number[:i] + data.draw(st.sampled_from("/_*é٣")) + number[i + 1 :]
    with pytest.raises(InvalidFormat):
        eori.validate(bad)


@pytest.mark.parametrize(
    ("number", "error"),
    [
        ("DE", InvalidLength),
        ("DE1234567890123456", InvalidLength),
        ("1E123456", InvalidFormat),
        ("EL123456789", InvalidComponent),
        ("EU123456789", InvalidComponent),
    ],
)
def test_invalid(number: str, error: type[ValidationError]) -> None:
    with pytest.raises(error):
        eori.validate(number)


@pytest.mark.parametrize(
    "number", ["DE1234567890123", "GB 123 456 789 000", "XI123456789000", "FR12345678901"]
)
def test_examples(number: str) -> None:
    assert eori.is_valid(number)


@given(st.text() | st.text(ALNUM + " -.ß", max_size=20))
def test_random_text_raises_only_validation_errors(text: str) -> None:
    eori.compact(text)
    eori.format(text)
    try:
        eori.validate(text)
    except ValidationError:
        assert not eori.is_valid(text)
