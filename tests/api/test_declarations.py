"""The declarations API: submit one or a batch, read, list with filters, amend, cancel, release, versions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cix.api.app import create_app
from cix.settings import Settings
from tests.conftest import import_declaration

URL = "/api/v1/declarations"
KEY = "lrn:RU7701234567:LRN-0001"


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.delenv("CIX_DATABASE_URL", raising=False)
    with TestClient(create_app(Settings(home=tmp_path))) as c:
        yield c


def error_of(resp: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The one error shape: exactly error.code, error.message and optional error.details."""
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error"}
    err = body["error"]
    assert set(err) in ({"code", "message"}, {"code", "message", "details"})
    assert isinstance(err["code"], str) and isinstance(err["message"], str) and err["message"]
    if code is not None:
        assert err["code"] == code
    return err


def changed(amount: float) -> dict[str, Any]:
    d = import_declaration()
    d["goods"][0]["invoice_amount"] = amount
    return d


def test_submit_stored_then_duplicate(client: TestClient) -> None:
    r = client.post(URL, json=import_declaration())
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "stored"
    assert body["natural_key"] == KEY
    assert isinstance(body["declaration_id"], int)
    r2 = client.post(URL, json=import_declaration())
    assert r2.status_code == 200
    assert r2.json()["status"] == "duplicate"
    assert client.get(URL).json()["total"] == 1


def test_submit_invalid_is_422_with_problems_and_quarantined(client: TestClient) -> None:
    d = import_declaration()
    d["goods"][0]["hs_code"] = "12"
    r = client.post(URL, json=d)
    err = error_of(r, 422, "validation_failed")
    found = {(p["rule"], p["path"], p["value"]) for p in err["details"]["problems"]}
    assert ("hs.format", "/goods/0/hs_code", "12") in found
    q = client.get("/api/v1/quarantine").json()
    assert q["total"] == 1
    assert q["entries"][0]["format"] == "json"
    assert q["entries"][0]["source"] == "api:local"
    assert client.get(URL).json()["total"] == 0


def test_submit_conflict_is_409(client: TestClient) -> None:
    assert client.post(URL, json=changed(1)).status_code == 201
    err = error_of(client.post(URL, json=changed(2)), 409, "conflict")
    assert err["details"]["natural_key"] == KEY
    assert err["details"]["problems"][0]["rule"] == "key.conflict"
    assert client.get(f"{URL}/{KEY}").json()["data"]["goods"][0]["invoice_amount"] == 1


def test_submit_non_object_body_is_an_error(client: TestClient) -> None:
    error_of(client.post(URL, json=[1, 2]), 422)


def test_batch_outcomes_in_order(client: TestClient) -> None:
    bad = import_declaration(lrn="B")
    bad["goods"][0]["origin"] = "XX"
    docs = [import_declaration(lrn="A"), bad, import_declaration(lrn="A"), import_declaration(lrn="C"),
            dict(import_declaration(lrn="C"), ucr=None)]  # fmt: skip
    r = client.post(f"{URL}/batch", json={"declarations": docs})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [o["status"] for o in body["outcomes"]] == ["stored", "quarantined", "duplicate", "stored",
                                                       "quarantined"]  # fmt: skip
    assert [o["locator"] for o in body["outcomes"]] == [f"api#{i}" for i in range(5)]
    assert (body["read"], body["stored"], body["duplicates"], body["quarantined"]) == (5, 2, 1, 2)
    assert body["outcomes"][1]["problems"][0]["rule"] == "country.unknown"
    assert body["outcomes"][4]["problems"][0]["rule"] == "key.conflict"


def test_batch_body_must_have_declarations(client: TestClient) -> None:
    err = error_of(client.post(f"{URL}/batch", json={"nope": []}), 422, "bad_request")
    assert err["details"]["problems"]


def test_list_with_filters(client: TestClient) -> None:
    client.post(URL, json=import_declaration(lrn="A", date="2024-01-10"))
    client.post(URL, json=import_declaration(lrn="B", date="2024-02-10", ucr="OTHER-UCR"))
    client.post(URL, json=import_declaration(lrn="C", date="2024-03-10", declaration_office="RU10009000"))
    client.post(f"{URL}/lrn:RU7701234567:C/release", json={})
    all_ = client.get(URL).json()
    assert all_["total"] == 3
    assert [d["lrn"] for d in all_["declarations"]] == ["C", "B", "A"]  # newest first
    assert [d["lrn"] for d in client.get(URL, params={"status": "released"}).json()["declarations"]] == ["C"]
    assert client.get(URL, params={"kind": "export"}).json()["total"] == 0
    assert [d["lrn"] for d in client.get(URL, params={"ucr": "OTHER-UCR"}).json()["declarations"]] == ["B"]
    assert [d["lrn"] for d in client.get(URL, params={"office": "RU10009000"}).json()["declarations"]] == ["C"]
    r = client.get(URL, params={"date_from": "2024-02-01", "date_to": "2024-02-28"}).json()
    assert [d["lrn"] for d in r["declarations"]] == ["B"]
    page = client.get(URL, params={"limit": 1, "offset": 1}).json()
    assert page["total"] == 3 and [d["lrn"] for d in page["declarations"]] == ["B"]
    error_of(client.get(URL, params={"limit": 0}), 422, "bad_request")
    error_of(client.get(URL, params={"date_from": "yesterday"}), 422, "bad_request")


def test_get_one_by_key_id_and_lrn(client: TestClient) -> None:
    did = client.post(URL, json=import_declaration()).json()["declaration_id"]
    by_key = client.get(f"{URL}/{KEY}")
    assert by_key.status_code == 200
    d = by_key.json()
    assert d["id"] == did and d["natural_key"] == KEY and d["version"] == 1
    assert d["data"]["lrn"] == "LRN-0001"
    assert client.get(f"{URL}/{did}").json()["natural_key"] == KEY
    assert client.get(f"{URL}/LRN-0001").json()["natural_key"] == KEY


def test_get_unknown_is_404_shape(client: TestClient) -> None:
    error_of(client.get(f"{URL}/nothing"), 404, "not_found")
    error_of(client.get(f"{URL}/nothing/versions"), 404, "not_found")
    error_of(client.get("/api/v1/no-such-route"), 404)


def test_amend_cancel_release_versions(client: TestClient) -> None:
    client.post(URL, json=import_declaration())
    r = client.post(f"{URL}/{KEY}/amend", json={"declaration": changed(5000), "reason": "invoice"})
    assert r.status_code == 200, r.text
    assert (r.json()["version"], r.json()["status"]) == (2, "amended")
    v = client.get(f"{URL}/{KEY}/versions").json()["versions"]
    assert [(x["version"], x["operation"]) for x in v] == [(1, "amend"), (2, "current")]
    r = client.post(f"{URL}/{KEY}/cancel", json={"reason": "withdrawn"})
    assert (r.json()["status"], r.json()["version"]) == ("cancelled", 3)
    error_of(client.post(f"{URL}/{KEY}/amend", json={"declaration": changed(6000), "reason": "x"}), 409,
             "conflict")  # fmt: skip
    error_of(client.post(f"{URL}/{KEY}/release", json={}), 409, "conflict")
    assert len(client.get(f"{URL}/{KEY}/versions").json()["versions"]) == 3


def test_release(client: TestClient) -> None:
    client.post(URL, json=import_declaration())
    r = client.post(f"{URL}/{KEY}/release", json={"reason": "green"})
    assert r.status_code == 200
    assert r.json()["status"] == "released"


def test_amend_errors(client: TestClient) -> None:
    client.post(URL, json=import_declaration())
    bad = changed(5000)
    bad["goods"][0]["currency"] = "QQQ"
    err = error_of(client.post(f"{URL}/{KEY}/amend", json={"declaration": bad, "reason": "x"}), 422,
                   "validation_failed")  # fmt: skip
    assert err["details"]["problems"][0]["path"] == "/goods/0/currency"
    other_key = import_declaration(lrn="ELSE")
    error_of(client.post(f"{URL}/{KEY}/amend", json={"declaration": other_key, "reason": "x"}), 400, "usage")
    error_of(client.post(f"{URL}/{KEY}/amend", json={"declaration": changed(1)}), 422, "bad_request")
    error_of(client.post(f"{URL}/{KEY}/cancel", json={}), 422, "bad_request")
    error_of(client.post(f"{URL}/nothing/cancel", json={"reason": "x"}), 404, "not_found")
