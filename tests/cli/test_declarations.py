"""``cix declarations list|show|history|amend|cancel|release``, with --json, on a fresh home."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from cix.cli.main import app
from tests.conftest import import_declaration

runner = CliRunner()
KEY = "lrn:RU7701234567:LRN-0001"


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
def lodged(home: Path, tmp_path: Path) -> Path:
    f = tmp_path / "d.jsonl"
    f.write_bytes(orjson.dumps(import_declaration()) + b"\n" + orjson.dumps(import_declaration(lrn="L2",
                  date="2024-01-01")) + b"\n")  # fmt: skip
    r = cix("import", str(f), "--json")
    assert r.exit_code == 0 and one_json(r.stdout)["stored"] == 2
    return home


def write(tmp_path: Path, doc: Any, name: str = "amend.json") -> str:
    p = tmp_path / name
    p.write_bytes(orjson.dumps(doc))
    return str(p)


def changed(amount: float) -> dict[str, Any]:
    d = import_declaration()
    d["goods"][0]["invoice_amount"] = amount
    return d


def test_list_on_empty_home(home: Path) -> None:
    r = cix("declarations", "list", "--json")
    assert r.exit_code == 0, r.stderr
    assert one_json(r.stdout) == {"total": 0, "declarations": []}
    assert (home / "cix.sqlite").exists()
    r = cix("declarations", "list")
    assert r.exit_code == 0


def test_list_and_filters(lodged: Path) -> None:
    out = one_json(cix("declarations", "list", "--json").stdout)
    assert out["total"] == 2
    assert [d["lrn"] for d in out["declarations"]] == ["LRN-0001", "L2"]
    out = one_json(cix("declarations", "list", "--from", "2024-02-01", "--json").stdout)
    assert [d["lrn"] for d in out["declarations"]] == ["LRN-0001"]
    out = one_json(cix("declarations", "list", "--status", "cancelled", "--json").stdout)
    assert out["total"] == 0
    out = one_json(cix("declarations", "list", "--limit", "1", "--json").stdout)
    assert (out["total"], len(out["declarations"])) == (2, 1)
    r = cix("declarations", "list", "--from", "not-a-date", "--json")
    assert r.exit_code == 2 and r.stdout == ""


def test_show(lodged: Path) -> None:
    r = cix("declarations", "show", KEY, "--json")
    assert r.exit_code == 0, r.stderr
    d = one_json(r.stdout)
    assert (d["natural_key"], d["status"], d["version"]) == (KEY, "lodged", 1)
    assert d["data"]["goods"][0]["hs_code"] == "0901210000"
    human = cix("declarations", "show", "LRN-0001")
    assert human.exit_code == 0 and KEY in human.stdout


def test_show_unknown_fails_one_line(home: Path) -> None:
    r = cix("declarations", "show", "nothing", "--json")
    assert r.exit_code == 1
    assert r.stdout == ""
    assert "nothing" in one_line_reason(r.stderr)


def test_amend_history_cancel(lodged: Path, tmp_path: Path) -> None:
    r = cix("declarations", "amend", KEY, write(tmp_path, changed(5000)), "--reason", "invoice", "--json")
    assert r.exit_code == 0, r.stderr
    d = one_json(r.stdout)
    assert (d["version"], d["status"]) == (2, "amended")
    h = one_json(cix("declarations", "history", KEY, "--json").stdout)
    assert [(v["version"], v["operation"], v["reason"]) for v in h["versions"]] == [
        (1, "amend", "invoice"), (2, "current", None)]  # fmt: skip
    r = cix("declarations", "cancel", KEY, "--reason", "withdrawn", "--json")
    assert r.exit_code == 0
    assert one_json(r.stdout)["status"] == "cancelled"
    r = cix("declarations", "amend", KEY, write(tmp_path, changed(6000)), "--reason", "late", "--json")
    assert r.exit_code == 1
    assert r.stdout == ""
    assert "cancelled" in one_line_reason(r.stderr)
    human = cix("declarations", "history", KEY)
    assert human.exit_code == 0 and "v3" in human.stdout


def test_amend_with_errors_prints_problems(lodged: Path, tmp_path: Path) -> None:
    bad = changed(5000)
    bad["goods"][0]["hs_code"] = "99"
    r = cix("declarations", "amend", KEY, write(tmp_path, bad), "--reason", "x", "--json")
    assert r.exit_code == 1
    body = one_json(r.stdout)
    assert body["error"]["code"] == "validation_failed"
    assert ("hs.format", "/goods/0/hs_code") in {(p["rule"], p["path"]) for p in body["error"]["details"]["problems"]}
    one_line_reason(r.stderr)
    r = cix("declarations", "amend", KEY, write(tmp_path, bad), "--reason", "x")
    assert r.exit_code == 1 and "hs.format" in r.stderr


def test_amend_bad_file(lodged: Path, tmp_path: Path) -> None:
    r = cix("declarations", "amend", KEY, str(tmp_path / "missing.json"), "--reason", "x", "--json")
    assert r.exit_code != 0 and r.stdout == ""
    one_line_reason(r.stderr)
    r = cix("declarations", "amend", KEY, write(tmp_path, [1]), "--reason", "x", "--json")
    assert r.exit_code != 0 and r.stdout == ""
    one_line_reason(r.stderr)
    r = cix("declarations", "amend", KEY, write(tmp_path, import_declaration(lrn="OTHER")), "--reason", "x")
    assert r.exit_code == 2
    one_line_reason(r.stderr)


def test_release(lodged: Path) -> None:
    r = cix("declarations", "release", KEY, "--json")
    assert r.exit_code == 0, r.stderr
    d = one_json(r.stdout)
    assert (d["status"], d["version"]) == ("released", 2)
    r = cix("declarations", "release", KEY)
    assert r.exit_code == 1
    one_line_reason(r.stderr)
    r = cix("declarations", "cancel", KEY, "--reason", "x")
    assert r.exit_code == 1


@pytest.mark.parametrize(
    "args",
    [
        ["declarations", "show", "x", "--json"],
        ["declarations", "history", "x", "--json"],
        ["declarations", "cancel", "x", "--reason", "r", "--json"],
        ["declarations", "release", "x", "--json"],
    ],
)
def test_commands_on_empty_home_fail_cleanly(home: Path, args: list[str]) -> None:
    r = cix(*args)
    assert r.exit_code == 1  # not found: a clean failure, not a crash on a missing store
    assert r.exception is None or isinstance(r.exception, SystemExit)
    assert r.stdout == ""
    one_line_reason(r.stderr)
