"""Tests of the ``cix cooperation`` commands on the module's own app, on a fresh home directory."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from cix.cli.cooperation import app

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "fresh-home"  # does not exist: commands must work without it


def run_json(*args: str) -> dict:
    result = runner.invoke(app, [*args, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("\n") == 1
    obj = orjson.loads(result.stdout)
    assert isinstance(obj, dict)
    return obj


def test_organizations(home: Path) -> None:
    obj = run_json("organizations", "--on", "2016-06-01", "--home", str(home))
    by_id = {o["id"]: o for o in obj["organizations"]}
    assert by_id["APEC"]["members"] == 21 and by_id["BSEC"]["members"] == 12
    assert obj["sources"][0]["as_of"] == "2016"


def test_members(home: Path) -> None:
    obj = run_json("members", "brics", "--on", "2016-06-01", "--home", str(home))
    assert obj["organization"] == "BRICS" and obj["count"] == 5
    assert {m["code"] for m in obj["members"]} == {"BR", "RU", "IN", "CN", "ZA"}


def test_members_with_node_file(home: Path) -> None:
    (home / "cooperation").mkdir(parents=True)
    (home / "cooperation" / "bsec.json").write_text(
        json.dumps({"memberships": [{"organization": "BSEC", "member": "MK", "valid_from": "2020-01-01"}]})
    )
    assert run_json("members", "BSEC", "--on", "2021-01-01", "--home", str(home))["count"] == 13
    assert run_json("members", "BSEC", "--on", "2016-01-01", "--home", str(home))["count"] == 12


def test_instruments(home: Path) -> None:
    obj = run_json("instruments", "--country", "ru", "--home", str(home))
    assert obj["country"] == "RU" and obj["count"] == 5
    assert all(i["accessions"][0]["party"] == "RU" for i in obj["instruments"])


def test_chairs(home: Path) -> None:
    obj = run_json("chairs", "BSEC", "--home", str(home))
    assert [(c["chair"], c["valid_from"], c["valid_to"]) for c in obj["chairs"]] == [
        ("RU", "2016-01-01", "2016-06-30"),
        ("RS", "2016-07-01", "2016-12-31"),
    ]
    assert [c["chair"] for c in run_json("chairs", "BRICS", "--on", "2016-02-15", "--home", str(home))["chairs"]] == [
        "IN"
    ]


def test_groups(home: Path) -> None:
    obj = run_json("groups", "WCO", "--home", str(home))
    assert "wco-hsc" in {g["id"] for g in obj["groups"]}


def test_text_output(home: Path) -> None:
    result = runner.invoke(app, ["members", "APEC", "--on", "2016-06-01", "--home", str(home)])
    assert result.exit_code == 0 and "Chinese Taipei" in result.stdout


@pytest.mark.parametrize(
    ("args", "code"),
    [(["members", "NOPE"], 1), (["members", "BRICS", "--on", "June"], 2), (["chairs", "NOPE"], 1)],
)
def test_failures_are_one_line(home: Path, args: list[str], code: int) -> None:
    result = runner.invoke(app, [*args, "--home", str(home), "--json"])
    assert result.exit_code == code
    assert result.stdout == ""
    assert result.stderr.startswith("cix: ") and result.stderr.count("\n") == 1
