"""``cix quarantine list|show|retry|discard``, with --json, on a fresh home."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from cix.cli.main import app
from cix.model import rules
from tests.conftest import import_declaration

runner = CliRunner()


def cix(*args: str) -> Any:
    return runner.invoke(app, list(args))


def one_json(stdout: str) -> dict[str, Any]:
    assert stdout.endswith("\n") and stdout.count("\n") == 1, stdout
    obj = orjson.loads(stdout)
    assert isinstance(obj, dict)
    return obj


def one_line_reason(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("cix: "), stderr
    return lines[0]


@pytest.fixture
def rejected(home: Path, tmp_path: Path) -> list[int]:
    docs = []
    for lrn in ("Q1", "Q2"):
        d = import_declaration(lrn=lrn)
        d["goods"][0]["unit"] = "QQQ"
        docs.append(d)
    f = tmp_path / "d.jsonl"
    f.write_bytes(b"".join(orjson.dumps(d) + b"\n" for d in docs))
    r = cix("import", str(f), "--json")
    assert r.exit_code == 0 and one_json(r.stdout)["quarantined"] == 2
    out = one_json(cix("quarantine", "list", "--json").stdout)
    return [e["id"] for e in out["entries"]]


def test_list_on_empty_home(home: Path) -> None:
    r = cix("quarantine", "list", "--json")
    assert r.exit_code == 0, r.stderr
    assert one_json(r.stdout) == {"total": 0, "entries": []}
    assert cix("quarantine", "list").exit_code == 0


def test_list_and_show(rejected: list[int]) -> None:
    out = one_json(cix("quarantine", "list", "--json").stdout)
    assert out["total"] == 2
    e = out["entries"][0]
    assert "raw" not in e
    assert e["problems"][0]["rule"] == "unit.unknown"
    assert e["locator"] == "d.jsonl:1"
    r = cix("quarantine", "show", str(rejected[0]), "--json")
    assert r.exit_code == 0
    shown = one_json(r.stdout)
    assert orjson.loads(shown["raw"])["lrn"] == "Q1"
    assert shown["problems"][0]["path"] == "/goods/0/unit"
    human = cix("quarantine", "show", str(rejected[0]))
    assert human.exit_code == 0 and "unit.unknown" in human.stdout
    listed = cix("quarantine", "list")
    assert listed.exit_code == 0 and "unit.unknown" in listed.stdout
    assert one_json(cix("quarantine", "list", "--reason", "conflict", "--json").stdout)["total"] == 0


def test_show_unknown_fails_one_line(home: Path) -> None:
    r = cix("quarantine", "show", "42", "--json")
    assert r.exit_code == 1 and r.stdout == ""
    one_line_reason(r.stderr)


def test_retry_still_bad_then_fixed(rejected: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    r = cix("quarantine", "retry", str(rejected[0]), "--json")
    assert r.exit_code == 0, r.stderr
    out = one_json(r.stdout)
    assert (out["retried"], out["resolved"], out["still_open"]) == (1, 0, 1)
    assert out["results"][0]["problems"][0]["rule"] == "unit.unknown"
    monkeypatch.setattr(rules, "is_unit", lambda u: True)
    out = one_json(cix("quarantine", "retry", "--all", "--json").stdout)
    assert (out["retried"], out["resolved"], out["still_open"]) == (2, 2, 0)
    assert all(isinstance(x["declaration_id"], int) for x in out["results"])
    assert one_json(cix("quarantine", "list", "--json").stdout)["total"] == 0
    assert one_json(cix("declarations", "list", "--json").stdout)["total"] == 2
    r = cix("quarantine", "retry", str(rejected[0]), "--json")
    assert r.exit_code == 1 and r.stdout == ""
    one_line_reason(r.stderr)


def test_retry_needs_ids_or_all(home: Path) -> None:
    r = cix("quarantine", "retry", "--json")
    assert r.exit_code == 2
    one_line_reason(r.stderr)


def test_retry_all_on_empty_home(home: Path) -> None:
    r = cix("quarantine", "retry", "--all", "--json")
    assert r.exit_code == 0, r.stderr
    assert one_json(r.stdout) == {"retried": 0, "resolved": 0, "still_open": 0, "results": []}


def test_discard(rejected: list[int]) -> None:
    r = cix("quarantine", "discard", str(rejected[1]))
    assert r.exit_code == 0, r.stderr
    out = one_json(cix("quarantine", "list", "--status", "discarded", "--json").stdout)
    assert [e["id"] for e in out["entries"]] == [rejected[1]]
    assert one_json(cix("quarantine", "list", "--json").stdout)["total"] == 1
    r = cix("quarantine", "discard", str(rejected[1]))
    assert r.exit_code == 1
    one_line_reason(r.stderr)


def test_discard_json(rejected: list[int]) -> None:
    r = cix("quarantine", "discard", str(rejected[0]), "--json")
    assert r.exit_code == 0, r.stderr
    assert one_json(r.stdout) == {"id": rejected[0], "status": "discarded"}
