from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.exceptions import InvalidComponent, InvalidFormat, ValidationError

from cix.identifiers import flight

UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIGITS = "0123456789"

designators = st.text(UPPER + DIGITS, min_size=2, max_size=2).filter(lambda d: not d.isdecimal())
flights = st.tuples(designators, st.integers(1, 9999), st.sampled_from(["", *UPPER]))


@given(flights, st.integers(0, 3), st.sampled_from(["", " ", "-"]))
def test_valid_flights_validate_and_round_trip(parts: tuple[str, int, str], zeros: int, sep: str) -> None:
    designator, number, suffix = parts
    expected = f"{designator}{number}{suffix}"
    raw = f"{designator}{sep}{'0' * zeros}{number}{suffix}".lower()
    assert flight.validate(raw) == expected
    assert flight.is_valid(raw)
    assert flight.compact(raw) == expected
    assert flight.format(raw) == f"{designator} {number}{suffix}"
    assert flight.validate(flight.format(raw)) == expected
    assert flight.airline(raw) == designator


@given(st.text(DIGITS, min_size=2, max_size=2), st.integers(1, 9999))
def test_two_digit_designator_is_invalid_component(designator: str, number: int) -> None:
    with pytest.raises(InvalidComponent):
        flight.validate(f"{designator}{number}")


@pytest.mark.parametrize(
    "number", ["LH", "LH 12345", "LH0", "DLH400", "LH400AB", "L 400", "LH 4O0", "LH/400"]
)
def test_invalid_format(number: str) -> None:
    with pytest.raises(InvalidFormat):
        flight.validate(number)


@pytest.mark.parametrize(("raw", "expected"), [("SU 1234", "SU1234"), ("LH400", "LH400"), ("U2 08", "U28")])
def test_examples(raw: str, expected: str) -> None:
    assert flight.validate(raw) == expected


@given(st.text() | st.text(UPPER + DIGITS + " -ß", max_size=10))
def test_random_text_raises_only_validation_errors(text: str) -> None:
    flight.compact(text)
    flight.format(text)
    try:
        flight.validate(text)
    except ValidationError:
        assert not flight.is_valid(text)
