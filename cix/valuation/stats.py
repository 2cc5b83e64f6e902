"""Robust, time-weighted statistics of unit value per group, over every fall-back level at once.

An observation is one goods item's unit value (customs value in USD per unit of quantity) with its
HS code, origin, unit of quantity and date. Each observation weighs ``0.5 ** (age / half_life)``
(age in days before the build date), so older prices count less. For each group of each level of
:data:`LEVELS` the build keeps the count, the summed weight, the weighted median and quartiles of
the unit value, and the weighted median absolute deviation of its logarithm (``mad_log``, a
relative spread: 0.10 is about ±10 %). Everything is columnar (Polars and NumPy): one global sort
by value, then one radix sort lays the rows out by combination of (code, origin, unit), ascending
value inside each. A group of a level is one combination or the union of several, whose runs are
merged by their place in the global order (ties keep that order), so one running sum of weights and
a vectorised binary search give every group's quantiles; one sort of deviations per level gives
the MAD.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import polars as pl


@dataclass(frozen=True, slots=True)
class Level:
    """A fall-back level: how much of the HS code is kept (None: the full national code, 7–10
    digits) and whether the origin is kept or all origins pooled."""

    index: int
    name: str
    digits: int | None
    by_origin: bool


#: Tried in this order. Prices vary more between the subheadings of a heading than between the
#: origins of one subheading, so the origin is pooled before the code is cut below six digits.
LEVELS: tuple[Level, ...] = (
    Level(0, "full code, origin", None, True),
    Level(1, "HS6, origin", 6, True),
    Level(2, "full code, all origins", None, False),
    Level(3, "HS6, all origins", 6, False),
    Level(4, "HS4, origin", 4, True),
    Level(5, "HS4, all origins", 4, False),
)
ALL_ORIGINS = "*"

#: Columns of an observation frame. ``n`` counts declarations (1 for an own goods item, a share of
#: a partner record's count for its pseudo-observations), ``pn`` the part of ``n`` from partners,
#: ``w0`` the weight before age decay.
OBSERVATION_SCHEMA = {
    "code": pl.String,
    "origin": pl.String,
    "unit": pl.String,
    "uv": pl.Float64,
    "day": pl.Date,
    "n": pl.Float64,
    "pn": pl.Float64,
    "w0": pl.Float64,
}

#: Deciles a partner's aggregated record is expanded into (z of the normal distribution).
PSEUDO_Z = (-1.2815516, -0.5244005, 0.0, 0.5244005, 1.2815516)


def group_key(level: Level, code: str, origin: str) -> tuple[str, str] | None:
    """The (code, origin) key of ``code``/``origin`` at ``level``; None when the level does not apply."""
    if level.digits is None:
        if len(code) <= 6:
            return None
        c = code
    else:
        if len(code) < level.digits:
            return None
        c = code[: level.digits]
    return c, (origin if level.by_origin else ALL_ORIGINS)


def pseudo_observations(
    code: str, origin: str, unit: str, median: float, mad_log: float, count: int, day: dt.date
) -> list[tuple[str, str, str, float, dt.date, float, float, float]]:
    """A partner's aggregated record as five weighted points on its (log-normal) deciles."""
    sigma = 1.4826 * max(mad_log, 0.0)
    share = count / len(PSEUDO_Z)
    lm = math.log(median)
    return [(code, origin, unit, math.exp(lm + z * sigma), day, share, share, share) for z in PSEUDO_Z]


def empty_observations() -> pl.DataFrame:
    return pl.DataFrame(schema=OBSERVATION_SCHEMA)


def _argsort(values: np.ndarray) -> np.ndarray:
    """Positions of an ascending sort (Polars' sort: both cores; ties keep their order)."""
    return pl.Series(values).arg_sort().to_numpy()


def _group_order(gid: np.ndarray, groups: int) -> np.ndarray:
    """Positions that put the rows in ascending ``gid`` order (< ``groups``), keeping their order inside each."""
    if groups <= 1 << 16:
        return np.argsort(gid.astype(np.uint16), kind="stable")  # NumPy's radix sort: one pass, no comparisons
    return _argsort(gid * gid.size + np.arange(gid.size))


def _take(values: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``values[idx]``, without reading ``values`` at random when it holds one value only (the counts
    of own observations: 1 declaration each, none from partners)."""
    if values.size and values[0] == values.min() == values.max():
        return np.full(idx.size, values[0])
    return values[idx]


def _combinations(obs: pl.DataFrame) -> tuple[np.ndarray, list[tuple[str, str, str]]]:
    """Each row's combination of (code, origin, unit), and the combinations, numbered in the order of
    the hashes of their keys ``code|origin|unit`` (the order the groups of every level are laid out in)."""
    found = obs.select(pl.struct("code", "origin", "unit").hash(seed=7)).to_series()
    distinct = found.unique()
    local = found.replace_strict(distinct, pl.Series(np.arange(distinct.len())), return_dtype=pl.Int64).to_numpy()
    first = np.zeros(distinct.len(), dtype=np.int64)
    first[local[::-1]] = np.arange(local.size - 1, -1, -1)
    keys = obs[first].select(pl.concat_str(["code", "origin", "unit"], separator="|")).to_series()
    by_hash = np.argsort(keys.hash(seed=7).to_numpy(), kind="stable")
    number = np.empty(by_hash.size, dtype=np.int64)
    number[by_hash] = np.arange(by_hash.size)
    parts = [tuple(k.split("|")) for k in keys.gather(by_hash).to_list()]
    return number[local], parts


def _quantile_at(
    c: np.ndarray, before: np.ndarray, total: np.ndarray, starts: np.ndarray, ends: np.ndarray, p: float
) -> np.ndarray:
    """Positions of the weighted ``p``-quantile of each contiguous group (``c`` = running weight)."""
    pos = np.searchsorted(c, before + p * total, side="left")
    return np.clip(pos, starts, ends - 1)


def _level_stats(
    gid: np.ndarray, rank: np.ndarray, cols: tuple[np.ndarray, ...], min_count: int
) -> dict[str, np.ndarray]:
    """Statistics of each group id ``gid`` (< 0: left out) of rows held by combination.

    ``cols`` are the rows' ``lv``, ``w``, ``n``, ``pn``, each combination's rows contiguous and in
    ascending value; ``rank`` is each row's place in the global ascending order of value, so sorting by
    (group, rank) lays every group out contiguously in ascending value, ties in their global order.
    """
    keep = gid >= 0
    if not keep.all():
        gid, rank, cols = gid[keep], rank[keep], tuple(c[keep] for c in cols)
    if gid.size == 0:
        return {}
    steps = np.diff(gid)
    if (steps < 0).any() or ((steps == 0) & (np.diff(rank) < 0)).any():
        # Groups of several combinations: merge their rows by rank. The rows come in runs of
        # ascending rank, so the gathers below read a few places at a time, not the whole array.
        idx = _argsort(gid * (int(rank.max()) + 1) + rank)
        gid = gid[idx]
        cols = tuple(_take(c, idx) for c in cols)
    lv, w, n, pn = cols
    starts = np.flatnonzero(np.r_[True, gid[1:] != gid[:-1]])
    ends = np.r_[starts[1:], gid.size]
    counts = np.add.reduceat(n, starts)
    ok = np.round(counts, 6) >= min_count
    c = np.cumsum(w)
    before = np.where(starts > 0, c[np.maximum(starts - 1, 0)], 0.0)
    total = c[ends - 1] - before
    med = lv[_quantile_at(c, before, total, starts, ends, 0.5)]
    q1 = lv[_quantile_at(c, before, total, starts, ends, 0.25)]
    q3 = lv[_quantile_at(c, before, total, starts, ends, 0.75)]
    # The MAD: deviations from the group's median, sorted inside each group (group index first). Inside
    # a group they fall then rise, two runs that NumPy's stable sort (timsort) merges.
    sizes = ends - starts
    member = np.repeat(np.arange(starts.size, dtype=np.float64), sizes)
    dev = np.abs(lv - np.repeat(med, sizes))
    order = np.argsort(member * 128.0 + np.minimum(dev, 127.0), kind="stable")
    dev, w2 = dev[order], w[order]
    c2 = np.cumsum(w2)
    before2 = np.where(starts > 0, c2[np.maximum(starts - 1, 0)], 0.0)
    mad = dev[_quantile_at(c2, before2, c2[ends - 1] - before2, starts, ends, 0.5)]
    return {
        "gid": gid[starts][ok],
        "count": counts[ok],
        "partner_count": np.add.reduceat(pn, starts)[ok],
        "weight": total[ok],
        "median": np.exp(med[ok]),
        "q1": np.exp(q1[ok]),
        "q3": np.exp(q3[ok]),
        "mad_log": mad[ok],
    }


GROUP_SCHEMA = {
    "level": pl.Int32, "hs_code": pl.String, "origin": pl.String, "unit": pl.String, "count": pl.Int64,
    "partner_count": pl.Int64, "weight": pl.Float64, "median": pl.Float64, "q1": pl.Float64,
    "q3": pl.Float64, "mad_log": pl.Float64,
}  # fmt: skip


def reference_groups(obs: pl.DataFrame, *, as_of: dt.date, half_life_days: float, min_count: int) -> pl.DataFrame:
    """Statistics of every group with at least ``min_count`` declarations, at every level of :data:`LEVELS`.

    Columns: see :data:`GROUP_SCHEMA` (values in the observations' currency per unit).
    """
    lam = math.log(2.0) / float(half_life_days)
    obs = obs.filter(pl.col("uv").is_finite() & (pl.col("uv") > 0))
    if obs.height == 0:
        return pl.DataFrame(schema=GROUP_SCHEMA)
    prepared = obs.select(
        lv=pl.col("uv").log(),
        w=pl.col("w0") * (-lam * (pl.lit(as_of) - pl.col("day")).dt.total_days().clip(lower_bound=0)).exp(),
        n="n",
        pn="pn",
    )
    cid, parts = _combinations(obs)
    # One global sort by value, then the rows by combination (ascending value inside each); ``rank``
    # is each row's place in the global order.
    order = _argsort(prepared["lv"].to_numpy())
    rank = _group_order(cid[order], len(parts))
    rows_by_combo = order[rank]
    cols = tuple(_take(prepared[c].to_numpy(), rows_by_combo) for c in ("lv", "w", "n", "pn"))
    sizes = np.bincount(cid, minlength=len(parts))

    rows: dict[str, list[object]] = {name: [] for name in GROUP_SCHEMA}
    for level in LEVELS:
        names: dict[tuple[str, str, str], int] = {}
        mapping = np.empty(len(parts), dtype=np.int64)
        for i, (code, origin, unit) in enumerate(parts):
            k = group_key(level, code, origin)
            mapping[i] = -1 if k is None else names.setdefault((k[0], k[1], unit), len(names))
        if not names:
            continue
        st = _level_stats(np.repeat(mapping, sizes), rank, cols, min_count)
        if not st:
            continue
        labels = list(names)
        for j, gid in enumerate(st["gid"].tolist()):
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
