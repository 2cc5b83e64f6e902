"""The fraud truth matches the changes made to the import declarations."""

from __future__ import annotations

from collections import Counter

from cix.generate import Dataset, natural_key
from cix.generate.catalogue import build_catalogue, preferences_for


def _index(ds: Dataset) -> tuple[dict, dict, dict]:
    imports = {natural_key(r): r for r in ds.imports}
    exports = {natural_key(r): r for r in ds.exports}
    truth = {t["key"]: t for t in ds.truth}
    return imports, exports, truth


def test_every_kind_is_injected_and_keys_point_at_records(fraudulent: Dataset) -> None:
    imports, exports, truth = _index(fraudulent)
    kinds = Counter(k for t in truth.values() for k in t["kinds"])
    assert set(kinds) == {"undervaluation", "misclassification", "origin", "quantity", "split"}
    assert kinds["undervaluation"] > kinds["misclassification"]
    for key, t in truth.items():
        assert key in imports and t["export_key"] in exports
        assert imports[key]["ucr"] == t["ucr"] == exports[t["export_key"]]["ucr"]
        assert t["items"] and all(0 <= i["index"] < len(imports[key]["goods"]) for i in t["items"])


def test_undervalued_items_have_a_lower_unit_price_than_the_truth(fraudulent: Dataset) -> None:
    imports, exports, truth = _index(fraudulent)
    n = 0
    for key, t in truth.items():
        if t["kinds"] != ["undervaluation"]:
            continue
        for item in t["items"]:
            declared = imports[key]["goods"][item["index"]]
            true_goods = exports[t["export_key"]]["goods"][item["index"]]
            assert declared["invoice_amount"] == item["declared"]["invoice_amount"]
            assert item["true"]["invoice_amount"] == true_goods["invoice_amount"]
            ratio = declared["invoice_amount"] / item["true"]["invoice_amount"]
            assert 0.19 <= ratio <= 0.71
            assert declared["customs_value"] < item["true"]["customs_value"]
            true_unit_price = true_goods["invoice_amount"] / true_goods["quantity"]
            assert declared["invoice_amount"] / declared["quantity"] < true_unit_price
            n += 1
    assert n > 10


def test_misclassified_items_move_to_a_lower_duty(fraudulent: Dataset) -> None:
    imports, exports, truth = _index(fraudulent)
    cat = build_catalogue(preferences_for("RU", ()))
    n = 0
    for key, t in truth.items():
        if t["kinds"] != ["misclassification"]:
            continue
        (item,) = t["items"]
        declared = imports[key]["goods"][item["index"]]
        true_goods = exports[t["export_key"]]["goods"][item["index"]]
        assert declared["hs_code"] == item["declared"]["hs_code"] != item["true"]["hs_code"]
        assert item["true"]["hs_code"][:6] == true_goods["hs_code"][:6]
        assert declared["tax_rate"] < item["true"]["tax_rate"]
        assert declared["description"] == cat.by_code[declared["hs_code"][:6]].description
        n += 1
    assert n > 3


def test_origin_is_moved_to_a_preferential_country(fraudulent: Dataset) -> None:
    imports, exports, truth = _index(fraudulent)
    prefs = preferences_for("RU", ())
    n = 0
    for key, t in truth.items():
        if t["kinds"] != ["origin"]:
            continue
        for item in t["items"]:
            declared = imports[key]["goods"][item["index"]]
            assert declared["origin"] in prefs and declared["preference"] == "300"
            assert item["true"]["origin"] == exports[t["export_key"]]["goods"][item["index"]]["origin"]
            assert declared["tax_rate"] < item["true"]["tax_rate"]
            n += 1
    assert n > 3


def test_understated_quantity_and_mass(fraudulent: Dataset) -> None:
    imports, exports, truth = _index(fraudulent)
    n = 0
    for key, t in truth.items():
        if t["kinds"] != ["quantity"]:
            continue
        for item in t["items"]:
            declared = imports[key]["goods"][item["index"]]
            true_goods = exports[t["export_key"]]["goods"][item["index"]]
            assert declared["quantity"] < item["true"]["quantity"] == true_goods["quantity"]
            assert declared["net_mass"] < 0.95 * true_goods["net_mass"]
            n += 1
    assert n > 3


def test_split_parts_add_up_to_the_shipment_and_stay_under_the_threshold(fraudulent: Dataset) -> None:
    imports, exports, truth = _index(fraudulent)
    groups: dict[str, list[str]] = {}
    for key, t in truth.items():
        if t["kinds"] == ["split"]:
            groups.setdefault(t["export_key"], []).append(key)
    assert groups
    usd = {"USD": 1.0, "EUR": 1.08, "CNY": 0.138}
    for export_key, keys in groups.items():
        export = exports[export_key]
        parts = [imports[k] for k in keys]
        assert len(parts) >= 2 and sorted(truth[keys[0]]["split"]["parts"]) == sorted(keys)
        threshold = truth[keys[0]]["split"]["threshold_usd"]
        for part in parts:
            assert sum(g["invoice_amount"] * usd[g["currency"]] for g in part["goods"]) < threshold
        for i, goods in enumerate(export["goods"]):
            assert round(sum(p["goods"][i]["quantity"] for p in parts), 2) == goods["quantity"]
            assert abs(sum(p["goods"][i]["invoice_amount"] for p in parts) - goods["invoice_amount"]) < 0.05


def test_no_fraud_when_the_share_is_zero() -> None:
    from cix.generate import GeneratorConfig, generate

    from .conftest import END

    ds = generate(GeneratorConfig(end_date=END, days=2, per_day=100, fraud_share=0.0))
    assert ds.truth == [] and len(ds.imports) == len(ds.exports) == 200
