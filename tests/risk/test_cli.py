"""``cix inspections import``, ``cix risk decisions show|list|override|feedback``, ``cix risk models ...``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from typer.testing import CliRunner

from cix.cli.main import app
from cix.settings import load_settings
from cix.store.db import open_store
from tests.conftest import import_declaration
from tests.risk.conftest import history, lodge

runner = CliRunner()


def cix(*args: str) -> Any:
    return runner.invoke(app, list(args))


def one_json(r: Any) -> dict[str, Any]:
    assert r.exit_code == 0, r.stderr if hasattr(r, "stderr") else r.output
    assert r.stdout.count("\n") == 1, r.stdout
    return orjson.loads(r.stdout)


def _store(home: Path) -> Any:
    s = load_settings(home)
    store = open_store(s.store_url)
    store.settings = s
    return store


def test_inspections_decisions_and_feedback_commands(home: Path, tmp_path: Path) -> None:
    store = _store(home)
    did = lodge(store, [import_declaration()])[0].declaration_id
    f = tmp_path / "i.csv"
    f.write_text(
        "declaration_id,inspected_at,officer,result,duty_recovered,critical\n"
        f"{did},2026-11-20,Ivanov,fraud,120,1\n{did},2026-11-20,Ivanov,unknown,,\n",
        encoding="utf-8",
    )
    r = one_json(cix("inspections", "import", str(f), "--json"))
    assert (r["recorded"], r["rejected"]) == (1, 1)
    assert r["rejections"][0]["problems"][0]["rule"] == "inspection.result"
    assert one_json(cix("inspections", "show", str(did), "--json"))["inspections"][0]["critical"] == 1
    assert one_json(cix("inspections", "rejections", "--json"))["rejections"][0]["locator"] == "i.csv:3"
    d = one_json(cix("risk", "decisions", "show", str(did), "--json"))
    assert d["declaration_id"] == did and "explanation" in d
    o = cix("risk", "decisions", "override", str(did), "--channel", "red", "--reason", "tip-off", "--json")
    assert one_json(o)["channel"] == "red"
    no_reason = cix("risk", "decisions", "override", str(did), "--channel", "red", "--reason", " ")
    assert no_reason.exit_code == 2 and "reason" in no_reason.stderr
    assert one_json(cix("risk", "decisions", "list", "--channel", "red", "--json"))["total"] == 1
    fb = one_json(cix("risk", "decisions", "feedback", "--json"))
    assert fb["by_channel"]["red"]["fraud"] == 1 and fb["overrides"]["total"] == 1
    assert cix("risk", "decisions", "feedback").exit_code == 0


def test_models_commands(home: Path) -> None:
    store = _store(home)
    history(store, days=6, per_day=8)
    assert one_json(cix("risk", "models", "list", "--json")) == {"models": []}
    m = one_json(cix("risk", "models", "train", "--seed", "3", "--json"))
    assert m["status"] == "candidate"
    assert one_json(cix("risk", "models", "promote", m["version"], "--json"))["status"] == "active"
    assert one_json(cix("risk", "models", "show", m["version"], "--json"))["version"] == m["version"]
    r = cix("risk", "models", "rollback")
    assert r.exit_code == 1 and r.stderr.startswith("cix: ")


def test_missing_file_is_a_one_line_failure(home: Path, tmp_path: Path) -> None:
    r = cix("inspections", "import", str(tmp_path / "nope.csv"))
    assert r.exit_code == 1 and r.stderr.count("\n") == 1
