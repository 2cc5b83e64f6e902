"""Price references and valuation results: show, build, manual values; a declaration's valuation check."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import select

from cix.api.deps import Principal, SettingsDep, StoreDep, requires
from cix.errors import NotFound
from cix.store import declarations as ds
from cix.store.schema import declarations
from cix.valuation import build, index
from cix.valuation.step import result_of

router = APIRouter(prefix="/api/v1", tags=["valuation"])


class BuildIn(BaseModel):
    as_of: dt.date | None = None


class ManualIn(BaseModel):
    hs_code: str = Field(..., min_length=4, max_length=12)
    origin: str | None = Field(default=None, max_length=2, description="ISO 3166 alpha-2; all origins when omitted.")
    unit: str = Field(default="KGM", max_length=3)
    min_value: float | None = Field(default=None, gt=0, description="USD per unit.")
    max_value: float | None = Field(default=None, gt=0, description="USD per unit.")
    note: str | None = Field(default=None, max_length=2000)


@router.get("/prices/{hs}")
def show_prices(
    hs: str,
    store: StoreDep,
    settings: SettingsDep,
    origin: str | None = Query(None, max_length=2),
    unit: str | None = Query(None, max_length=3),
    who: Principal = requires("declarations.read"),
) -> dict[str, Any]:
    """The reference groups of an HS code (and the group the check uses for origin + unit), manual values."""
    with store.read() as conn:
        return index.show(conn, hs, origin=origin, unit=unit, min_count=settings.valuation_min_count)


@router.post("/prices/build")
def build_prices(
    store: StoreDep, settings: SettingsDep, body: BuildIn | None = None, who: Principal = requires("prices.manage")
) -> dict[str, Any]:
    """Rebuild the price references now (the check uses the new table at once)."""
    return build.build(store, settings, as_of=body.as_of if body else None)


@router.put("/prices/manual")
def set_manual(body: ManualIn, store: StoreDep, who: Principal = requires("prices.manage")) -> dict[str, Any]:
    """Set an analyst's minimum/maximum unit value for a group (USD per unit)."""
    with store.write() as conn:
        m = index.set_manual(
            conn,
            body.hs_code,
            origin=body.origin,
            unit=body.unit,
            min_value=body.min_value,
            max_value=body.max_value,
            note=body.note,
            set_by=who.name,
        )
    return m.to_dict()


@router.delete("/prices/manual/{hs}")
def remove_manual(
    hs: str,
    store: StoreDep,
    origin: str | None = Query(None, max_length=2),
    unit: str = Query("KGM", max_length=3),
    who: Principal = requires("prices.manage"),
) -> dict[str, Any]:
    """Remove a manual value."""
    with store.write() as conn:
        index.remove_manual(conn, hs, origin=origin, unit=unit)
    return {"removed": True}


@router.get("/declarations/{ref}/valuation")
def declaration_valuation(ref: str, store: StoreDep, who: Principal = requires("declarations.read")) -> dict[str, Any]:
    """The undervaluation check stored with a declaration (import declarations only)."""
    with store.read() as conn:
        key = ds.resolve_key(conn, ref)
        did = conn.execute(select(declarations.c.id).where(declarations.c.natural_key == key)).scalar()
        if did is None:
            raise NotFound(f"no declaration {ref!r}")
        out = result_of(conn, int(did))
    if out is None:
        raise NotFound(f"declaration {ref!r} has no valuation result (only import declarations are checked)")
    return {"declaration_id": int(did), "natural_key": key, **out}
