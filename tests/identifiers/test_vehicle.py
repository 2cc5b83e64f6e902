from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.exceptions import InvalidFormat, InvalidLength, ValidationError

from cix.identifiers import vehicle

ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
plates = st.text(ALNUM, min_size=2, max_size=12)


@given(plates, st.data())
def test_valid_plates_validate_and_round_trip(plate: str, data: st.DataObject) -> None:
    assert vehicle.validate(plate) == plate
    i = data.draw(st.integers(1, len(plate) - 1))
    spaced = plate[:i].lower() + data.draw(st.sampled_from([" ", "-", " - ", "."])) + plate[i:]
    assert vehicle.validate(spaced) == plate
    assert vehicle.compact(vehicle.format(spaced)) == plate


@given(plates, st.data())
def test_other_characters_are_invalid_format(plate: str, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(plate) - 1))
    bad = plate[:i] + data.draw(st.sampled_from("/_ÄА²٣")) + plate[i + 1 :]  # Ä, Cyrillic А
    with pytest.raises(InvalidFormat):
        vehicle.validate(bad)


@pytest.mark.parametrize("plate", ["A", "", "ABCDEFG123456"])
def test_wrong_length(plate: str) -> None:
    with pytest.raises((InvalidLength, InvalidFormat)):
        vehicle.validate(plate)
    if plate:
        with pytest.raises(InvalidLength):
            vehicle.validate(plate)


@given(st.text() | st.text(ALNUM + " -.ß", max_size=16))
def test_random_text_raises_only_validation_errors(text: str) -> None:
    vehicle.compact(text)
    vehicle.format(text)
    try:
        vehicle.validate(text)
    except ValidationError:
        assert not vehicle.is_valid(text)
