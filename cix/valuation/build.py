"""Building the price reference table from the store: observations in, robust groups out.

Observations are the goods items of the node's own accepted import declarations dated within
``valuation_period_months`` before the build date (not cancelled, and not found fraudulent by an
inspection), with unit value = customs value (in the national currency; the invoice amount in its
currency where no customs value was given) converted to USD at the rate of the declaration's date,
per unit of quantity; and the partners' price records received under an agreement, each expanded
into weighted pseudo-observations (:func:`cix.valuation.stats.pseudo_observations`). Items that
cannot give a unit value are counted by reason in the build's ``skipped``, never dropped silently.
The groups replace the previous table in one transaction and a ``price_builds`` row records the
build; the in-memory index of the check notices the new build id and reloads. On a SQLite file
the goods rows of a large store are read in bulk through the Arrow driver (:mod:`cix.store.arrow`:
committed rows, by declaration id range, in two reader processes); otherwise by one query.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Connection, delete, select, text

from cix.reference.fx import RateBook, rate_book
from cix.settings import Settings
from cix.store import arrow
from cix.store.db import Store, insert_rows
from cix.store.declarations import now
from cix.store.tables_valuation import price_builds, price_partner_records, price_references
from cix.valuation import stats

USD = "USD"

_OWN_SQL = """
SELECT g.hs_code, g.origin, g.unit, g.quantity, g.customs_value, g.invoice_amount, g.currency, d.declared_on
FROM goods_items g JOIN declarations d ON d.id = g.declaration_id
WHERE d.kind = 'import' AND d.status <> 'cancelled' AND d.declared_on >= :start AND d.declared_on <= :end
  AND NOT EXISTS (SELECT 1 FROM inspections i WHERE i.declaration_id = d.id AND i.result = 'fraud')
"""
_COLS = ("code", "origin", "unit", "quantity", "customs_value", "invoice_amount", "currency", "day")
_SCHEMA = {
    "code": pl.String, "origin": pl.String, "unit": pl.String, "quantity": pl.Float64,
    "customs_value": pl.Float64, "invoice_amount": pl.Float64, "currency": pl.String, "day": pl.String,
}  # fmt: skip
_REFERENCE_COLS = (
    "build_id", "level", "hs_code", "origin", "unit", "currency", "count", "partner_count", "weight", "median",
    "q1", "q3", "mad_log",
)  # fmt: skip

# The bulk read of a SQLite file (cix.store.arrow): the same rows as _OWN_SQL, by declaration id range.
# Per range, the declarations that count (a range of the index that covers matching's columns, which
# starts with the id: not the table and its JSON, nor the kind index walked once per range) and the
# goods of that range (by the declaration index), joined by Polars; the fraud findings are read once
# and taken out at the end.
_CHUNK_IDS = 50_000
_BOUNDS = "SELECT min(id), max(id) FROM declarations WHERE declared_on >= ? AND declared_on <= ?"
_FRAUD = "SELECT DISTINCT declaration_id FROM inspections WHERE result = 'fraud'"
_BULK_DECLARATIONS = """
SELECT -1 AS id, '' AS day
UNION ALL
SELECT d.id, CAST(d.declared_on AS TEXT) FROM declarations d INDEXED BY ix_declarations_match
WHERE d.id BETWEEN ? AND ? AND d.kind = 'import' AND d.status <> 'cancelled'
  AND d.declared_on >= ? AND d.declared_on <= ?
"""
_BULK_GOODS = """
SELECT -1 AS declaration_id, '' AS code, '' AS origin, '' AS unit, 0.0 AS quantity, 0.0 AS customs_value,
  0.0 AS invoice_amount, '' AS currency
UNION ALL
SELECT g.declaration_id, g.hs_code, g.origin, g.unit, CAST(g.quantity AS REAL), CAST(g.customs_value AS REAL),
  CAST(g.invoice_amount AS REAL), g.currency
FROM goods_items g WHERE g.declaration_id BETWEEN ? AND ?
"""


def national_currency(settings: Settings) -> str:
    """The currency customs values are declared in at this node (that of its country)."""
    from cix.reference.countries import national_currency as of_country

    return of_country(settings.country)


def period(as_of: dt.date, months: int) -> tuple[dt.date, dt.date]:
    """The first and last day of the ``months`` months ending on ``as_of``."""
    y, m = divmod(as_of.year * 12 + as_of.month - 1 - months, 12)
    m += 1
    last = [31, 29 if y % 4 == 0 and (y % 100 != 0 or y % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    start = dt.date(y, m, min(as_of.day, last[m - 1])) + dt.timedelta(days=1)
    return start, as_of


def _read_own(conn: Connection, start: dt.date, end: dt.date) -> pl.DataFrame:
    """The goods rows of the observations (columns of ``_COLS``, ``day`` a date): from a large SQLite
    file the committed rows through the Arrow driver in child processes (call it outside a write),
    otherwise through ``conn``."""
    path = arrow.sqlite_file(conn)
    period = (start.isoformat(), end.isoformat())
    lo, hi = conn.exec_driver_sql(_BOUNDS, period).one() if path is not None else (None, None)
    if path is None or lo is None or hi is None or not arrow.worth_it(lo, hi):
        return _read_own_sql(conn, start, end)
    fraud = [int(i) for i in conn.exec_driver_sql(_FRAUD).scalars()]
    ranges = arrow.id_ranges(int(lo), int(hi), _CHUNK_IDS)
    parts = [p for p in arrow.map_ranges(path, ranges, _chunk, *period) if p.height]
    if not parts:
        return _frame([])
    rows = pl.concat(parts)
    if fraud:
        found = pl.DataFrame({"declaration_id": fraud}, schema={"declaration_id": pl.Int64})
        rows = rows.join(found, on="declaration_id", how="anti", maintain_order="left")
    return rows.select(_COLS).cast({c: t for c, t in _SCHEMA.items() if c != "day"})


def _chunk(reader: arrow.ArrowReader, a: int, b: int, start: str, end: str) -> pl.DataFrame:
    """The goods rows of the declarations ``a`` to ``b`` that count (run by a reader process)."""
    decls = reader.frame(_BULK_DECLARATIONS, (a, b, start, end))
    if decls.height == 0:
        return pl.DataFrame()
    goods = reader.frame(_BULK_GOODS, (decls["id"].min(), decls["id"].max()))
    return goods.join(
        decls.with_columns(_day(pl.col("day"))), left_on="declaration_id", right_on="id", maintain_order="left"
    )


def _read_own_sql(conn: Connection, start: dt.date, end: dt.date) -> pl.DataFrame:
    """:func:`_read_own` through ``conn`` (PostgreSQL, an in-memory SQLite database, a transaction's own rows)."""
    params = {"start": start.isoformat(), "end": end.isoformat()}
    if conn.dialect.name == "sqlite":
        cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        cur.execute(_OWN_SQL.replace(":start", "?").replace(":end", "?"), (params["start"], params["end"]))
        rows = cur.fetchall()
        cur.close()
    else:
        rows = [(*r[:7], r[7].isoformat()) for r in conn.execute(text(_OWN_SQL), {"start": start, "end": end})]
    return _frame(rows)


def _day(col: pl.Expr) -> pl.Expr:
    return col.str.slice(0, 10).str.to_date("%Y-%m-%d")


def _frame(rows: list[Any]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=_SCHEMA, orient="row").with_columns(_day(pl.col("day")))


def own_observations(
    raw: pl.DataFrame, *, national: str, book: RateBook, window_days: int = 7
) -> tuple[pl.DataFrame, dict[str, int]]:
    """Unit values in USD from goods rows (columns of ``_COLS``); the rows left out, by reason."""
    df = raw.select(
        "code",
        "origin",
        "unit",
        "quantity",
        "day",
        amount=pl.coalesce("customs_value", "invoice_amount"),
        ccy=pl.when(pl.col("customs_value").is_not_null()).then(pl.lit(national)).otherwise(pl.col("currency")),
    )
    checks = (
        ("no_quantity", pl.col("quantity").is_null() | (pl.col("quantity") <= 0)),
        ("no_unit", pl.col("unit").is_null()),
        ("no_origin", pl.col("origin").is_null()),
        ("no_value", pl.col("amount").is_null() | (pl.col("amount") <= 0) | pl.col("ccy").is_null()),
    )
    # A row left out counts under the first reason it fails; one pass counts them all.
    good: pl.Expr = pl.lit(True)
    counts = []
    for reason, bad in checks:
        counts.append((good & bad).sum().alias(reason))
        good = good & ~bad
    skipped = {reason: int(n) for reason, n in df.select(counts).row(0, named=True).items() if n}
    if skipped:
        df = df.filter(good)
    pairs = df.select("ccy", "day").unique()
    rates: list[float | None] = []
    for ccy, day in pairs.iter_rows():
        try:
            rates.append(book.convert(1.0, ccy, USD, day, window_days).rate)
        except Exception:  # cix.errors.ReferenceDataError: no rate for that currency and day
            rates.append(None)
    pairs = pairs.with_columns(rate=pl.Series(rates, dtype=pl.Float64))
    df = df.join(pairs, on=["ccy", "day"], how="left", maintain_order="left")
    n = df["rate"].null_count()
    if n:
        skipped["no_rate"] = n
        df = df.filter(pl.col("rate").is_not_null())
    obs = df.select(
        code="code",
        origin="origin",
        unit="unit",
        uv=pl.col("amount") * pl.col("rate") / pl.col("quantity"),
        day="day",
        n=pl.lit(1.0),
        pn=pl.lit(0.0),
        w0=pl.lit(1.0),
    )
    return obs, skipped


def partner_observations(conn: Connection, start: dt.date, end: dt.date, book: RateBook) -> tuple[pl.DataFrame, int]:
    """Partners' price records overlapping the period, as pseudo-observations in USD."""
    q = select(price_partner_records).where(
        price_partner_records.c.period_to >= start, price_partner_records.c.period_from <= end
    )
    rows: list[tuple[Any, ...]] = []
    used = 0
    for r in conn.execute(q).mappings():
        mid = r["period_from"] + (r["period_to"] - r["period_from"]) / 2
        try:
            rate = book.convert(1.0, r["currency"], USD, r["period_to"], 31).rate
        except Exception:  # no rate for the record's currency: it cannot be used
            continue
        used += 1
        rows.extend(
            stats.pseudo_observations(
                r["hs_code"], r["origin"], r["unit"], r["median"] * rate, r["mad_log"], r["count"], min(mid, end)
            )
        )
    if not rows:
        return stats.empty_observations(), used
    return pl.DataFrame(rows, schema=stats.OBSERVATION_SCHEMA, orient="row"), used


def build(
    store: Store,
    settings: Settings,
    *,
    as_of: dt.date | None = None,
    book: RateBook | None = None,
    home: Path | None = None,
) -> dict[str, Any]:
    """Rebuild the reference table from the store; returns the build's summary."""
    t0 = time.perf_counter()
    as_of = as_of or dt.date.today()
    start, end = period(as_of, settings.valuation_period_months)
    book = book or rate_book(home or settings.home)
    with store.read() as conn:
        raw = _read_own(conn, start, end)
        partner_obs, partner_records = partner_observations(conn, start, end, book)
    own, skipped = own_observations(
        raw, national=national_currency(settings), book=book, window_days=settings.fx_window_days
    )
    obs = pl.concat([own, partner_obs]) if partner_obs.height else own
    groups = stats.reference_groups(
        obs, as_of=as_of, half_life_days=settings.valuation_half_life_days, min_count=settings.valuation_min_count
    )
    seconds_compute = time.perf_counter() - t0
    summary: dict[str, Any] = {
        "as_of": as_of.isoformat(),
        "period_from": start.isoformat(),
        "period_to": end.isoformat(),
        "observations": own.height,
        "partner_records": partner_records,
        "skipped": skipped,
        "groups": groups.height,
        "groups_by_level": {lv.name: int((groups["level"] == lv.index).sum()) for lv in stats.LEVELS},
    }
    with store.write() as conn:
        build_id = _store(conn, groups, summary, settings, time.perf_counter() - t0)
    summary["build_id"] = build_id
    summary["seconds"] = round(time.perf_counter() - t0, 3)
    summary["seconds_compute"] = round(seconds_compute, 3)
    return summary


def _store(conn: Connection, groups: pl.DataFrame, summary: dict[str, Any], settings: Settings, secs: float) -> int:
    res = conn.execute(
        price_builds.insert().values(
            built_at=now(),
            as_of=dt.date.fromisoformat(summary["as_of"]),
            period_from=dt.date.fromisoformat(summary["period_from"]),
            period_to=dt.date.fromisoformat(summary["period_to"]),
            observations=summary["observations"],
            partner_records=summary["partner_records"],
            groups=summary["groups"],
            skipped=summary["skipped"],
            seconds=secs,
            params={
                "half_life_days": settings.valuation_half_life_days,
                "min_count": settings.valuation_min_count,
                "period_months": settings.valuation_period_months,
                "currency": USD,
            },
        )
    )
    pk = res.inserted_primary_key
    assert pk is not None
    build_id = int(pk[0])
    conn.execute(delete(price_references))
    table = groups.with_columns(
        build_id=pl.lit(build_id), currency=pl.lit(USD), weight=pl.col("weight").fill_nan(0.0)
    ).select(_REFERENCE_COLS)
    insert_rows(conn, price_references, _REFERENCE_COLS, table.rows())
    return build_id
