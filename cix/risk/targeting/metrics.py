"""Ranking metrics of an inspection plan: precision, recall, duty and critical-fraud recall at the top p %.

An inspection plan is one ranked list. The top p % of ``n`` declarations is the first
``k = ceil(n·p/100)`` rows by descending score, ties kept in input order (a stable sort), so two
runs with equal scores select the same rows. *Duty* is the proxy ``Item Price × Tax Rate / 100``
(the KCS data hold no recovered amounts); duty recall is the share of all fraudulent rows' duty that
falls in the selection; critical recall counts the rows with ``Critical Fraud == 2``. AUC is the
area under the ROC curve of ``Fraud`` (``None`` when only one class is present). The same functions
serve ``cix risk evaluate`` and the targeting benchmark.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

RATES: tuple[int, ...] = (1, 2, 5, 10, 20)


def top_k(n: int, pct: float) -> int:
    """The number of rows in the top ``pct`` % of ``n``: ``ceil(n·pct/100)``, exact for integers.

    >>> top_k(8134, 1), top_k(100, 5), top_k(7, 20), top_k(0, 10)
    (82, 5, 2, 0)
    """
    if float(pct).is_integer():
        return int(-(-n * int(pct) // 100))
    return int(np.ceil(n * pct / 100.0 - 1e-12))


def ranking(scores: ArrayLike) -> np.ndarray:
    """Row indices by descending score, ties in input order (stable)."""
    s = np.asarray(scores, dtype=np.float64)
    return np.argsort(-s, kind="stable")


def auc(scores: ArrayLike, fraud: ArrayLike) -> float | None:
    """Area under the ROC curve (ties count one half); ``None`` when one class is missing."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(fraud, dtype=np.int64) > 0
    n_pos = int(y.sum())
    n_neg = int(len(y) - n_pos)
    if n_pos == 0 or n_neg == 0:
        return None
    # Mann-Whitney U with average ranks for ties.
    order = np.argsort(s, kind="mergesort")
    sorted_s = s[order]
    ranks = np.empty(len(s), dtype=np.float64)
    _, first, counts = np.unique(sorted_s, return_index=True, return_counts=True)
    avg = first + (counts - 1) / 2.0 + 1.0
    ranks[order] = np.repeat(avg, counts)
    u = ranks[y].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def at_rate(
    order: np.ndarray,
    fraud: np.ndarray,
    duty: np.ndarray,
    critical: np.ndarray,
    pct: float,
) -> dict[str, Any]:
    """Metrics of the selection of the first ``top_k(n, pct)`` rows of ``order``."""
    n = len(order)
    k = top_k(n, pct)
    sel = order[:k]
    frauds = fraud > 0
    n_fraud = int(frauds.sum())
    fraud_duty = float(duty[frauds].sum())
    crit = critical == 2
    n_crit = int(crit.sum())
    hit = frauds[sel]
    return {
        "k": k,
        "precision": float(hit.sum() / k) if k else 0.0,
        "recall": float(hit.sum() / n_fraud) if n_fraud else 0.0,
        "duty_recall": float(duty[sel][hit].sum() / fraud_duty) if fraud_duty > 0 else 0.0,
        "critical_recall": float(crit[sel].sum() / n_crit) if n_crit else 0.0,
    }


def evaluate(
    scores: ArrayLike,
    fraud: ArrayLike,
    duty: ArrayLike,
    critical: ArrayLike,
    rates: Sequence[float] = RATES,
) -> dict[str, Any]:
    """``{"auc": ..., "n": ..., "@1": {...}, "@2": {...}, ...}`` for one ranking.

    >>> m = evaluate([0.9, 0.5, 0.5, 0.1], [1, 0, 1, 0], [10, 5, 30, 1], [2, 0, 1, 0], rates=(25, 50))
    >>> m["@25"]["k"], m["@25"]["precision"], m["@50"]["duty_recall"], m["@50"]["critical_recall"]
    (1, 1.0, 0.25, 1.0)
    """
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(fraud, dtype=np.int64)
    d = np.nan_to_num(np.asarray(duty, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    d = np.clip(d, 0.0, None)
    c = np.asarray(critical, dtype=np.int64)
    order = ranking(s)
    out: dict[str, Any] = {"auc": auc(s, y), "n": len(s)}
    for pct in rates:
        key = f"@{int(pct)}" if float(pct).is_integer() else f"@{pct}"
        out[key] = at_rate(order, y, d, c, pct)
    return out
