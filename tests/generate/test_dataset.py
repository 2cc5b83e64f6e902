"""Reproducibility, validity and pairing of :func:`cix.generate.generate`."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import orjson

from cix.generate import Dataset, GeneratorConfig, generate, natural_key
from cix.model.rules import validate

from .conftest import END


def _dump(ds: Dataset) -> bytes:
    return orjson.dumps([ds.imports, ds.exports, ds.preliminary, ds.truth, ds.links, ds.tariff, ds.traders])


def test_same_seed_same_output_other_seed_other_output() -> None:
    cfg = GeneratorConfig(end_date=END, days=3, per_day=30, seed=3)
    first, again = generate(cfg), generate(cfg)
    assert _dump(first) == _dump(again)
    assert [r.rate for r in first.rates] == [r.rate for r in again.rates]
    other = generate(GeneratorConfig(end_date=END, days=3, per_day=30, seed=4))
    assert _dump(first) != _dump(other)
    assert {natural_key(r) for r in first.imports}.isdisjoint(natural_key(r) for r in other.imports)


def test_every_record_validates_without_any_problem(dataset: Dataset) -> None:
    records = dataset.imports + dataset.exports + dataset.preliminary
    assert len(records) > 3000
    problems = Counter()
    for rec in records:
        _decl, found = validate(rec, today=END)
        problems.update((rec["kind"], p.rule, p.path) for p in found)
    assert not problems, problems.most_common(10)


def test_dates_lie_in_the_window_and_never_after_the_end(dataset: Dataset) -> None:
    first = (END - dt.timedelta(days=11)).isoformat()
    assert {r["date"] for r in dataset.imports} <= {
        (END - dt.timedelta(days=d)).isoformat() for d in range(12)
    }
    assert min(r["date"] for r in dataset.imports) == first
    for rec in dataset.exports + dataset.preliminary:
        assert rec["date"] <= END.isoformat()
    by_ucr = {r["ucr"]: r for r in dataset.exports}
    for imp in dataset.imports:
        assert by_ucr[imp["ucr"]]["date"] <= imp["date"]


def test_keys_are_unique(dataset: Dataset) -> None:
    keys = [natural_key(r) for r in dataset.imports + dataset.exports + dataset.preliminary]
    assert None not in keys
    assert len(keys) == len(set(keys))


def test_each_export_has_its_import_sharing_ucr_document_containers_and_traders(dataset: Dataset) -> None:
    imports_by_ucr: dict[str, list[dict]] = {}
    for imp in dataset.imports:
        imports_by_ucr.setdefault(imp["ucr"], []).append(imp)
    assert len(dataset.exports) == len(dataset.links) == 1200
    assert set(imports_by_ucr) == {e["ucr"] for e in dataset.exports}
    for exp in dataset.exports:
        for imp in imports_by_ucr[exp["ucr"]]:
            ec, ic = exp["consignment"], imp["consignment"]
            assert ec["transport_documents"] == ic["transport_documents"]
            assert ec["containers"] == ic["containers"]
            assert exp["exporter"]["identifier"] == imp["exporter"]["identifier"]
            assert exp["importer"]["identifier"] == imp["importer"]["identifier"]
            assert exp["mrn"].startswith(exp["date"][2:4] + exp["exporter"]["country"])


def test_import_and_export_figures_agree_but_for_a_little_noise(dataset: Dataset) -> None:
    fraud = {t["key"] for t in dataset.truth}
    exports = {e["ucr"]: e for e in dataset.exports}
    checked = 0
    for imp in dataset.imports:
        if natural_key(imp) in fraud:
            continue
        exp = exports[imp["ucr"]]
        for gi, ge in zip(imp["goods"], exp["goods"], strict=True):
            assert gi["hs_code"][:6] == ge["hs_code"][:6] and gi["origin"] == ge["origin"]
            assert gi["quantity"] == ge["quantity"] and gi["invoice_amount"] == ge["invoice_amount"]
            assert abs(gi["net_mass"] - ge["net_mass"]) <= 0.006 * ge["net_mass"] + 0.1
            assert gi["customs_value"] > 0 and gi["currency"] == ge["currency"] in {"EUR", "USD", "CNY"}
            checked += 1
    assert checked > 1500


def test_shares_of_aeo_fraud_preliminary_and_currencies(dataset: Dataset) -> None:
    traders = dataset.traders
    aeo = sum(t["aeo"] for t in traders) / len(traders)
    assert 0.08 < aeo < 0.25
    consignments = len(dataset.links)
    fraud = sum(1 for link in dataset.links if link["fraud"]) / consignments
    assert 0.025 < fraud < 0.08
    prelim = len(dataset.preliminary) / consignments
    assert 0.5 < prelim < 0.7
    modes = Counter(i["consignment"]["arrival_transport"]["mode"] for i in dataset.imports)
    assert set(modes) == {"1", "2", "3", "4"}
    currencies = Counter(g["currency"] for i in dataset.imports for g in i["goods"])
    assert set(currencies) == {"EUR", "USD", "CNY"}


def test_other_importer_and_partners() -> None:
    ds = generate(GeneratorConfig(importer="KZ", partners=("CN", "IT", "US"), end_date=END, days=2, per_day=40))
    for rec in ds.imports + ds.exports + ds.preliminary:
        _decl, problems = validate(rec, today=END)
        assert not problems, problems
    assert {r["consignment"]["country_of_destination"] for r in ds.imports} == {"KZ"}
    assert {r.base for r in ds.rates} == {"KZT"}
