from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError

from cix.identifiers import imo

numbers = st.text("0123456789", min_size=6, max_size=6).map(lambda s: s + imo.calc_check_digit(s))


@given(numbers, st.sampled_from(["", "IMO", "IMO ", "imo ", "IMO-", "IMO: "]))
def test_valid_numbers_validate_with_or_without_prefix(number: str, prefix: str) -> None:
    assert imo.validate(prefix + number) == number
    assert imo.is_valid(prefix + number)
    assert imo.format(prefix + number) == "IMO " + number
    assert imo.validate(imo.format(number)) == number


@given(numbers, st.data())
def test_changing_one_digit_is_invalid_checksum(number: str, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, 6))
    new = data.draw(st.sampled_from("0123456789").filter(lambda c: c != number[i]))
    mutated = number[:i] + new + number[i + 1 :]
    # weights 7..2 and the check digit weight 1 are all coprime to 10 except 5 and 2: a change by 2,
    # 4, 6, 8 under weight 5 (position 2), or by 5 under weight 2, 4, 6 (positions 1, 3, 5) is missed.
    missed = (i == 2 and (int(new) - int(number[i])) % 2 == 0) or (
        i in (1, 3, 5) and (int(new) - int(number[i])) % 5 == 0
    )
    if missed:
        assert imo.is_valid(mutated)
    else:
        with pytest.raises(InvalidChecksum):
            imo.validate(mutated)


@pytest.mark.parametrize(
    ("number", "error"),
    [
        ("IMO 907472", InvalidLength),
        ("90747290", InvalidLength),
        ("IMO 90747A9", InvalidFormat),
        ("IMO", InvalidFormat),
        ("٩٠٧٤٧٢٩", InvalidFormat),
    ],
)
def test_invalid(number: str, error: type[ValidationError]) -> None:
    with pytest.raises(error):
        imo.validate(number)


def test_known_ship() -> None:
    assert imo.validate("IMO 9074729") == "9074729"


@given(st.text() | st.text("IMO0123456789 ", max_size=12))
def test_random_text_raises_only_validation_errors(text: str) -> None:
    imo.compact(text)
    imo.format(text)
    try:
        imo.validate(text)
    except ValidationError:
        assert not imo.is_valid(text)
