"""``cix bench pipeline`` on a small count: its JSON shape, loss counted end to end, profile selections."""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
from typer.testing import CliRunner

from cix.cli.main import app
from cix.settings import default_workers
from tests.conftest import TODAY, import_declaration


def test_bench_pipeline_small() -> None:
    r = CliRunner().invoke(
        app, ["bench", "pipeline", "--count", "150", "--batch-size", "100", "--history", "400", "--json"]
    )
    assert r.exit_code == 0, r.output
    assert r.stdout.count("\n") == 1
    out = orjson.loads(r.stdout)
    assert out["declarations"] == 150 and out["decided"] == 150
    assert out["lost"] == 0 and out["duplicated"] == 0
    assert out["rate_per_s"] > 0 and out["floor_rate_per_s"] > 0
    # ratio = floor rate / rate = seconds / floor seconds (the rates are rounded to 0.1/s)
    # seconds are printed to the millisecond: allow for that rounding on both sides of the quotient
    s, f = out["seconds"], out["floor_seconds"]
    assert abs(out["ratio"] - s / f) <= (s / f) * (0.0006 / s + 0.0006 / f) + 0.001
    assert out["steps"][-1] == "risk"
    assert out["profiles_active"] == 50
    assert set(out["profiles_selecting_none"]) <= set(out["profile_selections"])
    assert all((n == 0) == (p in out["profiles_selecting_none"]) for p, n in out["profile_selections"].items())
    assert sum(out["channels"].values()) == 150
    assert out["setup"]["model_version"]
    assert out["workers"] == default_workers()  # the import path of `cix import`, one process per core


def test_history_inspections_are_dated_after_their_declarations(store: Any) -> None:
    from cix.bench.pipeline import history_inspections
    from cix.ingest.readers import from_json_bytes
    from cix.pipeline.lodge import lodge_batch

    store.run_path = False
    days = [dt.date(2024, 3, 1) + dt.timedelta(days=i % 9) for i in range(40)]
    batch = [
        from_json_bytes(orjson.dumps(import_declaration(lrn=f"H{i}", date=d.isoformat())), "json", f"t:{i}")
        for i, d in enumerate(days)
    ]
    outcomes = lodge_batch(store, batch, today=TODAY, keep_outcomes=True).outcomes or []
    truth = {outcomes[0].natural_key: {"key": outcomes[0].natural_key, "items": []}}
    rows = history_inspections(store, outcomes, truth, seed=3)
    assert 5 < len(rows) < 35  # a seeded half
    again = history_inspections(store, outcomes, truth, seed=3)
    assert [(r["declaration_id"], r["inspected_at"]) for r in rows] == [
        (r["declaration_id"], r["inspected_at"]) for r in again
    ]
    declared = {o.declaration_id: days[i] for i, o in enumerate(outcomes)}
    for r in rows:
        assert r["inspected_at"].date() == declared[r["declaration_id"]] + dt.timedelta(days=3)
        assert r["result"] == ("fraud" if r["declaration_id"] == outcomes[0].declaration_id else "no_fraud")
