"""Tests of ``cix generate`` through the real CLI app, with no node home at all."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from cix.cli.main import app
from cix.generate import FILES
from cix.model.rules import validate
from cix.reference.rates import read_rates_csv
from cix.reference.tariff import read_tariff_csv

runner = CliRunner()
END = "2024-05-31"


@pytest.fixture(autouse=True)
def empty_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "never-created"
    monkeypatch.setenv("CIX_HOME", str(home))
    return home


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["generate", *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_json_prints_one_object_and_writes_the_files(tmp_path: Path, empty_home: Path) -> None:
    out = tmp_path / "out"
    code, stdout, _err = run(
        "--out", str(out), "--days", "3", "--per-day", "20", "--seed", "4", "--end-date", END, "--json"
    )
    assert code == 0
    assert stdout.count("\n") == 1
    summary = orjson.loads(stdout)
    assert summary["counts"]["exports"] == 60 and summary["counts"]["imports"] >= 60
    assert summary["last_date"] == END and summary["first_date"] == "2024-05-29"
    assert sorted(Path(p).name for p in summary["files"].values()) == sorted(FILES)
    for name in FILES:
        assert (out / name).is_file()
    imports = [orjson.loads(line) for line in (out / "imports.jsonl").read_bytes().splitlines()]
    assert len(imports) == summary["counts"]["imports"]
    import datetime as dt

    for rec in imports:
        assert validate(rec, today=dt.date(2024, 5, 31))[0] is not None
    assert read_rates_csv(out / "rates.csv").synthetic
    assert len(read_tariff_csv(out / "tariff.csv")) == summary["counts"]["tariff_rows"]
    assert not empty_home.exists()


def test_same_seed_same_files(tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert run("--out", str(tmp_path / name), "--days", "2", "--per-day", "10", "--end-date", END)[0] == 0
    for name in FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_text_summary(tmp_path: Path) -> None:
    code, stdout, _err = run("--out", str(tmp_path), "--days", "1", "--per-day", "5", "--end-date", END)
    assert code == 0 and "5 export" in stdout


@pytest.mark.parametrize(
    "args",
    [
        ("--partners", "FI,XX"),
        ("--importer", "RU,FI"),
        ("--end-date", "2999-01-01"),
        ("--end-date", "yesterday"),
        ("--partners", "RU"),
    ],
)
def test_bad_arguments_fail_with_one_line(tmp_path: Path, args: tuple[str, str]) -> None:
    code, stdout, stderr = run("--out", str(tmp_path / "x"), *args, "--json")
    assert code == 2 and stdout == ""
    assert stderr.startswith("cix: ") and stderr.count("\n") == 1
