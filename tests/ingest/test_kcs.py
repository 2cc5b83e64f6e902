"""The KCS layout: each error and warning of the issue's table, with its exact rule and column path."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cix.ingest.kcs import pad_hs, to_incoming, validate_kcs_row
from tests.conftest import KCS_DIR, TODAY

GOOD = {
    "Declaration ID": "97061800",
    "Date": "2020-01-01",
    "Office ID": "30",
    "Process Type": "B",
    "Import Type": "11",
    "Import Use": "21",
    "Payment Type": "11",
    "Mode of Transport": "10",
    "Declarant ID": "ZZR1LT6",
    "Importer ID": "QLRUBN9",
    "Seller ID": "0VKY2BR",
    "Courier ID": "C1",
    "HS6 Code": "440890",
    "Country of Departure": "BE",
    "Country of Origin": "BE",
    "Tax Rate": "0.0",
    "Tax Type": "FEU1",
    "Country of Origin Indicator": "G",
    "Net Mass": "108.0",
    "Item Price": "372254.4",
    "Fraud": "0",
    "Critical Fraud": "0",
}


def found(**over: str) -> set[tuple[str, str, str]]:
    row = {**GOOD, **over}
    return {(p.rule, p.path, p.severity) for p in validate_kcs_row(row, today=TODAY)}


def test_good_row_has_no_problem() -> None:
    assert found() == set()


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [
        ("Declaration ID", "", "key.missing"),
        ("Date", "2020-13-45", "date.format"),
        ("Date", "yesterday", "date.format"),
        ("Date", "2099-01-01", "date.future"),
        ("HS6 Code", "12345678", "hs.format"),
        ("HS6 Code", "44A890", "hs.format"),
        ("HS6 Code", "999999", "hs.unknown"),
        ("Country of Origin", "XX", "country.unknown"),
        ("Country of Origin", "KOR", "country.unknown"),
        ("Country of Departure", "1A", "country.unknown"),
        ("Net Mass", "-3", "value.negative"),
        ("Net Mass", "abc", "number.format"),
        ("Item Price", "-1", "value.negative"),
        ("Item Price", "1,000", "number.format"),
        ("Tax Rate", "-8", "value.negative"),
        ("Tax Rate", "eight", "number.format"),
    ],
)
def test_errors(column: str, value: str, rule: str) -> None:
    problems = found(**{column: value})
    assert (rule, "/" + column, "error") in problems, problems


def test_hs_not_in_edition_in_force() -> None:
    # 030910 exists only from HS 2022; the row is dated 2020, when HS 2017 was in force.
    assert ("hs.other_edition", "/HS6 Code", "error") in found(**{"HS6 Code": "030910"})


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [
        ("Net Mass", "0", "value.zero"),
        ("Item Price", "0.0", "value.zero"),
        ("Tax Rate", "250", "tax_rate.high"),
        ("Country of Origin", "ZZ", "country.unspecified"),
        ("Country of Departure", "ZZ", "country.unspecified"),
        ("Seller ID", "", "kcs.optional_missing"),
        ("Courier ID", "", "kcs.optional_missing"),
    ],
)
def test_warnings(column: str, value: str, rule: str) -> None:
    assert found(**{column: value}) == {(rule, "/" + column, "warning")}


def test_hs_left_padded() -> None:
    assert pad_hs("90121") == "090121"
    inc = to_incoming({**GOOD, "HS6 Code": "90121"})
    assert inc.data is not None and inc.data["goods"][0]["hs_code"] == "090121"
    assert found(**{"HS6 Code": "90121"}) == set()


def test_labels_become_inspection_and_are_optional() -> None:
    inc = to_incoming({**GOOD, "Fraud": "1", "Critical Fraud": "2"})
    assert inc.inspection is not None
    assert inc.inspection["result"] == "fraud" and inc.inspection["critical"] == 2
    row = {k: v for k, v in GOOD.items() if k not in ("Fraud", "Critical Fraud", "Courier ID")}
    inc = to_incoming(row)
    assert inc.inspection is None
    assert found() == set()


def test_columns_read_by_name_not_position() -> None:
    shuffled = dict(reversed(list(GOOD.items())))
    a = to_incoming(GOOD).data
    b = to_incoming(shuffled).data
    assert a == b


def test_development_files_validate() -> None:
    """Every row of the first 2,000 of valid.csv passes (warnings only)."""
    with (KCS_DIR / "valid.csv").open() as f:
        rows = [r for _, r in zip(range(2000), csv.DictReader(f), strict=False)]
    errors = [
        (r["Declaration ID"], p)
        for r in rows
        for p in validate_kcs_row(r, today=TODAY)
        if p.severity == "error"
    ]
    assert errors == []


@settings(max_examples=200, deadline=None)
@given(
    column=st.sampled_from([c for c in GOOD if c not in ("Fraud", "Critical Fraud")]),
    value=st.text(max_size=15),
)
def test_any_cell_value_is_reported_not_raised(column: str, value: str) -> None:
    problems = validate_kcs_row({**GOOD, column: value}, today=dt.date(2026, 1, 1))
    for p in problems:
        assert p.path.startswith("/")
        assert p.severity in ("error", "warning")
