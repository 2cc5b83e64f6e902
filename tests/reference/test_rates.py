"""Tests of cix.reference.rates: operator rate tables read by column name, validated, stored."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cix.errors import InputError
from cix.reference.countries import is_currency
from cix.reference.rates import (
    RateRow,
    add_rates_file,
    load_rates,
    rates_dir,
    read_rates_csv,
    write_rates_csv,
)

CURRENCIES = ["USD", "EUR", "CNY", "JPY", "KZT", "TRY", "INR"]
GOOD_ROW = {"date": "2024-03-01", "currency": "USD", "rate": "90.8", "base": "RUB", "nominal": "1"}


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_bank_of_russia_style_table(tmp_path: Path) -> None:
    path = tmp_path / "cbr.csv"
    path.write_text("date,currency,nominal,rate\n2024-03-01,USD,1,90.8\n2024-03-01,JPY,100,60.49\n")
    table = read_rates_csv(path, base="RUB")
    assert table.bases == {"RUB"}
    assert table.currencies("RUB") == {"USD", "JPY"}
    value = table.value("JPY", "RUB", date(2024, 3, 1), 0)
    assert value is not None and value[0] == pytest.approx(0.6049)
    assert table.value("USD", "RUB", date(2024, 3, 8), 7) == (90.8, date(2024, 3, 1))
    assert table.value("USD", "RUB", date(2024, 3, 9), 7) is None  # past the window
    assert table.value("USD", "RUB", date(2024, 2, 29), 7) is None  # never a later rate


def test_base_column_wins_and_is_required_without_default(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "t.csv",
        ["date", "currency", "rate", "base"],
        [GOOD_ROW, {**GOOD_ROW, "currency": "CNY", "rate": "0.13", "base": "USD"}],
    )
    assert read_rates_csv(path, base="KZT").bases == {"RUB", "USD"}
    bare = _write(tmp_path / "bare.csv", ["date", "currency", "rate"], [GOOD_ROW])
    with pytest.raises(InputError, match="row 2, column base"):
        read_rates_csv(bare)
    with pytest.raises(InputError, match="--base"):
        read_rates_csv(bare, base="RUBLE")


def test_duplicates_same_as_base_and_empty(tmp_path: Path) -> None:
    dup = _write(tmp_path / "dup.csv", list(GOOD_ROW), [GOOD_ROW, {**GOOD_ROW, "rate": "91"}])
    with pytest.raises(InputError, match=r"row 3.*first in row 2"):
        read_rates_csv(dup)
    same = _write(tmp_path / "same.csv", list(GOOD_ROW), [{**GOOD_ROW, "currency": "RUB"}])
    with pytest.raises(InputError, match="column currency"):
        read_rates_csv(same)
    empty = _write(tmp_path / "empty.csv", list(GOOD_ROW), [])
    with pytest.raises(InputError, match="no rate rows"):
        read_rates_csv(empty)


rows_strategy = st.lists(
    st.tuples(
        st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)),
        st.sampled_from(CURRENCIES),
        st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("100000"), places=4),
        st.sampled_from([Decimal(1), Decimal(10), Decimal(100), Decimal(1000)]),
    ),
    min_size=1,
    max_size=30,
    unique_by=lambda r: (r[0], r[1]),
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=50)
@given(rows=rows_strategy, columns=st.permutations(["date", "currency", "rate", "nominal", "extra"]))
def test_good_tables_load_in_any_column_order(tmp_path: Path, rows: list, columns: list[str]) -> None:
    data = [
        {"date": d.isoformat(), "currency": c, "rate": str(r), "nominal": str(n), "extra": "x"}
        for d, c, r, n in rows
    ]
    table = read_rates_csv(_write(tmp_path / "good.csv", columns, data), base="RUB")
    assert len(table.rows) == len(rows)
    for (d, c, r, n), row in zip(rows, table.rows, strict=True):
        assert (row.date, row.currency, row.rate, row.nominal, row.base) == (d, c, r, n, "RUB")
        value = table.value(c, "RUB", d, 0)
        assert value is not None and value[0] == pytest.approx(float(r / n))


def _bad_value(column: str) -> st.SearchStrategy[str]:
    junk = st.text(alphabet="abcXYZ019-./ %", min_size=1, max_size=8).map(str.strip).filter(bool)
    if column == "date":

        def not_iso(s: str) -> bool:
            try:
                return len(s) != 10 or not date.fromisoformat(s)
            except ValueError:
                return True

        return st.one_of(
            st.sampled_from(["2024-02-30", "01.03.2024", "2024/03/01", ""]), junk.filter(not_iso)
        )
    if column in ("currency", "base"):
        return st.one_of(
            st.sampled_from(["US", "usd1", "XYZ", "RUR"]), junk.filter(lambda s: not is_currency(s.upper()))
        )
    numbers = st.decimals(max_value=Decimal(0), allow_nan=False, allow_infinity=False).map(str)
    return st.one_of(
        st.sampled_from(["0", "-5", "abc", "NaN", "Infinity", "1,5"]),
        numbers,
        junk.filter(lambda s: not s.replace(".", "", 1).isdigit() or float(s) <= 0),
    )


@st.composite
def table_with_a_bad_cell(draw: st.DrawFn) -> tuple[list[dict[str, str]], int, str, str]:
    n = draw(st.integers(min_value=1, max_value=8))
    rows = [{**GOOD_ROW, "date": (date(2024, 1, 1) + timedelta(days=i)).isoformat()} for i in range(n)]
    index = draw(st.integers(min_value=0, max_value=n - 1))
    column = draw(st.sampled_from(["date", "currency", "rate", "base", "nominal"]))
    value = draw(_bad_value(column))
    if column == "base" and value == "":
        value = "R"
    rows[index] = {**rows[index], column: value}
    return rows, index, column, value


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=150)
@given(case=table_with_a_bad_cell())
def test_a_bad_cell_is_rejected_with_row_column_value(tmp_path: Path, case: tuple) -> None:
    rows, index, column, value = case
    path = _write(tmp_path / "bad.csv", ["date", "currency", "rate", "base", "nominal"], rows)
    with pytest.raises(InputError) as info:
        read_rates_csv(path)
    details = info.value.details
    assert (details["row"], details["column"], details["value"]) == (index + 2, column, value)
    assert f"row {index + 2}, column {column}" in info.value.message


def test_write_read_round_trip_keeps_synthetic_marker(tmp_path: Path) -> None:
    rows = [
        RateRow(date(2024, 3, 1), "USD", Decimal("90.80"), "RUB", Decimal(1), "synthetic"),
        RateRow(date(2024, 3, 1), "JPY", Decimal("60.4900"), "RUB", Decimal(100), "synthetic"),
    ]
    path = write_rates_csv(tmp_path / "sub" / "synthetic.csv", rows)
    assert path.read_text().splitlines()[:2] == [
        "date,currency,rate,base,nominal,source",
        "2024-03-01,USD,90.8,RUB,1,synthetic",
    ]
    table = read_rates_csv(path)
    assert table.synthetic
    assert [(r.rate, r.nominal) for r in table.rows] == [(Decimal("90.8"), 1), (Decimal("60.49"), 100)]


def test_add_rates_file_normalises_replaces_and_loads(tmp_path: Path) -> None:
    home = tmp_path / "home-not-created-yet"
    source = tmp_path / "cbr.txt"
    source.write_text("date,currency,rate\n2024-03-01,USD,90.8\n")
    table, replaced = add_rates_file(home, source, base="rub")
    assert (table.name, replaced) == ("cbr.csv", False)
    stored = rates_dir(home) / "cbr.csv"
    assert "2024-03-01,USD,90.8,RUB,1," in stored.read_text()
    source.write_text("date,currency,rate\n2024-03-04,USD,91.2\n")
    _table, replaced = add_rates_file(home, source, base="RUB")
    assert replaced
    [loaded] = load_rates(home)
    assert [(r.date, r.rate) for r in loaded.rows] == [(date(2024, 3, 4), Decimal("91.2"))]
    assert not list(rates_dir(home).glob(".*"))  # no temporary file left


def test_a_bad_file_is_not_stored(tmp_path: Path) -> None:
    source = tmp_path / "bad.csv"
    source.write_text("date,currency,rate,base\n2024-03-01,USD,-1,RUB\n")
    with pytest.raises(InputError, match="row 2, column rate"):
        add_rates_file(tmp_path, source)
    assert load_rates(tmp_path) == []
