"""The "risk" step of the declaration path (order 30): a channel with reasons for every stored import.

Runs after matching (10) and valuation (20) inside the batch's write transaction; the decisions are
made by :func:`cix.risk.selectivity.decide`. When matching reports a new result for an import stored
by an earlier batch (a partner's export data arrived after it), that import is decided again with the
new matching result, unless an officer overrode its channel.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from cix.pipeline import steps
from cix.risk import selectivity
from cix.store.declarations import Prepared
from cix.store.schema import declarations, goods_items


def _earlier(conn: Connection, ids: list[int]) -> list[steps.Stored]:
    """Stored imports of earlier batches as path records (row, goods, declaration)."""
    from cix.model.declaration import Declaration

    out: list[steps.Stored] = []
    for i in range(0, len(ids), 900):
        part = ids[i : i + 900]
        rows = {
            r["id"]: dict(r) for r in conn.execute(select(declarations).where(declarations.c.id.in_(part))).mappings()
        }
        goods: dict[int, list[dict[str, Any]]] = {}
        q = select(goods_items).where(goods_items.c.declaration_id.in_(part)).order_by(goods_items.c.seq)
        for g in conn.execute(q).mappings():
            goods.setdefault(g["declaration_id"], []).append(dict(g))
        for did in part:
            r = rows.get(did)
            if r is None or r["kind"] != "import":
                continue
            decl = Declaration.model_validate_json(r["data"])
            out.append(steps.Stored(did, Prepared(r, goods.get(did, []), decl=decl)))
    return out


def run(conn: Connection, stored: list[steps.Stored], ctx: steps.PathContext) -> None:
    selectivity.decide(conn, stored, ctx)
    mine = {s.id for s in stored}
    later = sorted(set(ctx.results.get("matching", {})) - mine)
    if later:
        kept = selectivity.release(conn, later)
        again = _earlier(conn, [i for i in later if i not in kept])
        if again:
            selectivity.decide(conn, again, ctx)


def warm(conn: Connection, settings: Any) -> None:
    """The active model, the day's compiled profiles and the inspection books, loaded ahead."""
    import datetime as dt

    selectivity._active_model(conn)
    engine, facts = selectivity._profiles()
    if engine is not None:
        profiles = engine.active(conn, dt.date.today())
        if profiles:
            engine.selector(profiles)
    if facts is not None and conn.dialect.name == "sqlite" and facts.CACHE_INSPECTIONS:
        facts._BOOKS.timelines(conn, [], [])


def pre(store: Any, prepared: list[Any], settings: Any) -> None:
    """Made ahead while the batch is checked, for each import: the model's row (its id set in the turn),
    the profiles' facts that depend on the declaration alone, and the hits of the active profiles that
    read only those facts (used in the turn while the same profiles are active)."""
    import datetime as dt

    from cix.risk import node_model
    from cix.risk.profiles import engine, facts

    imports = [x for x in prepared if x.row.get("kind") == "import" and x.decl is not None]
    if not imports:
        return
    with store.read() as conn:
        profiles = engine.active(conn, dt.date.today())
    ahead = engine.run_ahead(profiles)
    pick = engine.selector(profiles) if profiles else None
    for x in imports:
        own = facts.own_facts(x.row, x.goods, x.decl)
        x.pre["risk"] = {"kcs_row": node_model.kcs_row(x.row, x.goods, x.decl), "facts": own}
        if pick is not None and ahead:
            # The profiles that read only these facts, run now: their hits, with the list they came from.
            hits = frozenset(id(p) for p in pick(own) if id(p) in ahead and p.fn(own))
            x.pre["risk"]["profiles"] = (profiles, hits)


steps.register("risk", 30, run, warm=warm, pre=pre)
