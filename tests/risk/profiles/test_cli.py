"""``cix risk profiles add|list|show|test|enable|disable|adopt|share`` on a fresh home, with --json."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import orjson
from typer.testing import CliRunner

from cix.cli.main import app
from cix.ingest.readers import from_json_bytes
from cix.pipeline.lodge import lodge_batch
from cix.risk.profiles import repository as repo
from cix.settings import load_settings
from cix.store.db import open_store
from cix.store.schema import inspections
from tests.conftest import TODAY, import_declaration

runner = CliRunner()
COND = 'any(item.origin == "JP")'


def cix(*args: str) -> Any:
    return runner.invoke(app, ["risk", "profiles", *args])


def one_json(stdout: str) -> dict[str, Any]:
    assert stdout.endswith("\n") and stdout.count("\n") == 1, stdout
    obj = orjson.loads(stdout)
    assert isinstance(obj, dict)
    return obj


def one_line(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("cix: "), stderr
    return lines[0]


def store_of(home: Path) -> Any:
    return open_store(load_settings(home).store_url)


def test_add_version_switch_show_list(home: Path, tmp_path: Path) -> None:
    r = cix("add", "--id", "JP", "--condition", COND, "--channel", "yellow", "--description", "from Japan", "--json")
    assert r.exit_code == 0, r.stderr
    p = one_json(r.stdout)["profiles"][0]
    assert (p["id"], p["version"], p["channel"], p["owner"], p["enabled"]) == ("JP", 1, "yellow", "ZZ-CUSTOMS", True)
    r = cix("add", "--id", "JP", "--condition", COND, "--weight", "1")
    assert r.exit_code == 1 and "new version" in one_line(r.stderr)
    r = cix("add", "--id", "JP", "--condition", "importer.aeo == false", "--weight", "1", "--new-version", "--json")
    assert r.exit_code == 0 and one_json(r.stdout)["profiles"][0]["version"] == 2
    r = cix("disable", "JP", "--json")
    assert r.exit_code == 0 and one_json(r.stdout)["enabled"] is False
    assert cix("enable", "JP").stdout.strip() == "JP enabled"
    r = cix("show", "JP", "--version", "1", "--json")
    assert one_json(r.stdout)["condition"] == COND and one_json(r.stdout)["versions"] == [1, 2]
    f = tmp_path / "p.json"
    f.write_bytes(
        orjson.dumps(
            [
                {"id": "A", "condition": "importer.aeo", "weight": 1},
                {"id": "B", "condition": "declaration.total_value > 1", "channel": "blue"},
            ]
        )
    )
    assert one_json(cix("add", str(f), "--json").stdout)["added"] == 2
    r = cix("list", "--json")
    assert [p["id"] for p in one_json(r.stdout)["profiles"]] == ["A", "B", "JP"]
    assert len(one_json(cix("list", "--all-versions", "--json").stdout)["profiles"]) == 4
    assert "JP" in cix("list").stdout
    assert one_json(cix("add", "--samples", "--json").stdout)["added"] == 50


def test_bad_condition_names_the_column(home: Path) -> None:
    r = cix("add", "--id", "X", "--condition", "importer.aeo == fals", "--weight", "1")
    assert r.exit_code == 1
    assert "unknown field fals" in one_line(r.stderr) and "column 17" in r.stderr
    r = cix("add", "--id", "X", "--condition", "importer.aeo ==", "--weight", "1", "--json")
    (p,) = one_json(r.stdout)["error"]["details"]["problems"]
    assert (p["rule"], p["path"], p["column"]) == ("profile.syntax", "/condition", 16)
    r = cix("show", "nope")
    assert r.exit_code == 1 and "no risk profile nope" in one_line(r.stderr)


def test_test_command(home: Path) -> None:
    store = store_of(home)
    store.run_path = False
    docs = [import_declaration(lrn=f"L{i}", date=f"2024-03-0{i + 1}") for i in range(4)]
    for i, d in enumerate(docs):
        d["goods"][0]["origin"] = "JP" if i < 2 else "BR"
    batch = [from_json_bytes(orjson.dumps(d), "jsonl", f"t:{i}") for i, d in enumerate(docs)]
    assert lodge_batch(store, batch, today=TODAY).stored == 4
    now = dt.datetime.now(dt.UTC)
    with store.write() as conn:
        conn.execute(
            inspections.insert(),
            [
                {"declaration_id": i, "inspected_at": now, "result": r, "critical": 0, "recorded_at": now}
                for i, r in ((1, "fraud"), (3, "no_fraud"))
            ],
        )
    assert cix("add", "--id", "JP", "--condition", COND, "--channel", "yellow").exit_code == 0
    r = cix("test", "JP", "--json")
    out = one_json(r.stdout)
    assert (out["evaluated"], out["selected"], out["hit_rate"], out["base_hit_rate"]) == (4, 2, 1.0, 0.5)
    r = cix("test", "JP", "--since", "2024-03-02", "--until", "2024-03-03", "--json")
    assert (one_json(r.stdout)["evaluated"], one_json(r.stdout)["selected"]) == (2, 1)
    r = cix("test", "JP")
    assert r.exit_code == 0 and "2 of 4 declarations selected" in r.stdout and "100.0 %" in r.stdout
    r = cix("test", "JP", "--since", "March")
    assert r.exit_code == 2 and "YYYY-MM-DD" in one_line(r.stderr)


def test_received_list_and_adopt(home: Path) -> None:
    store = store_of(home)
    payload = {
        "format": "cix.risk_profile/1",
        "version": 1,
        "profile": {"id": "CARS", "condition": COND, "channel": "red", "owner": "FI-CUSTOMS"},
    }
    with store.write() as conn:
        repo.receive(conn, [("m1", "FI-CUSTOMS", payload)])
    (got,) = one_json(cix("list", "--received", "--json").stdout)["received"]
    assert got["status"] == "received" and one_json(cix("list", "--json").stdout)["profiles"] == []
    r = cix("adopt", str(got["id"]), "--disabled", "--json")
    assert r.exit_code == 0, r.stderr
    p = one_json(r.stdout)
    assert (p["id"], p["enabled"], p["origin"], p["sender"]) == ("FI-CUSTOMS.CARS", False, "received", "FI-CUSTOMS")
    r = cix("adopt", str(got["id"]))
    assert r.exit_code == 1 and "adopted" in one_line(r.stderr)


def test_share_needs_a_partner(home: Path) -> None:
    assert cix("add", "--id", "JP", "--condition", COND, "--channel", "yellow").exit_code == 0
    r = cix("share", "JP", "--partner", "FI-CUSTOMS")
    assert r.exit_code == 1 and "FI-CUSTOMS" in one_line(r.stderr)
