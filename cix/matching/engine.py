"""Finding the counterpart of each import declaration among partner records (Polars, any batch size).

Exact keys first: a shared UCR weighs 4, a shared transport document 2, each shared container 1,
and an equal importer or exporter identifier adds 1 to a candidate that some key found. A candidate
dated more than the window (``match_window_days``) from the import is dropped. An import with one
best candidate is *matched* (method ``ucr``, ``document`` or ``container``: its strongest shared
key); a tie at the top is *ambiguous* and every tied candidate is listed. Imports no key found fall
back on partner records no key claimed: same importer and exporter, dates within the window, a
common HS heading, gross mass within 10 % and the same country of dispatch — one such record is a
match (method ``fallback``), several are ambiguous. Export records are tried first, preliminary
information only for imports no export record matched. Records left without counterpart are
*pending* until ``match_unmatched_after_hours`` after they reached the node, then *unmatched*.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

W_UCR, W_DOC, W_CONTAINER, W_TRADER = 4, 2, 1, 1
MASS_TOLERANCE = 0.10

OUT_SCHEMA: dict[str, Any] = {
    "declaration_id": pl.Int64,
    "side": pl.Utf8,
    "status": pl.Utf8,
    "counterpart_id": pl.Int64,
    "method": pl.Utf8,
    "score": pl.Float64,
    "candidates": pl.List(pl.Int64),
}


def _key_hits(imp: pl.DataFrame, par: pl.DataFrame) -> pl.DataFrame:
    i, p = imp.lazy(), par.lazy()
    ucr = (
        i.filter(pl.col("ucr").is_not_null())
        .select("ucr", iid="id")
        .join(p.filter(pl.col("ucr").is_not_null()).select("ucr", pid="id"), on="ucr")
        .select("iid", "pid", w=pl.lit(W_UCR), m=pl.lit(3))
    )
    doc = (
        i.select("docs", iid="id")
        .explode("docs")
        .drop_nulls("docs")
        .join(p.select("docs", pid="id").explode("docs").drop_nulls("docs"), on="docs")
        .select("iid", "pid", w=pl.lit(W_DOC), m=pl.lit(2))
    )
    con = (
        i.select("containers", iid="id")
        .explode("containers")
        .drop_nulls("containers")
        .join(p.select("containers", pid="id").explode("containers").drop_nulls("containers"), on="containers")
        .select("iid", "pid", w=pl.lit(W_CONTAINER), m=pl.lit(1))
    )
    hits = pl.concat([ucr, doc, con]).group_by("iid", "pid").agg(score=pl.col("w").sum(), m=pl.col("m").max())
    return hits.collect()


def _fallback(imp: pl.DataFrame, par: pl.DataFrame, heads: pl.DataFrame, window: int) -> pl.DataFrame:
    keys = ["importer_id", "exporter_id", "country"]
    cand = (
        imp.lazy()
        .drop_nulls(keys)
        .select(*keys, iid="id", idate="declared_on", imass="mass")
        .join(par.lazy().drop_nulls(keys).select(*keys, pid="id", pdate="declared_on", pmass="mass"), on=keys)
        .filter(
            ((pl.col("idate") - pl.col("pdate")).dt.total_days().abs() <= window)
            & ((pl.col("imass") - pl.col("pmass")).abs() <= MASS_TOLERANCE * pl.max_horizontal("imass", "pmass"))
        )
        .select("iid", "pid")
    )
    h = heads.lazy()
    common = (
        cand.join(h.rename({"declaration_id": "iid"}), on="iid")
        .join(h.rename({"declaration_id": "pid", "heading": "pheading"}), on="pid")
        .filter(pl.col("heading") == pl.col("pheading"))
        .select("iid", "pid")
        .unique()
    )
    return common.with_columns(score=pl.lit(1, pl.Int32), m=pl.lit(0)).collect()


def _decide(hits: pl.DataFrame) -> pl.DataFrame:
    """One row per import: its best candidates, matched when alone at the top."""
    method = pl.col("m").replace_strict({3: "ucr", 2: "document", 1: "container", 0: "fallback"}, return_dtype=pl.Utf8)
    return (
        hits.with_columns(best=pl.col("score").max().over("iid"))
        .filter(pl.col("score") == pl.col("best"))
        .group_by("iid")
        .agg(pl.col("pid").sort(), score=pl.col("score").first(), m=pl.col("m").max())
        .select(
            declaration_id="iid",
            side=pl.lit("import"),
            status=pl.when(pl.col("pid").list.len() == 1).then(pl.lit("matched")).otherwise(pl.lit("ambiguous")),
            counterpart_id=pl.when(pl.col("pid").list.len() == 1).then(pl.col("pid").list.first()),
            method=pl.when(pl.col("pid").list.len() == 1).then(method),
            score=pl.col("score").cast(pl.Float64),
            candidates=pl.col("pid").cast(pl.List(pl.Int64)),
        )
    )


def _pool(imp: pl.DataFrame, par: pl.DataFrame, heads: pl.DataFrame, window: int) -> pl.DataFrame:
    """Decisions for ``imp`` against one pool of partner records."""
    if imp.is_empty() or par.is_empty():
        return pl.DataFrame(schema=OUT_SCHEMA)
    hits = _key_hits(imp, par)
    if not hits.is_empty():
        dates = imp.select(iid="id", idate="declared_on")
        pdates = par.select(pid="id", pdate="declared_on", pimp="importer_id", pexp="exporter_id")
        hits = (
            hits.join(dates, on="iid")
            .join(pdates, on="pid")
            .join(imp.select(iid="id", iimp="importer_id", iexp="exporter_id"), on="iid")
            .filter((pl.col("idate") - pl.col("pdate")).dt.total_days().abs() <= window)
            .with_columns(
                score=pl.col("score")
                + W_TRADER * (pl.col("iimp") == pl.col("pimp")).fill_null(False).cast(pl.Int32)
                + W_TRADER * (pl.col("iexp") == pl.col("pexp")).fill_null(False).cast(pl.Int32)
            )
            .select("iid", "pid", "score", "m")
        )
    decided = _decide(hits) if not hits.is_empty() else pl.DataFrame(schema=OUT_SCHEMA)
    rest = imp.join(decided.select(id="declaration_id"), on="id", how="anti")
    free = par.join(hits.select(id="pid").unique(), on="id", how="anti")
    if rest.is_empty() or free.is_empty():
        return decided
    fb = _fallback(rest, free, heads, window)
    if fb.is_empty():
        return decided
    return pl.concat([decided, _decide(fb)])


def match(
    records: pl.DataFrame,
    goods: pl.DataFrame,
    *,
    window_days: int,
    unmatched_after_hours: int,
    now: dt.datetime | None = None,
    imports: pl.Series | None = None,
) -> pl.DataFrame:
    """Outcomes of the import declarations in ``records`` (only ``imports`` when given) and of the
    partner records no import chose: one row each, ``OUT_SCHEMA``."""
    now = now or dt.datetime.now(dt.UTC)
    mass = goods.group_by("declaration_id").agg(mass=pl.col("gross_mass").sum())
    recs = records.join(mass.rename({"declaration_id": "id"}), on="id", how="left")
    heads = goods.select("declaration_id", heading=pl.col("hs_code").str.slice(0, 4)).unique()
    imp = recs.filter(pl.col("side") == "import")
    if imports is not None:
        imp = imp.filter(pl.col("id").is_in(imports.implode()))
    par = recs.filter(pl.col("side") == "partner")
    exports = par.filter(pl.col("kind") == "export")
    prelim = par.filter(pl.col("kind") == "preliminary")
    first = _pool(imp, exports, heads, window_days)
    matched_ids = first.filter(pl.col("status") == "matched").select(id="declaration_id")
    second = _pool(imp.join(matched_ids, on="id", how="anti"), prelim, heads, window_days)
    if not second.is_empty():
        first = pl.concat([first.join(second.select("declaration_id"), on="declaration_id", how="anti"), second])
    limit = now - dt.timedelta(hours=unmatched_after_hours)
    lonely = pl.when(pl.col("lodged_at") < limit).then(pl.lit("unmatched")).otherwise(pl.lit("pending"))
    none_imp = imp.join(first.select(id="declaration_id"), on="id", how="anti").select(
        declaration_id="id",
        side=pl.lit("import"),
        status=lonely,
        counterpart_id=pl.lit(None, pl.Int64),
        method=pl.lit(None, pl.Utf8),
        score=pl.lit(None, pl.Float64),
        candidates=pl.lit([], pl.List(pl.Int64)),
    )
    chosen = first.select(pl.col("candidates").explode().alias("id")).drop_nulls().unique()
    none_par = par.join(chosen, on="id", how="anti").select(
        declaration_id="id",
        side=pl.lit("partner"),
        status=lonely,
        counterpart_id=pl.lit(None, pl.Int64),
        method=pl.lit(None, pl.Utf8),
        score=pl.lit(None, pl.Float64),
        candidates=pl.lit([], pl.List(pl.Int64)),
    )
    return pl.concat([first.cast(OUT_SCHEMA), none_imp.cast(OUT_SCHEMA), none_par.cast(OUT_SCHEMA)])  # type: ignore[arg-type]
