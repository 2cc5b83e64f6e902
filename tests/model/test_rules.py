"""Every validation rule, fed a bad record, reports its exact rule and JSON-pointer path."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cix.model.rules import RULES, validate
from tests.conftest import TODAY, import_declaration


def problems_of(d: dict[str, Any]) -> list[tuple[str, str, str]]:
    _decl, problems = validate(d, today=TODAY)
    return [(p.rule, p.path, p.severity) for p in problems]


def with_(path: str, value: Any, base: dict[str, Any] | None = None) -> dict[str, Any]:
    d = copy.deepcopy(base or import_declaration())
    parts = path.strip("/").split("/")
    cur: Any = d
    for p in parts[:-1]:
        cur = cur[int(p)] if isinstance(cur, list) else cur[p]
    last = parts[-1]
    if value is _DELETE:
        if isinstance(cur, list):
            del cur[int(last)]
        else:
            del cur[last]
    elif isinstance(cur, list):
        cur[int(last)] = value
    else:
        cur[last] = value
    return d


_DELETE = object()

ERROR_CASES = [
    ("/goods/0/hs_code", "12AB56", "hs.format", "/goods/0/hs_code"),
    ("/goods/0/hs_code", "12345", "hs.format", "/goods/0/hs_code"),
    ("/goods/0/hs_code", "999999", "hs.unknown", "/goods/0/hs_code"),
    ("/goods/0/origin", "XX", "country.unknown", "/goods/0/origin"),
    ("/importer/country", "RUS", "country.unknown", "/importer/country"),
    ("/consignment/countries_of_routing/1", "QQ", "country.unknown", "/consignment/countries_of_routing/1"),
    ("/goods/0/currency", "EUX", "currency.unknown", "/goods/0/currency"),
    ("/goods/0/unit", "KGX", "unit.unknown", "/goods/0/unit"),
    ("/goods/0/incoterm", "FOX", "incoterm.unknown", "/goods/0/incoterm"),
    (
        "/consignment/containers/0/number",
        "CSQU3054384",
        "container.check_digit",
        "/consignment/containers/0/number",
    ),
    (
        "/consignment/containers/0/number",
        "CSQ3054383",
        "container.format",
        "/consignment/containers/0/number",
    ),
    ("/goods/0/net_mass", -1, "value.negative", "/goods/0/net_mass"),
    ("/goods/0/quantity", -5, "value.negative", "/goods/0/quantity"),
    ("/goods/0/invoice_amount", -0.01, "value.negative", "/goods/0/invoice_amount"),
    ("/goods/0/tax_rate", -2, "value.negative", "/goods/0/tax_rate"),
    ("/goods/0/gross_mass", 5e12, "value.absurd", "/goods/0/gross_mass"),
    ("/goods/0/invoice_amount", 1e15, "value.absurd", "/goods/0/invoice_amount"),
    ("/goods/0/net_mass", 2000, "mass.net_above_gross", "/goods/0/net_mass"),
    ("/date", "2099-01-01", "date.future", "/date"),
    ("/date", "2024-02-30", "date.format", "/date"),
    ("/goods/0/net_mass", "heavy", "number.format", "/goods/0/net_mass"),
    ("/importer", _DELETE, "required", "/importer"),
    ("/goods", [], "required", "/goods"),
    ("/kind", "smuggling", "schema.enum", "/kind"),
    ("/goods/0/hs_code", _DELETE, "schema.required", "/goods/0/hs_code"),
    ("/goods/0/colour", "red", "schema.unknown_field", "/goods/0/colour"),
    ("/hs_edition", "HS1988", "hs.edition", "/hs_edition"),
]


@pytest.mark.parametrize(("path", "value", "rule", "where"), ERROR_CASES)
def test_error_rule_and_path(path: str, value: Any, rule: str, where: str) -> None:
    found = problems_of(with_(path, value))
    assert (rule, where, "error") in found, found
    decl, _ = validate(with_(path, value), today=TODAY)
    assert decl is None


def test_imo_check_digit_and_format() -> None:
    d = import_declaration()
    d["consignment"]["arrival_transport"] = {"mode": "1", "identity_type": "imo", "identity": "IMO 9074728"}
    assert ("imo.check_digit", "/consignment/arrival_transport/identity", "error") in problems_of(d)
    d["consignment"]["arrival_transport"]["identity"] = "90747"
    assert ("imo.format", "/consignment/arrival_transport/identity", "error") in problems_of(d)
    d["consignment"]["arrival_transport"]["identity"] = "IMO 9074729"
    assert problems_of(d) == []


def test_missing_natural_key() -> None:
    d = import_declaration()
    del d["lrn"]
    assert ("key.missing", "/mrn", "error") in problems_of(d)
    d["mrn"] = "24RU000000000001X0"
    assert not [p for p in problems_of(d) if p[0] == "key.missing"]


@pytest.mark.parametrize(
    ("kind", "missing"),
    [
        ("export", "/exporter"),
        ("transit", "/consignment/office_of_departure"),
        ("transit", "/consignment/office_of_destination"),
        ("preliminary", "/consignment/office_of_entry"),
    ],
)
def test_mandatory_by_kind(kind: str, missing: str) -> None:
    d = import_declaration(kind=kind)
    d.pop("exporter")
    d["consignment"].pop("office_of_entry")
    assert ("required", missing, "error") in problems_of(d)


def test_preliminary_needs_means_of_transport() -> None:
    d = import_declaration(kind="preliminary")
    d["consignment"].pop("arrival_transport")
    assert ("required", "/consignment/arrival_transport", "error") in problems_of(d)


WARNING_CASES = [
    ("/goods/0/net_mass", 0, "value.zero", "/goods/0/net_mass"),
    ("/goods/0/invoice_amount", 0, "value.zero", "/goods/0/invoice_amount"),
    ("/goods/0/tax_rate", 180, "tax_rate.high", "/goods/0/tax_rate"),
    ("/goods/0/origin", "ZZ", "country.unspecified", "/goods/0/origin"),
]


@pytest.mark.parametrize(("path", "value", "rule", "where"), WARNING_CASES)
def test_warnings_store_and_flag(path: str, value: Any, rule: str, where: str) -> None:
    decl, problems = validate(with_(path, value), today=TODAY)
    assert decl is not None
    assert [(p.rule, p.path, p.severity) for p in problems] == [(rule, where, "warning")]


def test_all_problems_at_once() -> None:
    d = with_("/goods/0/origin", "XX", with_("/goods/0/net_mass", "heavy", with_("/date", "2099-01-01")))
    rules = {p[0] for p in problems_of(d)}
    assert {"country.unknown", "number.format", "date.future"} <= rules


def test_edition_in_force_by_date() -> None:
    # 040310 (yoghurt) is an HS2017 subheading that HS2022 split into 040320 and others.
    old_only = "040310"
    d17 = import_declaration(date="2021-06-01")
    d17["goods"][0]["hs_code"] = old_only
    assert not [p for p in problems_of(d17) if p[0].startswith("hs.")]
    d22 = import_declaration(date="2022-06-01")
    d22["goods"][0]["hs_code"] = old_only
    assert ("hs.other_edition", "/goods/0/hs_code", "error") in problems_of(d22)
    d22["hs_edition"] = "HS2017"
    assert not [p for p in problems_of(d22) if p[0].startswith("hs.")]


def test_unknown_code_suggests_neighbours() -> None:
    _d, problems = validate(with_("/goods/0/hs_code", "090129"), today=TODAY)
    [p] = [p for p in problems if p.rule == "hs.unknown"]
    assert "0901" in p.message


def test_every_rule_documented() -> None:
    assert all(text for text in RULES.values())
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "validation.md").read_text()
    missing = [r for r in RULES if f"`{r}`" not in doc]
    assert not missing


_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**15), 10**15), st.floats(allow_nan=True), st.text(max_size=12)
)


@settings(max_examples=300, deadline=None)
@given(
    field=st.sampled_from(
        [
            "/date",
            "/kind",
            "/goods/0/hs_code",
            "/goods/0/net_mass",
            "/goods/0/origin",
            "/goods/0/unit",
            "/goods/0/currency",
            "/importer",
            "/consignment/containers/0/number",
            "/goods/0/tax_rate",
            "/consignment/countries_of_routing",
            "/goods",
            "/consignment",
        ]
    ),
    value=st.one_of(
        _leaf, st.lists(_leaf, max_size=3), st.dictionaries(st.text(max_size=5), _leaf, max_size=3)
    ),
)
def test_validate_is_total(field: str, value: Any) -> None:
    """Any value in any field gives problems with known rules and pointer paths, never an exception."""
    _decl, problems = validate(with_(field, value), today=TODAY)
    for p in problems:
        assert p.rule in RULES or p.rule.startswith("schema."), p
        assert p.path == "" or p.path.startswith("/")
        assert p.severity in ("error", "warning")


@settings(max_examples=100, deadline=None)
@given(st.dates(min_value=dt.date(2017, 1, 1), max_value=TODAY))
def test_past_dates_accepted(date: dt.date) -> None:
    d = import_declaration(date=date.isoformat())
    d["goods"][0]["hs_code"] = "0101210000"  # in both editions
    decl, problems = validate(d, today=TODAY)
    assert decl is not None and problems == []
