"""Type check and compile a condition into a Python closure over the facts of a declaration.

:func:`compile_condition` walks the AST of :mod:`cix.risk.profiles.lang` once: it checks every
field against :data:`cix.risk.profiles.fields.FIELDS`, every operator against the types of its
operands and that ``item.*`` / ``discrepancy.*`` appear only inside a collection function, and it
returns a :class:`Compiled` whose ``fn(facts)`` answers True or False. Closures are built from the
AST, never from text: no ``eval``, no ``exec``, no attribute access on user data. Comparisons
with a constant are specialised (``in [...]`` becomes a frozenset lookup) because 50 profiles run
over every declaration of the path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cix.i18n import _
from cix.risk.profiles import lang as L
from cix.risk.profiles.fields import BOOL, COLLECTIONS, DATE, FIELDS, LIST, NULL, NUMBER, STRING, scope_of

Fn = Callable[[dict[str, Any], Any], Any]


@dataclass(frozen=True, slots=True)
class Compiled:
    source: str
    ast: L.Node
    fields: frozenset[str]
    fn: Callable[[dict[str, Any]], bool]


def compile_condition(src: str, *, path: str = "/condition") -> Compiled:
    """Parse, type check and compile ``src``; :class:`~cix.risk.profiles.lang.ExpressionError` if it is bad.

    >>> c = compile_condition('importer.aeo == false and declaration.total_value > 100000')
    >>> c.fn({"importer.aeo": False, "declaration.total_value": 250000.0})
    True
    """
    try:
        ast = L.parse(src)
        cc = _Compiler(src)
        typ, fn = cc.node(ast, None)
        if typ != BOOL:
            raise L.ExpressionError(
                "profile.type", _("a condition must be true or false, this is a {t}").format(t=typ), ast.pos, src[:40]
            )
    except L.ExpressionError as exc:
        if exc.path != path:
            raise L.ExpressionError(exc.rule, exc.plain, exc.pos, exc.text, path=path) from None
        raise
    return Compiled(src, ast, frozenset(cc.used), lambda facts: fn(facts, None))


def _const(node: L.Node) -> tuple[bool, Any]:
    if isinstance(node, L.Literal):
        return True, node.value
    if isinstance(node, L.Neg) and isinstance(node.operand, L.Literal) and _is_num(node.operand.value):
        return True, -node.operand.value
    if isinstance(node, L.Call) and node.name == "date" and len(node.args) == 1:
        ok, v = _const(node.args[0])
        if ok and isinstance(v, str):
            try:
                return True, dt.date.fromisoformat(v)
            except ValueError:
                return False, None
    return False, None


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _literal_type(v: Any) -> str:
    if v is None:
        return NULL
    if isinstance(v, bool):
        return BOOL
    if isinstance(v, (int, float)):
        return NUMBER
    if isinstance(v, dt.date):
        return DATE
    return STRING


_ORDER = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


class _Compiler:
    def __init__(self, src: str) -> None:
        self.src = src
        self.used: set[str] = set()

    def fail(self, rule: str, message: str, node: L.Node) -> L.ExpressionError:
        return L.ExpressionError(rule, message, node.pos, _snippet(self.src, node))

    # Each method returns (type, closure(facts, element)).
    def node(self, n: L.Node, scope: str | None) -> tuple[str, Fn]:
        if isinstance(n, L.Literal):
            v = n.value
            return _literal_type(v), lambda f, e: v
        if isinstance(n, L.Path):
            return self.path(n, scope)
        if isinstance(n, L.ListLit):
            raise self.fail("profile.type", _("a list can only follow in / not in"), n)
        if isinstance(n, L.Not):
            t, fn = self.node(n.operand, scope)
            self.want(t, BOOL, n.operand, "not")
            return BOOL, lambda f, e: not fn(f, e)
        if isinstance(n, L.Neg):
            t, fn = self.node(n.operand, scope)
            self.want(t, NUMBER, n.operand, "-")

            def neg(f: dict[str, Any], e: Any) -> Any:
                v = fn(f, e)
                return None if v is None else -v

            return NUMBER, neg
        if isinstance(n, L.BoolOp):
            lt, lf = self.node(n.left, scope)
            rt, rf = self.node(n.right, scope)
            self.want(lt, BOOL, n.left, n.op)
            self.want(rt, BOOL, n.right, n.op)
            if n.op == "and":
                return BOOL, lambda f, e: lf(f, e) and rf(f, e)
            return BOOL, lambda f, e: lf(f, e) or rf(f, e)
        if isinstance(n, L.Arith):
            return self.arith(n, scope)
        if isinstance(n, L.Compare):
            return self.compare(n, scope)
        if isinstance(n, L.Call):
            return self.call(n, scope)
        raise self.fail("profile.syntax", _("not a condition"), n)

    def want(self, got: str, want: str, node: L.Node, op: str) -> None:
        if got != want:
            raise self.fail(
                "profile.type", _("{op} needs a {want}, got a {got}").format(op=op, want=want, got=got), node
            )

    def path(self, n: L.Path, scope: str | None) -> tuple[str, Fn]:
        name = n.name
        spec = FIELDS.get(name)
        if spec is None:
            near = sorted(k for k in FIELDS if k.split(".")[0] == n.parts[0])[:8]
            hint = _("; fields of {head}: {names}").format(head=n.parts[0], names=", ".join(near)) if near else ""
            raise self.fail("profile.field", _("unknown field {name}").format(name=name) + hint, n)
        typ = spec[0]
        own = scope_of(name)
        if own:
            if scope != own:
                where = _("inside any/all/count/sum/min/max over {what}").format(what=COLLECTIONS[own])
                raise self.fail("profile.scope", _("{name} can only be used {where}").format(name=name, where=where), n)
            key = name.split(".", 1)[1]
            self.used.add(name)
            if typ == BOOL:
                return typ, lambda f, e: e.get(key) is True
            return typ, lambda f, e: e.get(key)
        self.used.add(name)
        if typ == BOOL:
            return typ, lambda f, e: f.get(name) is True
        return typ, lambda f, e: f.get(name)

    def arith(self, n: L.Arith, scope: str | None) -> tuple[str, Fn]:
        lt, lf = self.node(n.left, scope)
        rt, rf = self.node(n.right, scope)
        self.want(lt, NUMBER, n.left, n.op)
        self.want(rt, NUMBER, n.right, n.op)
        op = n.op

        def arith(f: dict[str, Any], e: Any) -> Any:
            a, b = lf(f, e), rf(f, e)
            if a is None or b is None:
                return None
            if op == "+":
                return a + b
            if op == "-":
                return a - b
            if op == "*":
                return a * b
            return a / b if b else None

        return NUMBER, arith

    def compare(self, n: L.Compare, scope: str | None) -> tuple[str, Fn]:
        op = n.op
        if op in ("in", "not in"):
            return self.membership(n, scope)
        lt, lf = self.node(n.left, scope)
        fast = self.direct(n, lt, scope)
        if fast is not None:
            return BOOL, fast
        rt, rf = self.node(n.right, scope)
        rconst, rval = _const(n.right)
        if op in ("==", "!="):
            if lt != rt and NULL not in (lt, rt):
                raise self.fail("profile.type", _("cannot compare a {a} with a {b}").format(a=lt, b=rt), n)
            if lt == LIST or rt == LIST:
                raise self.fail("profile.type", _("lists cannot be compared; use contains or len"), n)
            if rconst:
                c = rval
                if op == "==":
                    return BOOL, (lambda f, e: lf(f, e) is None) if c is None else (lambda f, e: lf(f, e) == c)
                return BOOL, (lambda f, e: lf(f, e) is not None) if c is None else (
                    lambda f, e: (v := lf(f, e)) is not None and v != c
                )
            if op == "==":
                return BOOL, lambda f, e: lf(f, e) == rf(f, e)

            def ne(f: dict[str, Any], e: Any) -> bool:
                a, b = lf(f, e), rf(f, e)
                return (a != b and a is not None and b is not None) or (a is None) != (b is None)

            return BOOL, ne
        if op in _ORDER:
            if lt != rt or lt not in (NUMBER, DATE, STRING):
                raise self.fail(
                    "profile.type", _("{op} compares two numbers, dates or texts, not a {a} and a {b}").format(
                        op=op, a=lt, b=rt), n)  # fmt: skip
            cmp = _ORDER[op]
            if rconst:
                c = rval
                if op == ">":
                    return BOOL, lambda f, e: (v := lf(f, e)) is not None and v > c
                if op == "<":
                    return BOOL, lambda f, e: (v := lf(f, e)) is not None and v < c
                return BOOL, lambda f, e: (v := lf(f, e)) is not None and cmp(v, c)

            def order(f: dict[str, Any], e: Any) -> bool:
                a, b = lf(f, e), rf(f, e)
                return a is not None and b is not None and cmp(a, b)

            return BOOL, order
        # startswith / endswith / contains
        if op == "contains" and lt == LIST:
            self.want(rt, STRING, n.right, op)
            return BOOL, lambda f, e: (v := lf(f, e)) is not None and (w := rf(f, e)) is not None and w in v
        if lt != STRING or rt != STRING:
            raise self.fail(
                "profile.type", _("{op} works on two texts, not a {a} and a {b}").format(op=op, a=lt, b=rt), n
            )
        if rconst:
            c = rval
            if op == "startswith":
                return BOOL, lambda f, e: (v := lf(f, e)) is not None and v.startswith(c)
            if op == "endswith":
                return BOOL, lambda f, e: (v := lf(f, e)) is not None and v.endswith(c)
            return BOOL, lambda f, e: (v := lf(f, e)) is not None and c in v
        meth = {"startswith": str.startswith, "endswith": str.endswith, "contains": str.__contains__}[op]
        return BOOL, lambda f, e: (a := lf(f, e)) is not None and (b := rf(f, e)) is not None and meth(a, b)

    def direct(self, n: L.Compare, lt: str, scope: str | None) -> Fn | None:
        """One closure for ``field OP constant`` (the common case), skipping the field's own closure.

        Only called once the left side type-checked; the right side is checked here the same way
        the general path would, so a type error is reported identically.
        """
        ok, c = _const(n.right)
        if not ok or not isinstance(n.left, L.Path) or lt in (BOOL, LIST):
            return None
        rt = _literal_type(c)
        op = n.op
        if c is None or rt != lt or (op in ("startswith", "endswith", "contains") and lt != STRING):
            return None
        if op in _ORDER and lt not in (NUMBER, DATE, STRING):
            return None
        name = n.left.name
        key = name.split(".", 1)[1] if scope_of(name) else name
        item = bool(scope_of(name))
        if op == "==":
            return (lambda f, e: e.get(key) == c) if item else (lambda f, e: f.get(key) == c)
        if op == "!=":
            if item:
                return lambda f, e: (v := e.get(key)) is not None and v != c
            return lambda f, e: (v := f.get(key)) is not None and v != c
        if op == ">":
            if item:
                return lambda f, e: (v := e.get(key)) is not None and v > c
            return lambda f, e: (v := f.get(key)) is not None and v > c
        if op == ">=":
            if item:
                return lambda f, e: (v := e.get(key)) is not None and v >= c
            return lambda f, e: (v := f.get(key)) is not None and v >= c
        if op == "<":
            if item:
                return lambda f, e: (v := e.get(key)) is not None and v < c
            return lambda f, e: (v := f.get(key)) is not None and v < c
        if op == "<=":
            if item:
                return lambda f, e: (v := e.get(key)) is not None and v <= c
            return lambda f, e: (v := f.get(key)) is not None and v <= c
        if op == "startswith":
            if item:
                return lambda f, e: (v := e.get(key)) is not None and v.startswith(c)
            return lambda f, e: (v := f.get(key)) is not None and v.startswith(c)
        return None

    def membership(self, n: L.Compare, scope: str | None) -> tuple[str, Fn]:
        lt, lf = self.node(n.left, scope)
        negate = n.op == "not in"
        if isinstance(n.right, L.ListLit):
            values = []
            for item in n.right.items:
                ok, v = _const(item)
                if not ok:
                    raise self.fail("profile.type", _("list elements must be constants"), item)
                it = _literal_type(v)
                if it not in (lt, NULL):
                    raise self.fail(
                        "profile.type", _("{a} compared with a list holding a {b}").format(a=lt, b=it), item
                    )
                values.append(v)
            try:
                pool: Any = frozenset(values)
            except TypeError:  # pragma: no cover - constants are hashable
                pool = tuple(values)
            if isinstance(n.left, L.Path) and scope_of(n.left.name):
                key = n.left.name.split(".", 1)[1]
                if negate:
                    return BOOL, lambda f, e: (v := e.get(key)) is not None and v not in pool
                return BOOL, lambda f, e: e.get(key) in pool
            if negate:
                return BOOL, lambda f, e: (v := lf(f, e)) is not None and v not in pool
            return BOOL, lambda f, e: lf(f, e) in pool
        rt, rf = self.node(n.right, scope)
        if rt != LIST or lt != STRING:
            raise self.fail(
                "profile.type", _("in needs a text on the left and a list on the right, not a {a} and a {b}").format(
                    a=lt, b=rt), n)  # fmt: skip
        if negate:
            return BOOL, lambda f, e: (v := lf(f, e)) is not None and (w := rf(f, e)) is not None and v not in w
        return BOOL, lambda f, e: (v := lf(f, e)) is not None and (w := rf(f, e)) is not None and v in w

    def call(self, n: L.Call, scope: str | None) -> tuple[str, Fn]:
        name, args = n.name, n.args
        if name in ("any", "all", "count", "sum", "min", "max"):
            return self.collection(n, scope)
        if name not in ("len", "date", "lower", "upper"):
            raise self.fail(
                "profile.call", _("unknown function {name}; functions: {names}").format(
                    name=name, names="any, all, count, sum, min, max, len, date, lower, upper"), n)  # fmt: skip
        if len(args) != 1:
            raise self.fail("profile.call", _("{name} takes one argument").format(name=name), n)
        if name == "date":
            ok, v = _const(n)
            if not ok:
                raise self.fail("profile.call", _('date takes a literal "YYYY-MM-DD"'), args[0])
            return DATE, lambda f, e: v
        t, fn = self.node(args[0], scope)
        if name == "len":
            self.want(t, LIST, args[0], name)
            return NUMBER, lambda f, e: None if (v := fn(f, e)) is None else len(v)
        self.want(t, STRING, args[0], name)
        if name == "lower":
            return STRING, lambda f, e: None if (v := fn(f, e)) is None else v.lower()
        return STRING, lambda f, e: None if (v := fn(f, e)) is None else v.upper()

    def collection(self, n: L.Call, scope: str | None) -> tuple[str, Fn]:
        name = n.name
        if len(n.args) != 1:
            raise self.fail("profile.call", _("{name} takes one argument").format(name=name), n)
        if scope is not None:
            raise self.fail(
                "profile.scope", _("{name} cannot be used inside another any/all/count").format(name=name), n
            )
        arg = n.args[0]
        scopes = {scope_of(p.name) for p in _paths(arg)} - {""}
        if len(scopes) != 1:
            raise self.fail(
                "profile.scope",
                _("{name} needs fields of one collection (item.* or discrepancy.*)").format(name=name),
                n,
            )
        own = scopes.pop()
        coll = COLLECTIONS[own]
        t, fn = self.node(arg, own)
        if name in ("any", "all", "count"):
            self.want(t, BOOL, arg, name)
            if name == "any":
                need = chapters_needed(arg) if own == "item" else None
                if need is not None:

                    def any_guarded(f: dict[str, Any], e: Any) -> bool:
                        present = f.get(CHAPTERS)
                        if present is not None and present.isdisjoint(need):
                            return False
                        for x in f.get(coll) or ():  # noqa: SIM110 (a loop: no generator per call)
                            if fn(f, x):
                                return True
                        return False

                    return BOOL, any_guarded

                def any_(f: dict[str, Any], e: Any) -> bool:
                    for x in f.get(coll) or ():  # noqa: SIM110 (a loop: no generator per call)
                        if fn(f, x):
                            return True
                    return False

                return BOOL, any_
            if name == "all":

                def all_(f: dict[str, Any], e: Any) -> bool:
                    xs = f.get(coll)
                    if not xs:
                        return False
                    for x in xs:  # noqa: SIM110 (a loop: no generator per call)
                        if not fn(f, x):
                            return False
                    return True

                return BOOL, all_

            def count(f: dict[str, Any], e: Any) -> int:
                k = 0
                for x in f.get(coll) or ():
                    if fn(f, x):
                        k += 1
                return k

            return NUMBER, count
        self.want(t, NUMBER, arg, name)
        if name == "sum":
            return NUMBER, lambda f, e: sum(v for x in f.get(coll) or () if (v := fn(f, x)) is not None)
        pick = min if name == "min" else max

        def extreme(f: dict[str, Any], e: Any) -> Any:
            vals = [v for x in f.get(coll) or () if (v := fn(f, x)) is not None]
            return pick(vals) if vals else None

        return NUMBER, extreme


# Facts may carry the set of HS chapters of their items under this key (cix.risk.profiles.facts does):
# ``any(item.heading == "8703" and ...)`` then answers False at once for a declaration without chapter 87.
CHAPTERS = "_chapters"
_ALL_CHAPTERS = frozenset(f"{i:02d}" for i in range(1, 100))


def _conjuncts(node: L.Node) -> list[L.Node]:
    if isinstance(node, L.BoolOp) and node.op == "and":
        return _conjuncts(node.left) + _conjuncts(node.right)
    return [node]


def _chapters_of(node: L.Node) -> frozenset[str] | None:
    """The chapters an item must be in for ``node`` to hold (None: any chapter)."""
    if isinstance(node, L.BoolOp) and node.op == "or":
        a, b = _chapters_of(node.left), _chapters_of(node.right)
        return None if a is None or b is None else a | b
    if isinstance(node, L.BoolOp):
        found = [c for c in (_chapters_of(x) for x in _conjuncts(node)) if c is not None]
        return frozenset.intersection(*found) if found else None
    if not isinstance(node, L.Compare) or not isinstance(node.left, L.Path):
        return None
    name, op = node.left.name, node.op
    if name not in ("item.chapter", "item.heading", "item.hs_code"):
        return None
    values: list[Any] = []
    if op == "in" and isinstance(node.right, L.ListLit):
        values = [x.value for x in node.right.items if isinstance(x, L.Literal)]
        if len(values) != len(node.right.items):
            return None
    elif op in ("==", "startswith") and isinstance(node.right, L.Literal):
        values = [node.right.value]
    elif name == "item.chapter" and op in ("<", "<=", ">", ">=") and isinstance(node.right, L.Literal):
        c = node.right.value
        if not isinstance(c, str):
            return None
        return frozenset(x for x in _ALL_CHAPTERS if _ORDER[op](x, c))
    else:
        return None
    if not all(isinstance(v, str) and len(v) >= 2 and v[:2].isdigit() for v in values):
        return None
    return frozenset(v[:2] for v in values)


def chapters_needed(node: L.Node) -> frozenset[str] | None:
    """The chapters one of which an item needs for ``any(node)`` to hold, if the condition says so.

    >>> sorted(chapters_needed(L.parse('item.heading in ["8703", "8471"] and item.origin == "JP"')))
    ['84', '87']
    >>> chapters_needed(L.parse('item.origin == "JP"')) is None
    True
    """
    return _chapters_of(node)


def required_chapters(node: L.Node) -> frozenset[str] | None:
    """The HS chapters one of which a declaration's items must have for the whole condition to hold.

    Read from the condition's top level: ``any(...)`` over items whose argument needs chapters
    (:func:`chapters_needed`), combined through ``and`` (intersection) and ``or`` (union). None when
    the condition can hold whatever the chapters. The risk step skips a profile at once for a
    declaration without one of them; the compiled condition would say False there too.

    >>> sorted(required_chapters(L.parse('any(item.chapter == "87") and declaration.item_count >= 2')))
    ['87']
    >>> required_chapters(L.parse('any(item.chapter == "87") or importer.aeo == false')) is None
    True
    """
    if isinstance(node, L.BoolOp) and node.op == "or":
        a, b = required_chapters(node.left), required_chapters(node.right)
        return None if a is None or b is None else a | b
    if isinstance(node, L.BoolOp):
        found = [c for c in (required_chapters(x) for x in _conjuncts(node)) if c is not None]
        return frozenset.intersection(*found) if found else None
    if isinstance(node, L.Call) and node.name == "any" and len(node.args) == 1:
        arg = node.args[0]
        if {scope_of(p.name) for p in _paths(arg)} - {""} == {"item"}:
            return chapters_needed(arg)
    return None


def _paths(node: L.Node) -> list[L.Path]:
    out, stack = [], [node]
    while stack:
        n = stack.pop()
        if isinstance(n, L.Path):
            out.append(n)
        stack.extend(L.children(n))
    return out


def _snippet(src: str, node: L.Node) -> str:
    try:
        return L.unparse(node)[:80]
    except Exception:  # pragma: no cover
        return src[node.pos : node.pos + 40]
