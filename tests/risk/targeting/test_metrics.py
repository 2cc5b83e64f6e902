from __future__ import annotations

import math

import pytest

from cix.risk.targeting.metrics import auc, evaluate, ranking, top_k


def test_top_k_is_ceil() -> None:
    assert top_k(10, 1) == 1
    assert top_k(100, 1) == 1
    assert top_k(101, 1) == 2
    assert top_k(8134, 5) == 407
    assert top_k(8134, 10) == 814
    assert top_k(3, 20) == 1


def test_ties_keep_input_order() -> None:
    assert ranking([0.5, 0.9, 0.5, 0.5]).tolist() == [1, 0, 2, 3]


def test_metrics_by_hand() -> None:
    # rows:       0     1     2     3     4     5     6     7     8     9
    scores = [0.2, 0.9, 0.9, 0.1, 0.5, 0.5, 0.0, 0.3, 0.9, 0.4]
    fraud = [0, 1, 0, 1, 1, 0, 0, 1, 1, 0]
    duty = [5.0, 10.0, 99.0, 40.0, 20.0, 7.0, 0.0, 30.0, 0.0, 3.0]
    critical = [0, 2, 0, 1, 2, 0, 0, 1, 1, 0]
    m = evaluate(scores, fraud, duty, critical, rates=(10, 20, 30, 50))
    # order: 1, 2, 8 (ties at 0.9 in input order), 4, 5 (0.5), 9, 7, 0, 3, 6
    total_duty = 10 + 40 + 20 + 30 + 0  # frauds' duty = 100
    assert m["@10"] == {
        "k": 1,
        "precision": 1.0,
        "recall": 1 / 5,
        "duty_recall": 10 / total_duty,
        "critical_recall": 1 / 2,
    }
    assert m["@20"]["k"] == 2 and m["@20"]["precision"] == 0.5
    assert m["@20"]["duty_recall"] == 10 / total_duty  # row 2 is not fraud: its duty does not count
    assert m["@30"]["k"] == 3 and m["@30"]["recall"] == 2 / 5
    assert m["@50"]["k"] == 5
    assert m["@50"]["precision"] == pytest.approx(3 / 5)
    assert m["@50"]["duty_recall"] == pytest.approx(30 / total_duty)
    assert m["@50"]["critical_recall"] == 1.0
    # AUC by pair counting: positives 1,3,4,7,8 against negatives 0,2,5,6,9
    pos = [s for s, y in zip(scores, fraud, strict=True) if y]
    neg = [s for s, y in zip(scores, fraud, strict=True) if not y]
    pairs = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in pos for n in neg)
    assert m["auc"] == pytest.approx(pairs / 25)
    assert m["n"] == 10


def test_auc_one_class_is_none_and_k_of_empty() -> None:
    assert auc([0.1, 0.2], [0, 0]) is None
    m = evaluate([], [], [], [], rates=(1,))
    assert m["@1"]["k"] == 0 and m["auc"] is None
    assert not math.isnan(m["@1"]["precision"])
