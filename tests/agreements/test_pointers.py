"""Tests of JSON-pointer scopes, with hypothesis properties for scope_payload."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cix.agreements import Agreement, scope_payload
from cix.agreements.pointers import apply_scope, compile_scope, escape, parse_pointer, resolve


def test_parse_pointer() -> None:
    assert parse_pointer("/goods/*/hs_code") == ("goods", "*", "hs_code")
    assert parse_pointer("/a~1b/c~0d") == ("a/b", "c~d")
    for bad in ("goods", "", "/a//b", "/a/", "/a~2", "/a~"):
        with pytest.raises(ValueError):
            parse_pointer(bad)


def test_subtree_and_wildcards() -> None:
    root = compile_scope(["/consignment/containers", "/goods/*/hs_code", "/goods/1/origin", "/*/name"])
    payload = {
        "consignment": {"containers": [{"number": "C1", "seals": ["S"]}], "freight": 9},
        "goods": [{"hs_code": "01", "origin": "CN", "customs_value": 1}, {"hs_code": "02", "origin": "DE"}],
        "exporter": {"name": "A", "identifier": "X"},
        "secret": 5,
    }
    out, dropped = apply_scope(root, payload)
    assert out == {
        "consignment": {"containers": [{"number": "C1", "seals": ["S"]}]},
        "goods": [{"hs_code": "01"}, {"hs_code": "02", "origin": "DE"}],
        "exporter": {"name": "A"},
    }
    assert sorted(dropped) == sorted(
        [
            "/consignment/freight",
            "/goods/0/origin",
            "/goods/0/customs_value",
            "/exporter/identifier",
            "/secret",
        ]
    )


def test_list_positions_are_kept() -> None:
    root = compile_scope(["/goods/1/hs_code"])
    out, dropped = apply_scope(root, {"goods": [{"hs_code": "01"}, {"hs_code": "02"}, 7]})
    assert out == {"goods": [None, {"hs_code": "02"}, None]}
    assert dropped == ["/goods/0", "/goods/2"]


def test_scalar_where_object_expected_is_dropped() -> None:
    out, dropped = apply_scope(compile_scope(["/exporter/name"]), {"exporter": "ACME"})
    assert out == {} and dropped == ["/exporter"]


def test_escaped_keys() -> None:
    out, dropped = apply_scope(compile_scope(["/a~1b"]), {"a/b": 1, "c~d": 2})
    assert out == {"a/b": 1} and dropped == ["/c~0d"]
    assert escape("a/b~") == "a~1b~0"


def test_resolve() -> None:
    doc = {"goods": [{"origin": "CN"}, {}], "m": {"x": {"y": 1}, "z": {"y": 2}}}
    assert resolve(doc, ("goods", "*", "origin")) == [("/goods/0/origin", "CN")]
    assert resolve(doc, ("m", "*", "y")) == [("/m/x/y", 1), ("/m/z/y", 2)]
    assert resolve(doc, ("goods", "01")) == []
    assert resolve(doc, ("goods", "1")) == [("/goods/1", {})]


def test_type_not_covered_keeps_nothing() -> None:
    agreement = Agreement.model_validate(
        {
            "id": "a",
            "name": "a",
            "organization": "WCO",
            "parties": ["RU", "FI"],
            "valid_from": "2016-01-01",
            "message_types": {"statistics": {"fields": ["/period"]}},
        }
    )
    assert scope_payload(agreement, "risk_profile", {"a": 1, "b": 2}) == ({}, ["/a", "/b"])
    assert agreement.scope_tree("statistics") is agreement.scope_tree("statistics")  # compiled once


# -- properties --------------------------------------------------------------------------------

KEYS = st.sampled_from(["a", "b", "c", "0", "1", "x/y"])
SCALARS = st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=3)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=25,
)
PAYLOADS = st.dictionaries(KEYS, JSON, max_size=4)
SEGMENTS = st.sampled_from(["a", "b", "c", "0", "1", "x/y", "*"])
PATTERNS = st.lists(st.lists(SEGMENTS, min_size=1, max_size=4).map(tuple), min_size=1, max_size=4)


def pattern_text(parts: tuple[str, ...]) -> str:
    return "".join("/" + escape(p) for p in parts)


def nodes(value: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    out = [(path, value)]
    if isinstance(value, dict):
        for k, v in value.items():
            out.extend(nodes(v, (*path, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.extend(nodes(v, (*path, str(i))))
    return out


def seg_match(pattern: tuple[str, ...], path: tuple[str, ...]) -> bool:
    return all(p == "*" or p == s for p, s in zip(pattern, path, strict=False))


def allowed(path: tuple[str, ...], patterns: list[tuple[str, ...]]) -> bool:
    """Some pattern reaches this path or one of its ancestors."""
    return any(len(p) <= len(path) and seg_match(p, path) for p in patterns)


def interior(path: tuple[str, ...], patterns: list[tuple[str, ...]]) -> bool:
    """The path is an ancestor of something a pattern reaches."""
    return any(len(p) > len(path) and seg_match(p, path) for p in patterns)


def get(doc: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        doc = doc[int(part)] if isinstance(doc, list) else doc[part]
    return doc


@settings(max_examples=400, deadline=None)
@given(payload=PAYLOADS, patterns=PATTERNS)
def test_scope_never_leaks_and_keeps_allowed(payload: dict, patterns: list[tuple[str, ...]]) -> None:
    out, dropped = apply_scope(compile_scope([pattern_text(p) for p in patterns]), payload)
    # 1. nothing outside the scope: each node is allowed, or an ancestor of an allowed one carrying
    #    no data of its own (a container, or a null placeholder keeping list positions)
    gone = set(dropped)
    for path, value in nodes(out)[1:]:
        if allowed(path, patterns):
            continue
        if value is None and pattern_text(path) in gone:
            continue  # the placeholder of a dropped list element
        assert interior(path, patterns), path
        assert value is None or isinstance(value, (dict, list)), (path, value)
    # 2. every allowed path of the input is kept unchanged
    for path, value in nodes(payload)[1:]:
        if allowed(path, patterns) and not allowed(path[:-1], patterns):
            assert get(out, path) == value, path
    # 3. what was dropped existed and was outside the scope
    for text in dropped:
        parts = parse_pointer(text)
        get(payload, parts)
        assert not allowed(parts, patterns)


@settings(max_examples=200, deadline=None)
@given(payload=PAYLOADS, patterns=PATTERNS)
def test_scope_is_idempotent(payload: dict, patterns: list[tuple[str, ...]]) -> None:
    root = compile_scope([pattern_text(p) for p in patterns])
    once, _ = apply_scope(root, payload)
    twice, _dropped = apply_scope(root, once)
    assert twice == once


def test_scope_speed_smoke() -> None:
    """Not a benchmark (that is a command): scoping a 20-item declaration takes well under 1 ms."""
    from cix.agreements import instantiate

    agreement = instantiate("green-corridor", ["FI-CUSTOMS", "RU-FCS"], valid_from=dt.date(2016, 1, 1))
    payload = {
        "kind": "export",
        "mrn": "16FI000000000001",
        "exporter": {"name": "A", "identifier": "FI1", "aeo": True},
        "declarant": {"name": "B"},
        "goods": [{"hs_code": "847130", "customs_value": 10.0, "description": "laptops"} for _ in range(20)],
    }
    import time

    start = time.perf_counter()
    for _ in range(200):
        scope_payload(agreement, "export_declaration", payload)
    assert (time.perf_counter() - start) / 200 < 0.005
