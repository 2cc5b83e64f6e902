"""The reference table in memory: groups by key, fall-back look-up, manual minimum/maximum values.

The declaration path checks thousands of goods items a second, so the stored reference table and
the analysts' manual values are loaded into dictionaries once per store and reused until a new
build or a manual change is stored (one small query per batch compares a stamp). Manual values
(ASYCUDA style) are set per HS code prefix (4 to 10 digits), origin or ``*``, and unit; the most
specific one applies.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, delete, select

from cix.errors import NotFound, UsageError
from cix.i18n import _
from cix.reference.units import is_unit
from cix.store.declarations import now
from cix.store.tables_valuation import price_builds, price_manual, price_references
from cix.valuation.stats import ALL_ORIGINS, LEVELS, group_key


@dataclass(frozen=True, slots=True)
class Reference:
    """One group of the reference table (values in USD per unit)."""

    level: int
    hs_code: str
    origin: str
    unit: str
    count: int
    partner_count: int
    median: float
    q1: float
    q3: float
    mad_log: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "level_name": LEVELS[self.level].name,
            "hs_code": self.hs_code,
            "origin": self.origin,
            "unit": self.unit,
            "currency": "USD",
            "count": self.count,
            "partner_count": self.partner_count,
            "median": self.median,
            "q1": self.q1,
            "q3": self.q3,
            "mad_log": self.mad_log,
        }


@dataclass(frozen=True, slots=True)
class Manual:
    """An analyst's minimum and/or maximum reference value (USD per unit)."""

    hs_code: str
    origin: str
    unit: str
    min_value: float | None
    max_value: float | None
    note: str | None = None
    set_by: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "hs_code": self.hs_code,
            "origin": self.origin,
            "unit": self.unit,
            "currency": "USD",
            "min_value": self.min_value,
            "max_value": self.max_value,
            "note": self.note,
            "set_by": self.set_by,
        }


@dataclass
class ReferenceIndex:
    """The current build and manual values, with the fall-back look-up."""

    build_id: int | None = None
    period_from: dt.date | None = None
    period_to: dt.date | None = None
    period_months: int | None = None
    refs: dict[tuple[str, str, str], Reference] = field(default_factory=dict)
    manual: dict[tuple[str, str, str], Manual] = field(default_factory=dict)

    def lookup(self, code: str, origin: str | None, unit: str | None, min_count: int) -> Reference | None:
        """The first group of :data:`LEVELS` with at least ``min_count`` declarations, or None."""
        if unit is None:
            return None
        o = origin or ALL_ORIGINS
        for level in LEVELS:
            if level.by_origin and origin is None:
                continue
            k = group_key(level, code, o)
            if k is None:
                continue
            ref = self.refs.get((k[0], k[1], unit))
            if ref is not None and ref.count >= min_count:
                return ref
        return None

    def manual_for(self, code: str, origin: str | None, unit: str | None) -> Manual | None:
        """The most specific manual value: longest code prefix first, its origin before all origins."""
        if not self.manual or unit is None:
            return None
        for k in range(min(len(code), 10), 3, -1):
            for o in (origin, ALL_ORIGINS):
                if o is None:
                    continue
                m = self.manual.get((code[:k], o, unit))
                if m is not None:
                    return m
        return None


# --- the per-store cache -----------------------------------------------------------------------

_CACHE: dict[str, tuple[tuple[Any, ...], ReferenceIndex]] = {}
_LOCK = threading.Lock()


_STAMP_SQL = (
    "SELECT (SELECT max(id) FROM price_builds), (SELECT count(id) FROM price_manual),"
    " (SELECT max(set_at) FROM price_manual)"
)


def _stamp(conn: Connection) -> tuple[Any, ...]:
    """What changes when a build or a manual value changes (one small query; no statement compiled)."""
    row = conn.exec_driver_sql(_STAMP_SQL).one()
    return tuple(str(v) for v in row)


def load(conn: Connection) -> ReferenceIndex:
    """Read the current reference table and manual values."""
    idx = ReferenceIndex()
    b = conn.execute(select(price_builds).order_by(price_builds.c.id.desc()).limit(1)).mappings().first()
    if b is not None:
        idx.build_id = int(b["id"])
        idx.period_from, idx.period_to = b["period_from"], b["period_to"]
        idx.period_months = int((b["params"] or {}).get("period_months") or 0) or None
    for r in conn.execute(select(price_references)).mappings():
        ref = Reference(
            r["level"], r["hs_code"], r["origin"], r["unit"], r["count"], r["partner_count"],
            r["median"], r["q1"], r["q3"], r["mad_log"],
        )  # fmt: skip
        idx.refs[(ref.hs_code, ref.origin, ref.unit)] = ref
    for r in conn.execute(select(price_manual)).mappings():
        m = Manual(r["hs_code"], r["origin"], r["unit"], r["min_value"], r["max_value"], r["note"], r["set_by"])
        idx.manual[(m.hs_code, m.origin, m.unit)] = m
    return idx


def current(conn: Connection) -> ReferenceIndex:
    """The cached index of this connection's store, reloaded when a build or manual value changed."""
    key = str(conn.engine.url)
    stamp = _stamp(conn)
    with _LOCK:
        hit = _CACHE.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    idx = load(conn)
    with _LOCK:
        _CACHE[key] = (stamp, idx)
    return idx


def invalidate() -> None:
    with _LOCK:
        _CACHE.clear()


# --- manual values -----------------------------------------------------------------------------


def _normalise(hs_code: str, origin: str | None, unit: str) -> tuple[str, str, str]:
    code = hs_code.replace(".", "").replace(" ", "")
    if not code.isdigit() or not 4 <= len(code) <= 10:
        raise UsageError(_("HS code {code!r}: give 4 to 10 digits").format(code=hs_code))
    o = (origin or ALL_ORIGINS).upper()
    if o != ALL_ORIGINS and (len(o) != 2 or not o.isalpha()):
        raise UsageError(_("origin {origin!r}: give an ISO 3166 alpha-2 code").format(origin=origin))
    u = unit.upper()
    if not is_unit(u):
        raise UsageError(_("unit {unit!r} is not a known UN/ECE Rec 20 unit code").format(unit=unit))
    return code, o, u


def set_manual(
    conn: Connection,
    hs_code: str,
    *,
    origin: str | None = None,
    unit: str = "KGM",
    min_value: float | None = None,
    max_value: float | None = None,
    note: str | None = None,
    set_by: str | None = None,
) -> Manual:
    """Set (or replace) the manual minimum/maximum of a group; values in USD per unit."""
    code, o, u = _normalise(hs_code, origin, unit)
    if min_value is None and max_value is None:
        raise UsageError(_("give a minimum, a maximum or both"))
    for name, v in (("min", min_value), ("max", max_value)):
        if v is not None and not v > 0:
            raise UsageError(_("--{name} must be above zero, not {value}").format(name=name, value=v))
    if min_value is not None and max_value is not None and min_value > max_value:
        raise UsageError(_("the minimum {lo} is above the maximum {hi}").format(lo=min_value, hi=max_value))
    conn.execute(
        delete(price_manual).where(price_manual.c.hs_code == code, price_manual.c.origin == o, price_manual.c.unit == u)
    )
    conn.execute(
        price_manual.insert().values(
            hs_code=code,
            origin=o,
            unit=u,
            currency="USD",
            min_value=min_value,
            max_value=max_value,
            note=note,
            set_by=set_by,
            set_at=now(),
        )
    )
    return Manual(code, o, u, min_value, max_value, note, set_by)


def remove_manual(conn: Connection, hs_code: str, *, origin: str | None = None, unit: str = "KGM") -> None:
    code, o, u = _normalise(hs_code, origin, unit)
    res = conn.execute(
        delete(price_manual).where(price_manual.c.hs_code == code, price_manual.c.origin == o, price_manual.c.unit == u)
    )
    if not res.rowcount:
        raise NotFound(
            _("no manual value for HS {code}, origin {origin}, unit {unit}").format(code=code, origin=o, unit=u)
        )


def show(
    conn: Connection, hs_code: str, *, origin: str | None = None, unit: str | None = None, min_count: int = 1
) -> dict[str, Any]:
    """The groups of the current table under ``hs_code`` (and origin/unit), with the manual values."""
    code = hs_code.replace(".", "").replace(" ", "")
    if not code.isdigit() or not 4 <= len(code) <= 10:
        raise UsageError(_("HS code {code!r}: give 4 to 10 digits").format(code=hs_code))
    idx = current(conn)
    o = origin.upper() if origin else None
    u = unit.upper() if unit else None

    def wanted(k: tuple[str, str, str]) -> bool:
        c, og, un = k
        related = c.startswith(code) or code.startswith(c)
        return related and (o is None or og in (o, ALL_ORIGINS)) and (u is None or un == u)

    groups = sorted((r for k, r in idx.refs.items() if wanted(k)), key=lambda r: (r.level, r.hs_code, r.origin, r.unit))
    manual = [m.to_dict() for k, m in sorted(idx.manual.items()) if wanted(k)]
    out: dict[str, Any] = {
        "hs_code": code,
        "origin": o,
        "unit": u,
        "build_id": idx.build_id,
        "period_from": idx.period_from.isoformat() if idx.period_from else None,
        "period_to": idx.period_to.isoformat() if idx.period_to else None,
        "groups": [g.to_dict() for g in groups],
        "manual": manual,
    }
    if o is not None and u is not None:
        used = idx.lookup(code, o, u, min_count)
        out["used"] = used.to_dict() if used else None
    return out


def from_groups(groups: Any, *, period_months: int | None = None) -> ReferenceIndex:
    """An index over groups computed in memory (a :func:`cix.valuation.stats.reference_groups` frame)."""
    idx = ReferenceIndex(period_months=period_months)
    for r in groups.iter_rows(named=True):
        ref = Reference(
            r["level"], r["hs_code"], r["origin"], r["unit"], r["count"], r["partner_count"],
            r["median"], r["q1"], r["q3"], r["mad_log"],
        )  # fmt: skip
        idx.refs[(ref.hs_code, ref.origin, ref.unit)] = ref
    return idx
