"""The valuation API: prices of an HS code, build, manual values, a declaration's valuation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cix.api.app import create_app
from cix.settings import Settings
from tests.conftest import import_declaration


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.delenv("CIX_DATABASE_URL", raising=False)
    with TestClient(create_app(Settings(home=tmp_path, country="DE"), background=False)) as c:
        yield c


def test_prices_api(client: TestClient) -> None:
    for i in range(6):
        d = import_declaration(lrn=f"A-{i}")
        r = client.post("/api/v1/declarations", json=d)
        assert r.status_code == 201, r.text
    r = client.post("/api/v1/prices/build", json={"as_of": "2024-03-31"})
    assert r.status_code == 200 and r.json()["groups"] == 6
    r = client.get("/api/v1/prices/0901210000", params={"origin": "BR", "unit": "KGM"})
    assert r.status_code == 200 and r.json()["used"]["count"] == 6
    r = client.put("/api/v1/prices/manual", json={"hs_code": "0901", "min_value": 100.0})
    assert r.status_code == 200 and r.json()["origin"] == "*"
    d = import_declaration(lrn="A-LOW")
    assert client.post("/api/v1/declarations", json=d).status_code == 201
    r = client.get("/api/v1/declarations/A-LOW/valuation")
    assert r.status_code == 200 and r.json()["flagged"] and r.json()["items"][0]["group"]["level"] == 0
    assert client.delete("/api/v1/prices/manual/0901").status_code == 200
    r = client.get("/api/v1/prices/09")
    assert r.status_code == 400 and r.json()["error"]["code"] == "usage"
    assert client.get("/api/v1/declarations/NOPE/valuation").status_code == 404
