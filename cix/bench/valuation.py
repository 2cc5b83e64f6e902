"""``cix bench valuation`` and ``cix bench valuation-quality``: speed and quality of the price check.

Speed: N generated import declarations (seeded) are written straight into a fresh SQLite store
(not timed), then the price reference build runs over them (``build_seconds``: reading the goods
rows, converting to USD, the statistics of every fall-back level, writing the table), beside the
floor (``floor_seconds``: the same goods rows only read from the same store, same run, by the
build's own reader, :func:`cix.valuation.build._read_own`); then the check of goods items against
the in-memory reference (``check_ms_per_item``, amortised over the items of up to 120,000
declarations) and the same with the results written as the declaration path does
(``step_ms_per_item``).

Quality: on generated trade with injected fraud (references built on one dataset, measured on
another with a different seed), recall of the injected cases and the false-flag rate, by fraud
kind; on the KCS development data (references trained on ``train.csv``, measured on
``valid.csv``), precision of the price score alone at the top 1, 2, 5 and 10 %.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path
from typing import Any

import polars as pl

from cix.reference.fx import RateBook
from cix.reference.rates import RateTable
from cix.settings import Settings

END = dt.date(2026, 11, 27)


def _book_for(n: int, seed: int, end: dt.date) -> RateBook:
    from cix.generate.dataset import DEFAULT_PARTNERS, _stream_config
    from cix.generate.world import World

    cfg = _stream_config(n, seed, "RU", DEFAULT_PARTNERS, end, 30, fraud_share=0.05)
    return RateBook([RateTable("rates.csv", World(cfg, n).rates.rows())], ecb=False)


def _load(store: Any, docs: Any, start_id: int = 1) -> tuple[int, list[tuple[int, str, list[dict[str, Any]]]]]:
    """Write declarations and goods rows directly (the benchmark's input, not timed)."""
    now = dt.datetime.now(dt.UTC).isoformat(sep=" ")
    decl_rows, goods_rows = [], []
    sample: list[tuple[int, str, list[dict[str, Any]]]] = []
    did = start_id
    for d in docs:
        decl_rows.append(
            (
                did,
                f"lrn:{d['declarant']['identifier']}:{d['lrn']}",
                "import",
                "lodged",
                1,
                d["date"],
                now,
                now,
                "x",
                "{}",
            )
        )
        goods = [{"seq": i + 1, **g} for i, g in enumerate(d["goods"])]
        for g in goods:
            goods_rows.append(
                (
                    did,
                    g["seq"],
                    g["hs_code"],
                    g.get("origin"),
                    g.get("quantity"),
                    g.get("unit"),
                    g.get("net_mass"),
                    g.get("gross_mass"),
                    g.get("invoice_amount"),
                    g.get("currency"),
                    g.get("customs_value"),
                    g.get("tax_rate"),
                )
            )
        if len(sample) < 120_000:
            sample.append((did, d["date"], goods))
        did += 1
        if len(decl_rows) >= 50_000:
            _flush(store, decl_rows, goods_rows)
    _flush(store, decl_rows, goods_rows)
    return did - start_id, sample


def _flush(store: Any, decl_rows: list[Any], goods_rows: list[Any]) -> None:
    if not decl_rows:
        return
    with store.write() as conn:
        conn.exec_driver_sql(
            "INSERT INTO declarations (id, natural_key, kind, status, version, declared_on, lodged_at, updated_at,"
            " content_hash, data) VALUES (?,?,?,?,?,?,?,?,?,?)",
            decl_rows,
        )
        conn.exec_driver_sql(
            "INSERT INTO goods_items (declaration_id, seq, hs_code, origin, quantity, unit, net_mass, gross_mass,"
            " invoice_amount, currency, customs_value, tax_rate) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            goods_rows,
        )
    decl_rows.clear()
    goods_rows.clear()


def run(count: int, *, seed: int = 11) -> dict[str, Any]:
    """Build and check speed over ``count`` generated declarations."""
    from cix.generate import iter_declarations
    from cix.store.db import open_store
    from cix.valuation import build, index
    from cix.valuation.check import check_declaration
    from cix.valuation.step import _row, params, save

    with tempfile.TemporaryDirectory(prefix="cix-bench-valuation-") as tmp:
        settings = Settings(home=Path(tmp), country="RU")
        store = open_store(settings.store_url, fresh=True)
        store.run_path = False
        book = _book_for(count, seed, END)
        loaded, sample = _load(store, iter_declarations(count, seed, end_date=END))
        t0 = time.perf_counter()
        with store.read() as conn:
            floor_rows = build._read_own(conn, *build.period(END, settings.valuation_period_months)).height
        floor = time.perf_counter() - t0
        summary = build.build(store, settings, as_of=END, book=book)
        with store.read() as conn:
            idx = index.current(conn)
        p = params(settings)
        days = {d: dt.date.fromisoformat(d) for _i, d, _g in sample}
        t0 = time.perf_counter()
        results = [(did, check_declaration(goods, days[day], idx, book, p)) for did, day, goods in sample]
        check = time.perf_counter() - t0
        items = sum(len(g) for _i, _d, g in sample)
        at = dt.datetime.now(dt.UTC)
        t0 = time.perf_counter()
        with store.write() as conn:
            for i in range(0, len(results), 2000):
                save(conn, [_row(did, r, at) for did, r in results[i : i + 2000]])
        write = time.perf_counter() - t0
        flagged = sum(1 for _d, r in results if r["flagged"])
        no_ref = sum(1 for _d, r in results if r["status"] != "checked")
        store.dispose()
    return {
        "declarations": loaded,
        "goods_items": floor_rows,
        "build_seconds": summary["seconds"],
        "build_compute_seconds": summary["seconds_compute"],
        "floor_seconds": round(floor, 3),
        "ratio": round(summary["seconds"] / floor, 2) if floor else None,
        "groups": summary["groups"],
        "check_ms_per_item": round(check / items * 1000, 4),
        "step_ms_per_item": round((check + write) / items * 1000, 4),
        "checked_items": items,
        "flagged_share": round(flagged / len(results), 4),
        "not_fully_checked_share": round(no_ref / len(results), 4),
        "goal": {"build_seconds": 10, "check_ms_per_item": 0.2},
    }


# --- quality -----------------------------------------------------------------------------------


def generated_quality(*, per_day: int = 400, days: int = 60, seed: int = 21) -> dict[str, Any]:
    """Recall and false flags by fraud kind: references from one dataset, checks on another."""
    from cix.generate import GeneratorConfig, generate, natural_key
    from cix.valuation import stats
    from cix.valuation.build import own_observations
    from cix.valuation.check import check_declaration
    from cix.valuation.index import from_groups
    from cix.valuation.step import params

    settings = Settings(home=Path(tempfile.gettempdir()), country="RU")
    train = generate(GeneratorConfig(days=days, per_day=per_day, seed=seed, end_date=END - dt.timedelta(days=31)))
    test = generate(GeneratorConfig(days=30, per_day=per_day, seed=seed + 1, end_date=END))
    book = RateBook([RateTable("rates.csv", train.rates), RateTable("rates2.csv", test.rates)], ecb=False)
    rows = [
        (
            g["hs_code"],
            g.get("origin"),
            g.get("unit"),
            g.get("quantity"),
            g.get("customs_value"),
            g.get("invoice_amount"),
            g.get("currency"),
            dt.date.fromisoformat(d["date"]),
        )
        for d in train.imports
        for g in d["goods"]
    ]
    raw = pl.DataFrame(
        rows,
        schema=["code", "origin", "unit", "quantity", "customs_value", "invoice_amount", "currency", "day"],
        orient="row",
    )
    obs, _skipped = own_observations(raw, national="RUB", book=book)
    groups = stats.reference_groups(
        obs, as_of=END, half_life_days=settings.valuation_half_life_days, min_count=settings.valuation_min_count
    )
    idx = from_groups(groups, period_months=settings.valuation_period_months)
    p = params(settings)
    truth = {t["key"]: t for t in test.truth}
    by_kind: dict[str, dict[str, float]] = {}
    for d in test.imports:
        goods = [{"seq": i + 1, **g} for i, g in enumerate(d["goods"])]
        r = check_declaration(goods, dt.date.fromisoformat(d["date"]), idx, book, p)
        t = truth.get(natural_key(d))
        for kind in t["kinds"] if t else ["clean"]:
            k = by_kind.setdefault(kind, {"declarations": 0, "flagged": 0, "no_reference": 0})
            k["declarations"] += 1
            k["flagged"] += int(r["flagged"])
            k["no_reference"] += int(r["status"] != "checked")
    out: dict[str, Any] = {}
    for kind, k in sorted(by_kind.items()):
        share = round(k["flagged"] / k["declarations"], 4) if k["declarations"] else None
        out[kind] = {**k, ("false_flag_rate" if kind == "clean" else "recall"): share}
    return {"train_declarations": len(train.imports), "test_declarations": len(test.imports), "by_kind": out}


def kcs_quality(train: Path, valid: Path) -> dict[str, Any]:
    """Precision at the top 1, 2, 5, 10 % of ``valid`` ranked by the price score alone."""
    from cix.risk.targeting.data import read_kcs
    from cix.valuation import stats
    from cix.valuation.index import from_groups

    settings = Settings(home=Path(tempfile.gettempdir()))

    def frame(path: Path) -> pl.DataFrame:
        df = read_kcs(path, labels=True)
        return df.select(
            code=pl.col("HS6 Code").str.strip_chars().str.zfill(6),
            origin=pl.col("Country of Origin"),
            unit=pl.lit("KGM"),
            uv=pl.col("Item Price").cast(pl.Float64, strict=False) / pl.col("Net Mass").cast(pl.Float64, strict=False),
            day=pl.col("Date").str.to_date("%Y-%m-%d", strict=False),
            fraud=pl.col("Fraud").cast(pl.Int64, strict=False).fill_null(0),
        )

    tr = frame(train)
    va = frame(valid)
    as_of = tr["day"].max()
    assert isinstance(as_of, dt.date)
    results: dict[str, Any] = {}
    for name, subset in (("all_train", tr), ("clean_train", tr.filter(pl.col("fraud") == 0))):
        obs = subset.select("code", "origin", "unit", "uv", "day", n=pl.lit(1.0), pn=pl.lit(0.0), w0=pl.lit(1.0))
        groups = stats.reference_groups(
            obs, as_of=as_of, half_life_days=settings.valuation_half_life_days, min_count=settings.valuation_min_count
        )
        idx = from_groups(groups)
        import math

        scores = []
        for code, origin, uv in va.select("code", "origin", "uv").iter_rows():
            ref = idx.lookup(code, origin, "KGM", settings.valuation_min_count) if uv and uv > 0 else None
            if ref is None:
                scores.append(float("-inf"))
                continue
            sigma = max(1.4826 * ref.mad_log, 0.05)
            scores.append((math.log(ref.median) - math.log(uv)) / sigma)
        ranked = va.with_columns(score=pl.Series(scores)).sort("score", descending=True)
        n = ranked.height
        top = {}
        for pct in (1, 2, 5, 10):
            k = max(1, round(n * pct / 100))
            top[f"{pct}%"] = {"k": k, "precision": round(_mean(ranked["fraud"].head(k)), 4)}
        results[name] = {
            "references_from": name,
            "groups": groups.height,
            "no_reference_share": round(sum(1 for s in scores if s == float("-inf")) / n, 4),
            "precision_at": top,
        }
    return {"valid_declarations": va.height, "base_rate": round(_mean(va["fraud"]), 4), **results}


def _mean(s: pl.Series) -> float:
    return float(s.cast(pl.Float64).sum()) / s.len() if s.len() else 0.0


def quality(train: Path | None, valid: Path | None) -> dict[str, Any]:
    out: dict[str, Any] = {"generated": generated_quality()}
    if train is not None and valid is not None:
        out["kcs"] = kcs_quality(train, valid)
    return out
