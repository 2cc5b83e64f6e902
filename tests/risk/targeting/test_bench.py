"""The targeting benchmark on small slices: the recipe and ours, side by side, JSON-able."""

from __future__ import annotations

from pathlib import Path

import orjson

from cix.bench.targeting import RATES, run


def test_run_shape(slices: dict[str, Path], tmp_path: Path) -> None:
    from .conftest import head

    train = head(slices["train"], tmp_path / "train.csv", 1500)
    valid = head(slices["valid"], tmp_path / "valid.csv", 400)
    r = run(train, valid, seeds=(0, 1), our_seed=0)
    orjson.dumps(r)
    for rate in RATES:
        key = f"@{rate}"
        assert set(r["recipe"][key]["precision"]) == {"mean", "std"}
        assert 0.0 <= r["ours"][key]["duty_recall"] <= 1.0
        assert set(r["beats"][key]) == {"precision", "duty_recall", "critical_recall", "all"}
    assert r["n_valid"] == 400 and 0 < r["n_unseen"] < 400
    assert "ours" in r["unseen_auc"] and "mean" in r["unseen_auc"]["recipe"]
