"""The declaration path after storage: matching, valuation, risk and selectivity as ordered steps.

Each capability registers a step with an order (matching 10, valuation 20, risk and selectivity 30).
``lodge`` runs the steps, in order, inside the same transaction that stores a batch, so a stored
declaration never lacks its match, valuation and channel, and a step that fails stores nothing of the
batch (the records stay in the caller's hands and are not lost).

A step gets the write connection, the declarations stored by this batch (id plus the prepared row,
goods rows and validated :class:`~cix.model.declaration.Declaration`) and a :class:`PathContext`
whose ``results`` carry what earlier steps found, by step name and declaration id, so that risk
reads the matching discrepancies and the valuation scores without reading them back from the store.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cix.settings import Settings
from cix.store.declarations import Prepared

log = logging.getLogger("cix.pipeline")


@dataclass(slots=True)
class Stored:
    """A declaration this batch stored: its id in the store and what was stored."""

    id: int
    prepared: Prepared

    @property
    def row(self) -> dict[str, Any]:
        return self.prepared.row

    @property
    def goods(self) -> list[dict[str, Any]]:
        return self.prepared.goods

    @property
    def decl(self) -> Any:
        return self.prepared.decl


@dataclass
class PathContext:
    """What the steps of one batch share: the node's settings and each step's results."""

    settings: Settings
    results: dict[str, dict[int, Any]] = field(default_factory=dict)

    def put(self, step: str, declaration_id: int, result: Any) -> None:
        self.results.setdefault(step, {})[declaration_id] = result

    def get(self, step: str, declaration_id: int) -> Any:
        return self.results.get(step, {}).get(declaration_id)


StepFn = Callable[[Any, list[Stored], PathContext], None]
WarmFn = Callable[[Any, Settings], None]
PreFn = Callable[[Any, list[Prepared], Settings], None]

_STEPS: list[tuple[int, str, StepFn]] = []
_WARM: dict[str, WarmFn] = {}
_PRE: dict[str, PreFn] = {}
_LOADED = False
_LOCK = threading.Lock()

# Modules that register a step when imported; a capability not built yet is skipped.
BUILTIN = ("cix.matching.step", "cix.valuation.step", "cix.risk.step")


def register(name: str, order: int, fn: StepFn, *, warm: WarmFn | None = None, pre: PreFn | None = None) -> None:
    """Add (or replace) the step ``name``; steps run by ascending ``order``. ``warm(conn, settings)``,
    if given, loads what the step keeps in memory (model, profiles, references) ahead of its first batch.
    ``pre(store, prepared, settings)``, if given, works out ahead what depends on each record alone (and
    on state that rarely changes) into ``Prepared.pre[name]``, outside the write turn (see :func:`pre`)."""
    _STEPS[:] = [s for s in _STEPS if s[1] != name]
    _STEPS.append((order, name, fn))
    _STEPS.sort(key=lambda s: (s[0], s[1]))
    for table, hook in ((_WARM, warm), (_PRE, pre)):
        if hook is not None:
            table[name] = hook  # type: ignore[assignment]
        else:
            table.pop(name, None)


def warm(store: Any, settings: Settings | None = None) -> None:
    """Load every step's in-memory state from ``store`` now (a worker or lodging process starting up),
    so that the first batch does not pay for it inside the write turn. Only reads; a failure here is
    left for the step itself to report when it runs."""
    load()
    settings = settings or Settings()
    try:
        with store.read() as conn:
            for name in names():
                fn = _WARM.get(name)
                if fn is not None:
                    fn(conn, settings)
    except Exception:  # the step raises it again, with its own message, when a batch needs it
        log.warning("warming the declaration path's steps failed", exc_info=True)


def pre(store: Any, prepared: list[Prepared], settings: Settings | None = None) -> None:
    """Let every step work out ahead, for records about to be stored, what depends on each record alone.

    Import workers call it while a batch is checked, in parallel, before the batch waits for its
    write turn; the steps then run as usual in the turn and use what they find in ``Prepared.pre`` only
    if it still holds (a step records, with its result, the state it used: the reference index, the
    rate book). It only reads, and it is only a shortcut: a step whose ``pre`` fails is left to do its
    work in the turn."""
    load()
    settings = settings or Settings()
    for name in names():
        fn = _PRE.get(name)
        if fn is None:
            continue
        try:
            fn(store, prepared, settings)
        except Exception:  # the step does the work itself in the turn (and reports any error there)
            log.warning("the declaration path's step %s could not work ahead", name, exc_info=True)
            for p in prepared:
                p.pre.pop(name, None)


def load() -> None:
    """Import the built-in steps once (each registers itself)."""
    global _LOADED
    if _LOADED:
        return
    with _LOCK:
        if _LOADED:
            return
        for mod in BUILTIN:
            try:
                importlib.import_module(mod)
            except ModuleNotFoundError as exc:
                if exc.name is None or not mod.startswith(exc.name):
                    raise
        _LOADED = True


def names() -> list[str]:
    load()
    return [name for _o, name, _f in _STEPS]


def run(conn: Any, stored: list[Stored], settings: Settings | None = None) -> PathContext:
    """Run every step over the declarations a batch stored, inside the batch's transaction."""
    load()
    ctx = PathContext(settings or Settings())
    if stored:
        for _order, _name, fn in list(_STEPS):
            fn(conn, stored, ctx)
    return ctx
