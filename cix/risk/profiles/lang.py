"""The risk profile language: tokenizer, parser and printer of conditions (no ``eval`` anywhere).

A condition is a small typed expression over the facts of one declaration (see
:mod:`cix.risk.profiles.fields`)::

    any(item.hs_code startswith "8703" and item.origin in ["DE", "JP"]) and valuation.max_score > 3
    importer.aeo == false and declaration.total_value > 100000

Grammar, loosest binding first: ``or`` · ``and`` · ``not`` · comparison (``== != < <= > >= in``,
``not in``, ``startswith``, ``endswith``, ``contains``; not chained) · ``+ -`` · ``* /`` · unary ``-``
· primary (number, string, ``true``/``false``/``null``, ``[list]``, dotted field path, call
``name(args)``, ``( expr )``). The parser builds an AST of frozen dataclasses; :func:`unparse`
prints it back so that ``parse(unparse(ast)) == ast``. Every error is an :class:`ExpressionError`
with a stable rule id, the offending text and its position (0-based offset, 1-based column).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from cix.errors import ValidationFailed
from cix.i18n import _

MAX_LENGTH = 4000
MAX_DEPTH = 60  # nesting of parentheses, lists, calls and prefix operators while parsing
MAX_TREE = 150  # depth of the finished tree (long and/or chains nest too)

KEYWORDS = {"and", "or", "not", "in", "true", "false", "null", "startswith", "endswith", "contains"}
COMPARE = ("==", "!=", "<", "<=", ">", ">=", "in", "not in", "startswith", "endswith", "contains")


class ExpressionError(ValidationFailed):
    """A condition that does not parse or type-check: ``rule``, the text at fault and where it is."""

    code = "bad_expression"

    def __init__(self, rule: str, message: str, pos: int, text: str, *, path: str = "/condition") -> None:
        self.rule = rule
        self.pos = pos
        self.text = text
        self.path = path
        self.plain = message
        full = _("{message} at column {col}").format(message=message, col=pos + 1)
        super().__init__(full, details={"problems": [self.problem()]})

    def problem(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "path": self.path,
            "value": self.text,
            "position": self.pos,
            "column": self.pos + 1,
            "message": self.plain,
            "severity": "error",
        }


# --- AST -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Node:
    pos: int = field(default=0, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class Literal(Node):
    value: Any  # None, bool, int, float, str


@dataclass(frozen=True, slots=True)
class ListLit(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Path(Node):
    parts: tuple[str, ...]

    @property
    def name(self) -> str:
        return ".".join(self.parts)


@dataclass(frozen=True, slots=True)
class Call(Node):
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not(Node):
    operand: Node


@dataclass(frozen=True, slots=True)
class Neg(Node):
    operand: Node


@dataclass(frozen=True, slots=True)
class BoolOp(Node):
    op: str  # and | or
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Compare(Node):
    op: str  # one of COMPARE
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Arith(Node):
    op: str  # + - * /
    left: Node
    right: Node


# --- tokens ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # num str name kw op eof
    value: Any
    pos: int
    text: str


_OPS2 = ("==", "!=", "<=", ">=")
_OPS1 = "<>+-*/()[],."
_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "n": "\n", "t": "\t"}


def tokenize(src: str) -> list[Token]:
    if len(src) > MAX_LENGTH:
        raise ExpressionError(
            "profile.syntax", _("condition longer than {n} characters").format(n=MAX_LENGTH), MAX_LENGTH, src[-20:]
        )
    out: list[Token] = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c in " \t\r\n":
            i += 1
            continue
        start = i
        if c.isascii() and c.isdigit():
            while i < n and src[i].isascii() and (src[i].isdigit() or src[i] == "_"):
                i += 1
            is_float = False
            if i + 1 < n and src[i] == "." and src[i + 1].isascii() and src[i + 1].isdigit():
                is_float = True
                i += 1
                while i < n and src[i].isascii() and (src[i].isdigit() or src[i] == "_"):
                    i += 1
            text = src[start:i]
            if text.endswith("_") or "__" in text or "_." in text or "._" in text:
                raise ExpressionError("profile.syntax", _("malformed number"), start, text)
            if i < n and (src[i].isalpha() or src[i] == "_"):
                raise ExpressionError("profile.syntax", _("malformed number"), start, src[start : i + 1])
            value: Any = float(text.replace("_", "")) if is_float else int(text.replace("_", ""))
            out.append(Token("num", value, start, text))
            continue
        if c.isascii() and (c.isalpha() or c == "_"):
            while i < n and src[i].isascii() and (src[i].isalnum() or src[i] == "_"):
                i += 1
            word = src[start:i]
            out.append(Token("kw" if word in KEYWORDS else "name", word, start, word))
            continue
        if c in "\"'":
            i += 1
            chars: list[str] = []
            while True:
                if i >= n:
                    raise ExpressionError("profile.syntax", _("unterminated string"), start, src[start:])
                ch = src[i]
                if ch == c:
                    i += 1
                    break
                if ch == "\\":
                    if i + 1 >= n or src[i + 1] not in _ESCAPES:
                        raise ExpressionError("profile.syntax", _("bad escape in string"), i, src[i : i + 2])
                    chars.append(_ESCAPES[src[i + 1]])
                    i += 2
                    continue
                if ch == "\n":
                    raise ExpressionError("profile.syntax", _("unterminated string"), start, src[start:i])
                chars.append(ch)
                i += 1
            out.append(Token("str", "".join(chars), start, src[start:i]))
            continue
        if src[i : i + 2] in _OPS2:
            out.append(Token("op", src[i : i + 2], start, src[i : i + 2]))
            i += 2
            continue
        if c in _OPS1:
            out.append(Token("op", c, start, c))
            i += 1
            continue
        raise ExpressionError("profile.syntax", _("unexpected character"), start, c)
    out.append(Token("eof", None, n, ""))
    return out


# --- parser ---------------------------------------------------------------------------------------


class _Parser:
    def __init__(self, src: str) -> None:
        self.src = src
        self.toks = tokenize(src)
        self.i = 0
        self.depth = 0

    @property
    def tok(self) -> Token:
        return self.toks[self.i]

    def _is(self, kind: str, value: Any = None) -> bool:
        t = self.tok
        return t.kind == kind and (value is None or t.value == value)

    def _take(self) -> Token:
        t = self.tok
        self.i += 1
        return t

    def _expect(self, kind: str, value: Any, what: str) -> Token:
        if not self._is(kind, value):
            self._fail(_("expected {what}").format(what=what))
        return self._take()

    def _fail(self, message: str) -> None:
        t = self.tok
        found = t.text if t.kind != "eof" else _("end of condition")
        raise ExpressionError("profile.syntax", f"{message}, found {found!r}", t.pos, t.text)

    def _enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError("profile.syntax", _("condition nested too deeply"), self.tok.pos, self.tok.text)

    def parse(self) -> Node:
        if self._is("eof"):
            self._fail(_("empty condition"))
        node = self.or_()
        if not self._is("eof"):
            self._fail(_("expected an operator or the end of the condition"))
        return node

    def or_(self) -> Node:
        left = self.and_()
        while self._is("kw", "or"):
            t = self._take()
            left = BoolOp("or", left, self.and_(), pos=t.pos)
        return left

    def and_(self) -> Node:
        left = self.not_()
        while self._is("kw", "and"):
            t = self._take()
            left = BoolOp("and", left, self.not_(), pos=t.pos)
        return left

    def not_(self) -> Node:
        if self._is("kw", "not"):
            t = self._take()
            self._enter()
            node = Not(self.not_(), pos=t.pos)
            self.depth -= 1
            return node
        return self.compare()

    def compare(self) -> Node:
        left = self.sum_()
        t = self.tok
        op = None
        if (t.kind == "op" and t.value in ("==", "!=", "<", "<=", ">", ">=")) or (
            t.kind == "kw" and t.value in ("in", "startswith", "endswith", "contains")
        ):
            op = t.value
            self._take()
        elif (
            t.kind == "kw"
            and t.value == "not"
            and self.toks[self.i + 1].kind == "kw"
            and self.toks[self.i + 1].value == "in"
        ):
            op = "not in"
            self.i += 2
        if op is None:
            return left
        node = Compare(op, left, self.sum_(), pos=t.pos)
        nxt = self.tok
        if (nxt.kind == "op" and nxt.value in ("==", "!=", "<", "<=", ">", ">=")) or (
            nxt.kind == "kw" and nxt.value in ("in", "startswith", "endswith", "contains")
        ):
            self._fail(_("comparisons cannot be chained; use and"))
        return node

    def sum_(self) -> Node:
        left = self.product()
        while self.tok.kind == "op" and self.tok.value in ("+", "-"):
            t = self._take()
            left = Arith(t.value, left, self.product(), pos=t.pos)
        return left

    def product(self) -> Node:
        left = self.unary()
        while self.tok.kind == "op" and self.tok.value in ("*", "/"):
            t = self._take()
            left = Arith(t.value, left, self.unary(), pos=t.pos)
        return left

    def unary(self) -> Node:
        if self._is("op", "-"):
            t = self._take()
            self._enter()
            node = Neg(self.unary(), pos=t.pos)
            self.depth -= 1
            return node
        return self.primary()

    def primary(self) -> Node:
        t = self.tok
        if t.kind == "num" or t.kind == "str":
            self._take()
            return Literal(t.value, pos=t.pos)
        if t.kind == "kw" and t.value in ("true", "false", "null"):
            self._take()
            return Literal({"true": True, "false": False, "null": None}[t.value], pos=t.pos)
        if self._is("op", "("):
            self._take()
            self._enter()
            node = self.or_()
            self.depth -= 1
            self._expect("op", ")", "')'")
            return node
        if self._is("op", "["):
            self._take()
            items: list[Node] = []
            self._enter()
            if not self._is("op", "]"):
                items.append(self.or_())
                while self._is("op", ","):
                    self._take()
                    items.append(self.or_())
            self.depth -= 1
            self._expect("op", "]", "',' or ']'")
            return ListLit(tuple(items), pos=t.pos)
        if t.kind == "name":
            self._take()
            if self._is("op", "("):
                self._take()
                args: list[Node] = []
                self._enter()
                if not self._is("op", ")"):
                    args.append(self.or_())
                    while self._is("op", ","):
                        self._take()
                        args.append(self.or_())
                self.depth -= 1
                self._expect("op", ")", "',' or ')'")
                return Call(t.value, tuple(args), pos=t.pos)
            parts = [t.value]
            while self._is("op", "."):
                self._take()
                if self.tok.kind not in ("name", "kw"):
                    self._fail(_("expected a field name after '.'"))
                parts.append(self._take().value)
            return Path(tuple(parts), pos=t.pos)
        self._fail(_("expected a value, a field or '('"))
        raise AssertionError  # unreachable: _fail raises


def parse(src: str) -> Node:
    """The AST of a condition, or :class:`ExpressionError` (rule ``profile.syntax``) with its position.

    >>> parse('importer.aeo == false')
    Compare(op='==', left=Path(parts=('importer', 'aeo')), right=Literal(value=False))
    """
    if not isinstance(src, str):
        raise ExpressionError("profile.syntax", _("a condition is a text"), 0, repr(src)[:40])
    node = _Parser(src).parse()
    if _depth(node) > MAX_TREE:
        raise ExpressionError(
            "profile.syntax", _("condition too complex (deeper than {n}); split it").format(n=MAX_TREE), 0, src[:40]
        )
    return node


def children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, (BoolOp, Compare, Arith)):
        return (node.left, node.right)
    if isinstance(node, (Not, Neg)):
        return (node.operand,)
    if isinstance(node, ListLit):
        return node.items
    if isinstance(node, Call):
        return node.args
    return ()


def _depth(node: Node) -> int:
    """The depth of the tree, without recursion (a long chain must not exhaust the stack here)."""
    deepest, stack = 0, [(node, 1)]
    while stack:
        n, d = stack.pop()
        deepest = max(deepest, d)
        stack.extend((c, d + 1) for c in children(n))
    return deepest


# --- printer --------------------------------------------------------------------------------------

_PREC = {"or": 1, "and": 2, "not": 3, "cmp": 4, "+": 5, "-": 5, "*": 6, "/": 6, "neg": 7, "atom": 8}


def _prec(node: Node) -> int:
    if isinstance(node, BoolOp):
        return _PREC[node.op]
    if isinstance(node, Not):
        return _PREC["not"]
    if isinstance(node, Compare):
        return _PREC["cmp"]
    if isinstance(node, Arith):
        return _PREC[node.op]
    if isinstance(node, Neg):
        return _PREC["neg"]
    return _PREC["atom"]


def _wrap(node: Node, least: int) -> str:
    text = unparse(node)
    return f"({text})" if _prec(node) < least else text


def _string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'


def _number(v: int | float) -> str:
    if isinstance(v, int):
        return str(v)
    text = repr(v)
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    return text if "." in text else text + ".0"


def unparse(node: Node) -> str:
    """The condition as text, parenthesised only where needed.

    >>> unparse(parse('(a.b > 1 and a.c == "x") or not d.e'))
    'a.b > 1 and a.c == "x" or not d.e'
    """
    if isinstance(node, Literal):
        v = node.value
        if v is None:
            return "null"
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return _string(v)
        return _number(v)
    if isinstance(node, ListLit):
        return "[" + ", ".join(unparse(x) for x in node.items) + "]"
    if isinstance(node, Path):
        return node.name
    if isinstance(node, Call):
        return node.name + "(" + ", ".join(unparse(x) for x in node.args) + ")"
    if isinstance(node, Not):
        return "not " + _wrap(node.operand, _PREC["not"])
    if isinstance(node, Neg):
        return "-" + _wrap(node.operand, _PREC["neg"])
    if isinstance(node, BoolOp):
        p = _PREC[node.op]
        return f"{_wrap(node.left, p)} {node.op} {_wrap(node.right, p + 1)}"
    if isinstance(node, Compare):
        p = _PREC["cmp"]
        return f"{_wrap(node.left, p + 1)} {node.op} {_wrap(node.right, p + 1)}"
    if isinstance(node, Arith):
        p = _PREC[node.op]
        return f"{_wrap(node.left, p)} {node.op} {_wrap(node.right, p + 1)}"
    raise TypeError(f"not a condition node: {node!r}")
