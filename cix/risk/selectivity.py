"""Selectivity: profiles, model score, valuation, matching and AEO status → a channel with every reason.

For each import declaration of a batch (see ``docs/risk-engine.md``):

1. **score** = the active model's score (0 without a model) + each hit profile's ``weight`` × the
   yellow threshold (weight 1 alone reaches yellow) + the yellow threshold if valuation flagged the
   declaration + the yellow (high) or blue (medium) threshold per the worst matching discrepancy;
   an AEO importer's score is halved. Thresholds are the model's (stored at training time) or
   :data:`DEFAULT_THRESHOLDS` without one.
2. the score gives the **wanted** channel (red / yellow / blue / green); a hit profile with a
   channel raises it to at least that channel. A profile with a ``random_rate`` also selects that
   share of its hits at random (drawn by a hash of the declaration key, so a re-run decides the
   same) for its channel, or a documentary check (yellow) when it has none.
3. **green corridor**: an AEO importer whose partner export data matched cleanly goes green unless
   a *hard* profile hits.
4. a **hard** profile's channel is applied whatever the capacity; so are the **random** selections
   (``settings.random_share`` of all declarations go red, and the profiles' own random rates).
5. **capacity**: per office and declaration day at most ``red_share`` of declarations go red and
   ``yellow_share`` yellow (of the declarations decided so far that day, this batch included);
   within a batch the highest scores get the places first,
   a declaration over capacity drops to the next channel with the reason ``capacity``.

The running counts per office and day live in ``risk_capacity`` (upserted by increment, so workers
on PostgreSQL add up). One decision row per declaration is written in bulk with its reasons, the
model inputs and the model version, and the result goes to the path context as ``"risk"``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, delete, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from cix.risk import node_model, registry
from cix.risk.targeting import fast
from cix.store.db import insert_rows
from cix.store.tables_risk import risk_capacity, risk_decisions

CHANNELS = ("green", "blue", "yellow", "red")
RANK = {c: i for i, c in enumerate(CHANNELS)}
DEFAULT_THRESHOLDS = {"red": 1.0, "yellow": 0.5, "blue": 0.25}
AEO_FACTOR = 0.5
#: Batches up to this size are scored by :mod:`cix.risk.targeting.fast` (per-row Python), larger by Polars.
FAST_MAX = 256


@dataclass
class Case:
    """One declaration being decided."""

    id: int
    row: dict[str, Any]
    goods: list[dict[str, Any]]
    decl: Any
    office: str
    day: dt.date
    key: str
    aeo: bool
    valuation: dict[str, Any] | None
    matching: dict[str, Any] | None
    score: float = 0.0
    reasons: list[dict[str, Any]] = field(default_factory=list)
    wanted: str = "green"
    forced: str | None = None
    channel: str = "green"
    inputs: dict[str, float] = field(default_factory=dict)
    # What the risk step worked out ahead for this record (cix.pipeline.steps.pre), if anything.
    ahead: dict[str, Any] = field(default_factory=dict)


def draw(key: str, salt: str = "") -> float:
    """A uniform number in [0, 1) fixed by the declaration key (and a salt): reproducible random selection."""
    h = hashlib.blake2b(f"{salt}\0{key}".encode(), digest_size=8).digest()
    return int.from_bytes(h, "big") / 2.0**64


def _max(a: str, b: str | None) -> str:
    return a if b is None or RANK[a] >= RANK[b] else b


def _profiles() -> tuple[Any, Any]:
    """The profile engine and its facts builder, or (None, None) while they are not there."""
    try:
        from cix.risk.profiles import engine, facts
    except ImportError:
        return None, None
    return engine, facts


def _worst(disc: list[dict[str, Any]]) -> str | None:
    sev = {d.get("severity") for d in disc}
    return "high" if "high" in sev else "medium" if "medium" in sev else None


def _active_model(conn: Connection) -> tuple[str | None, Any]:
    """:func:`registry.active`, with the version read through the SQLite driver (no statement compile per call)."""
    if conn.dialect.name != "sqlite":
        return registry.active(conn)
    v = conn.exec_driver_sql("SELECT version FROM risk_models WHERE status = ? LIMIT 1", (registry.ACTIVE,)).scalar()
    return (v, registry.load(conn, v)) if v else (None, None)


def score_cases(
    conn: Connection, cases: list[Case], ctx: Any, stored: list[Any]
) -> tuple[str | None, dict[str, float]]:
    """Model score, profile hits, valuation, matching and AEO into each case's score and reasons."""
    version, model = _active_model(conn)
    t = dict(model.thresholds) if model is not None and model.thresholds else dict(DEFAULT_THRESHOLDS)
    for c in cases:
        c.inputs = node_model.inputs_of(c.valuation, c.matching, c.aeo)
    if model is not None:
        rows = [
            {**c.ahead["kcs_row"], node_model.kcs.ID: str(c.id)} if "kcs_row" in c.ahead
            else node_model.kcs_row(c.row | {"id": c.id}, c.goods, c.decl)
            for c in cases
        ]  # fmt: skip
        if len(rows) <= FAST_MAX:  # a few rows (an API request): plain Python features, no Polars frames
            scores = fast.score(model, [r | c.inputs for r, c in zip(rows, cases, strict=True)])
        else:
            scores = model.score(node_model.frame(rows, [c.inputs for c in cases]))
        for c, s in zip(cases, scores, strict=True):
            c.score = float(s)
            c.reasons.append({"kind": "model", "version": version, "score": round(float(s), 6)})
    engine, pfacts = _profiles()
    profiles = engine.active(conn, dt.date.today()) if engine is not None else []
    pick = engine.selector(profiles) if profiles else None  # before needed_fields: it keeps the fields too
    facts = pfacts.build(conn, stored, ctx, fields=engine.needed_fields(profiles)) if profiles else []
    ahead = engine.run_ahead(profiles) if profiles else frozenset()
    for i, c in enumerate(cases):
        f = facts[i] if i < len(facts) else None
        if f is not None and pick is not None:
            made = c.ahead.get("profiles")
            hits = made[1] if made is not None and made[0] is profiles else None
            for p in pick(f):
                # A profile that reads only facts made ahead was run then, on the same profiles; the
                # others run here (CompiledProfile.matches without the extra call).
                if not (id(p) in hits if hits is not None and id(p) in ahead else p.fn(f)):
                    continue
                ch = p.channel
                w = float(p.weight or 0.0)
                c.score += w * t["yellow"]
                c.reasons.append(
                    {"kind": "profile", "id": p.id, "version": p.version, "channel": ch, "weight": w,
                     "hard": bool(p.hard), "description": p.description}
                )  # fmt: skip
                if ch in RANK:
                    if p.hard:
                        c.forced = _max(ch, c.forced)
                    c.wanted = _max(ch, c.wanted)
                rate = float(p.random_rate or 0.0)
                if rate > 0.0 and draw(c.key, f"profile:{p.id}") < rate:
                    c.forced = _max(ch if ch in RANK and ch != "green" else "yellow", c.forced)
                    c.reasons.append({"kind": "random", "profile": p.id, "rate": rate})
        if c.valuation and c.valuation.get("flagged"):
            c.score += t["yellow"]
            c.reasons.append(
                {"kind": "valuation", "max_score": c.valuation.get("max_score"),
                 "undervalued_amount": c.valuation.get("undervalued_amount"),
                 "duty_at_stake": c.valuation.get("duty_at_stake")}
            )  # fmt: skip
        if c.matching:
            worst = _worst(c.matching.get("discrepancies") or [])
            if worst:
                c.score += t["yellow"] if worst == "high" else t["blue"]
            if worst or c.matching.get("status") != "matched":
                c.reasons.append(
                    {"kind": "matching", "status": c.matching.get("status"), "worst": worst,
                     "discrepancies": len(c.matching.get("discrepancies") or [])}
                )  # fmt: skip
        if c.aeo:
            c.score *= AEO_FACTOR
            c.reasons.append({"kind": "aeo", "factor": AEO_FACTOR})
        by_score = "red" if c.score >= t["red"] else "yellow" if c.score >= t["yellow"] else "blue"
        if c.score < t["blue"]:
            by_score = "green"
        c.wanted = _max(by_score, c.wanted)
    return version, t


_ZERO = (0, 0, 0)


def _by_score(c: Case) -> float:
    return -c.score


def _bind(conn: Connection, col: Any) -> Any:
    """The dialect's bind processor of a column (None: the value goes as it is), as Core would apply it."""
    return col.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)


def _read_capacity(conn: Connection, keys: list[tuple[str, dt.date]], counts: dict[Any, Any]) -> None:
    """Fill ``counts`` with the stored (total, red, yellow) of each (office, day) key that has a row."""
    sqlite_ = conn.dialect.name == "sqlite"
    day_of = _bind(conn, risk_capacity.c.day) if sqlite_ else None
    for i in range(0, len(keys), 400):
        part = keys[i : i + 400]
        if day_of is not None:
            # The SQLite driver directly (no statement compile per call): offices × days, then the exact pairs.
            wanted = {(o, day_of(d)): (o, d) for o, d in part}
            offices = sorted({o for o, _d in wanted})
            days = sorted({d for _o, d in wanted})
            sql = (
                "SELECT office, day, total, red, yellow FROM risk_capacity WHERE office IN ("
                + ",".join("?" * len(offices)) + ") AND day IN (" + ",".join("?" * len(days)) + ")"
            )  # fmt: skip
            for o, d, total, red, yellow in conn.exec_driver_sql(sql, (*offices, *days)):
                k = wanted.get((o, d))
                if k is not None:
                    counts[k] = (total, red, yellow)
            continue
        q = select(risk_capacity).where(tuple_(risk_capacity.c.office, risk_capacity.c.day).in_(part))
        for r in conn.execute(q):
            counts[(r.office, r.day)] = (r.total, r.red, r.yellow)


def choose(conn: Connection, cases: list[Case], settings: Any) -> dict[tuple[str, dt.date], list[int]]:
    """Channels within capacity; returns the count increments (total, red, yellow) per office and day."""
    keys = {(c.office, c.day) for c in cases}
    counts: dict[tuple[str, dt.date], tuple[int, int, int]] = dict.fromkeys(keys, _ZERO)
    _read_capacity(conn, list(keys), counts)
    inc: dict[tuple[str, dt.date], list[int]] = {k: [0, 0, 0] for k in keys}
    for c in cases:
        inc[(c.office, c.day)][0] += 1
    red_share, yellow_share = float(settings.red_share), float(settings.yellow_share)
    random_share = float(settings.random_share)
    for c in sorted(cases, key=_by_score):
        k = (c.office, c.day)
        total = counts[k][0] + inc[k][0]
        red_n, yellow_n = counts[k][1] + inc[k][1], counts[k][2] + inc[k][2]
        corridor = (
            c.aeo and c.matching is not None and c.matching.get("status") == "matched" and bool(c.matching.get("clean"))
        )
        if random_share > 0 and draw(c.key, "random") < random_share:
            c.channel = _max("red", c.forced)
            c.reasons.append({"kind": "random", "rate": random_share})
        elif c.forced is not None:
            c.channel = c.forced
        elif corridor:
            c.channel = "green"
            c.reasons.append({"kind": "green_corridor"})
        else:
            ch = c.wanted
            if ch == "red" and red_n + 1 > red_share * total + 1e-9:
                ch = "yellow"
                c.reasons.append({"kind": "capacity", "wanted": "red", "share": red_share})
            if ch == "yellow" and yellow_n + 1 > yellow_share * total + 1e-9:
                c.reasons.append({"kind": "capacity", "wanted": "yellow", "share": yellow_share})
                ch = "blue"
            c.channel = ch
        if c.channel == "red":
            inc[k][1] += 1
        elif c.channel == "yellow":
            inc[k][2] += 1
    return inc


def _upsert_capacity(conn: Connection, inc: dict[tuple[str, dt.date], list[int]]) -> None:
    if not inc:
        return
    if conn.dialect.name == "sqlite":
        day_of = _bind(conn, risk_capacity.c.day)
        conn.exec_driver_sql(
            "INSERT INTO risk_capacity (office, day, total, red, yellow) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (office, day) DO UPDATE SET total = risk_capacity.total + excluded.total, "
            "red = risk_capacity.red + excluded.red, yellow = risk_capacity.yellow + excluded.yellow",
            [(o, day_of(d) if day_of else d, v[0], v[1], v[2]) for (o, d), v in inc.items()],
        )
        return
    rows = [{"office": o, "day": d, "total": v[0], "red": v[1], "yellow": v[2]} for (o, d), v in inc.items()]
    ins = postgresql.insert(risk_capacity) if conn.dialect.name == "postgresql" else sqlite.insert(risk_capacity)
    stmt = ins.on_conflict_do_update(
        index_elements=[risk_capacity.c.office, risk_capacity.c.day],
        set_={
            "total": risk_capacity.c.total + ins.excluded.total,
            "red": risk_capacity.c.red + ins.excluded.red,
            "yellow": risk_capacity.c.yellow + ins.excluded.yellow,
        },
    )
    conn.execute(stmt, rows)


def release(conn: Connection, ids: list[int]) -> set[int]:
    """Remove the current (not overridden) decisions of ``ids`` and their capacity counts before re-deciding.

    Returns the ids that an officer overrode: those keep their decision.
    """
    kept: set[int] = set()
    dec: dict[tuple[str, dt.date], list[int]] = {}
    drop: list[int] = []
    for i in range(0, len(ids), 900):
        q = select(risk_decisions.c.declaration_id, risk_decisions.c.channel, risk_decisions.c.office,
                   risk_decisions.c.day, risk_decisions.c.overridden).where(
            risk_decisions.c.declaration_id.in_(ids[i : i + 900]))  # fmt: skip
        for r in conn.execute(q):
            if r.overridden:
                kept.add(r.declaration_id)
                continue
            drop.append(r.declaration_id)
            v = dec.setdefault((r.office or "", r.day), [0, 0, 0])
            v[0] -= 1
            v[1] -= r.channel == "red"
            v[2] -= r.channel == "yellow"
    for i in range(0, len(drop), 900):
        conn.execute(delete(risk_decisions).where(risk_decisions.c.declaration_id.in_(drop[i : i + 900])))
    _upsert_capacity(conn, dec)
    return kept


_DECISION_COLS = ("declaration_id", "channel", "decided_channel", "score", "reasons", "inputs", "model_version",
                  "office", "day", "decided_at", "overridden")  # fmt: skip


def _write_decisions(conn: Connection, cases: list[Case], version: str | None) -> None:
    """One ``risk_decisions`` row per case (on SQLite through the driver, values bound as Core binds them)."""
    now = dt.datetime.now(dt.UTC)
    rows = [
        (c.id, c.channel, c.channel, c.score if math.isfinite(c.score) else 0.0, c.reasons,
         {k: (None if math.isnan(v) else v) for k, v in c.inputs.items()}, version, c.office, c.day, now, 0)
        for c in cases
    ]  # fmt: skip
    insert_rows(conn, risk_decisions, _DECISION_COLS, rows)


def decide(conn: Connection, stored: list[Any], ctx: Any) -> list[Case]:
    """Decide a channel for every import declaration of ``stored``; store the decisions and put ``ctx["risk"]``."""
    cases: list[Case] = []
    subset: list[Any] = []
    for s in stored:
        row = s.row
        if row.get("kind") != "import":
            continue
        decl = s.decl
        importer = getattr(decl, "importer", None)
        cases.append(
            Case(
                id=s.id,
                row=row,
                goods=s.goods,
                decl=decl,
                office=row.get("office") or "",
                day=row["declared_on"],
                key=str(row.get("natural_key") or s.id),
                aeo=bool(importer is not None and importer.aeo),
                valuation=ctx.get("valuation", s.id),
                matching=ctx.get("matching", s.id),
                ahead=(s.prepared.pre.get("risk") if hasattr(s, "prepared") else None) or {},
            )
        )
        subset.append(s)
    if not cases:
        return []
    version, _t = score_cases(conn, cases, ctx, subset)
    inc = choose(conn, cases, ctx.settings)
    _write_decisions(conn, cases, version)
    _upsert_capacity(conn, inc)
    for c in cases:
        score = c.score if math.isfinite(c.score) else 0.0  # as stored
        ctx.put("risk", c.id, {"channel": c.channel, "score": score, "reasons": c.reasons, "model_version": version})
    return cases
