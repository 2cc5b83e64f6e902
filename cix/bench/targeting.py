"""The targeting benchmark: our model beside the KCS dataset's published recipe, on the same split.

The recipe (Jeong et al., 2022, the dataset's own baseline) is implemented here faithfully: the 16
attribute columns label-encoded (empty → 0; the vocabulary is the sorted union of the values of
both files, as ``LabelEncoder`` fitted on the joined data gives), ``Net Mass`` and ``Item Price``
min-max scaled on the training file, ``Date`` unused, imbalanced-learn ``RandomOverSampler`` of the
fraud class, and ``XGBClassifier(max_depth=4, n_estimators=424, learning_rate=0.5994…,
colsample_bytree=0.6, gamma=1, min_child_weight=2, subsample=1.0, tree_method="exact")``. It runs
with several seeds (mean and standard deviation); our model is trained once with ``our_seed``, and
both rankings are measured with :mod:`cix.risk.targeting.metrics` on the whole validation file and on
the rows whose attribute pattern never occurs in the training file.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from cix.risk.targeting import data as kcs
from cix.risk.targeting.metrics import evaluate

RATES = (1, 2, 5, 10)
KEYS = ("precision", "recall", "duty_recall", "critical_recall")
#: The three figures the issue asks to beat at every rate at once.
GOALS = ("precision", "duty_recall", "critical_recall")
UNSEEN_AUC_FLOOR = 0.55

RECIPE_PARAMS: dict[str, Any] = {
    "max_depth": 4,
    "n_estimators": 424,
    "learning_rate": 0.5994130001745845,
    "colsample_bytree": 0.6,
    "gamma": 1,
    "min_child_weight": 2,
    "subsample": 1.0,
    "tree_method": "exact",
}


def _log(msg: str) -> None:
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


def recipe_matrices(train: pl.DataFrame, valid: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The recipe's feature matrices from raw text frames (as :func:`kcs.read_kcs` returns)."""
    xs_tr: list[np.ndarray] = []
    xs_va: list[np.ndarray] = []
    for c in kcs.CATEGORICAL:
        tr = train[c].fill_null("").str.strip_chars()
        va = valid[c].fill_null("").str.strip_chars()
        vocab = sorted(set(tr.to_list()) | set(va.to_list()) - {""})
        codes = {v: i + 1 for i, v in enumerate(vocab)}
        codes[""] = 0
        xs_tr.append(np.array([codes[v] for v in tr.to_list()], dtype=np.float64))
        xs_va.append(np.array([codes[v] for v in va.to_list()], dtype=np.float64))
    for c in kcs.NUMERIC:
        tr_n = train[c].cast(pl.Float64, strict=False).fill_null(0.0).to_numpy()
        va_n = valid[c].cast(pl.Float64, strict=False).fill_null(0.0).to_numpy()
        lo, hi = float(np.min(tr_n)), float(np.max(tr_n))
        span = hi - lo if hi > lo else 1.0
        xs_tr.append((tr_n - lo) / span)
        xs_va.append((va_n - lo) / span)
    return np.column_stack(xs_tr), np.column_stack(xs_va)


def recipe_scores(x_tr: np.ndarray, y_tr: np.ndarray, x_va: np.ndarray, seed: int) -> np.ndarray:
    """Fit the recipe with one seed and return the fraud probability of the validation rows."""
    from imblearn.over_sampling import RandomOverSampler
    from xgboost import XGBClassifier

    xr, yr = RandomOverSampler(random_state=seed).fit_resample(x_tr, y_tr)
    clf = XGBClassifier(**RECIPE_PARAMS, random_state=seed, n_jobs=2, verbosity=0)
    clf.fit(xr, yr)
    return np.asarray(clf.predict_proba(x_va)[:, 1], dtype=np.float64)


def _unseen_mask(train: pl.DataFrame, valid: pl.DataFrame) -> np.ndarray:
    from cix.risk.targeting.features import pattern_keys

    seen = set(pattern_keys(train).to_list())
    return np.array([k not in seen for k in pattern_keys(valid).to_list()], dtype=bool)


def _pick(m: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"auc": m["auc"]}
    for r in RATES:
        out[f"@{r}"] = {k: m[f"@{r}"][k] for k in ("k", *KEYS)}
    return out


def _mean_std(runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    def ms(vals: list[float]) -> dict[str, float]:
        a = np.asarray(vals, dtype=np.float64)
        return {"mean": float(a.mean()), "std": float(a.std(ddof=1)) if len(a) > 1 else 0.0}

    out: dict[str, Any] = {"auc": ms([r["auc"] for r in runs])}
    for r in RATES:
        key = f"@{r}"
        out[key] = {"k": runs[0][key]["k"]} | {k: ms([run[key][k] for run in runs]) for k in KEYS}
    return out


def run(
    train_path: str | Path,
    valid_path: str | Path,
    seeds: Sequence[int] = (0, 1, 2, 3, 4),
    our_seed: int = 0,
) -> dict[str, Any]:
    """Train the recipe (per seed) and our model on ``train_path``; measure both on ``valid_path``."""
    from cix.risk.targeting.model import TargetingModel

    train_raw = kcs.read_kcs(Path(train_path), labels=True)
    valid_raw = kcs.read_kcs(Path(valid_path), labels=True)
    train = kcs.prepare(train_raw)
    valid = kcs.prepare(valid_raw)
    y_tr, _ = kcs.labels_of(train)
    y_va, c_va = kcs.labels_of(valid)
    d_va = kcs.duty(valid)
    unseen = _unseen_mask(train, valid)

    x_tr, x_va = recipe_matrices(train_raw, valid_raw)
    recipe_runs: list[dict[str, Any]] = []
    recipe_unseen: list[float] = []
    recipe_secs: list[float] = []
    for seed in seeds:
        t0 = time.perf_counter()
        s = recipe_scores(x_tr, y_tr, x_va, seed)
        recipe_secs.append(time.perf_counter() - t0)
        recipe_runs.append(_pick(evaluate(s, y_va, d_va, c_va, RATES)))
        recipe_unseen.append(evaluate(s[unseen], y_va[unseen], d_va[unseen], c_va[unseen], ())["auc"])
        _log(f"recipe seed {seed}: auc {recipe_runs[-1]['auc']:.4f} ({recipe_secs[-1]:.1f} s)")

    t0 = time.perf_counter()
    model = TargetingModel.fit(train, seed=our_seed, log=_log)
    train_secs = time.perf_counter() - t0
    ours_s = model.score(valid)
    ours = _pick(evaluate(ours_s, y_va, d_va, c_va, RATES))
    ours_unseen = evaluate(ours_s[unseen], y_va[unseen], d_va[unseen], c_va[unseen], ())["auc"]
    _log(f"ours: auc {ours['auc']:.4f} ({train_secs:.1f} s)")

    recipe = _mean_std(recipe_runs)
    beats: dict[str, Any] = {}
    for r in RATES:
        key = f"@{r}"
        beats[key] = {k: bool(ours[key][k] >= recipe[key][k]["mean"]) for k in GOALS}
        beats[key]["all"] = all(beats[key][k] for k in GOALS)
    ua = np.asarray(recipe_unseen, dtype=np.float64)
    return {
        "train": str(train_path),
        "valid": str(valid_path),
        "n_train": int(train.height),
        "n_valid": int(valid.height),
        "n_unseen": int(unseen.sum()),
        "seeds": list(seeds),
        "our_seed": our_seed,
        "recipe": recipe,
        "ours": ours,
        "beats": beats,
        "beats_all": all(b["all"] for b in beats.values()),
        "unseen_auc": {
            "ours": ours_unseen,
            "recipe": {"mean": float(ua.mean()), "std": float(ua.std(ddof=1)) if len(ua) > 1 else 0.0},
            "floor": UNSEEN_AUC_FLOOR,
            "ours_clears_floor": bool(ours_unseen is not None and ours_unseen >= UNSEEN_AUC_FLOOR),
        },
        "train_seconds": {"ours": train_secs, "recipe_mean": float(np.mean(recipe_secs))},
    }


def tune_blend(
    train_path: str | Path,
    cut: str = "2020-10-01",
    seed: int = 0,
    grid: dict[str, Sequence[float]] | None = None,
) -> dict[str, Any]:
    """The blend search behind the model's α, α₀ and β, on a time split inside the training file.

    Fits the experts on the rows before ``cut``, scores the later rows, and ranks every blend of
    ``grid`` by its ratios to the recipe's 5-seed mean (precision, duty and critical recall at 1, 2,
    5 and 10 %): the best blend has the largest smallest ratio, ties broken by the next smallest
    (leximin), then by the AUC on never-seen patterns. ``valid.csv`` is not touched.
    """
    from cix.risk.targeting.model import TargetingModel, blend

    grid = grid or {
        "alpha": (0.2, 0.3, 0.4, 0.5, 0.6),
        "alpha_new": (0.0, 0.1, 0.2),
        "beta": (0.0, 0.1, 0.25, 0.5, 1.0, 2.0),
    }
    raw = kcs.read_kcs(Path(train_path), labels=True)
    day = pl.col(kcs.DATE).str.to_date("%Y-%m-%d", strict=False)
    cut_day = pl.lit(cut).str.to_date("%Y-%m-%d")
    raw_a, raw_b = raw.filter(day < cut_day), raw.filter(day >= cut_day)
    a, b = kcs.prepare(raw_a), kcs.prepare(raw_b)
    y_a, _ = kcs.labels_of(a)
    y, c = kcs.labels_of(b)
    d = kcs.duty(b)
    x_a, x_b = recipe_matrices(raw_a, raw_b)
    runs = [evaluate(recipe_scores(x_a, y_a, x_b, s), y, d, c, RATES) for s in range(5)]
    ref = {(r, k): float(np.mean([m[f"@{r}"][k] for m in runs])) for r in RATES for k in GOALS}
    model = TargetingModel._fit_once(a, seed=seed, log=_log)
    p = model.predict(b)
    new = p["new"]
    rows: list[dict[str, Any]] = []
    for alpha in grid["alpha"]:
        for alpha_new in grid["alpha_new"]:
            for beta in grid["beta"]:
                s = blend(p, model.duty_ref, alpha, alpha_new, beta)
                m = evaluate(s, y, d, c, RATES)
                ratios = sorted(
                    m[f"@{r}"][k] / ref[(r, k)] if ref[(r, k)] else float("inf") for r in RATES for k in GOALS
                )
                rows.append(
                    {
                        "alpha": alpha,
                        "alpha_new": alpha_new,
                        "beta": beta,
                        "ratios": [round(v, 3) for v in ratios],
                        "unseen_auc": evaluate(s[new], y[new], d[new], c[new], ())["auc"],
                    }
                )
    rows.sort(key=lambda r: (r["ratios"], r["unseen_auc"] or 0.0), reverse=True)
    return {
        "cut": cut,
        "n_fit": a.height,
        "n_check": b.height,
        "recipe_mean": {f"@{r} {k}": v for (r, k), v in ref.items()},
        "best": rows[0],
        "top": rows[:10],
    }
