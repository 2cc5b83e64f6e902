"""The record as read, before validation, and the JSON-pointer tools mappings are built with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cix.model.problems import Problem

FORMATS = ("json", "jsonl", "csv", "kcs")


@dataclass(slots=True)
class Incoming:
    """One input record: what was read, where from, and what reading it already found wrong."""

    raw: str
    format: str
    data: dict[str, Any] | None
    locator: str | None = None
    problems: list[Problem] = field(default_factory=list)
    inspection: dict[str, Any] | None = None
    paths: Mapping[str, str] | None = None

    def translate(self, problems: list[Problem]) -> list[Problem]:
        """Problems with model paths turned into the input's own paths (columns of a mapped CSV)."""
        if not self.paths:
            return problems
        out = []
        for p in problems:
            path = self.paths.get(p.path)
            out.append(p if path is None else Problem(p.rule, path, p.value, p.message, p.severity))
        return out


def split_pointer(ptr: str) -> list[str]:
    """The parts of a JSON pointer.

    >>> split_pointer("/goods/0/hs_code")
    ['goods', '0', 'hs_code']
    >>> split_pointer("/a~1b/c~0d")
    ['a/b', 'c~d']
    """
    if not ptr.startswith("/"):
        raise ValueError(f"a JSON pointer starts with '/': {ptr!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in ptr[1:].split("/")]


def set_pointer(doc: dict[str, Any], ptr: str | list[str], value: Any) -> None:
    """Set ``value`` at a JSON pointer, creating objects and lists (numeric parts) on the way.

    >>> d: dict = {}
    >>> set_pointer(d, "/goods/0/hs_code", "090121"); set_pointer(d, "/kind", "import")
    >>> d
    {'goods': [{'hs_code': '090121'}], 'kind': 'import'}
    """
    parts = split_pointer(ptr) if isinstance(ptr, str) else ptr
    cur: Any = doc
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        nxt_is_index = not last and parts[i + 1].isdigit()
        if isinstance(cur, list):
            idx = int(part)
            while len(cur) <= idx:
                cur.append(None)
            if last:
                cur[idx] = value
            else:
                if cur[idx] is None:
                    cur[idx] = [] if nxt_is_index else {}
                cur = cur[idx]
        else:
            if last:
                cur[part] = value
            else:
                if part not in cur or cur[part] is None:
                    cur[part] = [] if nxt_is_index else {}
                cur = cur[part]


def dedupe(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[str, str]] = set()
    out = []
    for p in problems:
        k = (p.rule, p.path)
        if k not in seen:
            seen.add(k)
            out.append(p)
    return out


def mapped_record(
    row: Mapping[str, str], columns: Mapping[str, str], constants: Mapping[str, Any]
) -> dict[str, Any]:
    """A declaration-shaped mapping from a CSV row: empty cells are absent, constants fill the rest."""
    doc: dict[str, Any] = {}
    for ptr, value in constants.items():
        set_pointer(doc, ptr, value)
    for col, ptr in columns.items():
        v = row.get(col)
        if v is not None and v != "":
            set_pointer(doc, ptr, v)
    return doc
