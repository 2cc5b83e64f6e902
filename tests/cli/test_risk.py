"""``cix risk train|score|evaluate`` through the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cix.cli.main import app

KCS = Path(__file__).parents[2] / ".." / "shared" / "data" / "kcs"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if not (KCS / "train.csv").exists():
        pytest.skip(f"KCS development data not found at {KCS}")
    d = tmp_path_factory.mktemp("cli")
    out = {}
    for name, n in (("train", 1500), ("valid", 500)):
        lines = (KCS / f"{name}.csv").read_text(encoding="utf-8").splitlines(keepends=True)[: n + 1]
        (d / f"{name}.csv").write_text("".join(lines), encoding="utf-8")
        out[name] = d / f"{name}.csv"
    out["dir"] = d
    return out


def test_train_score_evaluate(files: dict[str, Path]) -> None:
    runner = CliRunner()
    model = files["dir"] / "model"
    r = runner.invoke(
        app, ["risk", "train", str(files["train"]), "--format", "kcs", "--model", str(model), "--seed", "3", "--json"]
    )
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["rows"] == 1500
    assert (model / "model.json").exists()

    out = files["dir"] / "scores.csv"
    r = runner.invoke(
        app, ["risk", "score", str(files["valid"]), "--format", "kcs", "--model", str(model), "--out", str(out)]
    )
    assert r.exit_code == 0, r.stderr
    assert r.stdout == ""
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "declaration_id,score,channel" and len(lines) == 501

    r = runner.invoke(
        app, ["risk", "evaluate", str(files["valid"]), "--format", "kcs", "--model", str(model), "--json"]
    )
    assert r.exit_code == 0, r.stderr
    m = json.loads(r.stdout)  # exactly one JSON object
    assert {"auc", "@1", "@2", "@5", "@10", "@20", "unseen"} <= set(m)
    assert m["@5"]["k"] == 25


def test_failures_are_one_line(files: dict[str, Path]) -> None:
    runner = CliRunner()
    r = runner.invoke(
        app,
        [
            "risk",
            "score",
            str(files["dir"] / "missing.csv"),
            "--format",
            "kcs",
            "--model",
            str(files["dir"] / "nomodel"),
            "--out",
            str(files["dir"] / "x.csv"),
        ],
    )
    assert r.exit_code != 0
    assert r.stderr.startswith("cix: ") and r.stderr.count("\n") == 1
    r = runner.invoke(
        app, ["risk", "train", str(files["train"]), "--format", "xml", "--model", str(files["dir"] / "m2")]
    )
    assert r.exit_code == 2 and r.stderr.startswith("cix: ")
