"""Type checking and evaluation of conditions: every error with its rule and position, and the semantics."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cix.risk.profiles.compiler import compile_condition
from cix.risk.profiles.fields import FIELDS
from cix.risk.profiles.lang import ExpressionError


def facts(**over: Any) -> dict[str, Any]:
    f: dict[str, Any] = {
        "declaration.kind": "import",
        "declaration.date": dt.date(2024, 3, 1),
        "declaration.total_value": 250_000.0,
        "declaration.routing": ["FI", "RU"],
        "importer.aeo": False,
        "importer.hit_rate": None,
        "valuation.max_score": 3.5,
        "items": [
            {"seq": 1, "hs_code": "8703231900", "origin": "JP", "customs_value": 100.0, "tax_rate": 15.0},
            {"seq": 2, "hs_code": "0901210000", "origin": "BR", "customs_value": 50.0, "tax_rate": None},
        ],
        "discrepancies": [{"kind": "quantity", "severity": "high", "item": 1, "duty_at_stake": 10.0}],
    }
    f.update(over)
    return f


def holds(src: str, **over: Any) -> bool:
    return compile_condition(src).fn(facts(**over))


def test_issue_examples() -> None:
    assert holds('any(item.hs_code startswith "8703" and item.origin in ["DE","JP"]) and valuation.max_score > 3')
    assert not holds('any(item.hs_code startswith "8703" and item.origin in ["DE"]) and valuation.max_score > 3')
    assert holds("importer.aeo == false and declaration.total_value > 100000")
    assert not holds("importer.aeo == false and declaration.total_value > 100000", **{"importer.aeo": True})


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ("count(item.tax_rate > 0) == 1", True),
        ("sum(item.customs_value) == 150", True),
        ("max(item.customs_value) - min(item.customs_value) == 50", True),
        ("all(item.customs_value > 10)", True),
        ('all(item.origin == "JP")', False),
        ('any(discrepancy.severity == "high" and discrepancy.kind == "quantity")', True),
        ("sum(discrepancy.duty_at_stake) >= 10", True),
        ('declaration.routing contains "RU"', True),
        ('"FI" in declaration.routing and "CN" not in declaration.routing', True),
        ("len(declaration.routing) == 2", True),
        ('declaration.date >= date("2024-01-01") and declaration.date < date("2024-03-02")', True),
        ('lower(declaration.kind) == "import" and upper(declaration.kind) == "IMPORT"', True),
        ("declaration.total_value / 0 > 1", False),  # division by zero is unknown, and unknown is not true
        ("-declaration.total_value < 0 and 2 * 3 + 1 == 7", True),
        ('declaration.kind != "export"', True),
        ('not (declaration.kind in ["export", "transit"])', True),
    ],
)
def test_semantics(src: str, expected: bool) -> None:
    assert holds(src) is expected


def test_unknown_values() -> None:
    """A comparison with an unknown value is false, except == null; not negates that."""
    assert not holds("importer.hit_rate > 0.1")
    assert not holds("importer.hit_rate <= 0.1")
    assert holds("importer.hit_rate == null")
    assert not holds("importer.hit_rate != null")
    assert holds("not (importer.hit_rate > 0.1)")
    assert not holds("valuation.flagged")  # absent bool is not true
    assert not holds('matching.status != "matched"')
    assert holds('not (matching.status == "matched")')
    assert not holds("any(item.tax_rate > 100)", items=[])
    assert not holds("all(item.tax_rate > 0)", items=[])
    assert holds("max(item.tax_rate) == null", items=[])
    assert holds("importer.hit_rate + 1 == null")


@pytest.mark.parametrize(
    ("src", "rule", "pos"),
    [
        ("importer.aoe == true", "profile.field", 0),
        ('declaration.total_value > "x"', "profile.type", 24),
        ('item.origin == "DE"', "profile.scope", 0),
        ("any(importer.aeo)", "profile.scope", 0),
        ('any(item.origin == "DE" and any(item.tax_rate > 1))', "profile.scope", 28),
        ("foo(1)", "profile.call", 0),
        ("declaration.total_value", "profile.type", 0),
        ("declaration.total_value + 1", "profile.type", 24),
        ("declaration.kind in [1, 2]", "profile.type", 21),
        ('date("2024-13-01") > declaration.date', "profile.call", 5),
        ("not declaration.total_value", "profile.type", 4),
        ("importer.aeo and 1", "profile.type", 17),
        ("declaration.kind startswith 1", "profile.type", 17),
    ],
)
def test_type_errors(src: str, rule: str, pos: int) -> None:
    with pytest.raises(ExpressionError) as err:
        compile_condition(src)
    assert (err.value.rule, err.value.pos) == (rule, pos)
    assert err.value.details["problems"][0]["value"]


def test_every_field_compiles_and_reads_its_key() -> None:
    sample = {"bool": True, "number": 1.0, "string": "x", "date": dt.date(2024, 1, 1), "list": ["x"]}
    for name, (typ, doc) in FIELDS.items():
        assert doc
        head, key = name.split(".", 1)
        lit = {"bool": "true", "number": "1", "string": '"x"', "date": 'date("2024-01-01")'}.get(typ)
        cond = f'{name} contains "x"' if typ == "list" else f"{name} == {lit}"
        if head in ("item", "discrepancy"):
            coll = "items" if head == "item" else "discrepancies"
            c = compile_condition(f"any({cond})")
            assert c.fn({coll: [{key: sample[typ]}]}) and not c.fn({coll: [{}]})
        else:
            c = compile_condition(cond)
            assert c.fn({name: sample[typ]}) and not c.fn({})
        assert name in c.fields


@given(st.text(max_size=40))
def test_random_text_compiles_or_fails_cleanly(src: str) -> None:
    try:
        c = compile_condition(src)
    except ExpressionError as exc:
        assert exc.rule.startswith("profile.")
        return
    assert c.fn(facts()) in (True, False)


def test_every_field_and_function_is_documented() -> None:
    from cix.risk.profiles.fields import FUNCTIONS
    from tests.conftest import REPO

    doc = (REPO / "docs" / "risk-profiles.md").read_text()
    missing = [n for n in [*FIELDS, *FUNCTIONS] if f"| `{n}` |" not in doc]
    assert not missing


@pytest.mark.parametrize(
    ("src", "chapters"),
    [
        ('item.heading in ["8703", "8471"] and item.origin == "JP"', {"84", "87"}),
        ('item.hs_code startswith "0901" or item.chapter == "22"', {"09", "22"}),
        ('item.chapter >= "50" and item.chapter <= "52"', {"50", "51", "52"}),
        ('item.origin == "JP"', None),
        ('item.price_flagged or item.chapter == "84"', None),
        ('item.hs_code startswith "8"', None),
    ],
)
def test_chapter_guard(src: str, chapters: set[str] | None) -> None:
    """The facts' set of chapters lets any(...) skip a declaration at once, with the same answer."""
    from cix.risk.profiles.compiler import CHAPTERS, chapters_needed
    from cix.risk.profiles.lang import parse

    got = chapters_needed(parse(src))
    assert (set(got) if got is not None else None) == chapters
    c = compile_condition(f"any({src})")
    for items in ([{"chapter": "87", "heading": "8703", "hs_code": "8703231900", "origin": "JP"}],
                  [{"chapter": "09", "heading": "0901", "hs_code": "0901210000", "origin": "BR"}],
                  [{"chapter": "51", "heading": "5101", "hs_code": "5101110000", "origin": "CN",
                    "price_flagged": True}], []):  # fmt: skip
        bare = {"items": items}
        guarded = {"items": items, CHAPTERS: frozenset(i["chapter"] for i in items)}
        assert c.fn(bare) == c.fn(guarded)


@pytest.mark.parametrize(
    ("src", "chapters"),
    [
        ('any(item.chapter == "87") and declaration.item_count >= 2', {"87"}),
        ('any(item.chapter in ["84", "87"]) and any(item.chapter in ["87", "90"])', {"87"}),
        ('any(item.chapter == "87") or any(item.heading == "8471")', {"84", "87"}),
        ('any(item.chapter == "87") or importer.aeo == false', None),
        ('not any(item.chapter == "87")', None),
        ('any(item.origin == "CN") and declaration.total_value > 10', None),
        ('any(discrepancy.severity == "high")', None),
        ('count(item.chapter == "87") >= 1', None),
        ("importer.aeo == false", None),
    ],
)
def test_required_chapters(src: str, chapters: set[str] | None) -> None:
    from cix.risk.profiles.compiler import required_chapters
    from cix.risk.profiles.lang import parse

    got = required_chapters(parse(src))
    assert (set(got) if got is not None else None) == chapters


_CHAPTER = st.sampled_from(["02", "03", "07", "16", "24", "39", "42", "50", "61", "64", "69", "72", "73", "84",
                            "85", "87", "90", "94", "95", "97"])  # fmt: skip
_ITEM = st.fixed_dictionaries({
    "chapter": _CHAPTER,
    "origin": st.sampled_from(["CN", "TR", "DE", "JP", "BY", "VN"]),
    "value_per_kg": st.one_of(st.none(), st.floats(0, 10_000)),
    "price_flagged": st.one_of(st.none(), st.booleans()),
    "preference": st.sampled_from(["100", "300", None]),
    "tax_rate": st.sampled_from([0.0, 2.5, 5.0, None]),
    "unit": st.sampled_from(["PR", "KGM", "H87"]),
    "unit_value": st.one_of(st.none(), st.floats(0, 5000)),
    "currency": st.sampled_from(["CNY", "EUR"]),
    "incoterm": st.sampled_from(["EXW", "FCA", "CIF"]),
    "duty": st.one_of(st.none(), st.floats(0, 3_000_000)),
})  # fmt: skip


@given(
    items=st.lists(_ITEM, max_size=4),
    aeo=st.sampled_from([True, False, None]),
    mode=st.sampled_from(["1", "3", "4", None]),
    count=st.integers(0, 6),
    declarations=st.integers(0, 6),
)
def test_selector_gives_the_same_hits_as_every_profile(
    items: list[dict[str, Any]], aeo: bool | None, mode: str | None, count: int, declarations: int
) -> None:
    """Running only the profiles the declaration's chapters allow selects exactly what running all of them does."""
    from cix.risk.profiles import engine
    from cix.risk.profiles.compiler import CHAPTERS
    from cix.risk.profiles.samples import bench_profiles

    profiles = _bench_compiled()
    assert len(profiles) == len(bench_profiles()) and any(p.chapters for p in profiles)
    for it in items:
        it["heading"] = it["chapter"] + "01"
        it["hs_code"] = it["heading"] + "000000"
    f = {"items": items, CHAPTERS: frozenset(it["chapter"] for it in items), "importer.aeo": aeo,
         "declarant.aeo": aeo, "exporter.aeo": aeo, "declaration.transport_mode": mode,
         "declaration.item_count": count, "importer.declarations": declarations,
         "declaration.total_value": 1000.0 * declarations, "discrepancies": []}  # fmt: skip
    assert engine.evaluate(profiles, [f]) == [[p for p in profiles if p.fn(f)]]
    assert engine.Selector(profiles)({"items": items}) == profiles  # no chapter set: every profile runs


_COMPILED: list[Any] = []


def _bench_compiled() -> list[Any]:
    from cix.risk.profiles import engine
    from cix.risk.profiles.samples import bench_profiles

    if not _COMPILED:
        for i, d in enumerate(bench_profiles()):
            _COMPILED.append(engine.compile_row({
                "profile_id": d.get("id", f"P{i}"), "version": 1, "channel": d.get("channel"), "weight": 1.0,
                "hard": False, "random_rate": 0.0, "description": "", "condition": d["condition"], "owner": "x",
                "origin": "local", "sender": None, "valid_from": None, "valid_to": None,
            }))  # fmt: skip
    return _COMPILED


def test_selector_and_fields_are_kept_for_the_same_list() -> None:
    from cix.risk.profiles import engine

    profiles = list(_bench_compiled())
    sel = engine.selector(profiles)
    assert engine.selector(profiles) is sel
    assert engine.needed_fields(profiles) == frozenset().union(*(p.fields for p in profiles))
    other = profiles[:3]
    assert engine.selector(other) is not sel and engine.selector(other).profiles == other
    assert engine.needed_fields(other) == frozenset().union(*(p.fields for p in other))
