"""The plain-Python incremental matcher gives the same stored outcomes, discrepancies, key index and ctx
results as the Polars one, on SQLite and PostgreSQL, over generated data with fraud and defects."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import orjson
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cix.generate import GeneratorConfig, generate
from cix.ingest.records import Incoming
from cix.matching import compare, fast, service
from cix.pipeline.lodge import lodge_batch
from cix.settings import Settings

END = dt.date(2026, 11, 20)
EDITION_CUT = dt.date(2026, 11, 1)


@pytest.fixture(scope="module")
def dataset() -> Any:
    return generate(
        GeneratorConfig(
            partners=("FI", "CN"),
            days=40,
            per_day=8,
            seed=11,
            end_date=END,
            fraud_share=0.4,
            missing_ucr_share=0.3,
            mistyped_container_share=0.3,
            no_counterpart_share=0.15,
        )
    )


def _reference() -> compare.Reference:
    """Rates for most currency pairs (none for some, so values go uncompared), a tariff for most codes,
    and two HS editions (with a few codes common to both) so that edition mismatches occur."""

    def rate(f: str | None, t: str | None, on: dt.date | None) -> float | None:
        if f is None or t is None or on is None:
            return None
        if f == t:
            return 1.0
        if "JPY" in (f, t) and on.day % 2 == 0:
            return None
        return 0.5 + (sum(map(ord, f)) * 7 + sum(map(ord, t)) * 3 + on.toordinal()) % 97 / 13.0

    def tariff(code: str | None, origin: str | None) -> float | None:
        if not code or code.startswith("9"):
            return None
        return float((int(code[:4]) + sum(map(ord, origin or ""))) % 11 * 2.5)

    def edition_of(on: dt.date | None) -> str:
        return "" if on is None else ("HS2027" if on >= EDITION_CUT else "HS2022")

    in_both = frozenset(f"{h:04d}{s:02d}" for h in range(8400, 8500) for s in range(0, 100, 10))
    return compare.Reference(rate=rate, tariff=tariff, edition_of=edition_of, in_both=in_both)


def _mangle(ds: Any) -> list[dict[str, Any]]:
    """Every record, shuffled, with extra defects: halved quantities, other units, other codes and
    origins, traders swapped, items dropped, declared editions, freight and insurance given."""
    rng = random.Random(3)
    recs = [dict(r) for r in (*ds.imports, *ds.exports, *ds.preliminary)]
    for r in recs:
        r["goods"] = [dict(g) for g in r["goods"]]
        x = rng.random()
        g = r["goods"][0]
        if x < 0.08:
            g["quantity"] = g["quantity"] * 0.5
        elif x < 0.12:
            g["unit"] = "PCE" if g.get("unit") != "PCE" else "KGM"
        elif x < 0.18:
            g["hs_code"] = g["hs_code"][:4] + ("10" if g["hs_code"][4:6] != "10" else "20") + g["hs_code"][6:]
        elif x < 0.22:
            g["hs_code"] = ("8471" if not g["hs_code"].startswith("8471") else "8517") + g["hs_code"][4:]
        elif x < 0.26:
            g["origin"] = "TR" if g.get("origin") != "TR" else "DE"
        elif x < 0.30 and len(r["goods"]) > 1:
            r["goods"] = r["goods"][:-1]
        elif x < 0.34:
            g["net_mass"] = g["net_mass"] * 1.2 if g.get("net_mass") else g.get("net_mass")
            g["gross_mass"] = g["gross_mass"] * 0.7 if g.get("gross_mass") else g.get("gross_mass")
        elif x < 0.38:
            g["invoice_amount"] = round(g["invoice_amount"] * 0.6, 2)
        elif x < 0.42 and r["kind"] == "import":
            r["hs_edition"] = "HS2022"
        elif x < 0.50 and r["kind"] != "import":
            g["currency"] = "JPY"
        if r["kind"] == "import" and rng.random() < 0.12:  # found by its containers only
            r.pop("ucr", None)
            cons = dict(r.get("consignment") or {})
            cons["transport_documents"] = [
                {**d, "number": f"X{rng.randrange(10**9)}"} for d in cons.get("transport_documents") or []
            ]
            r["consignment"] = cons
        if r["kind"] == "import" and rng.random() < 0.3:
            cons = dict(r.get("consignment") or {})
            cons["freight"] = round(rng.uniform(100, 5000), 2)
            cons["insurance"] = round(rng.uniform(10, 300), 2)
            cons["freight_currency"] = rng.choice(["USD", "EUR", "CNY"])
            r["consignment"] = cons
    rng.shuffle(recs)
    return recs


def _lodge_batches(store: Any, recs: list[dict[str, Any]], kept: dict[int, Any] | None = None) -> list[list[int]]:
    """Store the records without the path, in batches of varied size; the ids each batch stored.

    ``kept``, when given, receives what was stored of each declaration (its ``Prepared``) by id."""
    from cix.store import declarations as decl_store

    insert_many = decl_store.insert_many

    def keeping(conn: Any, batch: Any) -> list[int]:
        ids = insert_many(conn, batch)
        if kept is not None:
            kept.update(zip(ids, batch, strict=True))
        return ids

    decl_store.insert_many = keeping  # type: ignore[assignment]
    try:
        return _lodge(store, recs)
    finally:
        decl_store.insert_many = insert_many  # type: ignore[assignment]


def _lodge(store: Any, recs: list[dict[str, Any]]) -> list[list[int]]:
    store.run_path = False
    sizes = [1, 1, 3, 1, 17, 2, 60, 1, 5, 120, 9, 1]
    batches: list[list[int]] = []
    at = 0
    k = 0
    while at < len(recs):
        n = sizes[k % len(sizes)]
        part = recs[at : at + n]
        at += n
        k += 1
        with store.read() as conn:
            before = conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM declarations").scalar_one()
        batch = [Incoming(orjson.dumps(r).decode(), "json", r, f"t{at}-{i}") for i, r in enumerate(part)]
        lodge_batch(store, batch, source="api:test", today=END)
        with store.read() as conn:
            ids = [r[0] for r in conn.exec_driver_sql(f"SELECT id FROM declarations WHERE id > {before}").fetchall()]
        if ids:
            batches.append(ids)
    store.run_path = True
    return batches


def _round(v: Any) -> Any:
    if isinstance(v, float):
        return round(v, 6)
    if isinstance(v, dict):
        return {k: _round(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_round(x) for x in v]
    return v


def _from_memory(kept: dict[int, Any]) -> Any:
    """``fast.run_incremental`` given the stored records as the path gives them (not read back)."""
    from cix.pipeline.steps import Stored

    def run(conn: Any, ids: list[int], settings_: Settings, *, now: dt.datetime) -> Any:
        recs = fast.from_stored([Stored(i, kept[i]) for i in ids], country=settings_.country)
        return fast.run_incremental(conn, ids, settings_, now=now, records=recs)

    return run


def _replay(store: Any, run: Any, batches: list[list[int]], settings_: Settings) -> dict[str, Any]:
    """Run ``run`` over every batch in one transaction, snapshot the tables, roll everything back."""
    real_now = dt.datetime.now(dt.UTC)
    results = []
    with store.engine.connect() as conn:
        trans = conn.begin()
        try:
            for k, ids in enumerate(batches):
                now = real_now if k % 2 else real_now + dt.timedelta(hours=200)
                res = run(conn, ids, settings_, now=now)
                results.append(sorted(res.items()))
            snap = {
                "matches": conn.exec_driver_sql(
                    "SELECT declaration_id, side, status, counterpart_id, method, score, candidates, clean,"
                    " discrepancies, max_severity, duty_at_stake FROM matches ORDER BY declaration_id"
                ).fetchall(),
                "discrepancies": conn.exec_driver_sql(
                    "SELECT declaration_id, counterpart_id, kind, severity, item, ours, theirs, duty_at_stake"
                    " FROM match_discrepancies ORDER BY id"
                ).fetchall(),
                "keys": conn.exec_driver_sql(
                    "SELECT key, declaration_id, side FROM match_keys ORDER BY key, declaration_id"
                ).fetchall(),
                "results": results,
            }
        finally:
            trans.rollback()
    return _round({k: [tuple(r) if not isinstance(r, list) else r for r in v] for k, v in snap.items()})


def test_fast_run_stores_what_the_polars_run_stores(
    store: Any, tmp_path: Path, dataset: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = _reference()
    monkeypatch.setattr(service, "reference", lambda s: ref)
    node = Settings(home=tmp_path, country="RU")
    kept: dict[int, Any] = {}
    batches = _lodge_batches(store, _mangle(dataset), kept)
    slow = _replay(store, service.run_incremental, batches, node)
    quick = _replay(store, fast.run_incremental, batches, node)
    in_memory = _replay(store, _from_memory(kept), batches, node)
    # The data exercised every rule worth comparing.
    statuses = {r[2] for r in slow["matches"]}
    assert {"matched", "ambiguous", "pending", "unmatched"} <= statuses, statuses
    assert {r[4] for r in slow["matches"] if r[4]} >= {"ucr", "document", "container", "fallback"}
    kinds = {r[2] for r in slow["discrepancies"]}
    assert {
        "customs_value",
        "quantity",
        "hs_code",
        "origin",
        "item_missing",
        "hs_edition_mismatch",
        "value_not_compared",
        "net_mass",
        "gross_mass",
    } <= kinds, kinds
    assert len(slow["keys"]) > 0
    for part in ("keys", "matches", "discrepancies", "results"):
        assert quick[part] == slow[part], part
        assert in_memory[part] == slow[part], part


def test_single_new_partner_record_decides_earlier_imports(
    sqlite_store: Any, tmp_path: Path, dataset: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = _reference()
    monkeypatch.setattr(service, "reference", lambda s: ref)
    node = Settings(home=tmp_path, country="RU")
    imports = [r for r in dataset.imports if r.get("ucr")][:30]
    ucrs = {r["ucr"] for r in imports}
    exports = [r for r in dataset.exports if r.get("ucr") in ucrs][:10]
    batches = _lodge_batches(sqlite_store, imports)
    # The imports arrive first (in batches); each export alone then matches a stored import.
    batches += [_lodge_batches(sqlite_store, [e])[0] for e in exports]
    slow = _replay(sqlite_store, service.run_incremental, batches, node)
    quick = _replay(sqlite_store, fast.run_incremental, batches, node)
    assert quick == slow
    late = [dict(res) for res in quick["results"][-len(exports) :]]
    assert sum(1 for res in late for r in res.values() if r["status"] == "matched") >= len(exports) // 2


def test_empty_and_unknown_ids_give_nothing(sqlite_store: Any, tmp_path: Path) -> None:
    node = Settings(home=tmp_path, country="RU")
    with sqlite_store.write() as conn:
        assert fast.run_incremental(conn, [], node) == {}
        assert fast.run_incremental(conn, [424242], node) == {}


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True, min_value=None, max_value=None))
def test_fmt_writes_floats_as_polars_does(x: float) -> None:
    assert fast.fmt(x) == pl.Series([x], dtype=pl.Float64).round(2).cast(pl.Utf8)[0]


@given(st.lists(st.text(alphabet="ab-./ 1\u00dfc", max_size=6), max_size=4))
def test_keys_are_normalised_as_polars_does(docs: list[str]) -> None:
    norm = pl.Series(docs, dtype=pl.Utf8).str.to_uppercase().str.replace_all(r"[\s\-./]", "").to_list()
    assert [fast._norm(d) for d in docs] == norm
