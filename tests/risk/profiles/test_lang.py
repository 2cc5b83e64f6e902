"""The profile language's parser and printer: examples, clean errors with positions, and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cix.risk.profiles import lang as L
from cix.risk.profiles.lang import ExpressionError, parse, unparse


def test_issue_examples_parse_and_print_back() -> None:
    for src in (
        'any(item.hs_code startswith "8703" and item.origin in ["DE", "JP"]) and valuation.max_score > 3',
        "importer.aeo == false and declaration.total_value > 100000",
    ):
        assert unparse(parse(src)) == src


def test_precedence_and_parentheses() -> None:
    t = parse("a.b or c.d and not e.f")
    assert isinstance(t, L.BoolOp) and t.op == "or"
    assert isinstance(t.right, L.BoolOp) and t.right.op == "and" and isinstance(t.right.right, L.Not)
    assert unparse(parse("(a.b or c.d) and e.f")) == "(a.b or c.d) and e.f"
    assert unparse(parse("1 - (2 - 3)")) == "1 - (2 - 3)"
    assert unparse(parse("(1 - 2) - 3")) == "1 - 2 - 3"
    assert parse("x.y not in [1, 2]") == L.Compare(
        "not in", L.Path(("x", "y")), L.ListLit((L.Literal(1), L.Literal(2)))
    )
    assert parse("100_000") == L.Literal(100000)
    assert parse("'x'") == parse('"x"')  # quotes of both kinds
    assert parse("'a\\'b'") == L.Literal("a'b")


@pytest.mark.parametrize(
    ("src", "pos", "text"),
    [
        ("importer.aeo == ", 16, ""),  # nothing after the operator: the end
        ("a.b > 1 )", 8, ")"),
        ("a.b # 1", 4, "#"),
        ('a.b == "open', 7, '"open'),
        ("a.b > 1 > 2", 8, ">"),  # chained comparison
        ("1abc", 0, "1a"),
        ("", 0, ""),
        ("f(1,", 4, ""),
        ("a.", 2, ""),
    ],
)
def test_syntax_errors_name_rule_position_and_text(src: str, pos: int, text: str) -> None:
    with pytest.raises(ExpressionError) as err:
        parse(src)
    e = err.value
    assert e.rule == "profile.syntax" and e.pos == pos and e.text == text
    (p,) = e.details["problems"]
    assert p["rule"] == "profile.syntax" and p["path"] == "/condition" and p["column"] == pos + 1 and p["message"]
    assert f"column {pos + 1}" in e.message


def test_too_deep_and_too_long_are_clean_errors() -> None:
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse("(" * 100 + "1" + ")" * 100)
    with pytest.raises(ExpressionError, match="too complex"):
        parse(" or ".join(["a.b"] * 300))
    with pytest.raises(ExpressionError, match="longer than"):
        parse("a.b or " * 1000 + "a.b")


# --- properties -------------------------------------------------------------------------------------

_NAME = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True)
_HEAD = _NAME.filter(lambda s: s not in L.KEYWORDS)

_leaf = st.one_of(
    st.builds(
        L.Literal,
        st.none()
        | st.booleans()
        | st.integers(min_value=0, max_value=10**20)
        | st.floats(min_value=0, max_value=1e300, allow_nan=False, allow_infinity=False)
        | st.text(max_size=8),
    ),
    st.builds(lambda h, t: L.Path((h, *t)), _HEAD, st.lists(_NAME, max_size=2)),
)


def _extend(inner: st.SearchStrategy[L.Node]) -> st.SearchStrategy[L.Node]:
    return st.one_of(
        st.builds(L.Not, inner),
        st.builds(L.Neg, inner),
        st.builds(L.BoolOp, st.sampled_from(["and", "or"]), inner, inner),
        st.builds(L.Compare, st.sampled_from(L.COMPARE), inner, inner),
        st.builds(L.Arith, st.sampled_from(["+", "-", "*", "/"]), inner, inner),
        st.builds(lambda xs: L.ListLit(tuple(xs)), st.lists(inner, max_size=3)),
        st.builds(lambda n, xs: L.Call(n, tuple(xs)), _HEAD, st.lists(inner, max_size=3)),
    )


_ast = st.recursive(_leaf, _extend, max_leaves=12)


@given(_ast)
def test_round_trip(tree: L.Node) -> None:
    """Whatever tree: printed and parsed again, it is the same tree (and prints the same)."""
    text = unparse(tree)
    again = parse(text)
    assert again == tree
    assert unparse(again) == text


_ALPHABET = st.sampled_from(
    [*"abcdeitmnor_.()[],\"'<>=!+-*/ 0123456789#\\\n", "and ", "or ", "not ", "in ", "item.", "any(", "null"]
)


@given(st.text(max_size=60) | st.lists(_ALPHABET, max_size=30).map("".join))
def test_random_text_parses_or_fails_cleanly(src: str) -> None:
    """Random input never crashes the parser: a tree, or an ExpressionError with a position inside it."""
    try:
        tree = parse(src)
    except ExpressionError as exc:
        assert 0 <= exc.pos <= len(src)
        assert exc.rule == "profile.syntax"
        return
    assert parse(unparse(tree)) == tree
