"""JSON-pointer patterns: parsing, compiling a field scope once, and applying it to a payload.

A pattern is an RFC 6901 JSON pointer (``/goods/0/hs_code``; ``~1`` stands for ``/`` and ``~0``
for ``~`` inside a key) in which a segment ``*`` matches any key of an object or any index of a
list. A pattern allows the value it reaches *and everything below it*: ``/consignment/containers``
lets every container with its number and seals leave. :func:`compile_scope` turns a list of
patterns into a trie in which wildcard branches are already merged into the named ones, so that
:func:`apply_scope` walks a payload once, with one dictionary lookup per key and no pattern
matching at all; that keeps scoping cheap at thousands of messages a second.

Scoping rules: an object keeps only the keys on an allowed branch, and drops a key that kept
nothing; a list keeps its length so that indices mean the same thing on both sides — an element
outside the scope becomes ``null`` and an element on an allowed branch that kept nothing becomes an
empty object or list — and the list is dropped when no element kept anything. Every removed branch
is reported once, at its highest path. Kept values are shared with the input, not copied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cix.i18n import _

WILDCARD = "*"


def parse_pointer(pointer: str) -> tuple[str, ...]:
    """The segments of a JSON pointer; :class:`ValueError` when it is not one.

    >>> parse_pointer("/goods/*/hs_code")
    ('goods', '*', 'hs_code')
    >>> parse_pointer("/a~1b/c~0d")
    ('a/b', 'c~d')
    """
    if not isinstance(pointer, str) or not pointer.startswith("/"):
        raise ValueError(_("{pointer!r} is not a JSON pointer (it must start with '/')").format(pointer=pointer))
    parts = pointer[1:].split("/")
    out = []
    for part in parts:
        if part == "":
            raise ValueError(_("{pointer!r} has an empty segment").format(pointer=pointer))
        if "~" in part:
            if any(part[i + 1 : i + 2] not in ("0", "1") for i, c in enumerate(part) if c == "~"):
                raise ValueError(_("{pointer!r} has a bad '~' escape").format(pointer=pointer))
            part = part.replace("~1", "/").replace("~0", "~")
        out.append(part)
    return tuple(out)


def escape(key: str) -> str:
    """One pointer segment for ``key``."""
    if "~" in key or "/" in key:
        return key.replace("~", "~0").replace("/", "~1")
    return key


@dataclass(slots=True)
class ScopeNode:
    """One trie node: ``whole`` allows everything below; otherwise named children and a wildcard."""

    whole: bool = False
    children: dict[str, ScopeNode] = field(default_factory=dict)
    wild: ScopeNode | None = None


def _insert(root: ScopeNode, parts: tuple[str, ...]) -> None:
    node = root
    for part in parts:
        if part == WILDCARD:
            if node.wild is None:
                node.wild = ScopeNode()
            node = node.wild
        else:
            node = node.children.setdefault(part, ScopeNode())
    node.whole = True


def _merge(a: ScopeNode | None, b: ScopeNode | None) -> ScopeNode | None:
    if a is None or b is None:
        return a or b
    out = ScopeNode(whole=a.whole or b.whole, wild=_merge(a.wild, b.wild))
    for key in a.children.keys() | b.children.keys():
        merged = _merge(a.children.get(key), b.children.get(key))
        assert merged is not None
        out.children[key] = merged
    return out


def _resolve(node: ScopeNode) -> ScopeNode:
    """Fold the wildcard branch into every named branch, so a lookup is ``children.get(k, wild)``."""
    if node.whole:
        return ScopeNode(whole=True)
    wild = _resolve(node.wild) if node.wild is not None else None
    children = {}
    for key, child in node.children.items():
        merged = _merge(child, node.wild)
        assert merged is not None
        children[key] = _resolve(merged)
    return ScopeNode(children=children, wild=wild)


def compile_scope(patterns: list[str] | tuple[str, ...]) -> ScopeNode:
    """The trie of ``patterns`` (each checked with :func:`parse_pointer`)."""
    root = ScopeNode()
    for pattern in patterns:
        _insert(root, parse_pointer(pattern))
    return _resolve(root)


def apply_scope(root: ScopeNode, payload: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``payload`` cut down to ``root``'s scope, and the pointers of the removed branches."""
    dropped: list[str] = []
    if root.whole:
        return dict(payload), dropped
    out = _object(payload, root, "", dropped)
    return out, dropped


def _object(value: dict[str, Any], node: ScopeNode, path: str, dropped: list[str]) -> dict[str, Any]:
    children, wild = node.children, node.wild
    out: dict[str, Any] = {}
    for key, item in value.items():
        child = children.get(key, wild)
        if child is None:
            dropped.append(f"{path}/{escape(key)}")
        elif child.whole:
            out[key] = item
        else:
            kept = _branch(item, child, f"{path}/{escape(key)}", dropped)
            if kept:
                out[key] = kept
    return out


def _list(value: list[Any], node: ScopeNode, path: str, dropped: list[str]) -> list[Any]:
    children, wild = node.children, node.wild
    out: list[Any] = []
    anything = False
    for index, item in enumerate(value):
        child = children.get(str(index), wild) if children else wild
        if child is None:
            dropped.append(f"{path}/{index}")
            out.append(None)
        elif child.whole:
            out.append(item)
            anything = True
        else:
            kept = _branch(item, child, f"{path}/{index}", dropped)
            if kept:
                anything = True
                out.append(kept)
            else:
                out.append(type(item)() if isinstance(item, (dict, list)) else None)
    return out if anything else []


def _branch(value: Any, node: ScopeNode, path: str, dropped: list[str]) -> Any:
    """The kept part of ``value`` on an interior branch (falsy when nothing was kept)."""
    if isinstance(value, dict):
        return _object(value, node, path, dropped)
    if isinstance(value, list):
        return _list(value, node, path, dropped)
    dropped.append(path)  # a scalar where the scope expects something deeper
    return None


def resolve(payload: Any, parts: tuple[str, ...], path: str = "") -> list[tuple[str, Any]]:
    """Every ``(pointer, value)`` that ``parts`` (with ``*`` wildcards) reaches in ``payload``.

    >>> resolve({"goods": [{"origin": "CN"}, {"origin": "DE"}]}, ("goods", "*", "origin"))
    [('/goods/0/origin', 'CN'), ('/goods/1/origin', 'DE')]
    """
    if not parts:
        return [(path, payload)]
    head, rest = parts[0], parts[1:]
    found: list[tuple[str, Any]] = []
    if isinstance(payload, dict):
        if head == WILDCARD:
            for key, item in payload.items():
                found.extend(resolve(item, rest, f"{path}/{escape(key)}"))
        elif head in payload:
            found.extend(resolve(payload[head], rest, f"{path}/{escape(head)}"))
    elif isinstance(payload, list):
        if head == WILDCARD:
            for index, item in enumerate(payload):
                found.extend(resolve(item, rest, f"{path}/{index}"))
        elif head.isdigit() and int(head) < len(payload) and (head == "0" or not head.startswith("0")):
            found.extend(resolve(payload[int(head)], rest, f"{path}/{head}"))
    return found
