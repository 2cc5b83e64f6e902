from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import iso6346
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError

from cix.identifiers import container
from cix.identifiers._util import ISO6346_VALUES, iso6346_check_digit

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@st.composite
def containers(draw: st.DrawFn) -> str:
    owner = draw(st.text(LETTERS, min_size=3, max_size=3))
    category = draw(st.sampled_from("UJZ"))
    serial = draw(st.text("0123456789", min_size=6, max_size=6))
    body = owner + category + serial
    return body + container.calc_check_digit(body)


@given(containers())
def test_valid_numbers_validate_and_round_trip(number: str) -> None:
    assert container.validate(number) == number
    assert container.is_valid(number.lower())
    shown = container.format(number)
    assert shown == f"{number[:4]} {number[4:10]} {number[10]}"
    assert container.validate(shown) == number
    assert iso6346.is_valid(number)


@given(containers(), st.sampled_from("0123456789"))
def test_wrong_check_digit_is_invalid_checksum(number: str, digit: str) -> None:
    if digit != number[10]:
        with pytest.raises(InvalidChecksum):
            container.validate(number[:10] + digit)


@given(containers(), st.data())
def test_changing_one_character_is_caught(number: str, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, 9))
    alphabet = LETTERS if i < 3 else "UJZ" if i == 3 else "0123456789"
    new = data.draw(st.sampled_from(alphabet).filter(lambda c: c != number[i]))
    mutated = number[:i] + new + number[i + 1 :]
    # The check digit misses a change whose weighted value difference is a multiple of 11 (A, K
    # and U are all 10 modulo 11) and a change between remainders 0 and 10 (both give digit 0).
    remainder = sum(ISO6346_VALUES[c] << k for k, c in enumerate(number[:10])) % 11
    delta = ((ISO6346_VALUES[new] - ISO6346_VALUES[number[i]]) << i) % 11
    if delta == 0 or {remainder, (remainder + delta) % 11} == {0, 10}:
        assert container.is_valid(mutated)
    else:
        with pytest.raises(InvalidChecksum):
            container.validate(mutated)


@given(containers(), st.data())
def test_character_of_the_wrong_class_is_invalid_format(number: str, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, 10))
    wrong = "0123456789_é" if i < 3 else "RX1" if i == 3 else "AZ_٣"
    bad = number[:i] + data.draw(st.sampled_from(wrong)) + number[i + 1 :]
    with pytest.raises(InvalidFormat):
        container.validate(bad)


@pytest.mark.parametrize("number", ["CSQU305438", "CSQU30543833", ""])
def test_wrong_length(number: str) -> None:
    with pytest.raises(InvalidLength):
        container.validate(number)


@given(st.text(LETTERS + "0123456789", min_size=10, max_size=10))
def test_check_digit_matches_stdnum(body: str) -> None:
    assert iso6346_check_digit(body) == iso6346.calc_check_digit(body)


@given(st.text() | st.text(LETTERS + "0123456789 _ßé", min_size=9, max_size=13))
def test_random_text_raises_only_validation_errors(text: str) -> None:
    container.compact(text)
    container.format(text)
    try:
        container.validate(text)
    except ValidationError:
        assert not container.is_valid(text)
