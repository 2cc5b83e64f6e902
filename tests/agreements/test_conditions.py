"""Tests of the condition language, with hypothesis properties; nothing is ever evaluated as code."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from cix.agreements.conditions import Condition, check_condition, check_conditions, conditions_hold, json_equal

DOC = {
    "exporter": {"aeo": True, "name": "ACME"},
    "goods": [{"origin": "CN", "net_mass": 10.0}, {"origin": "DE", "net_mass": 2}],
    "date": "2016-05-01",
    "zero": 0,
    "nothing": None,
}


def holds(path: str, op: str, value: Any = None) -> bool:
    return check_condition(Condition(path=path, op=op, value=value), DOC) is None  # type: ignore[arg-type]


def test_operators() -> None:
    assert holds("/exporter/aeo", "eq", True)
    assert not holds("/exporter/aeo", "eq", 1)  # true is not 1
    assert not holds("/zero", "eq", False)
    assert holds("/exporter/name", "ne", "X")
    assert holds("/goods/*/origin", "in", ["CN", "DE"])
    assert not holds("/goods/*/origin", "in", ["CN"])  # every value must hold
    assert holds("/goods/*/origin", "not_in", ["RU"])
    assert holds("/goods/*/net_mass", "gt", 1)
    assert not holds("/goods/*/net_mass", "gt", 5)
    assert holds("/goods/*/net_mass", "lt", 11) and holds("/goods/0/net_mass", "ge", 10)
    assert holds("/goods/1/net_mass", "le", 2)
    assert holds("/date", "ge", "2016-01-01") and not holds("/date", "gt", 5)
    assert holds("/exporter", "exists") and holds("/exporter/aeo", "exists", True)
    assert not holds("/nothing", "exists")
    assert holds("/nothing", "exists", False) and holds("/missing", "exists", False)
    assert not holds("/exporter/aeo", "exists", False)


def test_missing_fails_every_operator_but_absence() -> None:
    for op, value in [("eq", 1), ("ne", 1), ("in", [1]), ("not_in", [1]), ("exists", True), ("gt", 1), ("lt", 1)]:
        assert not holds("/missing", op, value), op


def test_problem_names_the_failing_field() -> None:
    problem = check_condition(Condition(path="/goods/*/origin", op="eq", value="CN"), DOC)
    assert problem is not None
    assert (problem.rule, problem.path, problem.value) == ("agreement.condition", "/goods/1/origin", "DE")
    missing = check_condition(Condition(path="/importer/aeo", op="eq", value=True), DOC)
    assert missing is not None and missing.path == "/importer/aeo" and "missing" in missing.message


def test_all_must_hold() -> None:
    conditions = [
        Condition(path="/exporter/aeo", op="eq", value=True),
        Condition(path="/goods/*/origin", op="in", value=["CN"]),
    ]
    assert not conditions_hold(conditions, DOC)
    assert [p.path for p in check_conditions(conditions, DOC)] == ["/goods/1/origin"]
    assert conditions_hold(conditions[:1], DOC)


@pytest.mark.parametrize(
    "raw",
    [
        {"path": "exporter", "op": "eq", "value": 1},
        {"path": "/a", "op": "eval", "value": "1"},
        {"path": "/a", "op": "in", "value": "CN"},
        {"path": "/a", "op": "gt", "value": [1]},
        {"path": "/a", "op": "exists", "value": "yes"},
        {"path": "/a", "op": "eq", "value": 1, "extra": 2},
    ],
)
def test_bad_conditions(raw: dict) -> None:
    with pytest.raises(ValidationError):
        Condition.model_validate(raw)


def test_code_is_data() -> None:
    evil = "__import__('os').system('false')"
    assert check_condition(Condition(path="/x", op="eq", value=evil), {"x": evil}) is None
    assert check_condition(Condition(path="/x", op="eq", value=evil), {"x": 1}) is not None


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.floats(allow_nan=False, width=32) | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner, max_size=3),
    max_leaves=10,
)
NUMBERS = st.integers(-100, 100) | st.floats(-100, 100, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(value=JSON, other=JSON)
def test_equality_properties(value: Any, other: Any) -> None:
    doc = {"x": value}
    assert check_condition(Condition(path="/x", op="eq", value=value), doc) is None
    assert check_condition(Condition(path="/x", op="ne", value=value), doc) is not None
    assert check_condition(Condition(path="/x", op="in", value=[other, value]), doc) is None
    assert check_condition(Condition(path="/x", op="not_in", value=[value]), doc) is not None
    eq = check_condition(Condition(path="/x", op="eq", value=other), doc) is None
    ne = check_condition(Condition(path="/x", op="ne", value=other), doc) is None
    assert eq != ne and eq == json_equal(value, other)
    exists = check_condition(Condition(path="/x", op="exists"), doc) is None
    assert exists == (value is not None)


@settings(max_examples=300, deadline=None)
@given(a=NUMBERS, b=NUMBERS)
def test_ordering_properties(a: float, b: float) -> None:
    doc = {"x": a}
    for op, expected in (("gt", a > b), ("lt", a < b), ("ge", a >= b), ("le", a <= b)):
        assert (check_condition(Condition(path="/x", op=op, value=b), doc) is None) == expected  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(
    doc=JSON,
    path=st.lists(st.sampled_from(["a", "0", "*", ""]).filter(bool), min_size=1, max_size=3),
    op=st.sampled_from(["eq", "ne", "in", "not_in", "exists", "gt", "lt", "ge", "le"]),
    value=st.integers(-3, 3) | st.text(max_size=2),
)
def test_never_raises(doc: Any, path: list[str], op: str, value: Any) -> None:
    if op in ("in", "not_in"):
        value = [value]
    elif op == "exists":
        value = True
    condition = Condition(path="/" + "/".join(path), op=op, value=value)  # type: ignore[arg-type]
    problem = check_condition(condition, doc)
    assert problem is None or problem.rule == "agreement.condition"
