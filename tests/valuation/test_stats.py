"""Weighted robust statistics per group and level."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
from hypothesis import given
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

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


# --- the columnar rewrite against the implementation it replaced -------------------------------


def _groups_before(obs: pl.DataFrame, *, as_of: dt.date, half_life_days: float, min_count: int) -> pl.DataFrame:
    """``reference_groups`` as it was before the build was made faster (its level loop gathered every
    column in value order, level by level): the oracle the rewrite must match bit for bit."""
    from cix.valuation.stats import GROUP_SCHEMA, _argsort, _quantile_at, group_key

    def level_stats(gid: np.ndarray, lv: np.ndarray, w: np.ndarray, n: np.ndarray, pn: np.ndarray) -> dict:
        keep = gid >= 0
        gid, lv, w, n, pn = gid[keep], lv[keep], w[keep], n[keep], pn[keep]
        idx = _argsort(gid * gid.size + np.arange(gid.size))
        g, lv, w, n, pn = gid[idx], lv[idx], w[idx], n[idx], pn[idx]
        if g.size == 0:
            return {}
        starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
        ends = np.r_[starts[1:], g.size]
        counts = np.add.reduceat(n, starts)
        ok = np.round(counts, 6) >= min_count
        c = np.cumsum(w)
        before = np.where(starts > 0, c[np.maximum(starts - 1, 0)], 0.0)
        total = c[ends - 1] - before
        med = lv[_quantile_at(c, before, total, starts, ends, 0.5)]
        q1 = lv[_quantile_at(c, before, total, starts, ends, 0.25)]
        q3 = lv[_quantile_at(c, before, total, starts, ends, 0.75)]
        sizes = ends - starts
        member = np.repeat(np.arange(starts.size, dtype=np.float64), sizes)
        dev = np.abs(lv - np.repeat(med, sizes))
        order = _argsort(member * 128.0 + np.minimum(dev, 127.0))
        dev, w2 = dev[order], w[order]
        c2 = np.cumsum(w2)
        before2 = np.where(starts > 0, c2[np.maximum(starts - 1, 0)], 0.0)
        mad = dev[_quantile_at(c2, before2, c2[ends - 1] - before2, starts, ends, 0.5)]
        return {
            "gid": g[starts][ok], "count": counts[ok], "partner_count": np.add.reduceat(pn, starts)[ok],
            "weight": total[ok], "median": np.exp(med[ok]), "q1": np.exp(q1[ok]), "q3": np.exp(q3[ok]),
            "mad_log": mad[ok],
        }  # fmt: skip

    lam = np.log(2.0) / float(half_life_days)
    obs = obs.filter(pl.col("uv").is_finite() & (pl.col("uv") > 0))
    if obs.height == 0:
        return pl.DataFrame(schema=GROUP_SCHEMA)
    prepared = obs.select(
        key=pl.concat_str(["code", "origin", "unit"], separator="|"),
        lv=pl.col("uv").log(),
        w=pl.col("w0") * (-lam * (pl.lit(as_of) - pl.col("day")).dt.total_days().clip(lower_bound=0)).exp(),
        n="n",
        pn="pn",
    )
    lv = prepared["lv"].to_numpy()
    order = _argsort(lv)
    lv = lv[order]
    w, n, pn = (prepared[c].to_numpy()[order] for c in ("w", "n", "pn"))
    combos, gid0 = np.unique(prepared["key"].hash(seed=7).to_numpy()[order], return_inverse=True)
    first = np.zeros(combos.size, dtype=np.int64)
    first[gid0[::-1]] = np.arange(gid0.size - 1, -1, -1)
    parts = [k.split("|") for k in prepared["key"].gather(order[first]).to_list()]
    rows: dict[str, list[object]] = {name: [] for name in GROUP_SCHEMA}
    for level in LEVELS:
        names: dict[tuple[str, str, str], int] = {}
        mapping = np.empty(len(parts), dtype=np.int64)
        for i, (code, origin, unit) in enumerate(parts):
            k = group_key(level, code, origin)
            mapping[i] = -1 if k is None else names.setdefault((k[0], k[1], unit), len(names))
        st = level_stats(mapping[gid0], lv, w, n, pn) if names else {}
        labels = list(names)
        for j, gid in enumerate(st.get("gid", np.empty(0, dtype=np.int64)).tolist()):
            code, origin, unit = labels[gid]
            rows["level"].append(level.index)
            rows["hs_code"].append(code)
            rows["origin"].append(origin)
            rows["unit"].append(unit)
            rows["count"].append(round(float(st["count"][j])))
            rows["partner_count"].append(round(float(st["partner_count"][j])))
            for col in ("weight", "median", "q1", "q3", "mad_log"):
                rows[col].append(float(st[col][j]))
    return pl.DataFrame(rows, schema=GROUP_SCHEMA)


_CODES = ("0901210000", "0901210090", "0901220000", "090121", "0902100000", "0902", "87032310")


@given(
    st.lists(
        st.tuples(
            st.sampled_from(_CODES),
            st.sampled_from(("BR", "CO", "VN")),
            st.sampled_from(("KGM", "NAR")),
            st.sampled_from((0.5, 1.0, 1.0, 2.0, 4.0, 4.0, 8.0, 0.0)) | st.floats(min_value=0.01, max_value=1e4),
            st.integers(min_value=0, max_value=400),
            st.sampled_from((1.0, 1.0, 1.0, 2.4)),
        ),
        max_size=300,
    ),
    st.integers(min_value=1, max_value=6),
)
def test_groups_are_those_of_the_implementation_before(rows: list[tuple], min_count: int) -> None:
    # ties of value and of weight, partners' fractional counts, codes without every level, bad values
    frame = pl.DataFrame(
        [(c, o, u, v, DAY - dt.timedelta(days=age), n, n if n != 1.0 else 0.0, n) for c, o, u, v, age, n in rows],
        schema=OBSERVATION_SCHEMA,
        orient="row",
    )
    kw = {"as_of": DAY, "half_life_days": 180, "min_count": min_count}
    assert_frame_equal(reference_groups(frame, **kw), _groups_before(frame, **kw), check_exact=True)


def test_group_order_keeps_the_order_inside_groups() -> None:
    from cix.valuation.stats import _argsort, _group_order

    gid = np.random.default_rng(3).integers(0, 300, 5000)
    expected = _argsort(gid * gid.size + np.arange(gid.size))
    assert (_group_order(gid, 300) == expected).all()  # the radix sort
    assert (_group_order(gid, 1 << 20) == expected).all()  # the general one
