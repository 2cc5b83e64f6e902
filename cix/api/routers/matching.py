"""Matching: the match of a declaration with its discrepancies, outcomes by status, the bulk run."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from cix.api.deps import Principal, SettingsDep, StoreDep, requires
from cix.errors import UsageError
from cix.matching import service

router = APIRouter(prefix="/api/v1/matching", tags=["matching"])


@router.get("/matches")
def list_matches(
    settings: SettingsDep,
    store: StoreDep,
    status: str | None = None,
    side: str = "import",
    limit: int = Query(50, ge=1, le=1000),
    offset: int = Query(0, ge=0),
    who: Principal = requires("declarations.read"),
) -> dict[str, Any]:
    """Match outcomes of one side (import | partner), filtered by status, newest first."""
    if status is not None and status not in service.STATUSES:
        raise UsageError(f"status must be one of {', '.join(service.STATUSES)}", details={"status": status})
    if side not in ("import", "partner"):
        raise UsageError("side must be import or partner", details={"side": side})
    with store.read() as conn:
        total, rows = service.list_matches(conn, settings, status=status, side=side, limit=limit, offset=offset)
    return {"total": total, "limit": limit, "offset": offset, "matches": rows}


@router.get("/declarations/{ref}")
def get_match(
    ref: str, settings: SettingsDep, store: StoreDep, who: Principal = requires("declarations.read")
) -> dict[str, Any]:
    """The current match of a declaration (id, key, MRN or LRN) with its discrepancies."""
    with store.read() as conn:
        return service.show(conn, ref, settings)


@router.post("/run")
def run_bulk(settings: SettingsDep, store: StoreDep, who: Principal = requires("matching.run")) -> dict[str, Any]:
    """Match all history in bulk and replace the stored outcomes."""
    with store.write() as conn:
        return service.run_bulk(conn, settings)
