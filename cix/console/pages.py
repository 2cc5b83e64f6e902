"""What each console page shows, gathered from the capability packages (no business logic here).

Each function takes the store (and settings) and returns plain data for a template. Capabilities
built by other packages (matching, valuation, risk decisions, profiles, the model registry) are
imported when used; where one is not present on this node the page says so instead of failing
(:func:`optional`).
"""

from __future__ import annotations

import datetime as dt
import importlib
from types import ModuleType
from typing import Any

from sqlalchemy import Connection, and_, case, func, select

from cix.errors import CixError, NotFound
from cix.settings import Settings
from cix.store.db import Store
from cix.store.schema import declarations, goods_items, inspections

CHANNELS = ("green", "yellow", "red", "blue")
QUEUE_PAGE = 50


def optional(module: str) -> ModuleType | None:
    """A capability module, or None when this node does not have it (not built, or not installed)."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            return None
        raise


def _decisions_table() -> Any:
    mod = optional("cix.store.tables_risk")
    return getattr(mod, "risk_decisions", None) if mod else None


# -- dashboard ------------------------------------------------------------------------------------


def dashboard(store: Store, settings: Settings, day: dt.date | None = None) -> dict[str, Any]:
    from cix.exchange import outbox, status

    rd = _decisions_table()
    with store.read() as conn:
        today = dt.date.today()
        asked = day
        day = day or today
        by_channel: dict[str, int] = {}
        if rd is not None:
            if asked is None and not conn.execute(select(func.count()).where(rd.c.day == day)).scalar():
                latest = conn.execute(select(func.max(rd.c.day))).scalar()
                day = latest or day
            for ch, n in conn.execute(select(rd.c.channel, func.count()).where(rd.c.day == day).group_by(rd.c.channel)):
                by_channel[ch] = int(n)
        declared = int(
            conn.execute(
                select(func.count()).select_from(declarations).where(declarations.c.declared_on == day)
            ).scalar_one()
        )
        total_insp, hits = conn.execute(
            select(func.count(), func.sum(case((inspections.c.result == "fraud", 1), else_=0)))
        ).one()
        total_insp = int(total_insp or 0)
        hits = int(hits or 0)
        partners = status.partner_status(conn)
        dead = outbox.list_messages(conn, status="dead", limit=20)
    health = []
    for p in partners:
        o = p["outgoing"]
        last = [t for t in (p["last_delivered"], p["last_received"]) if t is not None]
        health.append(
            {
                "partner": p["partner"],
                "name": p["name"],
                "last_message": max(last, key=_aware) if last else None,
                "backlog": o.get("pending", 0) + o.get("sent", 0),
                "failures": o.get("rejected", 0) + p["rejected_incoming"],
                "dead": o.get("dead", 0),
                "delivered": o.get("delivered", 0),
                "received": p["received"],
            }
        )
    return {
        "day": day,
        "is_today": day == today,
        "decisions_available": rd is not None,
        "by_channel": [(ch, by_channel.get(ch, 0)) for ch in CHANNELS],
        "decided": sum(by_channel.values()),
        "declared": declared,
        "inspections": total_insp,
        "hits": hits,
        "hit_rate": hits / total_insp if total_insp else None,
        "health": health,
        "dead": dead,
    }


def _aware(t: Any) -> dt.datetime:
    if isinstance(t, str):
        t = dt.datetime.fromisoformat(t)
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


# -- queue ----------------------------------------------------------------------------------------


def queue(
    store: Store,
    *,
    channel: str | None = None,
    office: str | None = None,
    status: str | None = None,
    kind: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    page: int = 1,
) -> dict[str, Any]:
    """One page of declarations, newest first, with their channel where the risk step decided one."""
    c = declarations.c
    rd = _decisions_table()
    conds = []
    if office:
        conds.append(c.office == office)
    if status:
        conds.append(c.status == status)
    if kind:
        conds.append(c.kind == kind)
    if date_from:
        conds.append(c.declared_on >= date_from)
    if date_to:
        conds.append(c.declared_on <= date_to)
    cols = [
        c.id,
        c.natural_key,
        c.kind,
        c.status,
        c.lrn,
        c.mrn,
        c.ucr,
        c.office,
        c.declared_on,
        c.importer_id,
        c.exporter_id,
    ]
    src: Any = declarations
    if rd is not None:
        cols += [rd.c.channel, rd.c.score, rd.c.overridden]
        src = declarations.outerjoin(rd, rd.c.declaration_id == c.id)
        if channel:
            conds.append(rd.c.channel == channel)
    page = max(page, 1)
    with store.read() as conn:
        total = conn.execute(select(func.count()).select_from(src).where(and_(True, *conds))).scalar_one()
        q = (
            select(*cols).select_from(src).where(and_(True, *conds))
            .order_by(c.declared_on.desc(), c.id.desc()).limit(QUEUE_PAGE).offset((page - 1) * QUEUE_PAGE)
        )  # fmt: skip
        rows = [dict(r) for r in conn.execute(q).mappings()]
        offices = [o for o in conn.execute(select(c.office).distinct().order_by(c.office)).scalars() if o]
    return {
        "rows": rows,
        "total": int(total),
        "page": page,
        "pages": max(1, -(-int(total) // QUEUE_PAGE)),
        "offices": offices[:200],
        "channels_available": rd is not None,
    }


# -- declaration detail ---------------------------------------------------------------------------


def _try(fn: Any, *args: Any, **kw: Any) -> Any:
    """``fn(...)``, or None when it finds nothing (NotFound): a capability without a result yet."""
    try:
        return fn(*args, **kw)
    except NotFound:
        return None


def detail(store: Store, settings: Settings, ref: str) -> dict[str, Any]:
    from cix.store import declarations as ds

    with store.read() as conn:
        d = ds.get(conn, ref)
        did = d["id"]
        goods = [
            dict(r)
            for r in conn.execute(
                select(goods_items).where(goods_items.c.declaration_id == did).order_by(goods_items.c.seq)
            ).mappings()
        ]
        insp = [
            dict(r)
            for r in conn.execute(
                select(inspections).where(inspections.c.declaration_id == did).order_by(inspections.c.id)
            ).mappings()
        ]
        history = ds.history(conn, d["natural_key"])
        out: dict[str, Any] = {"d": d, "goods": goods, "inspections": insp, "history": history}
        out |= _matching(conn, settings, d)
        out |= _decision(conn, did)
        out |= _valuation(conn, settings, did, goods)
    return out


def _matching(conn: Connection, settings: Settings, d: dict[str, Any]) -> dict[str, Any]:
    svc = optional("cix.matching.service")
    if svc is None:
        return {"matching_available": False, "match": None, "partner": None}
    from cix.store import declarations as ds

    m = _try(svc.show, conn, str(d["id"]), settings)
    partner = None
    if m and m.get("counterpart_id"):
        partner = _try(ds.get, conn, str(m["counterpart_id"]))
    # fields with a discrepancy, per goods item (None: the declaration level), to highlight them
    flagged: dict[Any, dict[str, str]] = {}
    for x in (m or {}).get("discrepancies", []):
        flagged.setdefault(x.get("item"), {})[str(x.get("kind"))] = str(x.get("severity"))
    return {"matching_available": True, "match": m, "partner": partner, "flagged": flagged}


def _decision(conn: Connection, did: int) -> dict[str, Any]:
    dec = optional("cix.risk.decisions")
    if dec is None:
        return {"decision_available": False, "decision": None, "explanation": None}
    decision = _try(dec.get, conn, did)
    explanation = None
    if decision and decision.get("model_version"):
        try:
            explanation = dec.explain(conn, did)
        except CixError:
            explanation = None
        except Exception:  # a model that cannot explain this row leaves the rest of the page working
            explanation = None
    return {"decision_available": True, "decision": decision, "explanation": explanation, "channels": CHANNELS}


def _valuation(conn: Connection, settings: Settings, did: int, goods: list[dict[str, Any]]) -> dict[str, Any]:
    """The stored valuation result of each goods item with the price references around it."""
    step = optional("cix.valuation.step")
    idx = optional("cix.valuation.index")
    if step is None or idx is None or not hasattr(step, "result_of"):
        return {"valuation_available": False, "valuation": None, "price_refs": []}
    v = step.result_of(conn, did)
    refs = []
    for item in (v or {}).get("items", []):
        group = item.get("group") or {}
        code = group.get("hs_code")
        if not code or item.get("unit_value") is None:
            continue
        try:
            shown = idx.show(conn, code, origin=None, unit=group.get("unit"))
        except CixError:
            continue
        origin = group.get("origin")
        groups = [g for g in shown["groups"] if g["origin"] in (origin, "*") or g["hs_code"] == code][:6]
        refs.append({"item": item, "groups": groups, "manual": shown["manual"]})
    return {"valuation_available": True, "valuation": v, "price_refs": refs}


# -- exchange, partners, cooperation --------------------------------------------------------------


def exchange_monitor(store: Store) -> dict[str, Any]:
    from cix.exchange import outbox, status

    with store.read() as conn:
        return {
            "partners": status.partner_status(conn),
            "outbox": outbox.list_messages(conn, limit=30),
            "dead": outbox.list_messages(conn, status="dead", limit=100),
            "inbox": status.list_received(conn, limit=30),
            "refused": status.list_received(conn, limit=30, rejected=True),
        }


def partners_page(store: Store) -> dict[str, Any]:
    from cix.exchange import agreement_store, partners

    with store.read() as conn:
        ps = [p.to_dict() for p in partners.list_partners(conn)]
        ags = agreement_store.list_agreements(conn)
    return {"partners": ps, "agreements": ags}


def cooperation_page(settings: Settings, org: str | None = None) -> dict[str, Any]:
    from cix.cooperation import load_framework

    fw = load_framework(settings.home)
    orgs = [o.model_dump(mode="json") for o in fw.organizations(None)]
    chosen = org or (orgs[0]["id"] if orgs and "id" in orgs[0] else None)
    out: dict[str, Any] = {"organizations": orgs, "org": chosen, "members": [], "chairs": [], "groups": []}
    if chosen:
        try:
            out["members"] = [m.model_dump(mode="json") for m in fw.members(chosen, None)]
            out["chairs"] = [c.model_dump(mode="json") for c in fw.chairs(chosen, None)]
            out["groups"] = [g.model_dump(mode="json") for g in fw.working_groups(chosen)]
        except CixError:
            pass
    out["instruments"] = [
        {"instrument": e.instrument.model_dump(mode="json"), "accessions": len(list(e.accessions))}
        for e in fw.instruments(None)
    ]
    return out


# -- users ----------------------------------------------------------------------------------------


def users_page(store: Store) -> dict[str, Any]:
    from cix.auth import tokens, users
    from cix.auth.roles import USER_ROLES

    with store.read() as conn:
        return {"users": users.list_users(conn), "tokens": tokens.list_tokens(conn), "roles": USER_ROLES}


# -- risk: profiles and model versions ------------------------------------------------------------


def _curve(metrics: dict[str, Any]) -> list[tuple[float, float, float]]:
    """(inspection rate %, precision, recall) points from a model's metrics (``@N`` keys, anywhere)."""
    found: dict[float, tuple[float, float]] = {}

    def walk(m: Any) -> None:
        if not isinstance(m, dict):
            return
        for k, v in m.items():
            if isinstance(k, str) and k.startswith("@") and isinstance(v, dict) and "precision" in v:
                try:
                    found.setdefault(float(k[1:]), (float(v["precision"]), float(v.get("recall", 0.0))))
                except ValueError:
                    continue
            elif isinstance(v, dict):
                walk(v)

    walk(metrics)
    return [(r, p, c) for r, (p, c) in sorted(found.items())]


def risk_page(store: Store) -> dict[str, Any]:
    repo = optional("cix.risk.profiles.repository")
    reg = optional("cix.risk.registry")
    out: dict[str, Any] = {
        "profiles_available": repo is not None,
        "models_available": reg is not None,
        "profiles": [],
        "models": [],
    }
    with store.read() as conn:
        if repo is not None:
            out["profiles"] = repo.list_profiles(conn)
        if reg is not None:
            models = reg.list_models(conn)
            for m in models:
                m["curve"] = _curve(m.get("metrics") or {})
            out["models"] = models
    return out


def test_profile(store: Store, profile_id: str, last: int = 500) -> dict[str, Any]:
    bt = optional("cix.risk.profiles.backtest")
    if bt is None:
        raise NotFound("trying profiles is not available on this node")
    with store.read() as conn:
        return dict(bt.test_profile(conn, profile_id, last=last, show=10))


# -- price references -----------------------------------------------------------------------------


def prices_page(store: Store, hs_code: str | None, origin: str | None) -> dict[str, Any]:
    idx = optional("cix.valuation.index")
    out: dict[str, Any] = {
        "available": idx is not None,
        "hs_code": hs_code or "",
        "origin": origin or "",
        "groups": [],
        "manual": [],
        "build": None,
    }
    if idx is None:
        return out
    with store.read() as conn:
        if hs_code:
            shown = idx.show(conn, hs_code, origin=origin or None)
            out["groups"], out["manual"] = shown["groups"], shown["manual"]
            out["build"] = {k: shown.get(k) for k in ("build_id", "period_from", "period_to")}
        else:
            cur = idx.current(conn)
            out["build"] = {"build_id": cur.build_id, "period_from": cur.period_from, "period_to": cur.period_to}
            top: dict[str, int] = {}
            for (code, _o, _u), ref in cur.refs.items():
                if len(code) >= 6:
                    top[code] = max(top.get(code, 0), ref.count)
            out["suggestions"] = sorted(top, key=lambda c: -top[c])[:12]
    return out
