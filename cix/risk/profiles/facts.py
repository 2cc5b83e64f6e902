"""Facts of declarations for the risk profiles: the declaration, its items and parties, the matching
and valuation results of the path, and trader history known before the declaration's date.

:func:`build` makes one flat facts dict per stored declaration (field names of
:mod:`cix.risk.profiles.fields`). Trader history comes from two batch queries per call, whatever the
batch size: earlier declarations of the importers (counted per importer and day on the index
``ix_declarations_importer_day``) and the inspections of the importers' and declarants' earlier
declarations. History is strictly before the declaration's date, so a declaration never sees its
own day, let alone its own outcome.
"""

from __future__ import annotations

import bisect
import datetime as dt
import threading
from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import Connection, func, or_, select

from cix.model.declaration import Declaration
from cix.pipeline.steps import PathContext, Stored
from cix.risk.profiles.compiler import CHAPTERS
from cix.store.schema import declarations, inspections

_CHUNK = 900
_NO_HISTORY = {"importer.declarations": 0, "importer.days_known": None, "importer.inspections": 0,
               "importer.frauds": 0, "importer.hit_rate": None, "declarant.inspections": 0,
               "declarant.frauds": 0, "declarant.hit_rate": None}  # fmt: skip
_HISTORY = frozenset(_NO_HISTORY)
#: Keep the inspections per trader in the process (SQLite) instead of querying them per batch.
CACHE_INSPECTIONS = True
_INSPECTION_FIELDS = frozenset(k for k in _NO_HISTORY if k != "importer.declarations" and k != "importer.days_known")


def _decl(s: Stored) -> Declaration:
    d = s.decl
    if d is None:
        d = Declaration.model_validate_json(s.row["data"])
    return d


def _party(prefix: str, p: Any, out: dict[str, Any]) -> None:
    if p is None:
        out[prefix + ".id"] = out[prefix + ".country"] = out[prefix + ".aeo"] = None
    else:
        out[prefix + ".id"] = p.identifier
        out[prefix + ".country"] = p.country
        out[prefix + ".aeo"] = p.aeo


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


#: Facts made in the write turn (the path's matching and valuation results, trader history), not by
#: :func:`own_facts`: a profile that reads none of them can be run ahead, on the facts made ahead.
TURN_FIELDS = frozenset({*_NO_HISTORY, "item.value_score", "item.price_flagged"})
_TURN_PREFIXES = ("matching.", "valuation.", "discrepancy.")


def made_ahead(fields: Collection[str]) -> bool:
    """Whether every one of ``fields`` is one :func:`own_facts` makes."""
    return not any(f in TURN_FIELDS or f.startswith(_TURN_PREFIXES) for f in fields)


def own_facts(row: dict[str, Any], goods: list[dict[str, Any]], d: Declaration) -> dict[str, Any]:
    """The facts of a declaration that depend on it alone (made ahead while a batch is checked, see
    :func:`cix.pipeline.steps.pre`): everything but the matching and valuation results and history."""
    cons = d.consignment
    day = d.date
    transport = (cons.border_transport or cons.arrival_transport) if cons else None
    f: dict[str, Any] = {
        "declaration.kind": d.kind.value,
        "declaration.office": row.get("office"),
        "declaration.procedure": d.procedure,
        "declaration.date": day,
        "declaration.weekday": day.isoweekday(),
        "declaration.source": row.get("source"),
        "declaration.dispatch_country": cons.country_of_dispatch if cons else None,
        "declaration.destination_country": cons.country_of_destination if cons else None,
        "declaration.routing": list(cons.countries_of_routing) if cons else [],
        "declaration.transport_mode": transport.mode.value if transport else None,
        "declaration.transport_nationality": transport.nationality if transport else None,
        "declaration.container_count": len(cons.containers) if cons else 0,
        "declaration.has_ucr": bool(d.ucr),
    }
    _party("importer", d.importer, f)
    _party("exporter", d.exporter, f)
    _party("declarant", d.declarant, f)
    _party("carrier", d.carrier, f)
    items = []
    total_value = total_invoice = total_duty = gross = 0.0
    for g, gi in zip(goods, d.goods, strict=False):
        code = g["hs_code"] or ""
        cv, rate, qty, net = g["customs_value"], g["tax_rate"], g["quantity"], g["net_mass"]
        duty = cv * rate / 100 if cv is not None and rate is not None else None
        items.append({
            "seq": g["seq"], "hs_code": code, "chapter": code[:2], "heading": code[:4], "origin": g["origin"],
            "description": gi.description, "quantity": qty, "unit": g["unit"], "net_mass": net,
            "gross_mass": g["gross_mass"], "invoice_amount": g["invoice_amount"], "currency": g["currency"],
            "customs_value": cv, "tax_rate": rate, "duty": duty, "unit_value": _ratio(cv, qty),
            "value_per_kg": _ratio(cv, net), "incoterm": gi.incoterm, "preference": gi.preference,
            "value_score": None, "price_flagged": None,
        })  # fmt: skip
        total_value += cv or 0.0
        total_invoice += g["invoice_amount"] or 0.0
        total_duty += duty or 0.0
        gross += g["gross_mass"] or 0.0
    f["items"] = items
    f[CHAPTERS] = frozenset(it["chapter"] for it in items)
    f["declaration.item_count"] = len(items)
    f["declaration.total_value"] = total_value
    f["declaration.total_invoice"] = total_invoice
    f["declaration.total_duty"] = total_duty
    f["declaration.gross_mass"] = cons.gross_mass if cons and cons.gross_mass is not None else gross
    return f


def declaration_facts(s: Stored, matching: dict[str, Any] | None, valuation: dict[str, Any] | None) -> dict[str, Any]:
    """The facts of one declaration without trader history (which :func:`build` adds in bulk)."""
    ahead = ((s.prepared.pre.get("risk") or {}).get("facts")) if hasattr(s, "prepared") else None
    base = ahead if ahead is not None else own_facts(s.row, s.goods, _decl(s))
    # A copy: the facts made ahead stay as they were (a batch may run its steps again).
    f = dict(base)
    items = [dict(it) for it in base["items"]]
    f["items"] = items
    if valuation:
        vitems = {v.get("seq"): v for v in valuation.get("items") or ()}
        for it in items:
            v = vitems.get(it["seq"])
            if v:
                it["value_score"] = v.get("score")
                it["price_flagged"] = bool(v.get("flagged"))
    if matching:
        disc = list(matching.get("discrepancies") or ())
        sev = {x.get("severity") for x in disc}
        f["matching.status"] = matching.get("status")
        f["matching.clean"] = bool(matching.get("clean"))
        f["matching.discrepancy_count"] = len(disc)
        f["matching.max_severity"] = next((s_ for s_ in ("high", "medium", "low") if s_ in sev), "none")
        f["matching.duty_at_stake"] = sum(x.get("duty_at_stake") or 0.0 for x in disc)
        f["discrepancies"] = disc
    else:
        f["matching.status"] = f["matching.clean"] = f["matching.discrepancy_count"] = None
        f["matching.max_severity"] = f["matching.duty_at_stake"] = None
        f["discrepancies"] = []
    if valuation:
        f["valuation.flagged"] = bool(valuation.get("flagged"))
        f["valuation.max_score"] = valuation.get("max_score")
        f["valuation.undervalued_amount"] = valuation.get("undervalued_amount")
        f["valuation.duty_at_stake"] = valuation.get("duty_at_stake")
    else:
        f["valuation.flagged"] = f["valuation.max_score"] = None
        f["valuation.undervalued_amount"] = f["valuation.duty_at_stake"] = None
    return f


def build(
    conn: Connection, stored: list[Stored], ctx: PathContext, *, fields: Collection[str] | None = None
) -> list[dict[str, Any]]:
    """One facts dict per stored declaration, in order.

    ``fields``, when given (the fields the active profiles read, :func:`engine.needed_fields`),
    lets the history queries be skipped when no profile reads history.
    """
    out = [declaration_facts(s, ctx.get("matching", s.id), ctx.get("valuation", s.id)) for s in stored]
    need = _HISTORY if fields is None else _HISTORY & set(fields)
    if not need:
        for f in out:
            f.update(_NO_HISTORY)
        return out
    add_history(conn, out, counts="importer.declarations" in need or "importer.days_known" in need,
                inspected=bool(need & _INSPECTION_FIELDS))  # fmt: skip
    return out


def _chunks(values: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(values), _CHUNK):
        yield values[i : i + _CHUNK]


class _Timeline:
    """Per trader: sorted days and the running totals up to each, for "how many before day X"."""

    def __init__(self) -> None:
        self.days: list[dt.date] = []
        self.totals: list[tuple[int, int]] = []

    @staticmethod
    def of(events: dict[str, dict[dt.date, list[int]]]) -> dict[str, _Timeline]:
        out: dict[str, _Timeline] = {}
        for who, by_day in events.items():
            t = _Timeline()
            a = b = 0
            for day in sorted(by_day):
                a += by_day[day][0]
                b += by_day[day][1]
                t.days.append(day)
                t.totals.append((a, b))
            out[who] = t
        return out

    def before(self, day: dt.date) -> tuple[int, int]:
        i = bisect.bisect_left(self.days, day)
        return self.totals[i - 1] if i else (0, 0)


def _as_day(v: Any) -> dt.date:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    return dt.date.fromisoformat(str(v)[:10])


def add_history(conn: Connection, facts: list[dict[str, Any]], *, counts: bool = True, inspected: bool = True) -> None:
    """Add trader history to facts that hold ``declaration.date``, ``importer.id``, ``declarant.id``."""
    importers = sorted({f["importer.id"] for f in facts if f["importer.id"]})
    declarants = sorted({f["declarant.id"] for f in facts if f["declarant.id"]})
    last = max((f["declaration.date"] for f in facts), default=None)
    lodged: dict[str, dict[dt.date, list[int]]] = {}
    sqlite_ = conn.dialect.name == "sqlite"
    if counts and importers and last is not None and sqlite_:
        # Straight to the driver (no statement compile per call); the same rows as the Core query below.
        day_of = declarations.c.declared_on.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
        before = day_of(last) if day_of else last
        for chunk in _chunks(importers):
            sql = (
                "SELECT importer_id, declared_on, count(*) FROM declarations WHERE importer_id IN ("
                + ",".join("?" * len(chunk)) + ") AND declared_on < ? GROUP BY importer_id, declared_on"
            )  # fmt: skip
            for who, day, n in conn.exec_driver_sql(sql, (*chunk, before)):
                lodged.setdefault(who, {})[_as_day(day)] = [int(n), 0]
    elif counts and importers and last is not None:
        for chunk in _chunks(importers):
            q = (
                select(declarations.c.importer_id, declarations.c.declared_on, func.count())
                .where(declarations.c.importer_id.in_(chunk), declarations.c.declared_on < last)
                .group_by(declarations.c.importer_id, declarations.c.declared_on)
            )
            for who, day, n in conn.execute(q):
                lodged.setdefault(who, {})[_as_day(day)] = [int(n), 0]
    t_imp: Any
    t_dec: Any
    if inspected and sqlite_ and CACHE_INSPECTIONS and (importers or declarants) and last is not None:
        t_imp, t_dec = _BOOKS.timelines(conn, importers, declarants)
    else:
        by_importer, by_declarant = _inspected(conn, importers, declarants, inspected and last is not None, sqlite_)
        t_imp, t_dec = _Timeline.of(by_importer), _Timeline.of(by_declarant)
    t_lodged = _Timeline.of(lodged)
    empty = _Timeline()
    for f in facts:
        day, imp, dec = f["declaration.date"], f["importer.id"], f["declarant.id"]
        tl = t_lodged.get(imp, empty) if imp else empty
        n = tl.before(day)[0]
        f["importer.declarations"] = n
        f["importer.days_known"] = (day - tl.days[0]).days if n else None
        ins, fr = (t_imp.get(imp, empty) if imp else empty).before(day)
        f["importer.inspections"], f["importer.frauds"], f["importer.hit_rate"] = ins, fr, (fr / ins if ins else None)
        ins, fr = (t_dec.get(dec, empty) if dec else empty).before(day)
        f["declarant.inspections"], f["declarant.frauds"] = ins, fr
        f["declarant.hit_rate"] = fr / ins if ins else None


def _inspected(
    conn: Connection, importers: list[str], declarants: list[str], wanted: bool, sqlite_: bool
) -> tuple[dict[str, dict[dt.date, list[int]]], dict[str, dict[dt.date, list[int]]]]:
    """Inspections (count, frauds) per day of the importers' and declarants' declarations, queried."""
    by_importer: dict[str, dict[dt.date, list[int]]] = {}
    by_declarant: dict[str, dict[dt.date, list[int]]] = {}
    if not wanted or not (importers or declarants):
        return by_importer, by_declarant
    when = func.coalesce(inspections.c.inspected_at, inspections.c.recorded_at)
    j = inspections.join(declarations, declarations.c.id == inspections.c.declaration_id)
    base = select(declarations.c.importer_id, declarations.c.declarant_id, when, inspections.c.result).select_from(j)
    seen: set[Any] = set()
    for chunk_i in _chunks(importers) if importers else [[]]:
        for chunk_d in _chunks(declarants) if declarants else [[]]:
            rows: Any
            if sqlite_:
                sql = (_ROWS_SQL + " WHERE d.importer_id IN (" + ",".join("?" * len(chunk_i))
                       + ") OR d.declarant_id IN (" + ",".join("?" * len(chunk_d)) + ")")  # fmt: skip
                rows = conn.exec_driver_sql(sql, (*chunk_i, *chunk_d))
            else:
                q = base.where(or_(declarations.c.importer_id.in_(chunk_i), declarations.c.declarant_id.in_(chunk_d)))
                rows = conn.execute(q.add_columns(inspections.c.id))
            _book(rows, by_importer, by_declarant, seen)
    return by_importer, by_declarant


def _book(rows: Iterable[Any], by_importer: dict[str, Any], by_declarant: dict[str, Any], seen: set[Any]) -> set[str]:
    """Count inspection rows (importer, declarant, when, result, id) into the books; the parties touched."""
    touched: set[str] = set()
    for imp, dec, at, result, iid in rows:
        if iid in seen or at is None:
            continue
        seen.add(iid)
        day, fraud = _as_day(at), int(result == "fraud")
        for who, book, tag in ((imp, by_importer, "i"), (dec, by_declarant, "d")):
            if who:
                c = book.setdefault(who, {}).setdefault(day, [0, 0])
                c[0] += 1
                c[1] += fraud
                touched.add(tag + who)
    return touched


_ROWS_SQL = (
    "SELECT d.importer_id, d.declarant_id, coalesce(i.inspected_at, i.recorded_at), i.result, i.id "
    "FROM inspections i JOIN declarations d ON d.id = i.declaration_id"
)


class _InspectionBooks:
    """Per SQLite database, every inspection counted per importer / declarant and day, kept per process.

    Inspections are only ever added, so new rows are read by id (``id > last``); the cache is read
    again from scratch when a declaration was amended, cancelled or released (``declaration_versions``
    grew: an amendment may change the parties) or when the last inspection row is not the one the
    cache saw (a rolled-back transaction, ids reused). SQLite has one writer at a time, so ids are
    committed in order and a stamp read inside the write transaction sees every earlier row. On
    PostgreSQL (concurrent writers, ids not committed in order) the rows are queried per batch.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._db: dict[str, dict[str, Any]] = {}

    def timelines(
        self, conn: Connection, importers: list[str], declarants: list[str]
    ) -> tuple[dict[str, _Timeline], dict[str, _Timeline]]:
        last = conn.exec_driver_sql("SELECT id, declaration_id, recorded_at FROM inspections ORDER BY id DESC LIMIT 1")
        top = last.first()
        top_t = tuple(top) if top is not None else None
        versions = conn.exec_driver_sql("SELECT max(id) FROM declaration_versions").scalar()
        key = str(conn.engine.url)
        with self._lock:
            db = self._db.get(key)
            if db is not None and db["versions"] == versions and db["top"] is not None and top_t is not None:
                if db["top"] != top_t:
                    seen_top = conn.exec_driver_sql(
                        "SELECT id, declaration_id, recorded_at FROM inspections WHERE id = ?", (db["top"][0],)
                    ).first()
                    if seen_top is None or tuple(seen_top) != db["top"]:
                        db = None
                    else:
                        rows = conn.exec_driver_sql(_ROWS_SQL + " WHERE i.id > ?", (db["top"][0],))
                        for who in _book(rows, db["imp"], db["dec"], db["seen"]):
                            db["t"].pop(who, None)
                        db["top"] = top_t
            elif db is not None and not (db["versions"] == versions and db["top"] == top_t):
                db = None
            if db is None:
                db = {"versions": versions, "top": top_t, "imp": {}, "dec": {}, "seen": set(), "t": {}}
                if top_t is not None:
                    _book(conn.exec_driver_sql(_ROWS_SQL), db["imp"], db["dec"], db["seen"])
                self._db[key] = db
            t: dict[str, _Timeline] = db["t"]
            out: tuple[dict[str, _Timeline], dict[str, _Timeline]] = ({}, {})
            for tag, names, book, res in (("i", importers, db["imp"], out[0]), ("d", declarants, db["dec"], out[1])):
                for who in names:
                    events = book.get(who)
                    if events is None:
                        continue
                    tl = t.get(tag + who)
                    if tl is None:
                        tl = t[tag + who] = _Timeline.of({who: events})[who]
                    res[who] = tl
            return out

    def clear(self) -> None:
        with self._lock:
            self._db.clear()


_BOOKS = _InspectionBooks()
