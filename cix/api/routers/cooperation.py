"""The cooperation framework, partners and agreements over HTTP (read-only here; changes go through the CLI)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter

from cix.api.deps import Principal, SettingsDep, StoreDep, requires
from cix.cooperation import load_framework
from cix.exchange import agreement_store, partners

router = APIRouter(prefix="/api/v1", tags=["cooperation"])

# the framework is public knowledge for every user; partners, agreements and keys are the cooperation side's
Reader = Annotated[Principal, requires("declarations.read")]
Manager = Annotated[Principal, requires("partners.manage")]


def _dump(items: list[Any]) -> list[dict[str, Any]]:
    return [i.model_dump(mode="json") if hasattr(i, "model_dump") else i for i in items]


@router.get("/cooperation/organizations")
def organizations(settings: SettingsDep, who: Reader, on: dt.date | None = None) -> dict[str, Any]:
    fw = load_framework(settings.home)
    return {"organizations": _dump(fw.organizations(on)), "sources": [s.__dict__ for s in fw.sources]}


@router.get("/cooperation/organizations/{org}/members")
def members(org: str, settings: SettingsDep, who: Reader, on: dt.date | None = None) -> dict[str, Any]:
    return {"organization": org, "on": on, "members": _dump(load_framework(settings.home).members(org, on))}


@router.get("/cooperation/organizations/{org}/chairs")
def chairs(org: str, settings: SettingsDep, who: Reader, on: dt.date | None = None) -> dict[str, Any]:
    return {"organization": org, "chairs": _dump(load_framework(settings.home).chairs(org, on))}


@router.get("/cooperation/organizations/{org}/groups")
def groups(org: str, settings: SettingsDep, who: Reader) -> dict[str, Any]:
    return {"organization": org, "working_groups": _dump(load_framework(settings.home).working_groups(org))}


@router.get("/cooperation/instruments")
def instruments(settings: SettingsDep, who: Reader, country: str | None = None) -> dict[str, Any]:
    entries = load_framework(settings.home).instruments(country)
    return {
        "instruments": [
            {"instrument": e.instrument.model_dump(mode="json"), "accessions": _dump(list(e.accessions))}
            for e in entries
        ]
    }


@router.get("/partners")
def list_partners(store: StoreDep, who: Manager) -> dict[str, Any]:
    with store.read() as conn:
        return {"partners": [p.to_dict() for p in partners.list_partners(conn)]}


@router.get("/agreements")
def list_agreements(store: StoreDep, who: Manager) -> dict[str, Any]:
    with store.read() as conn:
        return {"agreements": agreement_store.list_agreements(conn)}
