"""Fixtures of the risk engine's tests: a store with generated history, inspected from the fraud truth."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import orjson
import pytest

from cix.ingest.readers import from_json_bytes
from cix.pipeline.lodge import lodge_batch
from cix.store.schema import inspections


def lodge(store: Any, docs: list[dict[str, Any]], *, source: str = "test") -> list[Any]:
    """Lodge JSON documents through the path; the outcomes, in order."""
    batch = [from_json_bytes(orjson.dumps(d), "json", f"t{i}") for i, d in enumerate(docs)]
    s = lodge_batch(store, batch, keep_outcomes=True, source=source, today=dt.date.today())
    assert s.outcomes is not None
    return s.outcomes


def history(store: Any, *, days: int = 8, per_day: int = 12, seed: int = 3, share: float = 1.0) -> dict[str, Any]:
    """Generated imports of earlier days lodged through the path, ``share`` of them inspected (truth)."""
    from cix.generate import GeneratorConfig, generate

    ds = generate(
        GeneratorConfig(days=days, per_day=per_day, seed=seed, fraud_share=0.25,
                        end_date=dt.date.today() - dt.timedelta(days=40))
    )  # fmt: skip
    outcomes = lodge(store, ds.imports)
    truth = {t["key"] for t in ds.truth}
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    rows = [
        {"declaration_id": o.declaration_id, "inspected_at": now, "officer": "t",
         "result": "fraud" if o.natural_key in truth else "no_fraud", "duty_recovered": 10.0 if o.natural_key in truth
         else None, "critical": 0, "recorded_at": now}
        for o in outcomes
        if o.declaration_id is not None and rng.random() < share
    ]  # fmt: skip
    with store.write() as conn:
        conn.execute(inspections.insert(), rows)
    return {"dataset": ds, "outcomes": outcomes, "inspected": len(rows), "truth": truth}


@pytest.fixture
def with_history(store: Any) -> dict[str, Any]:
    return history(store)
