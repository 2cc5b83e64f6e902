"""``cix bench pipeline`` on a small count: its JSON shape, loss counted end to end, profile selections."""

from __future__ import annotations

import orjson
from typer.testing import CliRunner

from cix.cli.main import app


def test_bench_pipeline_small() -> None:
    r = CliRunner().invoke(
        app, ["bench", "pipeline", "--count", "150", "--batch-size", "100", "--history", "400", "--json"]
    )
    assert r.exit_code == 0, r.output
    assert r.stdout.count("\n") == 1
    out = orjson.loads(r.stdout)
    assert out["declarations"] == 150 and out["decided"] == 150
    assert out["lost"] == 0 and out["duplicated"] == 0
    assert out["rate_per_s"] > 0 and out["floor_rate_per_s"] > 0
    assert (
        out["ratio"] == round(out["floor_rate_per_s"] / out["rate_per_s"], 3)
        or abs(out["ratio"] - out["floor_rate_per_s"] / out["rate_per_s"]) < 0.01
    )
    assert out["steps"][-1] == "risk"
    assert out["profiles_active"] == 50
    assert set(out["profiles_selecting_none"]) <= set(out["profile_selections"])
    assert all((n == 0) == (p in out["profiles_selecting_none"]) for p, n in out["profile_selections"].items())
    assert sum(out["channels"].values()) == 150
    assert out["setup"]["model_version"]
