"""The quarantine over HTTP: list, show, retry, discard."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from cix.api.deps import Principal, StoreDep, requires
from cix.pipeline import quarantine as pq
from cix.store import quarantine as qs

router = APIRouter(prefix="/api/v1/quarantine", tags=["quarantine"])

Reader = Annotated[Principal, requires("declarations.read")]
Writer = Annotated[Principal, requires("declarations.write")]


@router.get("")
def list_entries(
    store: StoreDep,
    who: Reader,
    status: str = Query("open", pattern="^(open|resolved|discarded|all)$"),
    reason: str | None = Query(None, pattern="^(invalid|conflict)$"),
    limit: int = Query(50, ge=1, le=1000),
    offset: int = Query(0, ge=0),
) -> dict[str, Any]:
    with store.read() as conn:
        total, rows = qs.list_entries(
            conn, status=None if status == "all" else status, reason=reason, limit=limit, offset=offset
        )
    return {"total": total, "entries": rows}


@router.get("/{entry_id}")
def get_entry(entry_id: int, store: StoreDep, who: Reader) -> dict[str, Any]:
    with store.read() as conn:
        return qs.get(conn, entry_id)


@router.post("/{entry_id}/retry")
def retry(entry_id: int, store: StoreDep, who: Writer) -> dict[str, Any]:
    return pq.retry(store, [entry_id])[0]


@router.post("/{entry_id}/discard")
def discard(entry_id: int, store: StoreDep, who: Writer) -> dict[str, Any]:
    pq.discard(store, entry_id)
    return {"id": entry_id, "status": qs.DISCARDED}
