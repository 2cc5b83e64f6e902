"""Validation problems: every check reports ``{rule, path, value, message, severity}``.

``path`` is a JSON pointer into the record (``/goods/2/hs_code``); ``rule`` is a stable id from
:data:`RULES` (never translated); ``severity`` is ``error`` (the record is rejected and kept in
quarantine) or ``warning`` (the record is stored and flagged). Checks collect all problems of a
record at once instead of stopping at the first.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    rule: str
    path: str
    value: Any
    message: str
    severity: Severity = "error"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        v = d["value"]
        if v is not None and not isinstance(v, (str, int, float, bool, list, dict)):
            d["value"] = str(v)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Problem:
        return cls(d["rule"], d["path"], d.get("value"), d.get("message", ""), d.get("severity", "error"))


def pointer(*parts: str | int) -> str:
    """A JSON pointer from path parts, escaping ``~`` and ``/`` as RFC 6901 says.

    >>> pointer("goods", 2, "hs_code")
    '/goods/2/hs_code'
    >>> pointer("a/b")
    '/a~1b'
    """
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def warnings(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "warning"]
