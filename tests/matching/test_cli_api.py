"""``cix match`` commands and the matching routes on an empty home: run, show, list, errors."""

from __future__ import annotations

from pathlib import Path

import orjson
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cix.cli.main import app


def test_match_commands_on_an_empty_home(home: Path) -> None:
    r = CliRunner().invoke(app, ["match", "run", "--json"])
    assert r.exit_code == 0, r.output
    out = orjson.loads(r.stdout)
    assert out["imports"] == 0 and set(out["outcomes"]) == {"matched", "pending", "ambiguous", "unmatched"}
    r = CliRunner().invoke(app, ["match", "list", "--status", "matched", "--json"])
    assert r.exit_code == 0 and orjson.loads(r.stdout)["total"] == 0
    r = CliRunner().invoke(app, ["match", "list", "--status", "bogus"])
    assert r.exit_code == 2
    r = CliRunner().invoke(app, ["match", "show", "12345"])
    assert r.exit_code == 1


def test_matching_routes(home: Path) -> None:
    from cix.api.app import create_app
    from cix.settings import load_settings

    client = TestClient(create_app(load_settings(home), background=False))
    assert client.post("/api/v1/matching/run").status_code == 200
    r = client.get("/api/v1/matching/matches", params={"status": "pending"})
    assert r.status_code == 200 and r.json()["total"] == 0
    r = client.get("/api/v1/matching/matches", params={"status": "nope"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "usage"
    assert client.get("/api/v1/matching/declarations/999").status_code == 404
