"""Declarations: submit one or a batch through the declaration path; read, list, amend, cancel, release."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, Query, Response
from pydantic import BaseModel, Field

from cix.api.deps import LodgerDep, Principal, SettingsDep, StoreDep, requires
from cix.errors import Conflict, ValidationFailed
from cix.ingest.readers import from_json_bytes
from cix.pipeline import lifecycle
from cix.pipeline.lodge import DUPLICATE, STORED, lodge_batch
from cix.store import declarations as ds

router = APIRouter(prefix="/api/v1/declarations", tags=["declarations"])

Reader = Annotated[Principal, requires("declarations.read")]
Writer = Annotated[Principal, requires("declarations.write")]

MAX_BATCH = 10_000


class BatchIn(BaseModel):
    declarations: list[dict[str, Any]] = Field(..., max_length=MAX_BATCH)


class AmendIn(BaseModel):
    declaration: dict[str, Any]
    reason: str = Field(..., min_length=1, max_length=2000)


class ReasonIn(BaseModel):
    reason: str | None = Field(default=None, max_length=2000)


class CancelIn(BaseModel):
    reason: str = Field(..., min_length=1, max_length=2000)


def _incoming(doc: Any, i: int | None = None) -> Any:
    return from_json_bytes(orjson.dumps(doc), "json", "api" if i is None else f"api#{i}")


@router.post("", status_code=201)
def submit(
    response: Response,
    settings: SettingsDep,
    lodger: LodgerDep,
    who: Writer,
    declaration: dict[str, Any] = Body(..., description="One declaration (the model in docs/data-model.md)."),
) -> dict[str, Any]:
    """Lodge one declaration. 201 stored, 200 duplicate, 422 invalid (kept in quarantine), 409 conflict."""
    out = lodger.lodge(_incoming(declaration), source=f"api:{who.name}", max_future_days=settings.max_future_days)
    if out.status == STORED:
        return out.to_dict()
    if out.status == DUPLICATE:
        response.status_code = 200
        return out.to_dict()
    problems = [p.to_dict() for p in out.problems]
    if any(p["rule"] == "key.conflict" for p in problems):
        raise Conflict(
            "a declaration with this key is stored with other content; amend it instead",
            details={"natural_key": out.natural_key, "problems": problems},
        )
    raise ValidationFailed("the declaration has errors and was quarantined", details={"problems": problems})


@router.post("/batch")
def submit_batch(settings: SettingsDep, store: StoreDep, who: Writer, body: BatchIn) -> dict[str, Any]:
    """Lodge many declarations in one transaction; one outcome per record, in order of arrival."""
    batch = [_incoming(d, i) for i, d in enumerate(body.declarations)]
    s = lodge_batch(
        store, batch, source=f"api:{who.name}", keep_outcomes=True, max_future_days=settings.max_future_days
    )
    d = s.to_dict()
    order = {inc.locator: i for i, inc in enumerate(batch)}
    d["outcomes"].sort(key=lambda o: order.get(o["locator"], 0))
    return d


@router.get("")
def list_declarations(
    store: StoreDep,
    who: Reader,
    kind: str | None = None,
    status: str | None = None,
    office: str | None = None,
    ucr: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    limit: int = Query(50, ge=1, le=1000),
    offset: int = Query(0, ge=0),
) -> dict[str, Any]:
    """List declarations, newest first, with filters."""
    with store.read() as conn:
        total, rows = ds.list_declarations(
            conn,
            kind=kind,
            status=status,
            office=office,
            ucr=ucr,
            date_from=date_from,
            date_to=date_to,
            limit=limit,
            offset=offset,
        )
    return {"total": total, "limit": limit, "offset": offset, "declarations": rows}


@router.get("/{ref}")
def get_declaration(ref: str, store: StoreDep, who: Reader) -> dict[str, Any]:
    """The current version: natural key, id, MRN or LRN."""
    return lifecycle.get(store, ref)


@router.get("/{ref}/versions")
def versions(ref: str, store: StoreDep, who: Reader) -> dict[str, Any]:
    return {"versions": lifecycle.history(store, ref)}


@router.post("/{ref}/amend")
def amend(ref: str, body: AmendIn, store: StoreDep, who: Writer) -> dict[str, Any]:
    """Replace the current version with an amended one; the earlier version is kept."""
    return lifecycle.amend(store, ref, body.declaration, body.reason)


@router.post("/{ref}/cancel")
def cancel(ref: str, body: CancelIn, store: StoreDep, who: Writer) -> dict[str, Any]:
    return lifecycle.cancel(store, ref, body.reason)


@router.post("/{ref}/release")
def release(ref: str, body: ReasonIn, store: StoreDep, who: Writer) -> dict[str, Any]:
    return lifecycle.release(store, ref, body.reason)
