"""Scoring a few rows without Polars: the same features as :meth:`FeatureSpace.transform`, in plain Python.

The declaration path scores one declaration per API request; building and joining Polars frames
costs tens of milliseconds per call whatever the number of rows, while the features of one row are a
handful of dictionary look-ups. :class:`FastScorer` indexes the fitted tables once (vocabularies,
frequencies, price references, and per key the days and cumulative counts of the history, searched
with ``bisect`` for the last day strictly before the row's: the same as-of rule) and computes the
feature matrix of raw KCS-shaped rows directly. ``tests/risk/targeting/test_fast.py`` checks that it
gives the same matrix and scores as the Polars path.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from typing import Any

import lightgbm as lgb
import numpy as np

from cix.risk.targeting import data as kcs
from cix.risk.targeting.features import (
    _FAR_FUTURE,
    CATEGORIES,
    FREQUENCIES,
    HISTORY_KEYS,
    SMOOTHING,
    START_PRIOR,
    FeatureSpace,
)

_EPOCH = dt.date(1970, 1, 1)
_HS_DOT = re.compile(r"\.0$")


def _num(v: Any) -> float | None:
    """As :func:`kcs.number`: a non-negative finite float, else None."""
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) and f >= 0 else None


def _text(v: Any) -> str:
    return "" if v is None else str(v)


def prepare_row(raw: Mapping[str, Any]) -> dict[str, Any]:
    """One raw KCS-shaped row (text values) as :func:`kcs.prepare` + :func:`features.derive` make it."""
    r: dict[str, Any] = {c: ("" if raw.get(c) is None else str(raw.get(c)).strip()) for c in CATEGORIES if c != "hs2"}
    for c in ("Declarant ID", "Importer ID", "Seller ID", "Courier ID", "Import Use", "Process Type", "Import Type"):
        r[c] = "" if raw.get(c) is None else str(raw[c]).strip()
    hs = "" if raw.get("HS6 Code") is None else _HS_DOT.sub("", str(raw["HS6 Code"]).strip())
    r["HS6 Code"] = hs.zfill(6)
    day = None
    d = raw.get(kcs.DATE)
    if isinstance(d, dt.date):
        day = d
    elif isinstance(d, str):
        try:
            day = dt.datetime.strptime(d.strip(), "%Y-%m-%d").date()
        except ValueError:
            day = None
    r[kcs.DATE] = day
    r["Net Mass"] = _num(raw.get("Net Mass"))
    r["Item Price"] = _num(raw.get("Item Price"))
    tax_raw = raw.get("Tax Rate")
    tax: float | None
    try:
        tax = float(tax_raw) if tax_raw is not None and str(tax_raw).strip() != "" else None
    except ValueError:
        tax = None
    if tax is not None and not (math.isfinite(tax) and tax >= 0):
        tax = None
    r["tax_rate"] = tax
    r["Tax Rate"] = str(tax) if tax is not None else ("" if tax_raw is None else str(tax_raw).strip())
    r["hs2"], r["hs4"] = r["HS6 Code"][:2], r["HS6 Code"][:4]
    r["pattern"] = "|".join(_text(r[c]) for c in kcs.PATTERN)
    r["day"] = (day - _EPOCH).days if day is not None else _FAR_FUTURE
    return r


def _key(r: Mapping[str, Any], cols: tuple[str, ...]) -> str:
    return "|".join(_text(r[c]) for c in cols) if cols else ""


class FastScorer:
    """The fitted tables of a :class:`FeatureSpace` as dictionaries, for scoring rows one at a time."""

    def __init__(self, space: FeatureSpace) -> None:
        self.names = space.names()
        self.extras = list(space.extras)
        self.codes = {c: {v: i for i, v in enumerate(space.vocab[c])} for c in CATEGORIES}
        self.freq = {c: dict(zip(t[c].to_list(), t[f"freq_{c}"].to_list(), strict=True)) for c, t in space.freq.items()}
        self.ref = {
            n: {k: (v, cnt) for k, v, cnt in zip(t["key"].to_list(), t[f"ref_{n}"].to_list(), t[f"refn_{n}"].to_list(),
                                                 strict=True)}
            for n, t in space.price_ref.items()
        }  # fmt: skip
        self.hist: dict[str, dict[str, tuple[list[int], list[tuple[float, float, float]]]]] = {}
        for name, t in space.history.items():
            by: dict[str, tuple[list[int], list[tuple[float, float, float]]]] = {}
            s = t.sort("key", "day")
            for k, day, n, f, c in zip(s["key"].to_list(), s["day"].to_list(), s["n"].to_list(), s["f"].to_list(),
                                       s["c"].to_list(), strict=True):  # fmt: skip
                days, vals = by.setdefault(k, ([], []))
                days.append(day)
                vals.append((n, f, c))
            self.hist[name] = by

    def _asof(self, name: str, key: str, day: int) -> tuple[float, float, float]:
        entry = self.hist[name].get(key)
        if entry is None:
            return (0.0, 0.0, 0.0)
        days, vals = entry
        i = bisect_left(days, day)  # last day strictly before ``day``
        return vals[i - 1] if i > 0 else (0.0, 0.0, 0.0)

    def row_features(self, raw: Mapping[str, Any]) -> list[float]:
        r = prepare_row(raw)
        nan = math.nan
        f: dict[str, float] = {}
        for c in CATEGORIES:
            code = self.codes[c].get(r[c])
            f[c] = nan if code is None else float(code)
        price, mass, tax = r["Item Price"], r["Net Mass"], r["tax_rate"]
        uv = price / mass if (price is not None and mass is not None and mass > 0) else None
        f["log_price"] = math.log1p(price) if price is not None else nan
        f["log_mass"] = math.log1p(mass) if mass is not None else nan
        f["log_uv"] = (math.log(uv) if uv > 0 else nan) if uv is not None else nan
        f["tax_rate"] = tax if tax is not None else nan
        d = price * tax / 100.0 if price is not None and tax is not None else None
        f["log_duty"] = math.log1p(d) if d is not None else nan
        f["duty_zero"] = (1.0 if d == 0 else 0.0) if d is not None else nan
        f["missing"] = float((price is None) + (mass is None) + (tax is None) + (r[kcs.DATE] is None))
        for c in FREQUENCIES:
            f[f"freq_{c}"] = float(self.freq[c].get(r[c], 0.0))
        refs: tuple[tuple[str, tuple[str, ...]], ...] = (
            ("hs6", ("HS6 Code",)),
            ("hs6_origin", ("HS6 Code", "Country of Origin")),
        )
        for rn, rcols in refs:
            ref, cnt = self.ref[rn].get(_key(r, rcols), (None, None))
            f[f"uv_rel_{rn}"] = math.log(uv / ref) if uv is not None and ref and uv / ref > 0 else nan
            if rn == "hs6":
                f["refn_hs6"] = float(cnt) if cnt is not None else 0.0
        day = r["day"]
        n0, f0, c0 = self._asof("all", "", day)
        pf = (f0 + 0.5 * START_PRIOR[0]) / (n0 + 0.5)
        pc = (c0 + 0.5 * START_PRIOR[1]) / (n0 + 0.5)
        a = SMOOTHING
        for name, cols in HISTORY_KEYS.items():
            if name == "all":
                continue
            n, fr, cr = self._asof(name, _key(r, cols), day)
            f[f"h_{name}_n"] = n
            f[f"h_{name}_fr"] = (fr + a * pf) / (n + a)
            f[f"h_{name}_cr"] = (cr + a * pc) / (n + a)
        for c in self.extras:
            v = raw.get(c)
            f[c] = nan if v is None else float(v)
        return [f[n] for n in self.names]

    def matrix(self, rows: Sequence[Mapping[str, Any]]) -> np.ndarray:
        m = np.array([self.row_features(r) for r in rows], dtype=np.float64).reshape(len(rows), len(self.names))
        m[~np.isfinite(m)] = np.nan
        return m

    def duty(self, rows: Sequence[Mapping[str, Any]]) -> np.ndarray:
        out = []
        for raw in rows:
            r = prepare_row(raw)
            p, t = r["Item Price"], r["tax_rate"]
            out.append(p * t / 100.0 if p is not None and t is not None else 0.0)
        return np.asarray(out, dtype=np.float64)


def predict(model: Any, rows: Sequence[Mapping[str, Any]]) -> dict[str, np.ndarray]:
    """:meth:`TargetingModel.predict` for raw KCS-shaped rows (dicts), without Polars."""
    from cix.risk.targeting.model import PATTERN_FEATURES

    fs: FastScorer | None = getattr(model, "_fast", None)
    if fs is None:
        fs = FastScorer(model.space)
        model._fast = fs
    x = fs.matrix(rows)
    names = fs.names
    new = x[:, names.index("h_pattern_n")] == 0
    out: dict[str, np.ndarray] = {"new": new}
    # The score takes the fraud expert for a known pattern and the general one for a new pattern
    # (:func:`cix.risk.targeting.model.blend`): each runs only on the rows whose score uses it (the
    # other rows get NaN, which the blend never reads). Each call costs LightGBM's set-up again.
    wanted = {"fraud": ~new, "general": new}
    for name, b in model.boosters.items():
        if not isinstance(b, lgb.Booster):
            out[name] = np.full(len(rows), float(b))
            continue
        cols = [i for i, n in enumerate(names) if not (name == "general" and n in PATTERN_FEATURES)]
        mask = wanted.get(name)
        if mask is None:
            out[name] = np.asarray(b.predict(x[:, cols], num_threads=1), dtype=np.float64)
            continue
        values = np.full(len(rows), np.nan)
        if mask.any():
            values[mask] = b.predict(x[mask][:, cols], num_threads=1)
        out[name] = values
    out["duty"] = fs.duty(rows)
    return out


def score(model: Any, rows: Sequence[Mapping[str, Any]]) -> np.ndarray:
    """:meth:`TargetingModel.score` for raw KCS-shaped rows (dicts), without Polars."""
    from cix.risk.targeting.model import blend

    if not rows:
        return np.zeros(0)
    return blend(predict(model, rows), model.duty_ref)
