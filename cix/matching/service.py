"""Matching as a service: the bulk run over history, the incremental run of the declaration path,
and reading the stored outcomes (one current match per import declaration, with its discrepancies).

Both runs use the same engine and comparison; a run replaces the rows of the declarations it
decides, so running twice stores the same thing once. A *pending* record whose time limit has passed
since it reached the node is reported *unmatched* when read, even before the next run.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from typing import Any

import orjson
import polars as pl
from sqlalchemy import Connection, delete, func, select

from cix.errors import NotFound, ReferenceDataError
from cix.matching import compare, engine, records
from cix.settings import Settings
from cix.store import declarations as decl_store
from cix.store.schema import declarations
from cix.store.tables_matching import match_discrepancies, match_keys, matches

STATUSES = ("matched", "pending", "ambiguous", "unmatched")
_REFERENCES: dict[str, tuple[float, compare.Reference]] = {}


def reference(settings: Settings) -> compare.Reference:
    """Rates, tariff and HS editions of the node, cached for a minute (bulk runs and each batch)."""
    key = str(settings.home)
    hit = _REFERENCES.get(key)
    if hit and time.monotonic() - hit[0] < 60:
        return hit[1]
    from cix.reference import hs
    from cix.reference.fx import RateBook
    from cix.reference.tariff import load_tariff

    book = RateBook.for_home(settings.home)
    try:
        tariff = load_tariff(settings.home)
    except Exception:  # an unreadable tariff file is reported by `cix reference`; here it means no tariff
        tariff = None

    def rate(f: str | None, t: str | None, on: dt.date | None) -> float | None:
        if f is None or t is None or on is None:
            return None
        if f == t:
            return 1.0
        try:
            return book.convert(1.0, f, t, on).rate
        except ReferenceDataError:
            return None

    def duty(code: str | None, origin: str | None) -> float | None:
        if tariff is None or not code:
            return None
        line = tariff.rate(code, origin)
        return float(line.rate) if line is not None else None

    def edition_of(on: dt.date | None) -> str:
        try:
            return hs.edition_for(on).name if on else ""
        except Exception:
            return ""

    eds = hs.editions()
    in_both = frozenset.intersection(*(e.subheadings for e in eds)) if eds else frozenset()
    ref = compare.Reference(rate=rate, tariff=duty, edition_of=edition_of, in_both=in_both)
    _REFERENCES[key] = (time.monotonic(), ref)
    return ref


def _decide(
    recs: pl.DataFrame,
    goods: pl.DataFrame,
    settings: Settings,
    now: dt.datetime | None,
    imports: pl.Series | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    out = engine.match(
        recs,
        goods,
        window_days=settings.match_window_days,
        unmatched_after_hours=settings.match_unmatched_after_hours,
        now=now,
        imports=imports,
    )
    pairs = out.filter(pl.col("status") == "matched").select("declaration_id", "counterpart_id")
    disc = compare.compare(pairs, recs, goods, reference(settings))
    summary = compare.summarise(disc)
    out = out.join(summary, on="declaration_id", how="left").with_columns(
        discrepancies=pl.col("discrepancies").fill_null(0).cast(pl.Int64),
        duty_at_stake=pl.col("duty_at_stake").fill_null(0.0),
        clean=(pl.col("status") == "matched") & pl.col("clean").fill_null(True),
    )
    return out, disc, summary


#: From this many outcomes on, a bulk run on SQLite rebuilds the outcome tables' indexes after writing.
BULK_REINDEX_ROWS = 100_000


def _write(conn: Connection, out: pl.DataFrame, disc: pl.DataFrame, *, everything: bool) -> None:
    at = decl_store.now()
    if everything:
        conn.execute(delete(matches))
        conn.execute(delete(match_discrepancies))
    else:
        ids = out["declaration_id"].to_list()
        for i in range(0, len(ids), 900):
            conn.execute(delete(matches).where(matches.c.declaration_id.in_(ids[i : i + 900])))
            conn.execute(delete(match_discrepancies).where(match_discrepancies.c.declaration_id.in_(ids[i : i + 900])))
    mrows = out.select(
        "declaration_id",
        "side",
        "status",
        "counterpart_id",
        "method",
        "score",
        pl.when(pl.col("candidates").list.len() > 1)
        .then(pl.col("candidates").cast(pl.List(pl.Utf8)).list.join(","))
        .alias("candidates"),
        pl.col("clean").cast(pl.Int32),
        "discrepancies",
        "max_severity",
        "duty_at_stake",
    ).rows()
    drows = disc.select(
        "declaration_id", "counterpart_id", "kind", "severity", "item", "ours", "theirs", "duty_at_stake"
    ).rows()
    if everything and conn.dialect.name == "sqlite" and len(mrows) >= BULK_REINDEX_ROWS:
        # Every outcome is replaced: building the tables' indexes once afterwards (a sort) is cheaper
        # than updating them row by row. Their definitions are read back, so they stay those of the
        # migrations; it is all one transaction.
        indexes = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            " AND tbl_name IN ('matches', 'match_discrepancies')"
        ).fetchall()
        for name, _sql in indexes:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
        insert_outcomes(conn, mrows, drows, at)
        for _name, sql in indexes:
            conn.exec_driver_sql(sql)
        return
    insert_outcomes(conn, mrows, drows, at)


def insert_outcomes(conn: Connection, mrows: Sequence[tuple[Any, ...]], drows: Sequence[tuple[Any, ...]],
                    at: dt.datetime) -> None:  # fmt: skip
    """Insert match rows (declaration_id, side, status, counterpart_id, method, score, candidates, clean,
    discrepancies, max_severity, duty_at_stake) and discrepancy rows (declaration_id, counterpart_id, kind,
    severity, item, ours, theirs, duty_at_stake); the bulk and the incremental runs both write through here."""
    if conn.dialect.name == "sqlite":
        stamp = at.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")
        if mrows:
            conn.exec_driver_sql(
                "INSERT INTO matches (declaration_id, side, status, counterpart_id, method, score, candidates, clean,"
                " discrepancies, max_severity, duty_at_stake, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                [(*r, stamp) for r in mrows],
            )
        if drows:
            conn.exec_driver_sql(
                "INSERT INTO match_discrepancies (declaration_id, counterpart_id, kind, severity, item, ours, theirs,"
                " duty_at_stake) VALUES (?,?,?,?,?,?,?,?)",
                drows,
            )
        return
    mcols = [
        "declaration_id",
        "side",
        "status",
        "counterpart_id",
        "method",
        "score",
        "candidates",
        "clean",
        "discrepancies",
        "max_severity",
        "duty_at_stake",
    ]
    if mrows:
        conn.execute(matches.insert(), [{**dict(zip(mcols, r, strict=True)), "updated_at": at} for r in mrows])
    dcols = ["declaration_id", "counterpart_id", "kind", "severity", "item", "ours", "theirs", "duty_at_stake"]
    if drows:
        conn.execute(match_discrepancies.insert(), [dict(zip(dcols, r, strict=True)) for r in drows])


def run_bulk(
    conn: Connection, settings: Settings, *, now: dt.datetime | None = None, reindex: bool = True
) -> dict[str, Any]:
    """Match every import declaration against every partner record and replace all stored outcomes."""
    t0 = time.perf_counter()
    recs, goods = records.read_bulk(conn, country=settings.country)
    t_read = time.perf_counter()
    out, disc, _summary = _decide(recs, goods, settings, now)
    t_match = time.perf_counter()
    # In key order, so that the rows append to the tables' B-trees instead of landing at random.
    _write(conn, out.sort("declaration_id"), disc, everything=True)
    if reindex:
        conn.execute(delete(match_keys))
        records.index(conn, recs)
    t_write = time.perf_counter()
    imp = out.filter(pl.col("side") == "import")
    counts = {s: int(imp.filter(pl.col("status") == s).height) for s in STATUSES}
    return {
        "imports": imp.height,
        "partner_records": int(recs.filter(pl.col("side") == "partner").height),
        "outcomes": counts,
        "partner_unmatched": int(out.filter((pl.col("side") == "partner") & (pl.col("status") == "unmatched")).height),
        "partner_pending": int(out.filter((pl.col("side") == "partner") & (pl.col("status") == "pending")).height),
        "discrepancies": int(disc.filter(~pl.col("kind").is_in(compare.NOT_DISCREPANCY)).height),
        "edition_mismatches": int(disc.filter(pl.col("kind").is_in(compare.NOT_DISCREPANCY)).height),
        "clean": int(imp["clean"].sum()),
        "seconds": {
            "read": round(t_read - t0, 3),
            "match": round(t_match - t_read, 3),
            "write": round(t_write - t_match, 3),
        },
    }


def _index_keys(frame: pl.DataFrame) -> list[str]:
    return [k for k, _d, _s in records.key_rows(frame)]


def run_incremental(
    conn: Connection, ids: Sequence[int], settings: Settings, *, now: dt.datetime | None = None
) -> dict[int, dict[str, Any]]:
    """Match newly stored records (``ids``): new imports against stored partner records, new partner
    records against stored imports. Returns the ctx result of each import decided (new or earlier)."""
    new, _g = records.read(conn, ids, country=settings.country)
    if new.is_empty():
        return {}
    records.index(conn, new)
    new_imp = new.filter(pl.col("side") == "import")
    new_par = new.filter(pl.col("side") == "partner")
    imports = set(new_imp["id"].to_list()) | records.lookup(conn, _index_keys(new_par), "import")
    old_imp = imports - set(new_imp["id"].to_list())
    if old_imp:
        more, _ = records.read(conn, sorted(old_imp), country=settings.country)
        imp_frame = pl.concat([new_imp, more])
    else:
        imp_frame = new_imp
    partners = set(new_par["id"].to_list()) | records.lookup(conn, _index_keys(imp_frame), "partner")
    recs, goods = records.read(conn, sorted(imports | partners), country=settings.country)
    out, disc, _s = _decide(recs, goods, settings, now, imports=pl.Series(sorted(imports), dtype=pl.Int64))
    chosen = set(out.filter(pl.col("side") == "import")["candidates"].explode().drop_nulls().to_list())
    new_par_ids = set(new_par["id"].to_list())
    keep = out.filter(
        (pl.col("side") == "import")
        | pl.col("declaration_id").is_in(pl.Series(sorted(new_par_ids), dtype=pl.Int64).implode())
    )
    _write(conn, keep, disc, everything=False)
    if chosen:
        stale = sorted(chosen)
        for i in range(0, len(stale), 900):
            conn.execute(
                delete(matches).where(matches.c.side == "partner", matches.c.declaration_id.in_(stale[i : i + 900]))
            )
    return results(keep.filter(pl.col("side") == "import"), disc)


def results(out: pl.DataFrame, disc: pl.DataFrame) -> dict[int, dict[str, Any]]:
    """The ctx "matching" result of each import row of ``out``."""
    by_decl: dict[int, list[dict[str, Any]]] = {}
    notes: dict[int, list[dict[str, Any]]] = {}
    for row in disc.iter_rows(named=True):
        d = {k: row[k] for k in ("kind", "severity", "item", "ours", "theirs", "duty_at_stake")}
        (notes if row["kind"] in compare.NOT_DISCREPANCY else by_decl).setdefault(row["declaration_id"], []).append(d)
    res: dict[int, dict[str, Any]] = {}
    for row in out.iter_rows(named=True):
        did = row["declaration_id"]
        res[did] = {
            "status": row["status"],
            "counterpart_id": row["counterpart_id"],
            "candidates": list(row["candidates"] or []),
            "method": row["method"],
            "clean": bool(row["clean"]),
            "duty_at_stake": float(row["duty_at_stake"] or 0.0),
            "discrepancies": by_decl.get(did, []),
            "edition_mismatches": notes.get(did, []),
        }
    return res


# -- reading stored outcomes ------------------------------------------------------------------


def _effective(status: str, lodged_at: Any, settings: Settings, now: dt.datetime) -> str:
    if status != "pending" or lodged_at is None:
        return status
    if isinstance(lodged_at, str):
        lodged_at = dt.datetime.fromisoformat(lodged_at)
    if lodged_at.tzinfo is None:
        lodged_at = lodged_at.replace(tzinfo=dt.UTC)
    return "unmatched" if lodged_at < now - dt.timedelta(hours=settings.match_unmatched_after_hours) else status


def _value(kind: str, text: str | None) -> Any:
    return text


def show(conn: Connection, ref: str, settings: Settings, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The current match of a declaration (by id, key, MRN or LRN) with its discrepancies."""
    key = decl_store.resolve_key(conn, ref)
    head = conn.execute(
        select(declarations.c.id, declarations.c.kind, declarations.c.natural_key, declarations.c.lodged_at).where(
            declarations.c.natural_key == key
        )
    ).first()
    if head is None:
        raise NotFound(f"no declaration {ref!r}")
    row = conn.execute(select(matches).where(matches.c.declaration_id == head.id)).mappings().first()
    if row is None:
        # A partner record another import chose is matched through that import.
        row = conn.execute(select(matches).where(matches.c.counterpart_id == head.id).limit(1)).mappings().first()
        if row is None:
            raise NotFound(f"declaration {key!r} has no match outcome yet; run `cix match run`")
        return {
            "declaration_id": head.id,
            "natural_key": key,
            "kind": head.kind,
            "side": "partner",
            "status": "matched" if row["status"] == "matched" else row["status"],
            "counterpart_id": row["declaration_id"],
            "candidates": [],
            "method": row["method"],
            "clean": bool(row["clean"]),
            "duty_at_stake": row["duty_at_stake"],
            "discrepancies": [],
            "edition_mismatches": [],
        }
    now = now or dt.datetime.now(dt.UTC)
    discs: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    q = (
        select(match_discrepancies)
        .where(match_discrepancies.c.declaration_id == head.id)
        .order_by(match_discrepancies.c.id)
    )
    for d in conn.execute(q).mappings():
        item = {k: d[k] for k in ("kind", "severity", "item", "ours", "theirs", "duty_at_stake")}
        (notes if d["kind"] in compare.NOT_DISCREPANCY else discs).append(item)
    return {
        "declaration_id": head.id,
        "natural_key": key,
        "kind": head.kind,
        "side": row["side"],
        "status": _effective(row["status"], head.lodged_at, settings, now),
        "counterpart_id": row["counterpart_id"],
        "candidates": [int(c) for c in (row["candidates"] or "").split(",") if c],
        "method": row["method"],
        "score": row["score"],
        "clean": bool(row["clean"]),
        "max_severity": row["max_severity"],
        "duty_at_stake": row["duty_at_stake"],
        "discrepancies": discs,
        "edition_mismatches": notes,
        "updated_at": row["updated_at"],
    }


def list_matches(
    conn: Connection,
    settings: Settings,
    *,
    status: str | None = None,
    side: str = "import",
    limit: int = 50,
    offset: int = 0,
    now: dt.datetime | None = None,
) -> tuple[int, list[dict[str, Any]]]:
    """Outcomes of one side, newest decision first, filtered by (effective) status."""
    now = now or dt.datetime.now(dt.UTC)
    limit_at = now - dt.timedelta(hours=settings.match_unmatched_after_hours)
    m, d = matches.c, declarations.c
    conds: list[Any] = [m.side == side]
    if status == "unmatched":
        conds.append((m.status == "unmatched") | ((m.status == "pending") & (d.lodged_at < limit_at)))
    elif status == "pending":
        conds.append((m.status == "pending") & (d.lodged_at >= limit_at))
    elif status:
        conds.append(m.status == status)
    base = select(matches).join(declarations, declarations.c.id == m.declaration_id).where(*conds)
    total = conn.execute(select(func.count()).select_from(base.subquery())).scalar_one()
    q = (
        select(
            m.declaration_id,
            d.natural_key,
            d.kind,
            d.ucr,
            d.lodged_at,
            m.status,
            m.counterpart_id,
            m.method,
            m.candidates,
            m.clean,
            m.discrepancies,
            m.max_severity,
            m.duty_at_stake,
        )
        .select_from(matches.join(declarations, d.id == m.declaration_id))
        .where(*conds)
        .order_by(m.declaration_id.desc())
        .limit(limit)
        .offset(offset)
    )
    rows = []
    for r in conn.execute(q).mappings():
        row = dict(r)
        row["status"] = _effective(row["status"], row.pop("lodged_at"), settings, now)
        row["candidates"] = [int(c) for c in (row["candidates"] or "").split(",") if c]
        row["clean"] = bool(row["clean"])
        rows.append(row)
    return int(total), rows


def dumps(obj: Any) -> str:
    return orjson.dumps(obj, default=str).decode()
