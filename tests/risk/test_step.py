"""The risk step: re-deciding an earlier import when matching brings a new result, unless overridden."""

from __future__ import annotations

from typing import Any

from cix.pipeline import steps
from cix.risk import decisions
from cix.risk.step import run
from cix.settings import Settings
from tests.conftest import import_declaration
from tests.risk.conftest import lodge


def test_a_later_matching_result_redecides_an_earlier_import_unless_overridden(store: Any) -> None:
    a, b = (o.declaration_id for o in lodge(store, [import_declaration(lrn="A"), import_declaration(lrn="B")]))
    with store.write() as conn:
        decisions.override(conn, b, "red", "tip-off from the border", officer="officer1")
    ctx = steps.PathContext(Settings.model_construct(red_share=1.0, yellow_share=1.0, random_share=0.0))
    bad = {"status": "matched", "clean": False, "counterpart_id": None, "candidates": [],
           "discrepancies": [{"kind": "value", "severity": "high", "item": 1, "ours": 1, "theirs": 2,
                              "duty_at_stake": 100.0}]}  # fmt: skip
    ctx.put("matching", a, bad)
    ctx.put("matching", b, bad)
    with store.write() as conn:
        run(conn, [], ctx)
    with store.read() as conn:
        da, db = decisions.get(conn, a), decisions.get(conn, b)
    assert any(r["kind"] == "matching" and r["worst"] == "high" for r in da["reasons"])
    assert ctx.get("risk", a)["channel"] == da["channel"]
    assert db["channel"] == "red" and db["overridden"] == 1 and ctx.get("risk", b) is None
