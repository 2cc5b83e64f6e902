"""The comparison on frames: HS editions, currency conversion at the import date, the CIF/FOB adjustment."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from cix.matching import compare

D = dt.date(2024, 3, 1)


def _frames(imp: dict[str, Any], exp: dict[str, Any], **decl: Any) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    base = {
        "importer_id": "RU1",
        "exporter_id": "FI1",
        "declared_on": D,
        "hs_edition": None,
        "incoterm": "CIF",
        "freight": None,
        "insurance": None,
        "freight_currency": None,
    }
    recs = pl.DataFrame([{**base, "id": 1, **decl.get("i", {})}, {**base, "id": 2, **decl.get("p", {})}])
    item = {
        "seq": 1,
        "hs_code": "090121",
        "origin": "BR",
        "quantity": 10.0,
        "unit": "KGM",
        "net_mass": 10.0,
        "gross_mass": 11.0,
        "invoice_amount": 100.0,
        "currency": "EUR",
        "customs_value": None,
        "tax_rate": 10.0,
    }
    goods = pl.DataFrame([{**item, "declaration_id": 1, **imp}, {**item, "declaration_id": 2, **exp}])
    pairs = pl.DataFrame({"declaration_id": [1], "counterpart_id": [2]})
    return pairs, recs, goods


def test_edition_mismatch_is_not_a_discrepancy() -> None:
    ref = compare.Reference(edition_of=lambda d: "HS2022", in_both=frozenset({"090121"}))
    pairs, recs, goods = _frames({"hs_code": "854231"}, {}, i={"hs_edition": "HS2022"}, p={"hs_edition": "HS2017"})
    out = compare.compare(pairs, recs, goods, ref)
    assert out["kind"].to_list() == ["hs_edition_mismatch"]
    assert compare.summarise(out).is_empty()


def test_codes_identical_in_both_editions_compare_as_usual() -> None:
    ref = compare.Reference(edition_of=lambda d: "HS2022", in_both=frozenset({"090121", "090111"}))
    pairs, recs, goods = _frames({"hs_code": "090111"}, {}, i={"hs_edition": "HS2022"}, p={"hs_edition": "HS2017"})
    out = compare.compare(pairs, recs, goods, ref)
    assert out["kind"].to_list() == ["hs_code"]


def test_value_converted_at_the_import_date() -> None:
    seen: list[Any] = []

    def rate(f: str, t: str, on: dt.date) -> float | None:
        seen.append((f, t, on))
        return 1.0 if f == t else 0.5

    ref = compare.Reference(rate=rate)
    pairs, recs, goods = _frames(
        {}, {"currency": "CNY", "invoice_amount": 200.0}, p={"declared_on": D - dt.timedelta(5)}
    )
    assert compare.compare(pairs, recs, goods, ref).is_empty()  # 200 CNY at 0.5 = 100 EUR
    assert ("CNY", "EUR", D) in seen


def test_fob_export_against_cif_import_adds_freight_and_insurance() -> None:
    ref = compare.Reference()
    # Import CIF 110 = export FOB 100 + freight 9 + insurance 1 (declared on the import): no discrepancy.
    pairs, recs, goods = _frames(
        {"invoice_amount": 110.0},
        {},
        i={"freight": 9.0, "insurance": 1.0, "freight_currency": "EUR"},
        p={"incoterm": "FOB"},
    )
    assert compare.compare(pairs, recs, goods, ref).is_empty()
    # Without the adjustment 100 against 60 is high; with it, still a discrepancy with duty at stake.
    pairs, recs, goods = _frames({"invoice_amount": 60.0}, {}, p={"incoterm": "FOB"})
    out = compare.compare(pairs, recs, goods, ref)
    row = out.row(0, named=True)
    assert row["kind"] == "customs_value" and row["severity"] == "high" and row["duty_at_stake"] > 0


def test_no_rate_is_reported_not_dropped() -> None:
    ref = compare.Reference(rate=lambda f, t, d: 1.0 if f == t else None)
    pairs, recs, goods = _frames({}, {"currency": "CNY"})
    out = compare.compare(pairs, recs, goods, ref)
    assert out["kind"].to_list() == ["value_not_compared"]
