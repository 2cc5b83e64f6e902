"""The declaration-path step "valuation" (order 20): check each stored import declaration's goods.

It runs inside the batch's write transaction: the reference index comes from memory (reloaded only
when a build or a manual value changed), the unit values from the node's rate book, and the results
go into ``valuation_results`` (one row per declaration, in one bulk insert) and into the path
context under "valuation" for the risk step. Only import declarations are checked (export data and
preliminary information carry no customs value).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
from sqlalchemy import Connection, delete, select

from cix.pipeline import steps
from cix.reference.fx import RateBook, rate_book
from cix.settings import Settings
from cix.store.declarations import now
from cix.store.tables_valuation import valuation_results
from cix.valuation import check, index
from cix.valuation.build import national_currency
from cix.valuation.check import Params

NAME = "valuation"


def params(settings: Settings) -> Params:
    return Params(
        threshold=settings.valuation_threshold,
        min_count=settings.valuation_min_count,
        period_months=settings.valuation_period_months,
        national=national_currency(settings),
        fx_window_days=settings.fx_window_days,
    )


def _book(settings: Settings) -> RateBook:
    return rate_book(settings.home)


def run(conn: Connection, stored: list[steps.Stored], ctx: steps.PathContext) -> None:
    imports = [s for s in stored if s.row.get("kind") == "import"]
    if not imports:
        return
    settings = ctx.settings
    idx = index.current(conn)
    book = _book(settings)
    p = params(settings)
    texts, found = check.texts(), check.finder(idx, p.min_count)  # once a batch: language, look-up memo
    at = now()
    rows: list[dict[str, Any]] = []
    for s in imports:
        on = s.row["declared_on"]
        if isinstance(on, str):
            on = dt.date.fromisoformat(on)
        result = check.check_declaration(s.goods, on, idx, book, p, texts, found)
        ctx.put(NAME, s.id, result)
        rows.append(_row(s.id, result, at))
    save(conn, rows)


def _row(declaration_id: int, result: dict[str, Any], at: dt.datetime) -> dict[str, Any]:
    return {
        "declaration_id": declaration_id,
        "status": result["status"],
        "flagged": int(result["flagged"]),
        "max_score": result["max_score"],
        "undervalued_amount": result["undervalued_amount"],
        "duty_at_stake": result["duty_at_stake"],
        "currency": result["currency"],
        "build_id": result["build_id"],
        "checked_at": at,
        "result": orjson.dumps(result).decode(),
    }


def save(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Store results, replacing earlier ones of the same declarations (a re-check)."""
    if not rows:
        return
    ids = [r["declaration_id"] for r in rows]
    for i in range(0, len(ids), 900):
        conn.execute(delete(valuation_results).where(valuation_results.c.declaration_id.in_(ids[i : i + 900])))
    conn.execute(valuation_results.insert(), rows)


def result_of(conn: Connection, declaration_id: int) -> dict[str, Any] | None:
    """The stored valuation result of a declaration (None when it has none)."""
    raw = conn.execute(
        select(valuation_results.c.result, valuation_results.c.checked_at).where(
            valuation_results.c.declaration_id == declaration_id
        )
    ).first()
    if raw is None:
        return None
    out: dict[str, Any] = orjson.loads(raw[0])
    out["checked_at"] = raw[1].isoformat() if hasattr(raw[1], "isoformat") else str(raw[1])
    return out


steps.register(NAME, 20, run)
