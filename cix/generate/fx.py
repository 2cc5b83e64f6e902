"""Synthetic exchange rates for the generator's currencies and dates, marked as such.

Each invoice currency gets a daily series against the importing country's currency: a random walk
(0.5 % a day) from a realistic level, published on working days only (Monday to Friday), as a
national bank does. Conversions inside the generator use the rate of the day or the latest
published one before it, the rule of :mod:`cix.reference.fx`, so a customs value computed here
is what a node that loaded ``rates.csv`` computes. The table is written with
:func:`cix.reference.rates.write_rates_csv`, every row with ``source`` = ``synthetic``.
"""

from __future__ import annotations

import math
import random
from datetime import date
from decimal import Decimal
from pathlib import Path

from cix.reference.rates import SYNTHETIC, RateRow, write_rates_csv

#: USD value of one unit of a currency: the starting level of the walk.
USD_VALUE = {
    "USD": 1.0, "EUR": 1.08, "CNY": 0.138, "RUB": 0.0110, "TRY": 0.031, "GBP": 1.27, "JPY": 0.0067,
    "KZT": 0.0021, "BYN": 0.31, "PLN": 0.25, "CHF": 1.12, "INR": 0.012, "KRW": 0.00075, "VND": 0.00004,
}
EURO_AREA = frozenset({"AT", "BE", "CY", "DE", "EE", "ES", "FI", "FR", "GR", "HR", "IE", "IT", "LT", "LU", "LV",
                       "MT", "NL", "PT", "SI", "SK"})
NATIONAL = {"RU": "RUB", "CN": "CNY", "TR": "TRY", "US": "USD", "GB": "GBP", "JP": "JPY", "KZ": "KZT",
            "BY": "BYN", "PL": "PLN", "CH": "CHF", "IN": "INR", "KR": "KRW", "VN": "VND"}
DAILY_SIGMA = 0.005


def national_currency(country: str) -> str:
    """The currency of ``country`` (EUR for the euro area; USD where not known here)."""
    if country in EURO_AREA:
        return "EUR"
    return NATIONAL.get(country, "USD")


class SyntheticRates:
    """Daily rates (units of ``base`` per unit of currency) from ``start`` to ``end`` inclusive."""

    def __init__(self, base: str, currencies: list[str], start: date, end: date, seed: int) -> None:
        self.base = base
        self.start = start.toordinal()
        self.end = end.toordinal()
        rng = random.Random(f"rates:{seed}")
        self.published: dict[str, list[tuple[int, float]]] = {}
        self._daily: dict[str, list[float]] = {}
        for ccy in sorted(set(currencies)):
            if ccy == base:
                self._daily[ccy] = [1.0] * (self.end - self.start + 1)
                continue
            level = USD_VALUE.get(ccy, 1.0) / USD_VALUE.get(base, 1.0)
            # A generous start before the window: the first day always has a published rate.
            points: list[tuple[int, float]] = []
            daily: list[float] = []
            last = level
            for day in range(self.start - 7, self.end + 1):
                level *= math.exp(rng.gauss(0.0, DAILY_SIGMA))
                if date.fromordinal(day).weekday() < 5:
                    last = _significant(level)
                    points.append((day, last))
                if day >= self.start:
                    daily.append(last)
            self.published[ccy] = points
            self._daily[ccy] = daily

    def rate(self, currency: str, day: int) -> float:
        """Units of base for one ``currency`` on day ordinal ``day`` (latest published rate)."""
        return self._daily[currency][day - self.start]

    def rows(self) -> list[RateRow]:
        return [
            RateRow(date.fromordinal(day), ccy, Decimal(repr(value)), self.base, Decimal(1), SYNTHETIC)
            for ccy, points in sorted(self.published.items())
            for day, value in points
        ]

    def write(self, path: Path) -> Path:
        return write_rates_csv(path, self.rows())


def _significant(x: float, digits: int = 6) -> float:
    if x == 0:
        return 0.0
    return round(x, digits - 1 - math.floor(math.log10(abs(x))))
