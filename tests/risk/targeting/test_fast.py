"""The Polars-free scorer gives the same features and scores as the Polars path."""

from __future__ import annotations

import math
import random
from typing import Any

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from cix.risk.node_model import EXTRAS, frame
from cix.risk.targeting import data as kcs
from cix.risk.targeting import fast
from cix.risk.targeting.features import as_matrix, derive
from cix.risk.targeting.model import TargetingModel

CODES = ["010121", "010129", "847130", "851712", "", "9403.0", "12"]
COUNTRIES = ["CN", "DE", "", "US"]


def _row(rng: random.Random, i: int) -> dict[str, Any]:
    def maybe(v: Any) -> Any:
        return None if rng.random() < 0.1 else v

    return {
        kcs.ID: str(i),
        kcs.DATE: maybe(f"2024-0{rng.randint(1, 6)}-{rng.randint(10, 28)}"),
        "Office ID": rng.choice(["10", "20", ""]),
        "Process Type": rng.choice(["A", "B"]),
        "Import Type": "import",
        "Import Use": "",
        "Payment Type": rng.choice(["FOB", "EXW", ""]),
        "Mode of Transport": rng.choice(["1", "3"]),
        "Declarant ID": f"D{rng.randint(1, 8)}",
        "Importer ID": f"I{rng.randint(1, 12)}",
        "Seller ID": f"S{rng.randint(1, 12)}",
        "Courier ID": rng.choice(["", "C1"]),
        "HS6 Code": rng.choice(CODES),
        "Country of Departure": rng.choice(COUNTRIES),
        "Country of Origin": rng.choice(COUNTRIES),
        "Tax Rate": rng.choice(["8", "8.0", "0", "", "x", "-1", "5.5"]),
        "Tax Type": rng.choice(["A", "B", ""]),
        "Country of Origin Indicator": rng.choice(["Y", "N"]),
        "Net Mass": maybe(str(rng.choice([0, 1.5, 100, 2500.25]))),
        "Item Price": maybe(str(rng.choice([0, 10, 999.5, 1e6]))),
    }


def _model(rng: random.Random) -> tuple[TargetingModel, list[dict[str, Any]]]:
    rows = [_row(rng, i) for i in range(400)]
    inputs = [{c: (math.nan if rng.random() < 0.3 else rng.random() * 5) for c in EXTRAS} for _ in rows]
    labelled = [r | {kcs.FRAUD: 1 if rng.random() < 0.3 else 0} for r in rows]
    for r in labelled:
        r[kcs.CRITICAL] = 2 if r[kcs.FRAUD] and rng.random() < 0.3 else r[kcs.FRAUD]
    df = frame(labelled, inputs).filter(pl.col(kcs.DATE).is_not_null())
    model = TargetingModel.fit(df, extras=EXTRAS, rounds={"fraud": 20, "critical": 10, "general": 10}, holdout=False)
    return model, [r | i for r, i in zip(rows, inputs, strict=True)]


RNG = random.Random(5)
MODEL, ROWS = _model(RNG)


def test_same_matrix_and_scores_as_polars() -> None:
    rows = ROWS[:200] + [_row(random.Random(9), i) | {c: None for c in EXTRAS} for i in range(50)]
    df = frame(rows, [{c: (math.nan if r.get(c) is None else r[c]) for c in EXTRAS} for r in rows])
    slow = as_matrix(MODEL.space.transform(derive(df)))
    quick = fast.FastScorer(MODEL.space).matrix(rows)
    np.testing.assert_allclose(quick, slow, rtol=1e-9, atol=1e-12, equal_nan=True)
    np.testing.assert_allclose(fast.score(MODEL, rows), MODEL.score(df), rtol=1e-9, atol=1e-12)


@settings(max_examples=30)
@given(st.integers(0, 10_000))
def test_one_row_at_a_time_matches(seed: int) -> None:
    r = _row(random.Random(seed), seed) | {c: None for c in EXTRAS}
    df = frame([r], [{c: math.nan for c in EXTRAS}])
    np.testing.assert_allclose(fast.score(MODEL, [r]), MODEL.score(df), rtol=1e-9, atol=1e-12)
