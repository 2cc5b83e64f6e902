"""The risk and inspections routes: lodge and get a channel, decisions, override, inspections, models, feedback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cix.api.app import create_app
from cix.settings import Settings
from tests.conftest import import_declaration

R = "/api/v1/risk"


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.delenv("CIX_DATABASE_URL", raising=False)
    with TestClient(create_app(Settings(home=tmp_path, country="RU", authority="FCS"), background=False)) as c:
        yield c


def _error(resp: Any, status: int) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert set(resp.json()) == {"error"}
    return resp.json()["error"]


def test_lodge_answers_with_the_channel_and_reasons(client: TestClient) -> None:
    r = client.post(f"{R}/declarations", json=import_declaration())
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "stored" and body["channel"] in ("green", "blue", "yellow", "red")
    assert isinstance(body["reasons"], list) and "model_version" in body
    again = client.post(f"{R}/declarations", json=import_declaration())
    assert again.status_code == 200 and again.json()["channel"] == body["channel"]
    bad = client.post(f"{R}/declarations", json=import_declaration(date="not a date"))
    assert _error(bad, 422)["details"]["problems"]


def test_decision_override_inspection_and_feedback(client: TestClient) -> None:
    did = client.post(f"{R}/declarations", json=import_declaration()).json()["declaration_id"]
    d = client.get(f"{R}/decisions/{did}?explain=true").json()
    assert d["declaration_id"] == did and d["explanation"]["features"] == []  # no model yet
    assert client.get(f"{R}/decisions?limit=5").json()["total"] == 1
    _error(client.post(f"{R}/decisions/{did}/override", json={"channel": "red", "reason": ""}), 422)
    o = client.post(f"{R}/decisions/{did}/override", json={"channel": "red", "reason": "intelligence"})
    assert o.status_code == 200 and o.json()["channel"] == "red" and o.json()["overrides"][0]["officer"] == "local"
    i = client.post(
        "/api/v1/inspections",
        json={
            "declaration_id": did,
            "inspected_at": "2026-11-20T10:00:00Z",
            "officer": "Ivanov",
            "result": "fraud",
            "duty_recovered": 300,
        },
    )
    assert i.status_code == 201, i.text
    err = _error(
        client.post(
            "/api/v1/inspections", json={"declaration_id": did, "inspected_at": "x", "officer": "I", "result": "fraud"}
        ),
        422,
    )
    assert err["details"]["problems"][0]["rule"] == "inspection.date"
    _error(
        client.post(
            "/api/v1/inspections",
            json={"declaration_id": 99999, "inspected_at": "2026-01-01", "officer": "I", "result": "fraud"},
        ),
        404,
    )
    got = client.get(f"/api/v1/inspections/{did}").json()
    assert [x["result"] for x in got["inspections"]] == ["fraud"]
    fb = client.get(f"{R}/feedback").json()
    assert fb["by_channel"]["red"]["hit_rate"] == 1.0 and fb["overrides"]["total"] == 1
    _error(client.get(f"{R}/decisions/424242"), 404)


def test_models_routes(client: TestClient) -> None:
    assert client.get(f"{R}/models").json() == {"models": []}
    _error(client.post(f"{R}/models/rollback"), 409)
    _error(client.post(f"{R}/models/nope/promote"), 404)
    _error(client.post(f"{R}/models/train", json={}), 400)  # no inspected declarations yet


def test_profile_routes(client: TestClient) -> None:
    d = {"id": "RP-T-1", "description": "coffee", "condition": 'any(item.heading == "0901")', "channel": "yellow",
         "owner": "RU-FCS"}  # fmt: skip
    assert client.post(f"{R}/profiles", json=d).status_code == 201
    assert [p["id"] for p in client.get(f"{R}/profiles").json()["profiles"]] == ["RP-T-1"]
    r = client.post(f"{R}/declarations", json=import_declaration())
    assert any(x.get("id") == "RP-T-1" for x in r.json()["reasons"])
    assert client.post(f"{R}/profiles/RP-T-1/enabled", json={"enabled": False}).status_code == 200
    t = client.post(f"{R}/profiles/test", json={"profile": "RP-T-1"})
    assert t.status_code == 200, t.text
    assert client.get(f"{R}/profiles/received").json() == {"received": []}
    _error(client.post(f"{R}/profiles/received/1/adopt", json={}), 404)
    # without an owner in the definition, the node's administration owns it
    mine = {k: v for k, v in d.items() if k != "owner"} | {"id": "RP-T-2"}
    assert client.post(f"{R}/profiles", json=mine).json()["owner"] == "RU-FCS"
    # sharing needs a known partner (and an agreement carrying risk_profile)
    _error(client.post(f"{R}/profiles/RP-T-2/share", json={"partner": "FI-CUSTOMS"}), 404)
