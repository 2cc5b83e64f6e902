"""Receiving price records: a handler for the ``price_record`` message type.

Each accepted message holds groups of the partner's statistics (see :mod:`cix.valuation.records`).
Every group is checked (HS code of 4 to 10 digits, origin a country code or ``*``, a known unit,
count ≥ 1, 0 < q1 ≤ median ≤ q3, MAD ≥ 0, ISO dates with from ≤ to, an ISO currency); good ones
are stored by partner and group, a newer record replacing the older one of the same group; bad
ones are never dropped silently: each is written to the audit log as ``price_record.refused`` with
the rule, the field path and the value. The next ``cix prices build`` uses the stored records.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from sqlalchemy import and_, delete, or_

from cix.exchange import handlers
from cix.reference.countries import is_country, is_currency
from cix.reference.units import is_unit
from cix.store import audit
from cix.store.declarations import now
from cix.store.tables_valuation import price_partner_records
from cix.valuation.stats import ALL_ORIGINS

TYPE = "price_record"


def _date(v: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(v))
    except ValueError:
        return None


def _num(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        return None
    return float(v)


def check_record(rec: Any, path: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """A stored-row dict of one group, or the problems (rule, path, value, message)."""
    if not isinstance(rec, dict):
        return None, [{"rule": "price_record.shape", "path": path, "value": rec, "message": "not an object"}]
    problems: list[dict[str, Any]] = []

    def bad(field: str, message: str) -> None:
        problems.append(
            {"rule": f"price_record.{field}", "path": f"{path}/{field}", "value": rec.get(field), "message": message}
        )

    code = rec.get("hs_code")
    if not isinstance(code, str) or not code.isdigit() or not 4 <= len(code) <= 10:
        bad("hs_code", "an HS code of 4 to 10 digits")
    origin = rec.get("origin")
    if not isinstance(origin, str) or not (origin == ALL_ORIGINS or is_country(origin)):
        bad("origin", "an ISO 3166 alpha-2 code or *")
    unit = rec.get("unit")
    if not isinstance(unit, str) or not is_unit(unit):
        bad("unit", "a UN/ECE Rec 20 unit code")
    count = rec.get("count")
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        bad("count", "a whole number of declarations, at least 1")
    q1, med, q3, mad = (_num(rec.get(k)) for k in ("q1", "median", "q3", "mad_log"))
    if med is None or med <= 0:
        bad("median", "a unit value above zero")
    if q1 is None or q1 <= 0 or (med is not None and q1 > med):
        bad("q1", "a unit value above zero, not above the median")
    if q3 is None or (med is not None and q3 < med):
        bad("q3", "a unit value not below the median")
    if mad is None or mad < 0:
        bad("mad_log", "a spread of zero or more")
    if problems:
        return None, problems
    return {
        "hs_code": code, "origin": origin, "unit": unit, "count": count,
        "median": med, "q1": q1, "q3": q3, "mad_log": mad,
    }, []  # fmt: skip


def store_records(store: Any, items: handlers.Items) -> None:
    """The handler: keep each partner's valid groups, audit every refused one."""
    rows: list[dict[str, Any]] = []
    refused: list[dict[str, Any]] = []
    at = now()
    for mid, sender, payload in items:
        start, end = _date(payload.get("period_from")), _date(payload.get("period_to"))
        ccy = payload.get("currency")
        head: list[dict[str, Any]] = []
        if start is None or end is None or start > end:
            head.append({"rule": "price_record.period", "path": "/period_from", "value": payload.get("period_from"),
                         "message": "ISO dates with period_from not after period_to"})  # fmt: skip
        if not isinstance(ccy, str) or not is_currency(ccy):
            head.append({"rule": "price_record.currency", "path": "/currency", "value": ccy,
                         "message": "an ISO 4217 currency code"})  # fmt: skip
        records = payload.get("records")
        if not isinstance(records, list):
            head.append({"rule": "price_record.records", "path": "/records", "value": None,
                         "message": "a list of groups"})  # fmt: skip
            records = []
        if head:
            refused.append({"event": "price_record.refused", "actor": sender, "subject": mid,
                            "details": {"problems": head, "records": len(records)}})  # fmt: skip
            continue
        for i, rec in enumerate(records):
            row, problems = check_record(rec, f"/records/{i}")
            if row is None:
                refused.append({"event": "price_record.refused", "actor": sender, "subject": mid,
                                "details": {"problems": problems}})  # fmt: skip
                continue
            rows.append(
                {
                    **row,
                    "partner": sender,
                    "message_id": mid,
                    "currency": ccy,
                    "period_from": start,
                    "period_to": end,
                    "received_at": at,
                }
            )
    latest: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for r in rows:  # within one delivery the later record of a group wins
        latest[(r["partner"], r["hs_code"], r["origin"], r["unit"])] = r
    with store.write() as conn:
        keys = list(latest)
        for i in range(0, len(keys), 200):
            conn.execute(
                delete(price_partner_records).where(
                    or_(
                        *(
                            and_(
                                price_partner_records.c.partner == p,
                                price_partner_records.c.hs_code == c,
                                price_partner_records.c.origin == o,
                                price_partner_records.c.unit == u,
                            )
                            for p, c, o, u in keys[i : i + 200]
                        )
                    )
                )
            )
        if latest:
            conn.execute(price_partner_records.insert(), list(latest.values()))
        if refused:
            audit.append(conn, refused)


handlers.register(TYPE, store_records)
