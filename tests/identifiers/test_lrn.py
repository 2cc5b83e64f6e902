from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.exceptions import InvalidFormat, InvalidLength, ValidationError

from cix.identifiers import lrn

printable = st.characters(codec="utf-8").filter(str.isprintable)
lrns = st.text(printable, min_size=1, max_size=22).map(str.strip).filter(bool)


@given(lrns)
def test_valid_lrns_validate_and_round_trip(number: str) -> None:
    assert lrn.validate(number) == number
    assert lrn.validate(f"  {number}\n") == number
    assert lrn.format(number) == number


@given(lrns, st.sampled_from(["\x00", "\t", "\x1b", "\u200b", "\u00a0", "\u2028", "\x7f"]), st.data())
def test_invisible_or_control_characters_are_invalid_format(
    number: str, char: str, data: st.DataObject
) -> None:
    i = data.draw(st.integers(1, len(number))) if len(number) > 1 else 1
    bad = (number[:i] + char + number[i:])[:22]
    if bad.strip() == bad and char in bad:
        with pytest.raises(InvalidFormat):
            lrn.validate(bad)


@pytest.mark.parametrize("number", ["", "   ", "X" * 23])
def test_wrong_length(number: str) -> None:
    with pytest.raises(InvalidLength):
        lrn.validate(number)


def test_case_is_kept() -> None:
    assert lrn.validate("Ref-a1") == "Ref-a1"


@given(st.text())
def test_random_text_raises_only_validation_errors(text: str) -> None:
    lrn.compact(text)
    lrn.format(text)
    try:
        lrn.validate(text)
    except ValidationError:
        assert not lrn.is_valid(text)
