"""The goods catalogue of synthetic trade: real HS subheadings with units, prices and duty rates.

About 80 hand-picked headings carry a profile (unit of quantity, typical price in USD per unit,
kilograms per unit, general duty rate). From each heading up to three subheadings are taken that
exist in **both** HS 2017 and HS 2022 (so that a generated code is valid on either side of
2022-01-01), with their descriptions from the HS 2022 nomenclature: about 200 goods. A
subheading's base price is the heading price times a log-normal factor; its price for an origin
adds a country level and another log-normal factor, and each consignment draws its unit price
log-normally around that (:meth:`Catalogue.price`). The catalogue is built with its own fixed seed,
so every dataset shares the same goods and price levels whatever its seed: price references
learned on one dataset apply to another. Duty rates vary within a heading, so that most goods
have a lower-duty neighbour to be misclassified into (:attr:`Goods.cheaper`).
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from cix.reference import hs as ref_hs

CATALOGUE_SEED = 2022
PER_HEADING = 3

# heading: (unit, USD per unit, kg per unit, general duty rate %)
HEADINGS: dict[str, tuple[str, float, float, float]] = {
    "0302": ("KGM", 5.0, 1.0, 10), "0303": ("KGM", 3.0, 1.0, 10), "0304": ("KGM", 7.0, 1.0, 10),
    "0402": ("KGM", 3.5, 1.0, 15), "0406": ("KGM", 6.0, 1.0, 15), "0703": ("KGM", 0.6, 1.0, 10),
    "0709": ("KGM", 1.5, 1.0, 10), "0802": ("KGM", 6.0, 1.0, 5), "0805": ("KGM", 0.9, 1.0, 5),
    "0806": ("KGM", 1.5, 1.0, 5), "0808": ("KGM", 0.8, 1.0, 5), "0901": ("KGM", 5.0, 1.0, 5),
    "0902": ("KGM", 4.0, 1.0, 5), "1509": ("KGM", 5.0, 1.0, 5), "1704": ("KGM", 3.0, 1.0, 12.5),
    "1806": ("KGM", 5.0, 1.0, 15), "1905": ("KGM", 3.0, 1.0, 12.5), "2008": ("KGM", 2.5, 1.0, 10),
    "2106": ("KGM", 6.0, 1.0, 10), "2202": ("LTR", 0.8, 1.05, 12.5), "2203": ("LTR", 1.2, 1.05, 20),
    "2204": ("LTR", 4.0, 1.1, 12.5), "2208": ("LTR", 8.0, 1.2, 20), "2836": ("KGM", 0.5, 1.0, 5),
    "2905": ("KGM", 1.2, 1.0, 5), "2918": ("KGM", 2.5, 1.0, 5), "3004": ("KGM", 50.0, 1.0, 3),
    "3208": ("KGM", 4.0, 1.0, 6.5), "3304": ("KGM", 20.0, 1.0, 6.5), "3305": ("KGM", 6.0, 1.0, 6.5),
    "3401": ("KGM", 2.0, 1.0, 6.5), "3402": ("KGM", 1.8, 1.0, 6.5), "3808": ("KGM", 6.0, 1.0, 5),
    "3901": ("KGM", 1.3, 1.0, 5), "3920": ("KGM", 3.0, 1.0, 6.5), "3923": ("KGM", 3.0, 1.0, 10),
    "3926": ("KGM", 5.0, 1.0, 10), "4011": ("H87", 60.0, 9.0, 10), "4202": ("H87", 20.0, 0.8, 12.5),
    "4407": ("MTQ", 300.0, 550.0, 5), "4802": ("KGM", 1.0, 1.0, 5), "4819": ("KGM", 1.5, 1.0, 10),
    "5208": ("MTK", 2.5, 0.15, 8), "5407": ("MTK", 2.0, 0.12, 8), "6104": ("H87", 10.0, 0.4, 10),
    "6109": ("H87", 4.0, 0.2, 10), "6110": ("H87", 10.0, 0.4, 10), "6203": ("H87", 20.0, 0.7, 10),
    "6204": ("H87", 18.0, 0.5, 10), "6302": ("KGM", 8.0, 1.0, 10), "6402": ("PR", 8.0, 0.7, 10),
    "6403": ("PR", 25.0, 1.0, 10), "6404": ("PR", 12.0, 0.6, 10), "6907": ("MTK", 8.0, 20.0, 10),
    "7013": ("KGM", 3.0, 1.0, 10), "7208": ("KGM", 0.7, 1.0, 5), "7210": ("KGM", 0.9, 1.0, 5),
    "7306": ("KGM", 1.1, 1.0, 5), "7318": ("KGM", 2.5, 1.0, 8), "7326": ("KGM", 4.0, 1.0, 8),
    "7606": ("KGM", 3.5, 1.0, 5), "8205": ("H87", 8.0, 0.6, 5), "8467": ("H87", 60.0, 3.0, 5),
    "8413": ("H87", 400.0, 30.0, 2.5), "8414": ("H87", 150.0, 10.0, 2.5), "8415": ("H87", 350.0, 35.0, 5),
    "8418": ("H87", 400.0, 60.0, 10), "8421": ("H87", 200.0, 10.0, 2.5), "8450": ("H87", 300.0, 65.0, 10),
    "8471": ("H87", 500.0, 3.0, 0), "8481": ("H87", 40.0, 2.0, 5), "8482": ("H87", 8.0, 0.6, 5),
    "8504": ("H87", 80.0, 5.0, 5), "8507": ("H87", 60.0, 8.0, 10), "8516": ("H87", 40.0, 3.0, 10),
    "8517": ("H87", 200.0, 0.3, 0), "8528": ("H87", 250.0, 12.0, 10), "8536": ("H87", 2.0, 0.05, 5),
    "8544": ("KGM", 6.0, 1.0, 7.5), "8703": ("H87", 20000.0, 1400.0, 15), "8704": ("H87", 35000.0, 6000.0, 15),
    "8708": ("KGM", 8.0, 1.0, 5), "8711": ("H87", 2000.0, 150.0, 10), "9018": ("H87", 200.0, 2.0, 0),
    "9026": ("H87", 300.0, 3.0, 5), "9401": ("H87", 60.0, 12.0, 10), "9403": ("H87", 120.0, 25.0, 10),
    "9405": ("H87", 25.0, 1.5, 12.5), "9503": ("H87", 8.0, 0.4, 5), "9506": ("H87", 20.0, 1.5, 7.5),
}

#: Price level of goods by origin (1.0 elsewhere): made in Germany costs more than made in China.
ORIGIN_PRICE_LEVEL: dict[str, float] = {
    "CN": 0.75, "VN": 0.7, "IN": 0.7, "BD": 0.65, "TR": 0.85, "BY": 0.9, "KZ": 0.9, "PL": 0.95,
    "KR": 1.05, "US": 1.15, "FI": 1.2, "IT": 1.2, "FR": 1.2, "DE": 1.25, "JP": 1.3, "CH": 1.4,
}

#: Count units: quantities are whole numbers.
COUNT_UNITS = frozenset({"H87", "PR", "C62", "NAR"})

TYPICAL_VALUE_USD = 25_000.0  # median value of one goods item of a consignment
ITEM_SIGMA = 1.0  # log-normal spread of item values
PRICE_SIGMA = 0.3  # log-normal spread of one consignment's unit price around its (goods, origin) level


@dataclass(slots=True)
class Goods:
    """One subheading of the catalogue."""

    index: int
    code: str  # six digits
    national: str  # four national digits appended on import declarations
    description: str
    unit: str
    usd_price: float  # base price per unit of quantity, before the origin level
    kg_per_unit: float
    duty: float  # general (MFN) rate in %
    cheaper: list[int] = field(default_factory=list)  # catalogue indexes of lower-duty, same-unit goods

    @property
    def heading(self) -> str:
        return self.code[:4]

    @property
    def counted(self) -> bool:
        return self.unit in COUNT_UNITS


def _round_rate(rate: float) -> float:
    return round(rate * 2) / 2


class Catalogue:
    """The goods, their price levels by origin and the tariff (general and preferential)."""

    def __init__(self, goods: list[Goods], preferences: Mapping[str, float]) -> None:
        self.goods = goods
        self.by_code = {g.code: g for g in goods}
        self.preferences = dict(preferences)  # origin -> share of the general rate (0 = duty free)
        self.price_levels: dict[tuple[int, str], float] = {}  # (index, origin) -> USD, filled on use
        self._duty: dict[tuple[int, str | None], tuple[float, bool]] = {}

    def __len__(self) -> int:
        return len(self.goods)

    def origin_price(self, index: int, origin: str) -> float:
        """The USD price level of goods ``index`` from ``origin`` (a fixed draw per pair)."""
        key = (index, origin)
        level = self.price_levels.get(key)
        if level is None:
            rng = random.Random(f"{CATALOGUE_SEED}:{index}:{origin}")
            factor = ORIGIN_PRICE_LEVEL.get(origin, 1.0) * math.exp(rng.gauss(0.0, 0.25))
            level = self.price_levels[key] = self.goods[index].usd_price * factor
        return level

    def duty(self, index: int, origin: str | None) -> tuple[float, bool]:
        """The duty rate (%) for goods ``index`` from ``origin``, and whether it is preferential."""
        found = self._duty.get((index, origin))
        if found is None:
            found = self._duty[(index, origin)] = self._find_duty(index, origin)
        return found

    def _find_duty(self, index: int, origin: str | None) -> tuple[float, bool]:
        general = self.goods[index].duty
        share = self.preferences.get(origin or "")
        if share is None:
            return general, False
        return _round_rate(general * share), True

    def tariff_rows(self) -> list[dict[str, str]]:
        """The tariff table: a general line per subheading, and preferential lines by origin."""
        rows = [
            {"hs_code": g.code, "origin": "", "rate": _fmt_rate(g.duty), "description": g.description}
            for g in self.goods
        ]
        for origin, share in sorted(self.preferences.items()):
            rows.extend(
                {
                    "hs_code": g.code,
                    "origin": origin,
                    "rate": _fmt_rate(_round_rate(g.duty * share)),
                    "description": g.description,
                }
                for g in self.goods
            )
        return rows

    def write_tariff(self, path: Path) -> Path:
        """Write the tariff as CSV in the format :func:`cix.reference.tariff.read_tariff_csv` reads."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, ("hs_code", "origin", "rate", "description"), lineterminator="\n")
            writer.writeheader()
            writer.writerows(self.tariff_rows())
        return path


def _fmt_rate(rate: float) -> str:
    return f"{rate:g}"


def _subheadings(headings: Iterable[str]) -> list[tuple[str, str]]:
    """Up to PER_HEADING subheadings of each heading present in HS 2017 and HS 2022."""
    new, old = ref_hs.edition("HS2022"), ref_hs.edition("HS2017")
    common = sorted(new.subheadings & old.subheadings)
    rng = random.Random(CATALOGUE_SEED)
    picked: list[tuple[str, str]] = []
    for heading in headings:
        codes = [c for c in common if c.startswith(heading)]
        if len(codes) > PER_HEADING:
            codes = sorted(rng.sample(codes, PER_HEADING))
        for code in codes:
            entry = new.entry(code)
            if entry is not None:
                picked.append((code, entry.description))
    return picked


@cache
def _base_goods() -> tuple[tuple[str, str, str, float, float, float, str], ...]:
    rng = random.Random(CATALOGUE_SEED + 1)
    out = []
    for code, description in _subheadings(HEADINGS):
        unit, price, kg, duty = HEADINGS[code[:4]]
        price = round(price * math.exp(rng.gauss(0.0, 0.5)), 4)
        rate = _round_rate(duty * rng.choice((0.5, 1.0, 1.0, 1.5))) if duty else 0.0
        national = rng.choice(("0000", "1000", "9000", "1100", "9800", "0001"))
        out.append((code, description, unit, price, kg, rate, national))
    return tuple(out)


def build_catalogue(preferences: Mapping[str, float]) -> Catalogue:
    """The catalogue (the same goods and prices for every seed) with the importer's preferences."""
    goods = [
        Goods(i, code, national, description, unit, price, kg, rate)
        for i, (code, description, unit, price, kg, rate, national) in enumerate(_base_goods())
    ]
    for g in goods:
        same_unit = [h for h in goods if h.unit == g.unit and h.duty < g.duty]
        near = [h.index for h in same_unit if h.heading == g.heading]
        g.cheaper = near or [h.index for h in same_unit if h.code[:2] == g.code[:2]]
    return Catalogue(goods, preferences)


#: Tariff preferences by importing country: origin -> share of the general rate.
PREFERENCES: dict[str, dict[str, float]] = {
    # Russia: EAEU members duty free; FTA partners; developing (75 %) and least developed (0) countries.
    "RU": {"BY": 0.0, "KZ": 0.0, "AM": 0.0, "KG": 0.0, "RS": 0.0, "VN": 0.5, "IN": 0.75, "BD": 0.0},
}
DEFAULT_PREFERENCES: dict[str, float] = {"VN": 0.5, "IN": 0.75, "BD": 0.0}


def preferences_for(importer: str, partners: Sequence[str]) -> dict[str, float]:
    """The preferential origins of ``importer`` (partners keep their own, general, treatment)."""
    return dict(PREFERENCES.get(importer, DEFAULT_PREFERENCES))
