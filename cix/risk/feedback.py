"""What inspections say about the selection: hit rates by channel and profile, precision at the selected rate.

For the decided declarations (optionally of one period), :func:`metrics` gives

* ``by_channel``: per channel in force, the declarations, how many were inspected, how many of those
  found fraud (``hit_rate`` = frauds / inspected) and the duty recovered;
* ``by_profile``: the same per risk profile that hit (from the decisions' reasons), and for the
  ``random`` selection, which estimates the fraud rate of the whole flow;
* ``selected``: red and yellow together — the selected rate (selected / decided), precision
  (frauds / inspected among them) and the duty recovered;
* ``overrides``: how many decisions officers overrode, by (from, to) channel;
* ``model_versions``: decisions per model version.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import Connection, func, select

from cix.store.schema import inspections
from cix.store.tables_risk import risk_decisions, risk_overrides

SELECTED = ("red", "yellow")


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 6) if b else None


def _block() -> dict[str, Any]:
    return {"declarations": 0, "inspected": 0, "fraud": 0, "duty_recovered": 0.0}


def _finish(b: dict[str, Any]) -> dict[str, Any]:
    b["hit_rate"] = _ratio(b["fraud"], b["inspected"])
    b["duty_recovered"] = round(b["duty_recovered"], 2)
    return b


def metrics(conn: Connection, *, since: dt.date | None = None, until: dt.date | None = None) -> dict[str, Any]:
    def period(q: Any) -> Any:
        if since is not None:
            q = q.where(risk_decisions.c.day >= since)
        if until is not None:
            q = q.where(risk_decisions.c.day <= until)
        return q

    by_channel: dict[str, dict[str, Any]] = {}
    q = period(select(risk_decisions.c.channel, func.count()).group_by(risk_decisions.c.channel))
    total = 0
    for ch, n in conn.execute(q):
        by_channel.setdefault(ch, _block())["declarations"] = n
        total += n
    # The last inspection of each inspected declaration counts.
    last = select(func.max(inspections.c.id).label("id")).group_by(inspections.c.declaration_id).subquery()
    q = period(
        select(
            risk_decisions.c.channel,
            risk_decisions.c.reasons,
            inspections.c.result,
            inspections.c.duty_recovered,
        )
        .join(inspections, inspections.c.declaration_id == risk_decisions.c.declaration_id)
        .join(last, last.c.id == inspections.c.id)
    )
    by_profile: dict[str, dict[str, Any]] = {}
    profile_counts: Counter[str] = Counter()
    for ch, reasons, result, duty in conn.execute(q):
        fraud = result == "fraud"
        b = by_channel.setdefault(ch, _block())
        b["inspected"] += 1
        b["fraud"] += fraud
        b["duty_recovered"] += float(duty or 0.0)
        for r in reasons or []:
            if r.get("kind") in ("profile", "random"):
                name = str(r.get("id")) if r["kind"] == "profile" else "random"
                p = by_profile.setdefault(name, _block())
                p["inspected"] += 1
                p["fraud"] += fraud
                p["duty_recovered"] += float(duty or 0.0)
    # How many declarations each profile hit (all decisions, not only the inspected ones).
    for (reasons,) in conn.execute(period(select(risk_decisions.c.reasons))):
        for r in reasons or []:
            if r.get("kind") == "profile":
                profile_counts[str(r.get("id"))] += 1
            elif r.get("kind") == "random":
                profile_counts["random"] += 1
    for name, n in profile_counts.items():
        by_profile.setdefault(name, _block())["declarations"] = n
    sel = _block()
    for ch in SELECTED:
        blk = by_channel.get(ch)
        if blk:
            for k in ("declarations", "inspected", "fraud", "duty_recovered"):
                sel[k] += blk[k]
    overrides = Counter(
        f"{a}->{b}" for a, b in conn.execute(select(risk_overrides.c.from_channel, risk_overrides.c.to_channel))
    )
    versions = {
        str(v): n
        for v, n in conn.execute(
            period(select(risk_decisions.c.model_version, func.count()).group_by(risk_decisions.c.model_version))
        )
    }
    return {
        "decisions": total,
        "by_channel": {ch: _finish(b) for ch, b in sorted(by_channel.items())},
        "by_profile": {p: _finish(b) for p, b in sorted(by_profile.items())},
        "selected": {
            "channels": list(SELECTED),
            "declarations": sel["declarations"],
            "rate": _ratio(sel["declarations"], total),
            "inspected": sel["inspected"],
            "fraud": sel["fraud"],
            "precision": _ratio(sel["fraud"], sel["inspected"]),
            "duty_recovered": round(sel["duty_recovered"], 2),
        },
        "overrides": {"total": sum(overrides.values()), "by_change": dict(overrides)},
        "model_versions": versions,
    }
