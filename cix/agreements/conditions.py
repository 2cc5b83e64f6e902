"""The condition language of agreements: small, declarative, evaluated without ``eval``.

A condition is ``{"path": POINTER, "op": OP, "value": V}``; an agreement's message type holds a
list of them and *all* must hold for a message to leave or be accepted. ``path`` is a JSON pointer
into the payload and may use ``*`` for any list index or key; then the condition must hold for
*every* value the path reaches, and it must reach at least one. The operators:

======== ===================================================== =========================
op       holds when the value at ``path`` ...                  ``value``
======== ===================================================== =========================
eq       equals ``value`` (JSON equality: ``true`` is not 1)    any JSON value
ne       is present and differs from ``value``                 any JSON value
in       equals one of ``value``                               a list
not_in   is present and equals none of ``value``               a list
exists   is present and not null (``value: false``: absent)    true (default) or false
gt, lt   is greater / less than ``value``                      a number or a string
ge, le   is greater or equal / less or equal                   a number or a string
======== ===================================================== =========================

A missing path fails every operator except ``exists: false``: data leaves only when a condition
is shown to hold. ``gt``/``lt``/``ge``/``le`` compare numbers with numbers and strings with strings
(ISO dates compare correctly as strings); any other pairing fails.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from cix.agreements.pointers import parse_pointer, resolve
from cix.i18n import _
from cix.model.problems import Problem

Op = Literal["eq", "ne", "in", "not_in", "exists", "gt", "lt", "ge", "le"]
OPS: tuple[str, ...] = ("eq", "ne", "in", "not_in", "exists", "gt", "lt", "ge", "le")
RULE = "agreement.condition"


class Condition(BaseModel):
    """One condition on the payload of a message."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str
    op: Op
    value: Any = None

    @field_validator("path")
    @classmethod
    def check_path(cls, value: str) -> str:
        parse_pointer(value)
        return value

    @model_validator(mode="after")
    def check_value(self) -> Condition:
        if self.op in ("in", "not_in") and not isinstance(self.value, list):
            raise ValueError(_("op {op!r} needs a list value").format(op=self.op))
        if self.op == "exists" and self.value is not None and not isinstance(self.value, bool):
            raise ValueError(_("op 'exists' takes true or false"))
        if self.op in ("gt", "lt", "ge", "le") and _kind(self.value) not in ("number", "string"):
            raise ValueError(_("op {op!r} needs a number or a string").format(op=self.op))
        return self

    def describe(self) -> str:
        """The condition in one line, e.g. ``/exporter/aeo eq true``."""
        if self.op == "exists" and self.value is None:
            return f"{self.path} exists"
        return f"{self.path} {self.op} {_show(self.value)}"


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    return "other"


def json_equal(a: Any, b: Any) -> bool:
    """Equality of JSON values, where booleans are not numbers (``true`` != 1).

    >>> json_equal(True, 1), json_equal(1, 1.0), json_equal({"a": [1]}, {"a": [1]})
    (False, True, True)
    """
    ka, kb = _kind(a), _kind(b)
    if ka != kb:
        return False
    if ka == "list":
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if ka == "object":
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    return bool(a == b)


def _compare(op: str, actual: Any, limit: Any) -> bool:
    ka, kl = _kind(actual), _kind(limit)
    if ka != kl or ka not in ("number", "string"):
        return False
    if op == "gt":
        return bool(actual > limit)
    if op == "lt":
        return bool(actual < limit)
    if op == "ge":
        return bool(actual >= limit)
    return bool(actual <= limit)


def _holds(op: str, actual: Any, value: Any) -> bool:
    if op == "eq":
        return json_equal(actual, value)
    if op == "ne":
        return not json_equal(actual, value)
    if op == "in":
        return any(json_equal(actual, v) for v in value)
    if op == "not_in":
        return not any(json_equal(actual, v) for v in value)
    if op == "exists":
        return actual is not None
    return _compare(op, actual, value)


def _show(value: Any) -> str:
    import orjson

    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return repr(value)


def check_condition(condition: Condition, payload: Any) -> Problem | None:
    """The problem when ``condition`` does not hold on ``payload``; None when it holds."""
    found = resolve(payload, parse_pointer(condition.path))
    op, value = condition.op, condition.value
    if op == "exists" and value is False:
        present = [(p, v) for p, v in found if v is not None]
        if not present:
            return None
        path, actual = present[0]
        return Problem(
            RULE, path, actual, _("condition {c} does not hold: the field is present").format(c=condition.describe())
        )
    if not found:
        return Problem(
            RULE,
            condition.path,
            None,
            _("condition {c} does not hold: the field is missing").format(c=condition.describe()),
        )
    for path, actual in found:
        if not _holds(op, actual, value):
            return Problem(
                RULE,
                path,
                actual,
                _("condition {c} does not hold: the value is {v}").format(c=condition.describe(), v=_show(actual)),
            )
    return None


def check_conditions(conditions: list[Condition] | tuple[Condition, ...], payload: Any) -> list[Problem]:
    """The problems of every condition that does not hold (empty when all hold)."""
    problems = []
    for condition in conditions:
        problem = check_condition(condition, payload)
        if problem is not None:
            problems.append(problem)
    return problems


def conditions_hold(conditions: list[Condition] | tuple[Condition, ...], payload: Any) -> bool:
    return all(check_condition(c, payload) is None for c in conditions)
