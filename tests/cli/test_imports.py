"""``cix import``: one JSON summary on stdout, progress on stderr, exit 0 even with quarantined records."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from cix.cli.main import app
from tests.conftest import KCS_DIR, import_declaration

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
    assert len(lines) == 1, stderr
    assert lines[0].startswith("cix: ")
    return lines[0]


def jsonl(tmp_path: Path) -> Path:
    bad = import_declaration(lrn="BAD")
    bad["goods"][0]["origin"] = "XX"
    f = tmp_path / "d.jsonl"
    f.write_bytes(b"".join(orjson.dumps(d) + b"\n" for d in [import_declaration(lrn="A"),
                                                               import_declaration(lrn="B"), bad]))  # fmt: skip
    return f


def test_import_json_summary_then_duplicates(home: Path, tmp_path: Path) -> None:
    f = jsonl(tmp_path)
    r = cix("import", str(f), "--format", "jsonl", "--json")
    assert r.exit_code == 0, r.stderr
    s = one_json(r.stdout)
    assert {k: s[k] for k in ("read", "stored", "duplicates", "quarantined")} == {
        "read": 3, "stored": 2, "duplicates": 0, "quarantined": 1}  # fmt: skip
    assert s["balanced"] is True
    assert (home / "cix.sqlite").exists()
    r = cix("import", str(f), "--format", "jsonl", "--json")
    assert r.exit_code == 0
    s = one_json(r.stdout)
    assert (s["read"], s["stored"], s["duplicates"], s["quarantined"]) == (3, 0, 2, 1)


def test_import_with_home_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CIX_HOME", raising=False)
    monkeypatch.delenv("CIX_DATABASE_URL", raising=False)
    h = tmp_path / "elsewhere"
    r = cix("import", str(jsonl(tmp_path)), "--home", str(h), "--json")
    assert r.exit_code == 0, r.stderr
    assert one_json(r.stdout)["stored"] == 2
    assert (h / "cix.sqlite").exists()


def test_import_human_summary(home: Path, tmp_path: Path) -> None:
    r = cix("import", str(jsonl(tmp_path)))
    assert r.exit_code == 0
    assert "3 read" in r.stdout and "1 quarantined" in r.stdout
    assert "cix quarantine list" in r.stdout


def test_import_kcs(home: Path, tmp_path: Path) -> None:
    f = tmp_path / "k.csv"
    with (KCS_DIR / "valid.csv").open(encoding="utf-8") as src:
        f.write_text("".join(itertools.islice(src, 51)))
    r = cix("import", str(f), "--format", "kcs", "--json")
    assert r.exit_code == 0, r.stderr
    s = one_json(r.stdout)
    assert s["read"] == 50
    assert s["stored"] + s["duplicates"] + s["quarantined"] == 50
    assert s["stored"] > 0


def test_import_csv_with_mapping(home: Path, tmp_path: Path) -> None:
    m = tmp_path / "m.json"
    m.write_bytes(orjson.dumps({"columns": {"Ref": "/lrn", "Decl": "/declarant/identifier", "Imp": "/importer/name",
                                            "Day": "/date", "HS": "/goods/0/hs_code"},
                                "constants": {"/kind": "import"}}))  # fmt: skip
    f = tmp_path / "d.csv"
    f.write_text("HS,Day,Imp,Decl,Ref\n090121,2024-03-01,Imp LLC,RU1,R1\n")
    r = cix("import", str(f), "--format", "csv", "--mapping", str(m), "--json")
    assert r.exit_code == 0, r.stderr
    assert one_json(r.stdout)["stored"] == 1


def test_bad_format_fails_with_one_line(home: Path, tmp_path: Path) -> None:
    r = cix("import", str(jsonl(tmp_path)), "--format", "xml", "--json")
    assert r.exit_code != 0
    assert r.stdout == ""
    assert "xml" in one_line_reason(r.stderr)


def test_missing_file_fails(home: Path, tmp_path: Path) -> None:
    r = cix("import", str(tmp_path / "nope.jsonl"), "--json")
    assert r.exit_code != 0
    assert r.stdout == ""
    assert "nope.jsonl" in one_line_reason(r.stderr)


def test_unreadable_json_fails(home: Path, tmp_path: Path) -> None:
    f = tmp_path / "x.json"
    f.write_text("{not json")
    r = cix("import", str(f), "--format", "json", "--json")
    assert r.exit_code != 0
    assert r.stdout == ""
    one_line_reason(r.stderr)


def test_csv_without_mapping_fails(home: Path, tmp_path: Path) -> None:
    f = tmp_path / "d.csv"
    f.write_text("a\n1\n")
    r = cix("import", str(f), "--format", "csv", "--json")
    assert r.exit_code == 2
    assert "--mapping" in one_line_reason(r.stderr)


@pytest.mark.parametrize("extra", [["--bogus"], ["--format", "xml"], ["--format"]])
def test_bad_arguments_fail_with_one_line(home: Path, tmp_path: Path, extra: list[str]) -> None:
    """The real entry point (not the test runner) turns usage errors into one line on stderr."""
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "cix", "import", str(jsonl(tmp_path)), *extra, "--json"],
                       capture_output=True, text=True, timeout=60)  # fmt: skip
    assert r.returncode == 2, r.stderr
    assert r.stdout == ""
    one_line_reason(r.stderr)
