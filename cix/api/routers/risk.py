"""Risk: lodge a declaration and get its channel, decisions and overrides, models, feedback, profiles.

Thin: the work is in :mod:`cix.risk` (decisions, registry, feedback) and :mod:`cix.risk.profiles`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, Query, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from cix.api.deps import LodgerDep, Principal, SettingsDep, StoreDep, requires
from cix.errors import Conflict, NotFound, ValidationFailed

router = APIRouter(prefix="/api/v1/risk", tags=["risk"])

Reader = Annotated[Principal, requires("declarations.read")]
Writer = Annotated[Principal, requires("declarations.write")]


def _risk(name: str) -> Any:
    """A module of cix.risk, loaded on first use: the model brings LightGBM, and the server should start fast."""
    return importlib.import_module(f"cix.risk.{name}")


Overrider = Annotated[Principal, requires("decisions.override")]
Manager = Annotated[Principal, requires("risk.manage")]


class OverrideIn(BaseModel):
    channel: str = Field(..., pattern="^(green|blue|yellow|red)$")
    reason: str = Field(..., min_length=1, max_length=2000)


class TrainIn(BaseModel):
    since: dt.date | None = None
    until: dt.date | None = None
    seed: int = 0


class EnableIn(BaseModel):
    enabled: bool


class TestIn(BaseModel):
    profile: str | dict[str, Any]
    version: int | None = None
    last: int | None = Field(default=None, ge=1)
    since: dt.date | None = None
    until: dt.date | None = None
    show: int = Field(default=20, ge=0, le=1000)


class AdoptIn(BaseModel):
    as_id: str | None = None
    enabled: bool = True


# -- the declaration path, answered with the channel ------------------------------------------------
def _stored_decision(store: Any, declaration_id: int) -> dict[str, Any] | None:
    with store.read() as conn:
        try:
            d: dict[str, Any] = _risk("decisions").get(conn, declaration_id)
        except NotFound:  # a kind that gets no channel (export, preliminary): no decision
            return None
    return d


@router.post("/declarations", status_code=201)
async def lodge_and_decide(
    response: Response,
    settings: SettingsDep,
    store: StoreDep,
    lodger: LodgerDep,
    who: Writer,
    declaration: dict[str, Any] = Body(..., description="One declaration (the model in docs/data-model.md)."),
) -> dict[str, Any]:
    """Lodge one declaration through the full path; 201 with its channel and reasons (200 duplicate).

    Asynchronous: the request waits for its group's commit without holding a worker thread."""
    from cix.ingest.readers import from_json_bytes
    from cix.pipeline.lodge import DUPLICATE, STORED

    inc = from_json_bytes(orjson.dumps(declaration), "json", "api")
    fut = lodger.submit(inc, source=f"api:{who.name}", max_future_days=settings.max_future_days)
    out = await asyncio.wrap_future(fut)
    if out.status in (STORED, DUPLICATE):
        if out.status == DUPLICATE:
            response.status_code = 200
        body = out.to_dict()
        decided = (out.path or {}).get("risk")
        if decided is not None:  # decided by this request's batch: no need to read it back
            return body | {k: decided[k] for k in ("channel", "score", "reasons", "model_version")}
        if out.declaration_id is not None:
            d = await run_in_threadpool(_stored_decision, store, out.declaration_id)
            if d is not None:
                body |= {k: d[k] for k in ("channel", "score", "reasons", "model_version")}
        return body
    problems = [p.to_dict() for p in out.problems]
    if any(p["rule"] == "key.conflict" for p in problems):
        raise Conflict("a declaration with this key is stored with other content", details={"problems": problems})
    raise ValidationFailed("the declaration has errors and was quarantined", details={"problems": problems})


# -- decisions ------------------------------------------------------------------------------------
@router.get("/decisions")
def list_decisions(
    store: StoreDep,
    who: Reader,
    channel: str | None = None,
    office: str | None = None,
    day: dt.date | None = None,
    limit: int = Query(50, ge=1, le=1000),
    offset: int = Query(0, ge=0),
) -> dict[str, Any]:
    with store.read() as conn:
        total, rows = _risk("decisions").list_decisions(conn, channel=channel, office=office, day=day, limit=limit,
                                               offset=offset)  # fmt: skip
    return {"total": total, "limit": limit, "offset": offset, "decisions": rows}


@router.get("/decisions/{declaration_id}")
def get_decision(declaration_id: int, store: StoreDep, who: Reader, explain: bool = False) -> dict[str, Any]:
    """The channel of a declaration with every reason and its overrides; ``explain`` adds the top features."""
    with store.read() as conn:
        d = _risk("decisions").get(conn, declaration_id)
        if explain:
            d["explanation"] = _risk("decisions").explain(conn, declaration_id)
    return d


@router.post("/decisions/{declaration_id}/override")
def override(declaration_id: int, body: OverrideIn, store: StoreDep, who: Overrider) -> dict[str, Any]:
    """Override the channel with a written reason (kept, counted, audit-logged)."""
    with store.write() as conn:
        return _risk("decisions").override(conn, declaration_id, body.channel, body.reason, officer=who.name)


@router.get("/feedback")
def get_feedback(
    store: StoreDep, who: Reader, since: dt.date | None = None, until: dt.date | None = None
) -> dict[str, Any]:
    """Hit rate by channel and profile, precision and duty recovered at the selected rate, overrides."""
    with store.read() as conn:
        return _risk("feedback").metrics(conn, since=since, until=until)


# -- models ---------------------------------------------------------------------------------------
@router.get("/models")
def list_models(store: StoreDep, who: Reader) -> dict[str, Any]:
    with store.read() as conn:
        return {"models": _risk("registry").list_models(conn)}


@router.get("/models/{version}")
def get_model(version: str, store: StoreDep, who: Reader) -> dict[str, Any]:
    with store.read() as conn:
        return _risk("registry").get(conn, version)


@router.post("/models/train", status_code=201)
def train_model(body: TrainIn, store: StoreDep, who: Manager) -> dict[str, Any]:
    """Train a candidate on the store's inspected declarations."""
    return _risk("registry").train(store, seed=body.seed, since=body.since, until=body.until, created_by=who.name)


@router.post("/models/{version}/promote")
def promote(version: str, store: StoreDep, who: Manager) -> dict[str, Any]:
    with store.write() as conn:
        return _risk("registry").promote(conn, version, actor=who.name)


@router.post("/models/rollback")
def rollback(store: StoreDep, who: Manager) -> dict[str, Any]:
    with store.write() as conn:
        return _risk("registry").rollback(conn, actor=who.name)


# -- profiles (the engine is cix.risk.profiles) -----------------------------------------------------
@router.get("/profiles")
def list_profiles(store: StoreDep, who: Reader, all_versions: bool = False, enabled: bool | None = None) -> dict:
    from cix.risk.profiles import repository as repo

    with store.read() as conn:
        return {"profiles": repo.list_profiles(conn, all_versions=all_versions, enabled=enabled)}


@router.post("/profiles", status_code=201)
def add_profile(
    store: StoreDep,
    settings: SettingsDep,
    who: Manager,
    definition: dict[str, Any] = Body(...),
    new_version: bool = False,
) -> dict[str, Any]:
    """Add a profile (or, with ``new_version``, the next version of one), owned by this node's administration."""
    from cix.risk.profiles import repository as repo

    owner = f"{settings.country}-{settings.authority}"
    with store.write() as conn:
        return repo.add_profile(conn, definition, who.name, owner=owner, new_version=new_version)


class ShareIn(BaseModel):
    partner: str = Field(..., min_length=1, max_length=80)
    agreement: str | None = Field(default=None, max_length=128)


@router.post("/profiles/{profile_id}/share", status_code=202)
def share_profile(profile_id: str, body: ShareIn, settings: SettingsDep, store: StoreDep, who: Manager) -> dict:
    """Send the current version of a profile to a partner as a common risk profile (under an agreement)."""
    from cix.exchange.node import current
    from cix.risk.profiles import sharing

    node = current(settings.home)
    with store.write() as conn:
        return sharing.share_profile(
            conn, profile_id, node=node, partner_id=body.partner, agreement_id=body.agreement, actor=who.name
        )


@router.get("/profiles/received")
def list_received(store: StoreDep, who: Reader, status: str | None = None) -> dict[str, Any]:
    from cix.risk.profiles import repository as repo

    with store.read() as conn:
        return {"received": repo.list_received(conn, status=status)}


@router.post("/profiles/received/{received_id}/adopt", status_code=201)
def adopt(received_id: int, body: AdoptIn, store: StoreDep, who: Manager) -> dict[str, Any]:
    """Make a profile received from a partner one of this node's."""
    from cix.risk.profiles import repository as repo

    with store.write() as conn:
        return repo.adopt(conn, received_id, who.name, as_id=body.as_id, enabled=body.enabled)


@router.post("/profiles/test")
def test_profile(body: TestIn, store: StoreDep, who: Reader) -> dict[str, Any]:
    """What a profile (a stored id or a definition) would have selected, with the hit rate on inspected ones."""
    from cix.risk.profiles import backtest

    with store.read() as conn:
        return backtest.test_profile(conn, body.profile, version=body.version, last=body.last, since=body.since,
                                     until=body.until, show=body.show)  # fmt: skip


@router.get("/profiles/{profile_id}")
def get_profile(profile_id: str, store: StoreDep, who: Reader, version: int | None = None) -> dict[str, Any]:
    from cix.risk.profiles import repository as repo

    with store.read() as conn:
        return repo.get_profile(conn, profile_id, version)


@router.post("/profiles/{profile_id}/enabled")
def set_enabled(profile_id: str, body: EnableIn, store: StoreDep, who: Manager) -> dict[str, Any]:
    """Enable or disable a profile."""
    from cix.risk.profiles import repository as repo

    with store.write() as conn:
        return repo.set_enabled(conn, profile_id, body.enabled, who.name)
