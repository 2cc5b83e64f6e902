"""Overrides (written reason, kept, counted, audit-logged, capacity moved) and the feedback figures."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from cix.errors import NotFound, UsageError
from cix.risk import decisions, feedback, inspections
from cix.store import audit
from cix.store.tables_risk import risk_capacity
from tests.conftest import import_declaration
from tests.risk.conftest import lodge


def test_override_needs_a_reason_and_is_kept_and_logged(store: Any) -> None:
    did = lodge(store, [import_declaration()])[0].declaration_id
    with store.write() as conn:
        with pytest.raises(UsageError):
            decisions.override(conn, did, "red", "   ", officer="o1")
        with pytest.raises(UsageError):
            decisions.override(conn, did, "purple", "why", officer="o1")
    with store.read() as conn:
        before = decisions.get(conn, did)["channel"]
    target = "red" if before != "red" else "green"
    with store.write() as conn:
        d = decisions.override(conn, did, target, "seal broken at arrival", officer="o1")
    assert d["channel"] == target and d["decided_channel"] == before and d["overridden"] == 1
    assert d["overrides"][0]["reason"] == "seal broken at arrival" and d["overrides"][0]["officer"] == "o1"
    with store.read() as conn:
        e = audit.tail(conn, 1)[0]
        cap = conn.execute(select(risk_capacity)).one()
        total, rows = decisions.list_decisions(conn, channel=target)
    assert e["event"] == "risk.decision.override" and e["details"]["to"] == target
    assert cap.red == (1 if target == "red" else 0)
    assert total == 1 and rows[0]["declaration_id"] == did
    with store.write() as conn, pytest.raises(NotFound):
        decisions.override(conn, 987654, "red", "x", officer="o1")


def test_feedback_hit_rate_by_channel_and_precision_at_the_selected_rate(store: Any) -> None:
    ids = [o.declaration_id for o in lodge(store, [import_declaration(lrn=f"F{i}") for i in range(4)])]
    with store.write() as conn:
        decisions.override(conn, ids[0], "red", "x", officer="o")
        decisions.override(conn, ids[1], "red", "x", officer="o")
        decisions.override(conn, ids[2], "yellow", "x", officer="o")
        decisions.override(conn, ids[3], "green", "x", officer="o")
        inspections.record_many(conn, [
            ("a", {"declaration_id": ids[0], "inspected_at": "2026-01-01", "officer": "o", "result": "fraud",
                   "duty_recovered": 100}),
            ("b", {"declaration_id": ids[1], "inspected_at": "2026-01-01", "officer": "o", "result": "no_fraud"}),
            ("c", {"declaration_id": ids[2], "inspected_at": "2026-01-01", "officer": "o", "result": "fraud",
                   "duty_recovered": 50}),
        ])  # fmt: skip
        m = feedback.metrics(conn)
    assert m["decisions"] == 4
    assert (m["by_channel"]["red"]["inspected"], m["by_channel"]["red"]["fraud"]) == (2, 1)
    assert m["by_channel"]["red"]["hit_rate"] == 0.5
    assert m["by_channel"]["yellow"]["hit_rate"] == 1.0
    assert m["by_channel"]["green"]["inspected"] == 0 and m["by_channel"]["green"]["hit_rate"] is None
    s = m["selected"]
    assert (s["declarations"], s["rate"], s["inspected"], s["fraud"]) == (3, 0.75, 3, 2)
    assert s["precision"] == pytest.approx(2 / 3, abs=1e-6) and s["duty_recovered"] == 150.0
    assert m["overrides"]["total"] == 4
