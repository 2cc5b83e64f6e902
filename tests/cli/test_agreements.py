"""Tests of the ``cix agreements`` commands on the module's own app, on a fresh home directory."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from cix.cli.agreements import app

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "fresh-home"


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def one_json(stdout: str) -> dict:
    assert stdout.count("\n") == 1
    obj = orjson.loads(stdout)
    assert isinstance(obj, dict)
    return obj


def test_presets(home: Path) -> None:
    code, out, _ = run("presets", "--home", str(home), "--json")
    assert code == 0
    ids = {p["id"] for p in one_json(out)["presets"]}
    assert ids == {
        "green-corridor",
        "apec-preliminary",
        "bsec-preliminary",
        "statistics-quarterly",
        "mutual-assistance",
        "price-information",
        "common-risk-profiles",
    }


def test_show_preset(home: Path) -> None:
    code, out, _ = run("show", "green-corridor", "--home", str(home), "--json")
    obj = one_json(out)
    assert code == 0 and obj["kind"] == "preset" and [r["name"] for r in obj["roles"]] == ["exporting", "importing"]


def test_new_check_show(home: Path, tmp_path: Path) -> None:
    file = tmp_path / "gc.json"
    code, out, err = run(
        "new", "--preset", "green-corridor", "--parties", "FI-CUSTOMS,RU-FCS", "--out", str(file),
        "--valid-from", "2016-01-01", "--home", str(home), "--json",
    )  # fmt: skip
    assert code == 0, err
    obj = one_json(out)
    assert obj["file"] == str(file) and obj["agreement"]["parties"] == ["FI-CUSTOMS", "RU-FCS"]
    assert json.loads(file.read_text())["id"] == "green-corridor-fi-customs-ru-fcs"

    code, out, _ = run("check", str(file), "--home", str(home), "--json")
    obj = one_json(out)
    assert code == 0 and obj["valid"] and obj["problems"] == []

    code, out, _ = run("show", str(file), "--json")
    assert code == 0 and one_json(out)["agreement"]["organization"] == "EU-RU"

    # an existing file is not overwritten without --force
    code, out, err = run("new", "--preset", "green-corridor", "--parties", "FI-CUSTOMS,RU-FCS", "--out", str(file))
    assert code == 2 and out == "" and "--force" in err


def test_new_refuses_a_non_eu_exporter(home: Path, tmp_path: Path) -> None:
    code, out, err = run(
        "new", "--preset", "green-corridor", "--parties", "RU-FCS,FI-CUSTOMS", "--out", str(tmp_path / "x.json"),
        "--home", str(home), "--json",
    )  # fmt: skip
    assert code == 2 and out == "" and err.startswith("cix: ") and "EU" in err
    assert not (tmp_path / "x.json").exists()


def test_check_reports_problems(home: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"id": "x", "parties": ["RU-FCS"]}))
    code, out, _ = run("check", str(bad), "--home", str(home), "--json")
    obj = one_json(out)
    assert code == 0 and obj["valid"] is False and obj["errors"] >= 1
    assert {p["rule"] for p in obj["problems"]} == {"agreement.schema"}

    odd = tmp_path / "odd.json"
    odd.write_text(
        json.dumps(
            {
                "id": "odd", "name": "odd", "organization": "APEC", "parties": ["RU-FCS", "FI-CUSTOMS"],
                "valid_from": "2016-01-01", "valid_to": "2016-12-31",
                "message_types": {"gossip": {"fields": ["/x"]}},
            }
        )
    )  # fmt: skip
    obj = one_json(run("check", str(odd), "--home", str(home), "--json")[1])
    assert obj["valid"] is True and obj["errors"] == 0
    assert {(p["rule"], p["severity"]) for p in obj["problems"]} == {
        ("agreement.party", "warning"),
        ("agreement.type", "warning"),
        ("agreement.expired", "warning"),
    }


def test_check_unreadable(tmp_path: Path) -> None:
    code, out, err = run("check", str(tmp_path / "missing.json"), "--json")
    assert code == 1 and out == "" and err.count("\n") == 1
    (tmp_path / "x.json").write_text("{nope")
    code, out, err = run("check", str(tmp_path / "x.json"), "--json")
    assert code == 1 and "not JSON" in err


def test_show_unknown() -> None:
    code, out, err = run("show", "nope", "--json")
    assert code == 1 and out == "" and "presets:" in err
