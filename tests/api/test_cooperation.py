"""The cooperation framework, partners and agreements through the API."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from cix.api.app import create_app
from cix.settings import Settings


def test_framework_preset_over_api(tmp_path: Path) -> None:
    c = TestClient(create_app(Settings(home=tmp_path), background=False))
    r = c.get("/api/v1/cooperation/organizations/BSEC/members", params={"on": "2016-06-01"})
    assert r.status_code == 200
    assert len(r.json()["members"]) == 12
    chairs = c.get("/api/v1/cooperation/organizations/BSEC/chairs", params={"on": "2016-08-01"}).json()["chairs"]
    assert [ch["chair"] for ch in chairs] == ["RS"]
    inst = c.get("/api/v1/cooperation/instruments", params={"country": "RU"}).json()["instruments"]
    assert len(inst) >= 5
    assert c.get("/api/v1/partners").json() == {"partners": []}
    assert c.get("/api/v1/agreements").json() == {"agreements": []}
