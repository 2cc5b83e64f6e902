"""Try a profile on stored declarations: what it would have selected, and its hit rate so far.

:func:`test_profile` runs a stored profile (or a definition not stored yet) over the most recent N
declarations or a date range, with the facts the path would have given it (history as known before
each declaration's date), and compares what it selects with the inspections recorded for those
declarations (result ``fraud`` / ``no_fraud``): hit rate of the selection beside the hit rate of all
inspected declarations in the window. Matching and valuation results are not kept by this package:
a caller that has them passes ``results`` (``{"matching": {id: result}, "valuation": {...}}``);
otherwise conditions on them see unknown values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, select

from cix.errors import UsageError
from cix.i18n import _
from cix.model.declaration import Declaration
from cix.pipeline.steps import PathContext, Stored
from cix.risk.profiles import facts as F
from cix.risk.profiles import repository as repo
from cix.risk.profiles.compiler import compile_condition
from cix.settings import Settings
from cix.store.declarations import Prepared
from cix.store.schema import declarations, goods_items, inspections

_BATCH = 2000
_ITEM_COLS = [c for c in goods_items.c if c.name not in ("id",)]


def _window(conn: Connection, last: int | None, since: dt.date | None, until: dt.date | None) -> list[Any]:
    q = select(declarations)
    if since:
        q = q.where(declarations.c.declared_on >= since)
    if until:
        q = q.where(declarations.c.declared_on <= until)
    q = q.order_by(declarations.c.declared_on.desc(), declarations.c.id.desc())
    if last or not (since or until):
        q = q.limit(last or 1000)
    return list(conn.execute(q).mappings())


def stored_of(conn: Connection, rows: list[Any]) -> list[Stored]:
    """Stored declarations as the path sees them (row, goods rows, validated declaration)."""
    goods: dict[int, list[dict[str, Any]]] = {}
    ids = [r["id"] for r in rows]
    for i in range(0, len(ids), 900):
        q = select(*_ITEM_COLS).where(goods_items.c.declaration_id.in_(ids[i : i + 900]))
        for g in conn.execute(q.order_by(goods_items.c.declaration_id, goods_items.c.seq)).mappings():
            goods.setdefault(g["declaration_id"], []).append(dict(g))
    out = []
    for r in rows:
        decl = Declaration.model_validate_json(r["data"])
        out.append(Stored(r["id"], Prepared(dict(r), goods.get(r["id"], []), decl=decl)))
    return out


def _outcomes(conn: Connection, ids: list[int]) -> dict[int, str]:
    """``fraud`` when any inspection of the declaration found fraud, else ``no_fraud``."""
    out: dict[int, str] = {}
    for i in range(0, len(ids), 900):
        q = select(inspections.c.declaration_id, inspections.c.result).where(
            inspections.c.declaration_id.in_(ids[i : i + 900])
        )
        for did, result in conn.execute(q):
            if out.get(did) != "fraud":
                out[did] = "fraud" if result == "fraud" else "no_fraud"
    return out


def test_profile(
    conn: Connection,
    profile: str | Mapping[str, Any],
    *,
    version: int | None = None,
    last: int | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    show: int = 20,
    results: Mapping[str, Mapping[int, Any]] | None = None,
) -> dict[str, Any]:
    """Run a profile (id of a stored one, or a definition) over stored declarations; see the module doc."""
    if last is not None and last < 1:
        raise UsageError(_("--last must be at least 1"))
    if isinstance(profile, str):
        p = repo.get_profile(conn, profile, version)
    else:
        p = repo.check_definition(profile)
        p["version"] = None
    compiled = compile_condition(p["condition"])
    rows = _window(conn, last, since, until)
    ctx = PathContext(Settings.model_construct())
    for step, by_id in (results or {}).items():
        for did, res in by_id.items():
            ctx.put(step, did, res)
    selected: list[dict[str, Any]] = []
    ids = [r["id"] for r in rows]
    outcome = _outcomes(conn, ids)
    for i in range(0, len(rows), _BATCH):
        batch = stored_of(conn, rows[i : i + _BATCH])
        for s, f in zip(batch, F.build(conn, batch, ctx, fields=compiled.fields), strict=True):
            if compiled.fn(f):
                selected.append({"id": s.id, "natural_key": s.row["natural_key"], "declared_on": s.row["declared_on"],
                                 "importer_id": s.row["importer_id"], "office": s.row["office"],
                                 "inspection": outcome.get(s.id)})  # fmt: skip
    n, k = len(rows), len(selected)
    inspected = len(outcome)
    frauds = sum(1 for v in outcome.values() if v == "fraud")
    sel_inspected = sum(1 for s in selected if s["inspection"])
    sel_frauds = sum(1 for s in selected if s["inspection"] == "fraud")
    days = [r["declared_on"] for r in rows]
    return {
        "profile": p["id"],
        "version": p["version"],
        "condition": p["condition"],
        "from": min(days) if days else None,
        "to": max(days) if days else None,
        "evaluated": n,
        "selected": k,
        "selection_rate": k / n if n else None,
        "inspected": inspected,
        "frauds": frauds,
        "base_hit_rate": frauds / inspected if inspected else None,
        "selected_inspected": sel_inspected,
        "selected_frauds": sel_frauds,
        "hit_rate": sel_frauds / sel_inspected if sel_inspected else None,
        "declarations": selected[:show],
    }


test_profile.__test__ = False  # type: ignore[attr-defined]  # not a pytest test
