from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import iso6346
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)

from cix.identifiers import mrn
from cix.identifiers._util import ISO6346_VALUES

DIGITS = "0123456789"
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ" + DIGITS
COUNTRIES = ["DE", "FR", "GB", "IT", "PL", "XI", "CH", "TR", "RU"]


@st.composite
def mrns(draw: st.DrawFn) -> str:
    body = (
        draw(st.text(DIGITS, min_size=2, max_size=2))
        + draw(st.sampled_from(COUNTRIES))
        + draw(st.text(ALNUM, min_size=12, max_size=12))
        + draw(st.sampled_from("ABCDEJKLPRTUVWXYZ"))
    )
    return body + mrn.calc_check_digit(body)


@given(mrns())
def test_valid_mrns_validate_and_round_trip(number: str) -> None:
    assert mrn.validate(number) == number
    assert mrn.is_valid(number.lower())
    assert mrn.compact(mrn.format(number)) == number
    assert mrn.country(number) == number[2:4]
    assert mrn.procedure(number) == number[16]


@given(mrns())
def test_check_digit_is_iso6346_weighting(number: str) -> None:
    assert mrn.calc_check_digit(number) == iso6346.calc_check_digit(number[:17])


@given(mrns(), st.sampled_from(DIGITS))
def test_wrong_check_digit_is_invalid_checksum(number: str, digit: str) -> None:
    if digit != number[17]:
        with pytest.raises(InvalidChecksum):
            mrn.validate(number[:17] + digit)


@given(mrns(), st.data())
def test_changing_one_character_is_caught(number: str, data: st.DataObject) -> None:
    i = data.draw(st.sampled_from([0, 1, *range(4, 17)]))
    new = data.draw(st.sampled_from(DIGITS if i < 2 else ALNUM).filter(lambda c: c != number[i]))
    mutated = number[:i] + new + number[i + 1 :]
    remainder = sum(ISO6346_VALUES[c] << k for k, c in enumerate(number[:17])) % 11
    delta = ((ISO6346_VALUES[new] - ISO6346_VALUES[number[i]]) << i) % 11
    if delta == 0 or {remainder, (remainder + delta) % 11} == {0, 10}:
        assert mrn.is_valid(mutated)  # the limits of the ISO 6346 check digit
    else:
        with pytest.raises(InvalidChecksum):
            mrn.validate(mutated)


@pytest.mark.parametrize(
    ("number", "error"),
    [
        ("24DE123456789012A", InvalidLength),
        ("24DE123456789012A77", InvalidLength),
        ("2XDE123456789012A7", InvalidFormat),
        ("241E123456789012A7", InvalidFormat),
        ("24DE123456789012AX", InvalidFormat),
        ("24DE12345678901_A7", InvalidFormat),
        ("24EU123456789012A7", InvalidComponent),
    ],
)
def test_invalid(number: str, error: type[ValidationError]) -> None:
    with pytest.raises(error):
        mrn.validate(number)


@given(st.text() | st.text(ALNUM + " -ß", min_size=16, max_size=20))
def test_random_text_raises_only_validation_errors(text: str) -> None:
    mrn.compact(text)
    mrn.format(text)
    try:
        mrn.validate(text)
    except ValidationError:
        assert not mrn.is_valid(text)
