"""The catalogue, the tariff and the synthetic rates the generator writes."""

from __future__ import annotations

from pathlib import Path

from cix.generate import Dataset, write_dataset
from cix.generate.catalogue import build_catalogue, preferences_for
from cix.reference import hs
from cix.reference.fx import RateBook
from cix.reference.rates import read_rates_csv
from cix.reference.tariff import read_tariff_csv
from cix.reference.units import is_unit


def test_catalogue_goods_exist_in_both_editions_with_their_descriptions() -> None:
    cat = build_catalogue(preferences_for("RU", ()))
    assert 180 <= len(cat) <= 300
    old, new = hs.edition("HS2017"), hs.edition("HS2022")
    for g in cat.goods:
        assert old.has_subheading(g.code) and new.has_subheading(g.code)
        entry = new.entry(g.code)
        assert entry is not None and g.description == entry.description
        assert is_unit(g.unit) and g.usd_price > 0
        for i in g.cheaper:
            assert cat.goods[i].duty < g.duty and cat.goods[i].unit == g.unit
    assert sum(1 for g in cat.goods if g.cheaper) > len(cat) / 2


def test_tariff_and_rates_read_back(dataset: Dataset, tmp_path: Path) -> None:
    paths = write_dataset(dataset, tmp_path)
    tariff = read_tariff_csv(paths["tariff"])
    for imp in dataset.imports[:300]:
        for g in imp["goods"]:
            line = tariff.rate(g["hs_code"], g["origin"])
            assert line is not None and float(line.rate) == g["tax_rate"]
            assert line.preferential == (g["preference"] == "300")
    table = read_rates_csv(paths["rates"])
    assert table.synthetic and table.bases == {"RUB"}
    book = RateBook([table], ecb=False)
    import datetime as dt

    for imp in dataset.imports[:300]:
        day = dt.date.fromisoformat(imp["date"])
        cons = imp["consignment"]
        additions = (cons.get("freight") or 0) + (cons.get("insurance") or 0)
        declared = sum(g["customs_value"] for g in imp["goods"])
        amount = sum(g["invoice_amount"] for g in imp["goods"]) + additions
        conversion = book.convert(amount, imp["goods"][0]["currency"], "RUB", day)
        # each amount is rounded to a cent before conversion, each customs value after it
        assert abs(declared - conversion.amount) <= (0.006 * conversion.rate + 0.006) * (len(imp["goods"]) + 2)
