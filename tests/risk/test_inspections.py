"""Inspection results: the row check (hypothesis), CSV import with bad rows kept, one result at a time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cix.errors import InputError, NotFound, ValidationFailed
from cix.risk import inspections
from cix.store import audit
from tests.conftest import import_declaration
from tests.risk.conftest import lodge

GOOD = {"declaration_id": "1", "inspected_at": "2026-11-20T10:00:00", "officer": "Ivanov", "result": "fraud",
        "duty_recovered": "1200.50", "critical": "1"}  # fmt: skip


def test_a_good_row() -> None:
    row, problems = inspections.check(GOOD)
    assert problems == [] and row is not None
    assert row["declaration_ref"] == 1 and row["result"] == "fraud" and row["critical"] == 1
    assert row["duty_recovered"] == 1200.5 and row["inspected_at"].tzinfo is not None


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("result", "maybe", "inspection.result"),
        ("inspected_at", "yesterday", "inspection.date"),
        ("duty_recovered", "-5", "inspection.amount"),
        ("duty_recovered", "lots", "inspection.amount"),
        ("critical", "perhaps", "inspection.critical"),
        ("officer", "", "inspection.required"),
        ("declaration_id", "", "inspection.required"),
    ],
)
def test_each_bad_field_names_rule_path_and_value(field: str, value: str, rule: str) -> None:
    row, problems = inspections.check(GOOD | {field: value})
    assert row is None
    assert any(p.rule == rule and p.path == f"/{field}" and p.value == value for p in problems)


def test_critical_needs_fraud() -> None:
    row, problems = inspections.check(GOOD | {"result": "no_fraud", "critical": "yes"})
    assert row is None and problems[0].rule == "inspection.critical"


@given(
    st.dictionaries(
        st.sampled_from(inspections.REQUIRED + inspections.OPTIONAL + ("x",)),
        st.one_of(st.text(max_size=30), st.none(), st.integers(), st.floats(), st.booleans()),
    )
)
def test_check_never_raises_and_either_accepts_or_explains(raw: dict[str, Any]) -> None:
    row, problems = inspections.check(raw)
    assert (row is None) == bool(problems)
    for p in problems:
        assert p.rule.startswith("inspection.") and p.path.startswith("/")


def _csv(
    path: Path, rows: list[str], header: str = "officer,declaration_id,result,inspected_at,duty_recovered,critical"
) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_import_csv_records_good_rows_and_keeps_bad_ones(store: Any, tmp_path: Path) -> None:
    ids = [o.declaration_id for o in lodge(store, [import_declaration(lrn=f"I{i}") for i in range(2)])]
    key = "lrn:RU7701234567:I1"
    f = _csv(tmp_path / "insp.csv", [
        f"Ivanov,{ids[0]},fraud,2026-11-20,500,0",
        f"Petrov,{key},no_fraud,2026-11-21T09:30:00Z,,",
        f"Sidorov,{ids[0]},perhaps,2026-11-20,,",
        "Sidorov,999999,fraud,2026-11-20,,",
    ])  # fmt: skip
    r = inspections.import_csv(store, f)
    assert (r["read"], r["recorded"], r["rejected"]) == (4, 2, 2)
    assert r["rejections"][0]["locator"] == "insp.csv:4"
    assert r["rejections"][0]["problems"][0]["rule"] == "inspection.result"
    assert r["rejections"][1]["problems"][0] == {
        "rule": "inspection.declaration", "path": "/declaration_id", "value": 999999,
        "message": "no such declaration", "severity": "error"}  # fmt: skip
    with store.read() as conn:
        assert [x["result"] for x in inspections.for_declaration(conn, ids[0])] == ["fraud"]
        assert [x["result"] for x in inspections.for_declaration(conn, ids[1])] == ["no_fraud"]
        kept = inspections.rejections(conn)
        logged = audit.tail(conn, event="inspection.recorded")
    assert len(kept) == 2 and all(k["problems"] and k["raw"] for k in kept)
    assert sorted((e["actor"], e["subject"]) for e in logged) == [("Ivanov", str(ids[0])), ("Petrov", str(ids[1]))]


def test_import_csv_without_a_required_column(store: Any, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="officer"):
        inspections.import_csv(
            store, _csv(tmp_path / "x.csv", ["1,fraud,2026-01-01"], "declaration_id,result,inspected_at")
        )


def test_record_one_keeps_the_rejection_even_when_refused(store: Any) -> None:
    did = lodge(store, [import_declaration()])[0].declaration_id
    ok = inspections.record_one(store, GOOD | {"declaration_id": did})
    assert ok["declaration_id"] == did and ok["result"] == "fraud"
    with pytest.raises(ValidationFailed):
        inspections.record_one(store, GOOD | {"declaration_id": did, "result": "??"})
    with pytest.raises(NotFound):
        inspections.record_one(store, GOOD | {"declaration_id": 424242})
    with store.read() as conn:
        assert len(inspections.rejections(conn)) == 2
