"""The model registry: train from inspections → candidate, promote, roll back (audit-logged); decisions use it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from cix.errors import Conflict, InputError, NotFound
from cix.risk import registry
from cix.store import audit
from cix.store.tables_risk import risk_decisions
from tests.conftest import import_declaration
from tests.risk.conftest import history, lodge


def test_train_promote_rollback(store: Any) -> None:
    h = history(store)
    assert h["inspected"] >= 50
    m1 = registry.train(store, seed=1)
    assert m1["status"] == registry.CANDIDATE
    assert m1["rows"] == h["inspected"]
    assert m1["window_from"] <= m1["window_to"]
    assert "thresholds" in m1["metrics"]
    with store.read() as conn:
        assert registry.active_version(conn) is None
    with store.write() as conn:
        registry.promote(conn, m1["version"], actor="analyst")
    m2 = registry.train(store, seed=2)
    with store.write() as conn:
        registry.promote(conn, m2["version"], actor="analyst")
    with store.read() as conn:
        by = {m["version"]: m["status"] for m in registry.list_models(conn)}
    assert by == {m1["version"]: "retired", m2["version"]: "active"}
    with store.write() as conn:
        back = registry.rollback(conn, actor="analyst")
    assert back["version"] == m1["version"] and back["status"] == "active"
    with store.read() as conn:
        assert registry.get(conn, m2["version"])["status"] == "retired"
        events = [e["event"] for e in audit.tail(conn, 10)]
    assert events.count("risk.model.promote") == 2 and "risk.model.rollback" in events
    with store.write() as conn, pytest.raises(Conflict):
        registry.rollback(conn)  # nothing was active before m1
    with store.write() as conn, pytest.raises(Conflict):
        registry.promote(conn, m1["version"])  # already active


def test_decisions_record_the_active_model_version_and_explain(store: Any) -> None:
    history(store)
    m = registry.train(store)
    with store.write() as conn:
        registry.promote(conn, m["version"])
    out = lodge(store, [import_declaration(lrn="NEW-1")])
    from cix.risk import decisions

    with store.read() as conn:
        d = decisions.get(conn, out[0].declaration_id)
        ex = decisions.explain(conn, out[0].declaration_id)
    assert d["model_version"] == m["version"]
    assert d["reasons"][0]["kind"] == "model" and d["reasons"][0]["version"] == m["version"]
    assert ex["model_version"] == m["version"] and ex["expert"] in ("fraud", "general")
    assert all(f["contribution"] > 0 for f in ex["features"])


def test_training_needs_inspections(store: Any) -> None:
    with pytest.raises(InputError):
        registry.train(store)


def test_unknown_version(store: Any) -> None:
    with store.write() as conn, pytest.raises(NotFound):
        registry.promote(conn, "nope")


def test_retraining_sees_the_inputs_the_decision_saw(sqlite_store: Any) -> None:
    history(sqlite_store, days=6, per_day=6)
    with sqlite_store.read() as conn:
        from cix.risk import node_model

        rows = node_model.training_rows(conn)
        n = conn.execute(select(risk_decisions)).all()
    assert rows.height > 0 and len(n) >= rows.height
    assert set(node_model.EXTRAS) <= set(rows.columns)
    assert rows["x_aeo"].null_count() == 0
