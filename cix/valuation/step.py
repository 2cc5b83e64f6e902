"""The declaration-path step "valuation" (order 20): check each stored import declaration's goods.

It runs inside the batch's write transaction: the reference index comes from memory (reloaded only
when a build or a manual value changed), the unit values from the node's rate book, and the results
go into ``valuation_results`` (one row per declaration, in one bulk insert) and into the path
context under "valuation" for the risk step. Only import declarations are checked (export data and
preliminary information carry no customs value). An import worker checks its batch ahead, outside
the transaction (:func:`pre`); the step keeps that result when the index, the rate book and the
parameters it used are still the current ones.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
from sqlalchemy import Connection, select

from cix.pipeline import steps
from cix.reference.fx import RateBook, rate_book
from cix.settings import Settings
from cix.store.db import delete_ids, insert_rows
from cix.store.declarations import Prepared, now
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
    rows: list[tuple[Any, ...]] = []
    for s in imports:
        ahead = s.prepared.pre.get(NAME)
        if ahead is not None and ahead[0] is idx and ahead[1] is book and ahead[2] == p:
            result = ahead[3]  # checked while the batch was checked, against this same index and rate book
        else:
            result = _check(s.row, s.goods, idx, book, p, texts, found)
        ctx.put(NAME, s.id, result)
        rows.append(_row(s.id, result, at))
    save(conn, rows)


def _check(row: dict[str, Any], goods: list[dict[str, Any]], idx: Any, book: RateBook, p: Params, texts: Any,
           found: Any) -> dict[str, Any]:  # fmt: skip
    on = row["declared_on"]
    if isinstance(on, str):
        on = dt.date.fromisoformat(on)
    return check.check_declaration(goods, on, idx, book, p, texts, found)


def pre(store: Any, prepared: list[Prepared], settings: Settings) -> None:
    """Check the imports of a batch ahead (see :func:`cix.pipeline.steps.pre`), noting the index, rate
    book and parameters used: the step takes the result only if they are still the current ones."""
    imports = [x for x in prepared if x.row.get("kind") == "import"]
    if not imports:
        return
    with store.read() as conn:
        idx = index.current(conn)
    book = _book(settings)
    p = params(settings)
    texts, found = check.texts(), check.finder(idx, p.min_count)
    for x in imports:
        x.pre[NAME] = (idx, book, p, _check(x.row, x.goods, idx, book, p, texts, found))


_COLS = ("declaration_id", "status", "flagged", "max_score", "undervalued_amount", "duty_at_stake", "currency",
         "build_id", "checked_at", "result")  # fmt: skip


def _row(declaration_id: int, result: dict[str, Any], at: dt.datetime) -> tuple[Any, ...]:
    return (declaration_id, result["status"], int(result["flagged"]), result["max_score"],
            result["undervalued_amount"], result["duty_at_stake"], result["currency"], result["build_id"], at,
            orjson.dumps(result).decode())  # fmt: skip


def save(conn: Connection, rows: list[tuple[Any, ...]]) -> None:
    """Store results (tuples in the order of ``_COLS``), replacing earlier ones of the same declarations."""
    if not rows:
        return
    delete_ids(conn, valuation_results, "declaration_id", [r[0] for r in rows])
    insert_rows(conn, valuation_results, _COLS, rows)


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


def warm(conn: Connection, settings: Settings) -> None:
    index.current(conn)
    _book(settings)


steps.register(NAME, 20, run, warm=warm, pre=pre)
