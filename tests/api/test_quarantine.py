"""The quarantine API: list, show, retry, discard."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cix.api.app import create_app
from cix.model import rules
from cix.settings import Settings
from tests.conftest import import_declaration

Q = "/api/v1/quarantine"


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.delenv("CIX_DATABASE_URL", raising=False)
    with TestClient(create_app(Settings(home=tmp_path))) as c:
        yield c


def error_of(resp: Any, status: int, code: str) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error"}
    assert set(body["error"]) <= {"code", "message", "details"} and {"code", "message"} <= set(body["error"])
    assert body["error"]["code"] == code
    return body["error"]


def quarantine_one(client: TestClient, lrn: str = "U1", unit: str = "QQQ") -> int:
    d = import_declaration(lrn=lrn)
    d["goods"][0]["unit"] = unit
    assert client.post("/api/v1/declarations", json=d).status_code == 422
    entries = client.get(Q).json()["entries"]
    return int(next(e["id"] for e in entries if f'"{lrn}"' in e["raw"]))


def test_list_and_show(client: TestClient) -> None:
    assert client.get(Q).json() == {"total": 0, "entries": []}
    eid = quarantine_one(client)
    listed = client.get(Q).json()
    assert listed["total"] == 1
    e = client.get(f"{Q}/{eid}").json()
    assert e["status"] == "open" and e["reason"] == "invalid"
    assert '"unit":"QQQ"' in e["raw"]
    (p,) = e["problems"]
    assert {k: p[k] for k in ("rule", "path", "value", "severity")} == {
        "rule": "unit.unknown", "path": "/goods/0/unit", "value": "QQQ", "severity": "error"}  # fmt: skip
    assert p["message"]
    assert client.get(Q, params={"reason": "conflict"}).json()["total"] == 0
    assert client.get(Q, params={"reason": "invalid"}).json()["total"] == 1
    error_of(client.get(Q, params={"status": "weird"}), 422, "bad_request")


def test_show_unknown_is_404(client: TestClient) -> None:
    error_of(client.get(f"{Q}/999"), 404, "not_found")
    error_of(client.post(f"{Q}/999/retry"), 404, "not_found")
    error_of(client.post(f"{Q}/999/discard"), 404, "not_found")
    error_of(client.get(f"{Q}/abc"), 422, "bad_request")


def test_retry_still_bad_then_fixed(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    eid = quarantine_one(client)
    r = client.post(f"{Q}/{eid}/retry")
    assert r.status_code == 200
    assert r.json()["status"] == "open"
    assert r.json()["problems"][0]["rule"] == "unit.unknown"
    monkeypatch.setattr(rules, "is_unit", lambda u: True)
    r = client.post(f"{Q}/{eid}/retry").json()
    assert r["status"] == "resolved" and r["outcome"] == "stored"
    d = client.get(f"/api/v1/declarations/{r['declaration_id']}").json()
    assert d["natural_key"] == "lrn:RU7701234567:U1"
    assert client.get(Q).json()["total"] == 0
    resolved = client.get(Q, params={"status": "resolved"}).json()
    assert [e["declaration_id"] for e in resolved["entries"]] == [r["declaration_id"]]
    error_of(client.post(f"{Q}/{eid}/retry"), 409, "conflict")


def test_discard(client: TestClient) -> None:
    eid = quarantine_one(client)
    r = client.post(f"{Q}/{eid}/discard")
    assert r.status_code == 200
    assert r.json() == {"id": eid, "status": "discarded"}
    assert client.get(Q).json()["total"] == 0
    assert client.get(Q, params={"status": "all"}).json()["total"] == 1
    assert client.get(f"{Q}/{eid}").json()["status"] == "discarded"
    error_of(client.post(f"{Q}/{eid}/discard"), 409, "conflict")
