"""``cix bench match`` at a small N: the JSON contract and the correctness share."""

from __future__ import annotations

from cix.bench.match import run


def test_bench_match_small() -> None:
    result = run(300, seed=3)
    for key in ("records", "seconds", "rate_per_s", "matched_share", "correct_share", "floor_seconds", "ratio"):
        assert key in result
    assert result["records"] == 300
    assert result["pairs"] == 300 - 15
    assert result["correct_share"] >= 0.95
    assert 0.9 <= result["matched_share"] <= 1.0
