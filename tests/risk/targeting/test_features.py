"""The no-leakage rule: a row's history features see only rows of strictly earlier dates."""

from __future__ import annotations

import datetime as dt

import polars as pl

from cix.risk.targeting import data as kcs
from cix.risk.targeting.features import FeatureSpace, derive


def _rows(labels: list[int]) -> pl.DataFrame:
    days = [dt.date(2020, 1, 1), dt.date(2020, 1, 1), dt.date(2020, 1, 2), dt.date(2020, 1, 3)]
    base = {c: ["x"] * 4 for c in kcs.CATEGORICAL}
    base |= {
        kcs.ID: ["1", "2", "3", "4"],
        "HS6 Code": ["10101"] * 4,
        "Tax Rate": ["8.0"] * 4,
        "Net Mass": ["10"] * 4,
        "Item Price": ["1000"] * 4,
        kcs.FRAUD: [str(v) for v in labels],
        kcs.CRITICAL: [str(v) for v in labels],
        kcs.DATE: [d.isoformat() for d in days],
    }
    return derive(kcs.prepare(pl.DataFrame(base).select(kcs.COLUMNS)))


def test_history_counts_only_earlier_days() -> None:
    rows = _rows([1, 1, 0, 0])
    f = FeatureSpace.fit(rows).transform(rows)
    assert f["h_pattern_n"].to_list() == [0.0, 0.0, 2.0, 3.0]
    assert rows["HS6 Code"].to_list()[0] == "010101"


def test_later_outcomes_do_not_change_earlier_features() -> None:
    a, b = _rows([1, 0, 0, 0]), _rows([1, 0, 1, 1])
    fa = FeatureSpace.fit(a).transform(a)
    fb = FeatureSpace.fit(b).transform(b)
    assert fa.head(3).equals(fb.head(3))
    assert not fa.tail(1).equals(fb.tail(1))


def test_scoring_rows_after_the_window_see_the_whole_history() -> None:
    rows = _rows([1, 1, 0, 0])
    later = rows.with_columns(pl.lit(dt.date(2021, 1, 1)).alias(kcs.DATE))
    undated = rows.with_columns(pl.lit(None, pl.Date).alias(kcs.DATE))
    space = FeatureSpace.fit(rows)
    assert space.transform(derive(later))["h_pattern_n"].to_list() == [4.0] * 4
    assert space.transform(derive(undated))["h_pattern_n"].to_list() == [4.0] * 4
