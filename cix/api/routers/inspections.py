"""Inspections: record what an inspection found; read the results of a declaration.

Thin: the work is in :mod:`cix.risk.inspections`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from cix.api.deps import Principal, StoreDep, requires
from cix.risk import inspections

router = APIRouter(prefix="/api/v1/inspections", tags=["inspections"])

Reader = Annotated[Principal, requires("declarations.read")]
Recorder = Annotated[Principal, requires("inspections.record")]


@router.post("", status_code=201)
def record(
    store: StoreDep,
    who: Recorder,
    result: dict[str, Any] = Body(
        ...,
        description="declaration_id (id or natural key), inspected_at, officer, result (fraud|no_fraud), "
        "duty_recovered, critical.",
    ),
) -> dict[str, Any]:
    """Record one result; 422 with every problem (kept among the rejections) when it is bad."""
    return inspections.record_one(store, result, source=f"api:{who.name}")


@router.get("/{declaration}")
def for_declaration(declaration: str, store: StoreDep, who: Reader) -> dict[str, Any]:
    """The inspections recorded for a declaration (its id or natural key)."""
    with store.read() as conn:
        did = inspections.get_declaration_id(conn, declaration)
        return {"declaration_id": did, "inspections": inspections.for_declaration(conn, did)}
