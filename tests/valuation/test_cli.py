"""``cix prices``: build, show, set-manual on an empty home, with --json."""

from __future__ import annotations

from pathlib import Path

import orjson
from typer.testing import CliRunner

from cix.cli.prices import app


def run(*args: str) -> tuple[int, dict]:
    res = CliRunner().invoke(app, [*args, "--json"])
    return res.exit_code, (orjson.loads(res.stdout) if res.exit_code == 0 else {"stderr": res.output})


def test_prices_commands_on_an_empty_home(home: Path) -> None:
    code, out = run("build", "--as-of", "2024-03-31")
    assert code == 0 and out["groups"] == 0 and out["period_from"] == "2023-04-01"
    code, out = run("set-manual", "0901", "--min", "3.5", "--max", "9", "--origin", "br")
    assert code == 0 and out["origin"] == "BR" and out["min_value"] == 3.5
    code, out = run("show", "0901210000", "--origin", "BR", "--unit", "KGM")
    assert code == 0 and out["groups"] == [] and out["used"] is None
    assert out["manual"][0]["hs_code"] == "0901"
    code, out = run("set-manual", "0901", "--origin", "BR", "--remove")
    assert code == 0 and out["removed"]


def test_bad_arguments_fail_with_a_reason(home: Path) -> None:
    res = CliRunner().invoke(app, ["set-manual", "09", "--min", "1"])
    assert res.exit_code == 2 and "4 to 10 digits" in res.output
    res = CliRunner().invoke(app, ["set-manual", "0901", "--min", "5", "--max", "1"])
    assert res.exit_code == 2 and "above the maximum" in res.output
    res = CliRunner().invoke(app, ["build", "--as-of", "yesterday"])
    assert res.exit_code == 2
