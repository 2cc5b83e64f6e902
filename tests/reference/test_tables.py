"""Tests of cix.reference.tables: reading CSV by column name, cell errors."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cix.errors import InputError
from cix.reference.tables import cell_error, parse_date, parse_number, read_rows


def test_columns_by_name_any_order_extra_and_absent_optional(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("\ufeffExtra, Rate ,date\nx,1.5,2024-01-02\n\n,,\ny,2,2024-01-03\n", encoding="utf-8")
    rows = list(read_rows(path, ("date", "rate"), ("nominal",)))
    assert rows == [
        (2, {"date": "2024-01-02", "rate": "1.5", "nominal": ""}),
        (5, {"date": "2024-01-03", "rate": "2", "nominal": ""}),
    ]


def test_missing_required_column(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("date,currency\n2024-01-01,USD\n")
    with pytest.raises(InputError, match="rate") as info:
        list(read_rows(path, ("date", "currency", "rate")))
    assert info.value.details["missing"] == ["rate"]


def test_unreadable_inputs(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        list(read_rows(tmp_path / "absent.csv", ("a",)))
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(InputError, match="empty"):
        list(read_rows(empty, ("a",)))
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"a\n\xff\xfe\x00\n")
    with pytest.raises(InputError, match="UTF-8"):
        list(read_rows(binary, ("a",)))


def test_cell_error_carries_the_cell() -> None:
    err = cell_error("f.csv", 7, "rate", "x", "bad")
    assert err.details == {"file": "f.csv", "row": 7, "column": "rate", "value": "x", "reason": "bad"}
    assert "row 7" in err.message and "column rate" in err.message


@given(st.dates())
def test_iso_dates_parse(day: date) -> None:
    assert parse_date("f", 2, "date", day.isoformat()) == day


@pytest.mark.parametrize(
    "text",
    [
        "2024-02-30",
        "01.03.2024",
        "2024-1-2",
        "",
        "20240101",
        "2024-01-01T00:00",
        "2024-W01-1",
        "２０２４-01-01",
    ],
)
def test_bad_dates(text: str) -> None:
    with pytest.raises(InputError, match="not a date"):
        parse_date("f", 2, "date", text)


@given(st.decimals(min_value=Decimal("0.000001"), max_value=Decimal("1e12"), places=6))
def test_positive_numbers_parse(number: Decimal) -> None:
    assert parse_number("f", 2, "rate", str(number)) == number


@pytest.mark.parametrize("text", ["0", "-1", "abc", "NaN", "inf", "", "1,5", "1e999999"])
def test_bad_positive_numbers(text: str) -> None:
    with pytest.raises(InputError, match="positive"):
        parse_number("f", 2, "rate", text)


def test_zero_allowed_when_not_positive() -> None:
    assert parse_number("f", 2, "rate", "0", positive=False) == 0
    with pytest.raises(InputError):
        parse_number("f", 2, "rate", "-0.5", positive=False)
