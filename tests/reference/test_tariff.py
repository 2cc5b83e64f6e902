"""Tests of cix.reference.tariff: loading with validation and the longest-prefix lookup rule."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cix.errors import InputError
from cix.reference.countries import is_country
from cix.reference.tariff import (
    TariffRate,
    TariffTable,
    add_tariff_file,
    load_tariff,
    read_tariff_csv,
    tariff_path,
)


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


TABLE = TariffTable(
    [
        TariffRate("87", None, Decimal(15)),
        TariffRate("8703", None, Decimal(20)),
        TariffRate("870323", None, Decimal(25)),
        TariffRate("8703231940", None, Decimal(30)),
        TariffRate("87", "KR", Decimal(5)),
        TariffRate("8703", "JP", Decimal(10)),
        TariffRate("870323", "JP", Decimal(8)),
    ]
)


@pytest.mark.parametrize(
    ("code", "origin", "line", "rate"),
    [
        ("8703231940", None, ("8703231940", None), 30),
        ("8703231990", None, ("870323", None), 25),  # longest general prefix
        ("870324", None, ("8703", None), 20),
        ("8704", None, ("87", None), 15),
        ("8703231940", "KR", ("87", "KR"), 5),  # preference beats a longer general line
        ("870324", "JP", ("8703", "JP"), 10),
        ("870323", "JP", ("870323", "JP"), 8),  # longest preferential prefix
        ("8703231940", "CN", ("8703231940", None), 30),  # no preference for CN: general
        ("8703.23.19.40", None, ("8703231940", None), 30),
    ],
)
def test_lookup_rule(code: str, origin: str | None, line: tuple[str, str | None], rate: int) -> None:
    found = TABLE.rate(code, origin)
    assert found is not None
    assert (found.hs_code, found.origin) == line
    assert found.rate == rate
    assert found.preferential is (line[1] is not None)


def test_no_rate() -> None:
    assert TABLE.rate("0901") is None
    assert TABLE.rate("0901", "KR") is None
    assert TABLE.rate("8") is None


def test_read_by_name_with_percent_and_optional_columns(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("description,rate,hs_code\nCoffee,8%,0901\nRoasted,12.5,0901.21\n")
    table = read_tariff_csv(path)
    found = table.rate("090121")
    assert found is not None and (found.rate, found.description, found.row) == (Decimal("12.5"), "Roasted", 3)
    assert table.rate("090111").rate == 8  # type: ignore[union-attr]


def test_duplicates_and_empty(tmp_path: Path) -> None:
    dup = tmp_path / "dup.csv"
    dup.write_text("hs_code,rate,origin\n0901,8,\n0901,0,VN\n0901,5,\n")
    with pytest.raises(InputError, match=r"row 4, column hs_code.*first in row 2"):
        read_tariff_csv(dup)
    empty = tmp_path / "empty.csv"
    empty.write_text("hs_code,rate\n")
    with pytest.raises(InputError, match="no tariff rows"):
        read_tariff_csv(empty)


good_rows = st.lists(
    st.tuples(
        st.sampled_from([2, 4, 6, 8, 10]).flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n)),
        st.sampled_from(["", "RU", "CN", "KZ", "de"]),
        st.decimals(min_value=0, max_value=500, places=2),
    ),
    min_size=1,
    max_size=25,
    unique_by=lambda r: (r[0], r[1].upper()),
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=50)
@given(rows=good_rows)
def test_good_tables_load_and_every_line_is_found(tmp_path: Path, rows: list) -> None:
    data = [{"hs_code": c, "origin": o, "rate": str(r)} for c, o, r in rows]
    table = read_tariff_csv(_write(tmp_path / "t.csv", ["origin", "rate", "hs_code"], data))
    assert len(table) == len(rows)
    for code, origin, rate in rows:
        found = table.rate(code, origin.upper() or None)
        assert found is not None
        if not origin:
            assert (found.hs_code, found.rate) == (code, rate)
        else:
            assert found.origin == origin.upper() and len(found.hs_code) <= len(code)


bad_cells = st.one_of(
    st.tuples(st.just("hs_code"), st.sampled_from(["", "1", "123", "12345", "12345678901", "ab12", "09-01"])),
    st.tuples(st.just("rate"), st.sampled_from(["", "-1", "abc", "NaN", "5 %%", "1,5"])),
    st.tuples(
        st.just("origin"),
        st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ1", min_size=1, max_size=3).filter(lambda s: not is_country(s)),
    ),
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=100)
@given(n=st.integers(1, 6), data=st.data())
def test_a_bad_cell_is_rejected_with_row_column_value(tmp_path: Path, n: int, data: st.DataObject) -> None:
    rows = [{"hs_code": f"{i + 1:02d}", "rate": "5", "origin": ""} for i in range(n)]
    index = data.draw(st.integers(0, n - 1))
    column, value = data.draw(bad_cells)
    rows[index][column] = value
    path = _write(tmp_path / "bad.csv", ["hs_code", "rate", "origin"], rows)
    with pytest.raises(InputError) as info:
        read_tariff_csv(path)
    assert (info.value.details["row"], info.value.details["column"], info.value.details["value"]) == (
        index + 2,
        column,
        value,
    )


def test_store_replace_and_load(tmp_path: Path) -> None:
    home = tmp_path / "node"
    assert load_tariff(home) is None
    source = tmp_path / "national.csv"
    source.write_text("hs_code,rate\n0901,8\n")
    table, replaced = add_tariff_file(home, source)
    assert (len(table), replaced) == (1, False)
    assert tariff_path(home).read_text() == source.read_text()
    source.write_text("hs_code,rate\n0901,9\n")
    assert add_tariff_file(home, source)[1] is True
    loaded = load_tariff(home)
    assert loaded is not None and loaded.rate("0901").rate == 9  # type: ignore[union-attr]
    bad = tmp_path / "bad.csv"
    bad.write_text("hs_code,rate\n0901,x\n")
    with pytest.raises(InputError):
        add_tariff_file(home, bad)
    assert load_tariff(home).rate("0901").rate == 9  # type: ignore[union-attr]
