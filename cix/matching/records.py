"""Reading the two sides of matching from the store into Polars frames, and keeping the key index.

A *record* frame has one row per import declaration or partner record: id, side (``import`` or
``partner``), kind, keys (UCR, transport documents, containers, trader ids), date, arrival time,
country of dispatch, HS edition, incoterm, freight and insurance, total gross mass and HS headings.
A *goods* frame has the goods items of those records. Keys and the other fields matching needs are
plain columns of the declaration row, filled when it is stored, so no read parses JSON. Partner
records are export declarations of another administration (received from a partner, ``source``
``partner:<id>``, or lodged at a foreign office) and preliminary information.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl
from sqlalchemy import Connection, delete

from cix.store import arrow
from cix.store.declarations import SEP  # how a row joins several numbers in one column
from cix.store.tables_matching import match_keys

KINDS = ("import", "export", "preliminary")

# Matching's fields of each record are plain columns of its row (cix.store.declarations.MATCH_COLUMNS),
# so neither database parses JSON here.
_RECORDS = """
SELECT d.id, d.kind, d.source, d.office, d.ucr, d.importer_id, d.exporter_id, CAST(d.declared_on AS TEXT),
  CAST(d.lodged_at AS TEXT), d.dispatch_country, d.transport_docs, d.containers, d.hs_edition, d.incoterm,
  d.freight, d.insurance, d.freight_currency
FROM declarations d
WHERE d.kind IN ('import', 'export', 'preliminary') AND d.status != 'cancelled'
"""

_GOODS = """
SELECT g.declaration_id, g.seq, g.hs_code, g.origin, g.quantity, g.unit, g.net_mass, g.gross_mass,
  g.invoice_amount, g.currency, g.customs_value, g.tax_rate
FROM goods_items g JOIN declarations d ON d.id = g.declaration_id
WHERE d.kind IN ('import', 'export', 'preliminary') AND d.status != 'cancelled'
"""

RECORD_COLUMNS = [
    "id",
    "kind",
    "source",
    "office",
    "ucr",
    "importer_id",
    "exporter_id",
    "declared_on",
    "lodged_at",
    "country",
    "docs",
    "containers",
    "hs_edition",
    "incoterm",
    "freight",
    "insurance",
    "freight_currency",
]
RECORD_SCHEMA: dict[str, Any] = {
    "id": pl.Int64,
    "kind": pl.Utf8,
    "source": pl.Utf8,
    "office": pl.Utf8,
    "ucr": pl.Utf8,
    "importer_id": pl.Utf8,
    "exporter_id": pl.Utf8,
    "declared_on": pl.Utf8,
    "lodged_at": pl.Utf8,
    "country": pl.Utf8,
    "docs": pl.Utf8,
    "containers": pl.Utf8,
    "hs_edition": pl.Utf8,
    "incoterm": pl.Utf8,
    "freight": pl.Float64,
    "insurance": pl.Float64,
    "freight_currency": pl.Utf8,
}
GOODS_SCHEMA: dict[str, Any] = {
    "declaration_id": pl.Int64,
    "seq": pl.Int64,
    "hs_code": pl.Utf8,
    "origin": pl.Utf8,
    "quantity": pl.Float64,
    "unit": pl.Utf8,
    "net_mass": pl.Float64,
    "gross_mass": pl.Float64,
    "invoice_amount": pl.Float64,
    "currency": pl.Utf8,
    "customs_value": pl.Float64,
    "tax_rate": pl.Float64,
}


def _in_ids(sql: str, column: str, ids: Sequence[int]) -> str:
    return sql + f" AND {column} IN ({','.join(str(int(i)) for i in ids)})"


def _frame(rows: Sequence[Any], schema: dict[str, Any]) -> pl.DataFrame:
    cols: list[Any] = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
    data = {}
    for (name, dtype), values in zip(schema.items(), cols, strict=True):
        if dtype == pl.Utf8:
            values = [None if v is None else str(v) for v in values]
        data[name] = pl.Series(name, values, dtype=dtype, strict=False)
    return pl.DataFrame(data)


def read(conn: Connection, ids: Sequence[int] | None = None, *, country: str = "") -> tuple[pl.DataFrame, pl.DataFrame]:
    """Records and goods of the declarations ``ids`` (every import and partner record when None)."""
    sql = _RECORDS
    gsql = _GOODS
    if ids is not None:
        if not ids:
            return prepare(_frame([], RECORD_SCHEMA), country), _frame([], GOODS_SCHEMA)
        sql, gsql = _in_ids(sql, "d.id", ids), _in_ids(gsql, "g.declaration_id", ids)
    rows = conn.exec_driver_sql(sql).fetchall()
    goods = conn.exec_driver_sql(gsql).fetchall()
    return prepare(_frame(rows, RECORD_SCHEMA), country), _frame(goods, GOODS_SCHEMA)


# -- the bulk read ---------------------------------------------------------------------------
# A bulk run reads every record. From a large SQLite file it reads the committed rows through the
# Arrow driver, in id ranges spread over reader processes (cix.store.arrow): no row becomes a Python
# object, both cores work, and each process also prepares its records. The first row of each query
# is a typed sentinel (checked and dropped by the reader).
BULK_CHUNK_IDS = 50_000

_BULK_RECORDS = """
SELECT -1 AS id, '' AS kind, '' AS source, '' AS office, '' AS ucr, '' AS importer_id, '' AS exporter_id,
  '' AS declared_on, '' AS lodged_at, '' AS country, '' AS docs, '' AS containers, '' AS hs_edition,
  '' AS incoterm, 0.0 AS freight, 0.0 AS insurance, '' AS freight_currency
UNION ALL
SELECT d.id, d.kind, d.source, d.office, d.ucr, d.importer_id, d.exporter_id, CAST(d.declared_on AS TEXT),
  CAST(d.lodged_at AS TEXT), d.dispatch_country, d.transport_docs, d.containers, d.hs_edition, d.incoterm,
  CAST(d.freight AS REAL), CAST(d.insurance AS REAL), d.freight_currency
FROM declarations d INDEXED BY ix_declarations_match
WHERE d.id BETWEEN ? AND ? AND d.kind IN ('import', 'export', 'preliminary') AND d.status != 'cancelled'
"""
_BULK_GOODS = """
SELECT -1 AS declaration_id, 0 AS seq, '' AS hs_code, '' AS origin, 0.0 AS quantity, '' AS unit, 0.0 AS net_mass,
  0.0 AS gross_mass, 0.0 AS invoice_amount, '' AS currency, 0.0 AS customs_value, 0.0 AS tax_rate
UNION ALL
SELECT g.declaration_id, g.seq, g.hs_code, g.origin, CAST(g.quantity AS REAL), g.unit, CAST(g.net_mass AS REAL),
  CAST(g.gross_mass AS REAL), CAST(g.invoice_amount AS REAL), g.currency, CAST(g.customs_value AS REAL),
  CAST(g.tax_rate AS REAL)
FROM goods_items g
WHERE g.id BETWEEN ? AND ?
"""


def _bulk_range(
    reader: arrow.ArrowReader, lo: int, hi: int, glo: int, ghi: int, country: str
) -> tuple[pl.Series, pl.DataFrame, pl.DataFrame]:
    """The records of declarations ``lo`` to ``hi`` and the goods rows ``glo`` to ``ghi``: (ids read,
    prepared records, goods). Run by a reader process."""
    recs = reader.frame(_BULK_RECORDS, (lo, hi)).cast(RECORD_SCHEMA).select(RECORD_COLUMNS)  # type: ignore[arg-type]
    goods = reader.frame(_BULK_GOODS, (glo, ghi)).cast(GOODS_SCHEMA)  # type: ignore[arg-type]
    return recs["id"], prepare(recs, country), goods


def read_bulk(conn: Connection, *, country: str = "") -> tuple[pl.DataFrame, pl.DataFrame]:
    """Every import declaration and partner record with its goods, as :func:`read` returns them.

    From a large SQLite file the rows are read by other processes, so they are the *committed* rows:
    call it before writing anything in the transaction (as the bulk run does, under the write lock, so
    that nothing can commit in between). Otherwise it is :func:`read`."""
    path = arrow.sqlite_file(conn)
    lo, hi = conn.exec_driver_sql("SELECT min(id), max(id) FROM declarations").one() if path else (None, None)
    if path is None or lo is None or hi is None or not arrow.worth_it(lo, hi):
        return read(conn, country=country)
    glo, ghi = conn.exec_driver_sql("SELECT coalesce(min(id), 0), coalesce(max(id), 0) FROM goods_items").one()
    # Records by declaration id, goods by their own id (a plain scan, no index look-up per item),
    # the same number of chunks; goods of records the filter left out are dropped below.
    starts = arrow.id_ranges(int(lo), int(hi), BULK_CHUNK_IDS)
    step = (int(ghi) - int(glo)) // len(starts) + 1
    ranges = [(a, b, int(glo) + i * step, int(glo) + (i + 1) * step - 1) for i, (a, b) in enumerate(starts)]
    parts = arrow.map_ranges(path, ranges, _bulk_range, country)
    frame = pl.concat([r for _i, r, _g in parts])
    ids = pl.concat([i for i, _r, _g in parts]).to_frame("declaration_id")
    goods = pl.concat([g for _i, _r, g in parts]).join(ids, on="declaration_id", how="semi")
    return frame, goods


def _norm(col: pl.Expr) -> pl.Expr:
    return col.str.to_uppercase().str.replace_all(r"[\s\-./]", "")


def prepare(raw: pl.DataFrame, country: str) -> pl.DataFrame:
    """Typed, normalised records: the side of each, key lists, dates, and partner-record test."""
    foreign_office = pl.col("office").is_not_null() & (pl.col("office").str.slice(0, 2) != country)
    partner = (pl.col("kind") == "preliminary") | (
        (pl.col("kind") == "export") & (pl.col("source").fill_null("").str.starts_with("partner:") | foreign_office)
    )
    return raw.with_columns(
        side=pl.when(pl.col("kind") == "import").then(pl.lit("import")).when(partner).then(pl.lit("partner")),
        ucr=_norm(pl.col("ucr")),
        docs=pl.col("docs").str.split(SEP).list.eval(_norm(pl.element())).list.drop_nulls(),
        containers=pl.col("containers").str.split(SEP).list.eval(_norm(pl.element())).list.drop_nulls(),
        declared_on=pl.col("declared_on").str.slice(0, 10).str.to_date("%Y-%m-%d"),
        lodged_at=pl.col("lodged_at")
        .str.slice(0, 19)
        .str.replace("T", " ")
        .str.to_datetime("%Y-%m-%d %H:%M:%S", time_zone="UTC"),
    ).filter(pl.col("side").is_not_null())


def key_rows(records: pl.DataFrame) -> list[tuple[str, int, str]]:
    """The index keys of ``records``: ``u:`` UCR, ``d:`` transport document, ``c:`` container, ``t:`` traders."""
    base = records.select("id", "side", "ucr", "docs", "containers", "importer_id", "exporter_id")
    parts = [
        base.filter(pl.col("ucr").is_not_null()).select(key="u:" + pl.col("ucr"), declaration_id="id", side="side"),
        base.explode("docs")
        .filter(pl.col("docs").is_not_null())
        .select(key="d:" + pl.col("docs"), declaration_id="id", side="side"),
        base.explode("containers")
        .filter(pl.col("containers").is_not_null())
        .select(key="c:" + pl.col("containers"), declaration_id="id", side="side"),
        base.filter(pl.col("importer_id").is_not_null() & pl.col("exporter_id").is_not_null()).select(
            key="t:" + pl.col("importer_id") + "/" + pl.col("exporter_id"), declaration_id="id", side="side"
        ),
    ]
    keys = pl.concat(parts).with_columns(pl.col("key").str.slice(0, 120)).unique(["key", "declaration_id"])
    return list(keys.iter_rows())


def index(conn: Connection, records: pl.DataFrame) -> int:
    """Replace the key index rows of ``records``; returns the number of keys written."""
    rows = key_rows(records)
    ids = records["id"].to_list()
    for i in range(0, len(ids), 900):
        conn.execute(delete(match_keys).where(match_keys.c.declaration_id.in_(ids[i : i + 900])))
    if rows:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("INSERT INTO match_keys (key, declaration_id, side) VALUES (?, ?, ?)", rows)
        else:
            conn.execute(match_keys.insert(), [{"key": k, "declaration_id": d, "side": s} for k, d, s in rows])
    return len(rows)


def lookup(conn: Connection, keys: Sequence[str], side: str) -> set[int]:
    """Ids of the ``side`` records indexed under any of ``keys``."""
    found: set[int] = set()
    keys = list(dict.fromkeys(keys))
    for i in range(0, len(keys), 900):
        chunk = keys[i : i + 900]
        q = (
            match_keys.select()
            .with_only_columns(match_keys.c.declaration_id)
            .where(match_keys.c.key.in_(chunk), match_keys.c.side == side)
        )
        found.update(conn.execute(q).scalars())
    return found
