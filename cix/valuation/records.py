"""Price records for partners: aggregated statistics per group, sealed and queued in the outbox.

A ``price_record`` message carries the period, the currency (USD) and a list of groups of this
node's own accepted import declarations — HS code (full code or six digits), origin, unit, count,
median, quartiles and MAD of log unit value — never single declarations, and never figures that
came from partners (no echo). Groups below ``valuation_min_count`` are not sent. Messages hold at
most :data:`PER_MESSAGE` groups; each goes through :func:`cix.exchange.outbox.seal_for` (agreement
checks, scope, signature) and :func:`cix.exchange.outbox.enqueue`, in one write transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import polars as pl

from cix.agreements import Agreement, check_outbound
from cix.errors import NotFound, UsageError
from cix.exchange import agreement_store, outbox, partners
from cix.exchange.node import Node
from cix.i18n import _
from cix.reference.fx import RateBook, rate_book
from cix.settings import Settings
from cix.store.db import Store
from cix.valuation import build, stats

TYPE = "price_record"
PER_MESSAGE = 500
SHARED_LEVELS = (0, 1)  # full code and HS6, by origin


def payloads(
    store: Store,
    settings: Settings,
    *,
    as_of: dt.date | None = None,
    book: RateBook | None = None,
    hs_prefix: str | None = None,
) -> list[dict[str, Any]]:
    """``price_record`` payloads from this node's own declarations of the period ending ``as_of``."""
    as_of = as_of or dt.date.today()
    start, end = build.period(as_of, settings.valuation_period_months)
    book = book or rate_book(settings.home)
    with store.read() as conn:
        raw = build._read_own(conn, start, end)
    if hs_prefix:
        raw = raw.filter(pl.col("code").str.starts_with(hs_prefix))
    own, _skipped = build.own_observations(
        raw, national=build.national_currency(settings), book=book, window_days=settings.fx_window_days
    )
    groups = stats.reference_groups(
        own, as_of=as_of, half_life_days=settings.valuation_half_life_days, min_count=settings.valuation_min_count
    ).filter(pl.col("level").is_in(SHARED_LEVELS))
    records = [
        {
            "hs_code": r["hs_code"],
            "origin": r["origin"],
            "unit": r["unit"],
            "count": r["count"],
            "median": round(r["median"], 6),
            "q1": round(r["q1"], 6),
            "q3": round(r["q3"], 6),
            "mad_log": round(r["mad_log"], 6),
        }
        for r in groups.sort("hs_code", "origin", "unit").iter_rows(named=True)
    ]
    return [
        {
            "id": str(uuid.uuid4()),
            "date": as_of.isoformat(),
            "period_from": start.isoformat(),
            "period_to": end.isoformat(),
            "currency": build.USD,
            "records": records[i : i + PER_MESSAGE],
        }
        for i in range(0, len(records), PER_MESSAGE)
    ]


def agreement_for(store: Store, node: Node, partner_id: str, payload: dict[str, Any], on: dt.date) -> Agreement:
    """The first stored agreement that lets this node send ``payload`` as a price record to the partner."""
    with store.read() as conn:
        listed = agreement_store.list_agreements(conn)
        ids = [a["id"] for a in listed if TYPE in a["agreement"].get("message_types", {})]
        found = [agreement_store.get(conn, i) for i in ids]
    for a in found:
        if not check_outbound(a, node.id, partner_id, TYPE, payload, on):
            return a
    raise NotFound(
        _("no agreement lets {node} send price records to {partner}; add one (preset price-information)").format(
            node=node.id, partner=partner_id
        )
    )


def send(
    store: Store,
    settings: Settings,
    node: Node,
    partner_id: str,
    *,
    as_of: dt.date | None = None,
    book: RateBook | None = None,
    hs_prefix: str | None = None,
    agreement_id: str | None = None,
) -> dict[str, Any]:
    """Queue this node's price records for ``partner_id``; returns the message ids and counts."""
    on = as_of or dt.date.today()
    docs = payloads(store, settings, as_of=on, book=book, hs_prefix=hs_prefix)
    if not docs:
        raise UsageError(_("no price record to send: no group of this node has enough declarations"))
    with store.read() as conn:
        partner = partners.get(conn, partner_id)
        agreement = agreement_store.get(conn, agreement_id) if agreement_id else None
    agreement = agreement or agreement_for(store, node, partner_id, docs[0], dt.date.today())
    envs = [outbox.seal_for(node, partner, agreement, TYPE, d)[0] for d in docs]
    with store.write() as conn:
        ids = outbox.enqueue(conn, envs)
    return {
        "partner": partner_id,
        "agreement": agreement.id,
        "messages": ids,
        "records": sum(len(d["records"]) for d in docs),
        "period_from": docs[0]["period_from"],
        "period_to": docs[0]["period_to"],
    }
