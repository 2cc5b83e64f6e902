"""Channel decisions: read them, explain them, and let an officer override them with a written reason.

A decision (``risk_decisions``) keeps the channel the risk step chose (``decided_channel``), the
channel in force (``channel``: the same, or an officer's override), the score, every reason, the
model inputs and the model version. An override needs a written reason; it is kept in
``risk_overrides`` (counted by :func:`cix.risk.feedback.metrics`), marks the decision so a later
re-decision leaves it alone, moves the capacity counts of its office and day, and is audit-logged.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, func, select, update

from cix.errors import NotFound, UsageError
from cix.i18n import _
from cix.risk import node_model, registry
from cix.risk.selectivity import CHANNELS, _upsert_capacity
from cix.store import audit
from cix.store.schema import declarations, goods_items
from cix.store.tables_risk import risk_decisions, risk_overrides


def _plain(r: Any) -> dict[str, Any]:
    d = dict(r)
    for k in ("day", "decided_at", "at"):
        if isinstance(d.get(k), dt.date):
            d[k] = d[k].isoformat()
    return d


def get(conn: Connection, declaration_id: int) -> dict[str, Any]:
    """The decision of a declaration with its overrides (newest last)."""
    r = conn.execute(select(risk_decisions).where(risk_decisions.c.declaration_id == declaration_id)).mappings().first()
    if r is None:
        raise NotFound(_("no decision for declaration {id}").format(id=declaration_id))
    d = _plain(r)
    q = select(risk_overrides).where(risk_overrides.c.declaration_id == declaration_id).order_by(risk_overrides.c.id)
    d["overrides"] = [_plain(o) for o in conn.execute(q).mappings()]
    return d


def list_decisions(
    conn: Connection,
    *,
    channel: str | None = None,
    office: str | None = None,
    day: dt.date | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[dict[str, Any]]]:
    """Decisions, newest first, with filters; and how many match."""
    q = select(risk_decisions)
    if channel:
        q = q.where(risk_decisions.c.channel == channel)
    if office:
        q = q.where(risk_decisions.c.office == office)
    if day:
        q = q.where(risk_decisions.c.day == day)
    total = conn.execute(select(func.count()).select_from(q.subquery())).scalar() or 0
    rows = conn.execute(q.order_by(risk_decisions.c.id.desc()).limit(limit).offset(offset)).mappings()
    return total, [_plain(r) for r in rows]


def override(
    conn: Connection, declaration_id: int, channel: str, reason: str, *, officer: str | None
) -> dict[str, Any]:
    """Set the channel of a declaration by hand; the written reason is required."""
    if channel not in CHANNELS:
        raise UsageError(_("unknown channel {channel} (green, blue, yellow, red)").format(channel=channel))
    if not reason or not reason.strip():
        raise UsageError(_("an override needs a written reason"))
    cur = get(conn, declaration_id)
    before = cur["channel"]
    now = dt.datetime.now(dt.UTC)
    conn.execute(
        risk_overrides.insert().values(
            declaration_id=declaration_id, from_channel=before, to_channel=channel, reason=reason.strip(),
            officer=officer, at=now,
        )
    )  # fmt: skip
    conn.execute(
        update(risk_decisions)
        .where(risk_decisions.c.declaration_id == declaration_id)
        .values(channel=channel, overridden=1)
    )
    day = dt.date.fromisoformat(cur["day"])
    delta = [0, (channel == "red") - (before == "red"), (channel == "yellow") - (before == "yellow")]
    if delta[1] or delta[2]:
        _upsert_capacity(conn, {(cur["office"] or "", day): delta})
    audit.append(
        conn,
        [{"event": "risk.decision.override", "actor": officer, "subject": str(declaration_id),
          "details": {"from": before, "to": channel, "reason": reason.strip()}}],
    )  # fmt: skip
    return get(conn, declaration_id)


def explain(conn: Connection, declaration_id: int, top: int = 5) -> dict[str, Any]:
    """The features that pushed the model's score of a declaration up (LightGBM contributions)."""
    from cix.model.declaration import Declaration

    d = get(conn, declaration_id)
    version = d.get("model_version")
    out: dict[str, Any] = {"declaration_id": declaration_id, "model_version": version, "features": []}
    if not version:
        return out
    row = conn.execute(select(declarations).where(declarations.c.id == declaration_id)).mappings().first()
    if row is None:
        raise NotFound(_("no declaration {id}").format(id=declaration_id))
    goods = [
        dict(g)
        for g in conn.execute(
            select(goods_items).where(goods_items.c.declaration_id == declaration_id).order_by(goods_items.c.seq)
        ).mappings()
    ]
    decl = Declaration.model_validate_json(row["data"])
    model = registry.load(conn, version)
    inputs = {k: (float("nan") if v is None else v) for k, v in (d.get("inputs") or {}).items()}
    df = node_model.frame([node_model.kcs_row(dict(row), goods, decl)], [inputs])
    return out | model.explain(df, top=top)[0]
