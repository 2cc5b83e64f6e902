"""``cix bench valuation``: the JSON contract on a small count (figures are not asserted: no timed tests)."""

from __future__ import annotations

import orjson
from typer.testing import CliRunner

from cix.cli.bench import app


def test_bench_valuation_json() -> None:
    res = CliRunner().invoke(app, ["valuation", "--count", "400", "--json"])
    assert res.exit_code == 0, res.output
    out = orjson.loads(res.stdout)
    assert out["declarations"] == 400
    assert out["goods_items"] > 400 and out["groups"] > 0
    assert out["build_seconds"] > 0 and out["check_ms_per_item"] > 0 and out["floor_seconds"] > 0
