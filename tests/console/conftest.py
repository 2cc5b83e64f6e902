"""A node with one user per role and a few declarations, for the console's page tests."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from cix.api.app import create_app
from cix.auth import users
from cix.ingest.readers import from_json_bytes
from cix.pipeline.lodge import lodge_batch
from cix.settings import Settings
from tests.conftest import import_declaration

PASSWORD = "correct horse"
ROLES = ("officer", "risk_analyst", "cooperation_officer", "administrator")


def lodge(store: Any, docs: list[dict[str, Any]]) -> list[int]:
    batch = [from_json_bytes(orjson.dumps(d), "json", f"t#{i}") for i, d in enumerate(docs)]
    s = lodge_batch(store, batch, source="test", keep_outcomes=True, max_future_days=400)
    assert s.outcomes is not None
    return [o.declaration_id for o in s.outcomes if o.declaration_id is not None]


@pytest.fixture
def node(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.delenv("CIX_DATABASE_URL", raising=False)
    settings = Settings(home=tmp_path / "node", mode="production", secret_key="s" * 40, country="RU",
                        authority="FCS")  # fmt: skip
    app = create_app(settings, background=False)
    with app.state.store.write() as conn:
        for role in ROLES:
            users.add(conn, role, PASSWORD, role=role, administration="RU-FCS")
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def declarations(client: TestClient, n: int = 3) -> list[int]:
    docs = [import_declaration(lrn=f"LRN-{i:04d}", ucr=f"6RU7701234567-A{i}") for i in range(n)]
    return lodge(client.app.state.store, docs)


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "no CSRF field on the page"
    return m.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign in through the form; returns the session's CSRF token (from the next page)."""
    page = client.get("/signin")
    r = client.post("/signin", data={"csrf": csrf_of(page.text), "username": username, "password": password,
                                     "next": "/console"}, follow_redirects=False)  # fmt: skip
    assert r.status_code == 303, r.text
    return csrf_of(client.get("/console/cooperation").text)
