"""Operator exchange-rate tables: reading and validating them, storing them in a node, writing them.

An operator table is a CSV read by column name: ``date,currency,rate`` and optionally ``base``
(default: the base given on load), ``nominal`` (units of ``currency`` the rate is for, default 1)
and ``source`` (free text; ``synthetic`` marks generated rates). One row says: on ``date``,
``nominal`` units of ``currency`` cost ``rate`` units of ``base`` — the Bank of Russia's
"100 JPY = 60.49 RUB" is ``2024-03-01,JPY,60.49,RUB,100``. A node keeps its tables under
``<home>/reference/rates/*.csv``; :func:`add_rates_file` validates a file and stores it there
normalised (every row with an explicit ``base`` and ``nominal``), replacing a table of the same
name. Rates are kept as ``Decimal`` in rows and as floats (units of base per one unit of
currency) in the lookup series.
"""

from __future__ import annotations

import csv
import os
import tempfile
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from cix.errors import InputError
from cix.i18n import _
from cix.reference.countries import is_currency
from cix.reference.tables import cell_error, parse_date, parse_number, read_rows

COLUMNS = ("date", "currency", "rate", "base", "nominal", "source")
SYNTHETIC = "synthetic"


@dataclass(frozen=True, slots=True)
class RateRow:
    """``nominal`` units of ``currency`` cost ``rate`` units of ``base`` on ``date``."""

    date: date
    currency: str
    rate: Decimal
    base: str
    nominal: Decimal = Decimal(1)
    source: str = ""


class RateTable:
    """The rates of one operator table, indexed by (currency, base) for lookups by date."""

    def __init__(self, name: str, rows: list[RateRow]) -> None:
        self.name = name
        self.rows = rows
        self.synthetic = any(r.source == SYNTHETIC for r in rows)
        points: dict[tuple[str, str], list[tuple[int, float]]] = {}
        for r in rows:
            points.setdefault((r.currency, r.base), []).append(
                (r.date.toordinal(), float(r.rate / r.nominal))
            )
        self._series: dict[tuple[str, str], tuple[list[int], list[float]]] = {}
        for key, pts in points.items():
            pts.sort()
            self._series[key] = ([d for d, _v in pts], [v for _d, v in pts])

    def __repr__(self) -> str:
        return f"RateTable({self.name!r}, {len(self.rows)} rows)"

    @property
    def bases(self) -> set[str]:
        return {base for _ccy, base in self._series}

    def currencies(self, base: str) -> set[str]:
        return {ccy for ccy, b in self._series if b == base}

    def value(self, currency: str, base: str, on: date, window_days: int) -> tuple[float, date] | None:
        """Units of ``base`` for one ``currency``, of ``on`` or the latest day within the window.

        1.0 of the day itself when ``currency`` is ``base`` and the table has that base.
        """
        if currency == base:
            return (1.0, on) if base in self.bases else None
        series = self._series.get((currency, base))
        if series is None:
            return None
        days, values = series
        day = on.toordinal()
        i = bisect_right(days, day) - 1
        if i < 0 or day - days[i] > window_days:
            return None
        return values[i], date.fromordinal(days[i])

    def nearest(self, currency: str, on: date) -> date | None:
        """The rate date nearest to ``on`` (either side) of any rate of or in ``currency``."""
        day = on.toordinal()
        near: list[int] = []
        for (ccy, base), (days, _values) in self._series.items():
            if currency not in (ccy, base):
                continue
            i = bisect_right(days, day)
            near.extend(days[j] for j in (i - 1, i) if 0 <= j < len(days))
        return date.fromordinal(min(near, key=lambda d: abs(d - day))) if near else None

    def covers(self, currency: str, on: date, window_days: int) -> bool:
        """Whether any rate of or in ``currency`` lies in the window ending on ``on``."""
        day = on.toordinal()
        for (ccy, base), (days, _values) in self._series.items():
            if currency in (ccy, base):
                i = bisect_right(days, day) - 1
                if i >= 0 and day - days[i] <= window_days:
                    return True
        return False

    def span(self) -> tuple[date, date] | None:
        if not self.rows:
            return None
        return min(r.date for r in self.rows), max(r.date for r in self.rows)


def _currency(source: str, row: int, column: str, value: str) -> str:
    code = value.upper()
    if not is_currency(code):
        raise cell_error(source, row, column, value, _("not an ISO 4217 currency code"))
    return code


def read_rates_csv(path: Path, *, base: str | None = None, name: str | None = None) -> RateTable:
    """Read and validate the rate table at ``path``; ``base`` is used where a row gives none."""
    source = name or path.name
    default_base = base.upper() if base else None
    if default_base is not None and not is_currency(default_base):
        raise InputError(_("--base {base!r} is not an ISO 4217 currency code").format(base=base))
    rows: list[RateRow] = []
    seen: dict[tuple[date, str, str], int] = {}
    for row, r in read_rows(path, ("date", "currency", "rate"), ("base", "nominal", "source")):
        day = parse_date(source, row, "date", r["date"])
        currency = _currency(source, row, "currency", r["currency"])
        rate = parse_number(source, row, "rate", r["rate"])
        if r["base"]:
            row_base = _currency(source, row, "base", r["base"])
        elif default_base is not None:
            row_base = default_base
        else:
            raise cell_error(
                source, row, "base", "", _("empty, and no base was given for the table (--base)")
            )
        if row_base == currency:
            raise cell_error(source, row, "currency", r["currency"], _("the same as the base currency"))
        nominal = parse_number(source, row, "nominal", r["nominal"]) if r["nominal"] else Decimal(1)
        key = (day, currency, row_base)
        if key in seen:
            raise cell_error(
                source,
                row,
                "date",
                r["date"],
                _("a second rate for {ccy}/{base} on that date (first in row {first})").format(
                    ccy=currency, base=row_base, first=seen[key]
                ),
            )
        seen[key] = row
        rows.append(RateRow(day, currency, rate, row_base, nominal, r["source"]))
    if not rows:
        raise InputError(_("{file} has no rate rows").format(file=source))
    return RateTable(source, rows)


def write_rates_csv(path: Path, rows: Iterable[RateRow]) -> Path:
    """Write ``rows`` as a rate table with every column (``source`` marks synthetic rows)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        for r in rows:
            writer.writerow(
                [r.date.isoformat(), r.currency, _plain(r.rate), r.base, _plain(r.nominal), r.source]
            )
    return path


def _plain(number: Decimal) -> str:
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def rates_dir(home: Path) -> Path:
    """``<home>/reference/rates``, created when missing."""
    directory = Path(home) / "reference" / "rates"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def add_rates_file(home: Path, path: Path, *, base: str | None = None) -> tuple[RateTable, bool]:
    """Validate the table at ``path`` and store it in the node (normalised, under its file name).

    Returns the table and whether it replaced a stored table of the same name.
    """
    name = Path(path).stem + ".csv"
    table = read_rates_csv(Path(path), base=base, name=name)
    target = rates_dir(home) / name
    replaced = target.exists()
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".tmp")
    os.close(fd)
    try:
        write_rates_csv(Path(tmp), table.rows)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return table, replaced


def load_rates(home: Path) -> list[RateTable]:
    """Every table stored in the node, by file name."""
    return [read_rates_csv(p) for p in sorted(rates_dir(home).glob("*.csv"))]
