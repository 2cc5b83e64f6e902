"""Trying a profile on stored declarations: the selection and its hit rate on inspected ones."""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from cix.errors import NotFound, ValidationFailed
from cix.ingest.readers import from_json_bytes
from cix.pipeline.lodge import lodge_batch
from cix.risk.profiles import repository as repo
from cix.risk.profiles.backtest import test_profile as run_profile
from cix.store.schema import declarations, inspections
from tests.conftest import TODAY, import_declaration


@pytest.fixture
def lodged(store: Any) -> Any:
    store.run_path = False
    docs = []
    for i in range(10):
        d = import_declaration(lrn=f"L{i}", date=f"2024-03-{i + 1:02d}")
        d["goods"][0]["origin"] = "JP" if i % 2 else "BR"
        docs.append(d)
    batch = [from_json_bytes(orjson.dumps(d), "jsonl", f"t:{i}") for i, d in enumerate(docs)]
    assert lodge_batch(store, batch, today=TODAY).stored == 10
    with store.write() as conn:
        ids = dict(conn.execute(select(declarations.c.lrn, declarations.c.id)).all())
        now = dt.datetime.now(dt.UTC)
        results = {"L1": "fraud", "L3": "no_fraud", "L5": "fraud", "L2": "no_fraud", "L4": "fraud"}
        conn.execute(
            inspections.insert(),
            [
                {"declaration_id": ids[k], "inspected_at": now, "result": v, "critical": 0, "recorded_at": now}
                for k, v in results.items()
            ],
        )
        repo.add_profile(conn, {"id": "JP", "condition": 'any(item.origin == "JP")', "channel": "yellow"}, "t")
    return store


def test_selection_and_hit_rate(lodged: Any) -> None:
    with lodged.read() as conn:
        r = run_profile(conn, "JP")
    assert (r["evaluated"], r["selected"], r["selection_rate"]) == (10, 5, 0.5)
    assert (r["inspected"], r["frauds"], r["base_hit_rate"]) == (5, 3, 0.6)
    assert (r["selected_inspected"], r["selected_frauds"]) == (3, 2) and r["hit_rate"] == pytest.approx(2 / 3)
    assert [d["declared_on"].day for d in r["declarations"]] == [10, 8, 6, 4, 2]  # newest first
    assert r["declarations"][-1]["inspection"] == "fraud"
    assert (r["from"], r["to"]) == (dt.date(2024, 3, 1), dt.date(2024, 3, 10))


def test_window_and_definitions(lodged: Any) -> None:
    with lodged.read() as conn:
        r = run_profile(conn, "JP", last=3, show=1)
        assert (r["evaluated"], r["selected"], len(r["declarations"])) == (3, 2, 1)
        r = run_profile(conn, "JP", since=dt.date(2024, 3, 2), until=dt.date(2024, 3, 4))
        assert (r["evaluated"], r["selected"], r["hit_rate"]) == (3, 2, 0.5)
        r = run_profile(conn, {"id": "try", "condition": "importer.declarations >= 8", "weight": 1})
        assert r["selected"] == 2 and r["version"] is None  # history as known on each declaration's date
        with pytest.raises(NotFound):
            run_profile(conn, "nope")
        with pytest.raises(ValidationFailed):
            run_profile(conn, {"id": "try", "condition": "importer.declarations >=", "weight": 1})
