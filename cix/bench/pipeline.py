"""``cix bench pipeline``: declarations per second through the whole declaration path, beside the floor.

Set-up (before the clock, seeded): a fresh node home with the generator's exchange rates; a month of
**history** (an earlier generated dataset: partner exports, then imports through the full path,
inspection results for half of them from the generator's fraud truth); price references built from
it; the node model trained on those inspections and promoted; the fifty sample risk profiles
(:func:`cix.risk.profiles.samples.bench_profiles`) added; the benchmark dataset's partner export
records lodged. History inspections are dated three days after their declaration (so the traders'
inspection history is as it would be, not all of today). Then N generated import declarations, as
JSON lines, go through parsing, validation, storage, matching, valuation, profiles, the model and the
channel decision by the real import path of ``cix import`` (:func:`cix.pipeline.parallel.lodge_lines`,
batches of ``--batch-size``, ``workers`` processes — one per core by default — validating in
parallel while the write turns, storage and steps, follow each other) — the measured rate (the fork
server the workers start from is started before the clock). With
``workers=1`` the batches go through ``lodge_batch`` in this process instead. The floor is the same
JSON lines stored by the same path with ``store.run_path = False`` (no steps) into another fresh
store, in the same run; ``ratio`` = floor / rate. Loss is counted end to end: the natural keys that went in against the
declarations with a stored decision afterwards. Each profile's selections are counted from the
stored reasons: ``profiles_selecting_none`` lists the active profiles that selected nothing.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import select

from cix.pipeline.lodge import batched, lodge_batch
from cix.settings import Settings
from cix.store.db import Store, open_store
from cix.store.schema import declarations, inspections
from cix.store.tables_risk import risk_decisions

DAYS = 30
Log = Callable[[str], None]


def _quiet(msg: str) -> None:
    return None


def _dataset(count: int, seed: int, end: dt.date, days: int = DAYS) -> Any:
    from cix.generate import GeneratorConfig, generate

    per_day = max(1, -(-count // days))
    return generate(GeneratorConfig(days=days, per_day=per_day, seed=seed, end_date=end))


def _lodge(store: Store, records: list[dict[str, Any]], today: dt.date, batch_size: int = 2000) -> list[Any]:
    from cix.ingest.readers import from_json_bytes

    outcomes: list[Any] = []
    for chunk in batched(records, batch_size):  # type: ignore[arg-type]
        batch = [from_json_bytes(orjson.dumps(r), "json", f"setup:{i}") for i, r in enumerate(chunk)]
        s = lodge_batch(store, batch, today=today, keep_outcomes=True)
        outcomes.extend(s.outcomes or [])
    return outcomes


def _duty(t: dict[str, Any]) -> float | None:
    total = 0.0
    for it in t.get("items", []):
        dec, true = it.get("declared", {}), it.get("true", {})
        if "customs_value" in dec and "customs_value" in true:
            total += max(float(true["customs_value"]) - float(dec["customs_value"]), 0.0) * 0.1
    return round(total, 2) if total else None


def _declared_on(store: Store, ids: list[Any]) -> dict[int, dt.date]:
    out: dict[int, dt.date] = {}
    with store.read() as conn:
        for i in range(0, len(ids), 900):
            q = select(declarations.c.id, declarations.c.declared_on).where(declarations.c.id.in_(ids[i : i + 900]))
            for did, on in conn.execute(q):
                out[int(did)] = on if isinstance(on, dt.date) else dt.date.fromisoformat(str(on))
    return out


def history_inspections(
    store: Store, outcomes: list[Any], truth: dict[str, dict[str, Any]], seed: int
) -> list[dict[str, Any]]:
    """Inspection rows for a seeded half of the stored history: fraud where the generator's truth says
    so, dated three days after the declaration (never later than now)."""
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    chosen = [o for o in outcomes if o.declaration_id is not None and rng.random() < 0.5]
    declared_on = _declared_on(store, [o.declaration_id for o in chosen])
    rows = []
    for o in chosen:
        t = truth.get(o.natural_key)
        day = declared_on[o.declaration_id] + dt.timedelta(days=3)
        at = dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC)
        rows.append({"declaration_id": o.declaration_id, "inspected_at": min(at, now), "officer": "bench",
                     "result": "fraud" if t else "no_fraud", "duty_recovered": _duty(t) if t else None,
                     "critical": 0, "source": "bench", "recorded_at": now})  # fmt: skip
    return rows


def node_home(work: Path) -> tuple[Path, Settings, Store]:
    home = work / "node"
    home.mkdir(parents=True, exist_ok=True)
    settings = Settings(home=home, database_url=None)
    store = open_store(settings.store_url, fresh=True)
    store.settings = settings
    return home, settings, store


def prepare_node(
    store: Store, settings: Settings, home: Path, *, history: int, bench: Any, seed: int, log: Log = _quiet
) -> dict[str, Any]:
    """Everything before the clock: rates, history through the path, inspections, references, model, profiles."""
    from cix.reference.rates import add_rates_file, write_rates_csv
    from cix.risk import registry

    today = dt.date.today()
    t0 = time.perf_counter()
    hist = _dataset(history, seed + 1000, today - dt.timedelta(days=DAYS + 5))
    for name, ds in (("history", hist), ("bench", bench)):
        path = home / f"rates-{name}.csv"
        write_rates_csv(path, ds.rates)
        add_rates_file(home, path)
    log("history: lodging partner exports and imports through the path")
    _lodge(store, hist.exports, today)
    outcomes = _lodge(store, hist.imports, today)
    truth = {t["key"]: t for t in hist.truth}
    rows = history_inspections(store, outcomes, truth, seed)
    with store.write() as conn:
        conn.execute(inspections.insert(), rows)
    out: dict[str, Any] = {"history_declarations": len(outcomes), "inspections": len(rows)}
    try:
        from cix.valuation.build import build

        log("building price references")
        out["price_groups"] = build(store, settings, as_of=today, home=home).get("groups")
    except ImportError:
        out["price_groups"] = None
    log("training the node model")
    m = registry.train(store, seed=seed, created_by="bench")
    with store.write() as conn:
        registry.promote(conn, m["version"], actor="bench")
    out["model_version"] = m["version"]
    out["model_auc"] = (m.get("metrics") or {}).get("time_split", {}).get("auc")
    try:
        from cix.risk.profiles import repository
        from cix.risk.profiles.samples import bench_profiles

        with store.write() as conn:
            for d in bench_profiles():
                repository.add_profile(conn, d, "bench")
        out["profiles"] = len(bench_profiles())
    except ImportError:
        out["profiles"] = 0
    _lodge(store, bench.exports, today)
    out["setup_seconds"] = round(time.perf_counter() - t0, 3)
    return out


def _timed(store: Store, payloads: list[bytes], batch_size: int, today: dt.date, workers: int = 1) -> float:
    """Seconds to lodge the JSON lines: the import path of ``cix import`` with ``workers`` processes."""
    from cix.ingest.readers import from_json_bytes
    from cix.pipeline.parallel import jsonl_batches, lodge_lines

    t0 = time.perf_counter()
    if workers > 1:
        lodge_lines(store, jsonl_batches(payloads, "bench", batch_size), fmt="jsonl", source="bench",
                    workers=workers, today=today)  # fmt: skip
    else:
        for i in range(0, len(payloads), batch_size):
            chunk = payloads[i : i + batch_size]
            batch = [from_json_bytes(p, "jsonl", f"bench:{i + j + 1}") for j, p in enumerate(chunk)]
            lodge_batch(store, batch, today=today, source="bench")
    return time.perf_counter() - t0


def run(
    count: int,
    *,
    seed: int = 7,
    batch_size: int = 2000,
    history: int | None = None,
    workers: int | None = None,
    log: Log = _quiet,
) -> dict[str, Any]:
    """The benchmark; ``history`` (default max(2,000, N/2)) sizes the month of history made first;
    ``workers`` (default one per core) are the import processes, 1 for the serial path."""
    from cix.settings import default_workers

    workers = workers or default_workers()
    today = dt.date.today()
    bench = _dataset(count, seed, today)
    imports = bench.imports[:count]
    payloads = [orjson.dumps(r) for r in imports]
    from cix.model.declaration import natural_key_of

    keys_in = [natural_key_of(r) for r in imports]
    truth = {t["key"] for t in bench.truth}
    with tempfile.TemporaryDirectory(prefix="cix-bench-pipeline-") as tmp:
        work = Path(tmp)
        home, settings, store = node_home(work)
        setup = prepare_node(
            store, settings, home, history=history or max(2000, count // 2), bench=bench, seed=seed, log=log
        )
        floor_store = open_store(f"sqlite:///{work / 'floor.sqlite'}", fresh=True)
        floor_store.settings = settings
        floor_store.run_path = False
        log("floor: storing the records without the path")
        floor_s = _timed(floor_store, payloads, batch_size, today, workers)
        floor_store.dispose()
        log(f"measured: {len(payloads)} declarations through the path")
        store.run_path = True
        if workers > 1:
            from cix.pipeline.parallel import warm

            warm()  # the fork server the path's workers start from: set-up, not the path
        measured_s = _timed(store, payloads, batch_size, today, workers)
        with store.read() as conn:
            q = (
                select(declarations.c.natural_key, risk_decisions.c.channel, risk_decisions.c.reasons)
                .join(risk_decisions, risk_decisions.c.declaration_id == declarations.c.id)
                .where(declarations.c.source == "bench")
            )
            got = [(k, ch, reasons) for k, ch, reasons in conn.execute(q)]
            from cix.pipeline import steps

            path_steps = steps.names()
            try:
                from cix.risk.profiles import engine

                active = [p.id for p in engine.active(conn, today)]
            except ImportError:
                active = []
        store.dispose()
    keys_out = Counter(k for k, _c, _r in got)
    expected = Counter(keys_in)
    lost = sum(1 for k in expected if k not in keys_out)
    duplicated = sum(n - 1 for n in keys_out.values() if n > 1) + sum(1 for k in keys_out if k not in expected)
    channels = Counter(ch for _k, ch, _r in got)
    hits: Counter[str] = Counter()
    for _k, _ch, reasons in got:
        for pid in {r.get("id") for r in reasons if r.get("kind") == "profile"}:
            hits[str(pid)] += 1
    selected = [k for k, ch, _r in got if ch in ("red", "yellow")]
    rate = len(payloads) / measured_s
    floor_rate = len(payloads) / floor_s
    return {
        "declarations": len(payloads),
        "rate_per_s": round(rate, 1),
        "floor_rate_per_s": round(floor_rate, 1),
        "ratio": round(floor_rate / rate, 3),
        "seconds": round(measured_s, 3),
        "floor_seconds": round(floor_s, 3),
        "decided": len(got),
        "lost": lost,
        "duplicated": duplicated,
        "channels": dict(sorted(channels.items())),
        "fraud_share_all": round(sum(1 for k in keys_in if k in truth) / max(len(keys_in), 1), 4),
        "fraud_share_selected": round(sum(1 for k in selected if k in truth) / len(selected), 4) if selected else None,
        "steps": path_steps,
        "profiles_active": len(active),
        "profile_selections": {p: hits.get(p, 0) for p in active},
        "profiles_selecting_none": [p for p in active if hits.get(p, 0) == 0],
        "batch_size": batch_size,
        "workers": workers,
        "store": "sqlite",
        "setup": setup,
        "goal": {"rate_per_s": 2000},
    }
