"""Reference data look-ups: HS codes with their parent chain, and text search of descriptions."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query

from cix.api.deps import Principal, requires
from cix.errors import NotFound
from cix.reference import hs

router = APIRouter(prefix="/api/v1/reference", tags=["reference"])

Reader = Annotated[Principal, requires("declarations.read")]


def _edition(name: str | None, date: dt.date | None) -> hs.HsEdition:
    if name:
        return hs.edition(name)
    return hs.edition_for(date or dt.date.today())


def _entry(e: hs.HsEntry) -> dict[str, Any]:
    return {
        "code": e.code,
        "description": e.description,
        "level": e.level,
        "parent": e.parent,
        "section": e.section,
    }


@router.get("/hs")
def search(
    who: Reader,
    q: str = Query(..., min_length=2, description="Words to find in descriptions."),
    edition: str | None = None,
    date: dt.date | None = None,
    limit: int = Query(20, ge=1, le=200),
) -> dict[str, Any]:
    ed = _edition(edition, date)
    return {"edition": ed.name, "results": [_entry(e) for e in ed.search(q, limit=limit)]}


@router.get("/hs/{code}")
def lookup(code: str, who: Reader, edition: str | None = None, date: dt.date | None = None) -> dict[str, Any]:
    ed = _edition(edition, date)
    e = ed.entry(code)
    if e is None:
        raise NotFound(f"{code} is not in {ed.name}", details={"suggestions": ed.suggest(code)})
    return {"edition": ed.name, **_entry(e), "parents": [_entry(p) for p in ed.parents(code)]}
