"""Weighted robust statistics per group and level."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from cix.valuation.stats import LEVELS, OBSERVATION_SCHEMA, pseudo_observations, reference_groups

DAY = dt.date(2024, 6, 30)


def obs(rows: list[tuple[str, str, str, float, dt.date]]) -> pl.DataFrame:
    return pl.DataFrame(
        [(c, o, u, v, d, 1.0, 0.0, 1.0) for c, o, u, v, d in rows], schema=OBSERVATION_SCHEMA, orient="row"
    )


@given(st.lists(st.floats(min_value=0.01, max_value=1e6), min_size=5, max_size=60))
def test_unweighted_statistics_match_numpy(values: list[float]) -> None:
    g = reference_groups(
        obs([("0901210000", "BR", "KGM", v, DAY) for v in values]), as_of=DAY, half_life_days=180, min_count=5
    )
    row = g.filter(pl.col("level") == 0).row(0, named=True)
    lv = np.sort(np.log(values))
    n = len(lv)
    # the weighted median with equal weights: the first value whose running share reaches one half
    med = lv[int(np.ceil(n * 0.5)) - 1]
    assert row["count"] == n
    assert np.isclose(np.log(row["median"]), med)
    assert np.isclose(np.log(row["q1"]), lv[int(np.ceil(n * 0.25)) - 1])
    assert np.isclose(np.log(row["q3"]), lv[int(np.ceil(n * 0.75)) - 1])
    dev = np.sort(np.abs(lv - med))
    assert np.isclose(row["mad_log"], dev[int(np.ceil(n * 0.5)) - 1])


def test_older_observations_weigh_less() -> None:
    old = [("0901210000", "BR", "KGM", 1.0, DAY - dt.timedelta(days=360))] * 6
    new = [("0901210000", "BR", "KGM", 10.0, DAY)] * 4
    g = reference_groups(obs(old + new), as_of=DAY, half_life_days=180, min_count=5)
    row = g.filter(pl.col("level") == 0).row(0, named=True)
    # six at weight 1/4 against four at weight 1: the recent price is the median
    assert row["count"] == 10 and np.isclose(row["median"], 10.0)
    assert np.isclose(row["weight"], 6 * 0.25 + 4)
    g2 = reference_groups(obs(old + new), as_of=DAY, half_life_days=100_000, min_count=5)
    assert np.isclose(g2.filter(pl.col("level") == 0)["median"][0], 1.0)


def test_every_level_and_min_count() -> None:
    rows = [("0901210000", "BR", "KGM", 4.0, DAY)] * 5 + [("0901210000", "CO", "KGM", 5.0, DAY)] * 2
    g = reference_groups(obs(rows), as_of=DAY, half_life_days=180, min_count=5)
    keys = {(r["level"], r["hs_code"], r["origin"]) for r in g.iter_rows(named=True)}
    assert keys == {
        (0, "0901210000", "BR"), (1, "090121", "BR"), (2, "0901210000", "*"), (3, "090121", "*"),
        (4, "0901", "BR"), (5, "0901", "*"),
    }  # fmt: skip
    assert len(LEVELS) == 6
    # a six-digit code has no full-code level of its own
    g6 = reference_groups(obs([("090121", "BR", "KGM", 4.0, DAY)] * 5), as_of=DAY, half_life_days=180, min_count=5)
    assert sorted(g6["level"].to_list()) == [1, 3, 4, 5]


def test_pseudo_observations_keep_median_and_count() -> None:
    pts = pseudo_observations("090121", "BR", "KGM", 4.8, 0.2, 50, DAY)
    assert len(pts) == 5 and np.isclose(sum(p[5] for p in pts), 50)
    g = reference_groups(pl.DataFrame(pts, schema=OBSERVATION_SCHEMA, orient="row"), as_of=DAY,
                         half_life_days=180, min_count=5)  # fmt: skip
    row = g.filter(pl.col("level") == 1).row(0, named=True)
    assert row["count"] == 50 and row["partner_count"] == 50 and np.isclose(row["median"], 4.8)


def test_bad_values_are_left_out() -> None:
    rows = [("0901210000", "BR", "KGM", v, DAY) for v in (4.0, 4.0, 4.0, 4.0, 4.0, 0.0, -1.0, float("inf"))]
    g = reference_groups(obs(rows), as_of=DAY, half_life_days=180, min_count=5)
    assert g.filter(pl.col("level") == 0)["count"][0] == 5
