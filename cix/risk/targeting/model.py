"""The targeting model: three gradient-boosted experts and one ranking that blends fraud, duty and danger.

* the **fraud model** (LightGBM, all features of :mod:`.features`, history included) estimates the
  probability that inspection finds fraud; it is strongest on goods whose attribute pattern has been
  inspected before;
* the **generalising model** is trained only on the rows whose attribute pattern had no earlier
  history, without the pattern features, so that declarations of never-seen goods are ranked by what
  generalises (HS chapter, countries, values, trader and HS history) and not by memory;
* the **critical model** estimates the probability of fraud that threatens public safety
  (``Critical Fraud == 2``).

The score of a declaration (higher = more suspicious) is ::

    score = p × (1 + log1p(duty))^α  +  β × p_critical          (pattern seen before)
    score = p × (1 + log1p(duty))^α₀ × (1 + ref)^(α-α₀) + β × p_critical   (pattern never seen)

where ``p`` is the fraud model's probability for seen patterns and the generalising model's for new
ones, ``duty = Item Price × Tax Rate / 100`` and ``ref`` the median ``log1p(duty)`` of the
fraudulent training rows. α weighs expected revenue against the probability of fraud, β pulls the
dangerous cases up, α₀ < α keeps the ranking of never-seen goods close to their fraud probability.
α, α₀ and β were tuned on a time split inside ``train.csv`` (fit on January–September, check on
October–December) before ``valid.csv`` was looked at; see ``docs/targeting.md``.

Channels come from score thresholds stored at training time: ``fit`` first trains the same model on
the first three quarters of the training dates, scores the last quarter (out of time), and stores the
score quantiles that select the top :data:`CHANNEL_SHARES` of it: red (physical inspection) for the
top 2 %, yellow (documentary check) for the next 8 %, blue (post-clearance audit) for the next 10 %,
green (release) for the rest.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import polars as pl

from cix.errors import InputError
from cix.i18n import _
from cix.risk.targeting import data as kcs
from cix.risk.targeting.features import CATEGORIES, FeatureSpace, as_matrix, derive

FORMAT = "cix-targeting/1"
ALPHA = 0.4  # weight of log duty for seen patterns
ALPHA_NEW = 0.1  # weight of log duty for never-seen patterns
BETA = 2.0  # weight of the critical-fraud probability
#: Cumulative shares of the ranking that go red, yellow (up to 10 %) and blue (up to 20 %).
CHANNEL_SHARES = {"red": 0.02, "yellow": 0.10, "blue": 0.20}
PATTERN_FEATURES = ("h_pattern_n", "h_pattern_fr", "h_pattern_cr", "freq_pattern")
ROUNDS = {"fraud": 600, "critical": 300, "general": 300}
Log = Callable[[str], None]


def _params(seed: int, **over: Any) -> dict[str, Any]:
    p: dict[str, Any] = {
        "objective": "binary",
        "learning_rate": 0.03,
        "num_leaves": 31,
        "min_child_samples": 20,
        "feature_fraction": 0.7,
        "bagging_fraction": 0.8,
        "bagging_freq": 1,
        "lambda_l2": 1.0,
        "verbose": -1,
        "num_threads": 2,
        "seed": seed,
        "deterministic": True,
        "force_row_wise": True,
    }
    return p | over


#: The LightGBM parameters of each expert beyond :func:`_params` (the general one never sees the pattern).
EXPERTS: dict[str, dict[str, Any]] = {
    "fraud": {},
    "critical": {"min_child_samples": 10},
    "general": {"num_leaves": 15, "min_child_samples": 50},
}


def _quiet(msg: str) -> None:
    return None


@dataclass
class TargetingModel:
    """A trained targeting model: the feature space, three boosters, the blend and the channels."""

    space: FeatureSpace
    boosters: dict[str, lgb.Booster | float]
    seed: int = 0
    duty_ref: float = 3.0
    thresholds: dict[str, float] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    # -- training ---------------------------------------------------------------------------
    @classmethod
    def fit(
        cls,
        rows: pl.DataFrame,
        *,
        seed: int = 0,
        log: Log = _quiet,
        holdout: bool = True,
        extras: tuple[str, ...] = (),
        rounds: dict[str, int] | None = None,
        learning_rate: float | None = None,
    ) -> TargetingModel:
        """Train on prepared, labelled rows (as :func:`kcs.prepare` of ``read_kcs(labels=True)``).

        ``extras`` names numeric columns of ``rows`` used as features as they are (the node model's
        valuation and matching results); the KCS model has none. ``rounds`` and ``learning_rate``
        replace :data:`ROUNDS` and the default rate (the node model uses fewer, faster trees).
        """
        tune = {"rounds": rounds or ROUNDS, "lr": learning_rate}
        rows = _labelled(rows, log)
        model = cls._fit_once(rows, seed=seed, log=log, extras=extras, tune=tune)
        days = rows[kcs.DATE].unique().sort()
        if holdout and len(days) >= 4:
            cut = days[int(len(days) * 0.75)]
            early = rows.filter(pl.col(kcs.DATE) < cut)
            late = rows.filter(pl.col(kcs.DATE) >= cut)
            log(_("time split: fit before {cut}, check on {n} later rows").format(cut=cut, n=late.height))
            inner = cls._fit_once(early, seed=seed, log=log, extras=extras, tune=tune)
            s = inner.score(late)
            from cix.risk.targeting.metrics import evaluate

            fraud, critical = kcs.labels_of(late)
            model.meta["time_split"] = {"cut": str(cut), "n": late.height} | evaluate(
                s, fraud, kcs.duty(late), critical
            )
        else:
            s = model.score(rows)
        order = np.sort(s)[::-1]
        model.thresholds = {
            ch: float(order[min(len(order) - 1, max(0, int(np.ceil(share * len(order))) - 1))])
            for ch, share in CHANNEL_SHARES.items()
        }
        model.meta |= {
            "format": FORMAT,
            "trained_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "seed": seed,
            "rows": rows.height,
            "fraud_rate": float(kcs.labels_of(rows)[0].mean()),
            "window": [str(rows[kcs.DATE].min()), str(rows[kcs.DATE].max())],
            "blend": {"alpha": ALPHA, "alpha_new": ALPHA_NEW, "beta": BETA, "duty_ref": model.duty_ref},
            "channel_shares": CHANNEL_SHARES,
            "rounds": tune["rounds"],
        }
        return model

    @classmethod
    def _fit_once(
        cls,
        rows: pl.DataFrame,
        *,
        seed: int,
        log: Log,
        extras: tuple[str, ...] = (),
        tune: dict[str, Any] | None = None,
    ) -> TargetingModel:
        rounds: dict[str, int] = (tune or {}).get("rounds") or ROUNDS
        lr = (tune or {}).get("lr")
        rows = derive(rows)
        space = FeatureSpace.fit(rows, extras)
        feats = space.transform(rows)
        fraud, critical = kcs.labels_of(rows)
        new = (feats["h_pattern_n"] == 0).to_numpy()
        targets = {
            "fraud": (fraud, None),
            "critical": ((critical == 2).astype(np.int64), None),
            "general": (fraud, new),
        }
        boosters: dict[str, lgb.Booster | float] = {}
        for name, (y, mask) in targets.items():
            names = _feature_names(space, name)
            x = as_matrix(feats.select(names))
            if mask is not None:
                x, y = x[mask], y[mask]
            if len(y) == 0 or y.min() == y.max():  # one class only: a constant
                boosters[name] = float(y.mean()) if len(y) else float(fraud.mean())
                continue
            cats = [n for n in names if n in CATEGORIES]
            ds = lgb.Dataset(x, y, feature_name=names, categorical_feature=cats, free_raw_data=True)
            over = EXPERTS[name] | ({"learning_rate": lr} if lr else {})
            boosters[name] = lgb.train(_params(seed, **over), ds, rounds[name])
            log(_("trained the {name} model on {n} rows").format(name=name, n=len(y)))
        d = kcs.duty(rows)[fraud == 1]
        ref = float(np.median(np.log1p(d))) if len(d) else 3.0
        return cls(space=space, boosters=boosters, seed=seed, duty_ref=ref)

    # -- scoring ------------------------------------------------------------------------------
    def predict(self, rows: pl.DataFrame) -> dict[str, np.ndarray]:
        """The experts' probabilities and the pattern novelty of prepared rows (labels ignored)."""
        rows = derive(rows.drop([c for c in kcs.LABELS if c in rows.columns]))
        feats = self.space.transform(rows)
        out: dict[str, np.ndarray] = {"new": (feats["h_pattern_n"] == 0).to_numpy()}
        for name, b in self.boosters.items():
            if isinstance(b, float):
                out[name] = np.full(rows.height, b)
            else:
                x = as_matrix(feats.select(_feature_names(self.space, name)))
                out[name] = np.asarray(b.predict(x, num_threads=2), dtype=np.float64)
        out["duty"] = kcs.duty(rows)
        return out

    def score(self, rows: pl.DataFrame) -> np.ndarray:
        """The ranking score of each prepared row, in input order: finite, higher = more suspicious."""
        if rows.height == 0:
            return np.zeros(0)
        return blend(self.predict(rows), self.duty_ref)

    def explain(self, rows: pl.DataFrame, top: int = 5) -> list[dict[str, Any]]:
        """Per row: the features that pushed its fraud probability up most (LightGBM contributions).

        The expert that ranks the row explains it: the fraud model for a pattern seen before, the
        generalising model for a new one. Contributions are in log-odds; ``value`` is the feature as
        the model saw it (codes for categories).
        """
        if rows.height == 0:
            return []
        rows = derive(rows.drop([c for c in kcs.LABELS if c in rows.columns]))
        feats = self.space.transform(rows)
        new = (feats["h_pattern_n"] == 0).to_numpy()
        out: list[dict[str, Any]] = [{} for _ in range(rows.height)]
        for expert, mask in (("fraud", ~new), ("general", new)):
            b = self.boosters.get(expert)
            idx = np.flatnonzero(mask)
            if not len(idx):
                continue
            if not isinstance(b, lgb.Booster):
                for i in idx:
                    out[i] = {"expert": expert, "features": []}
                continue
            names = _feature_names(self.space, expert)
            x = as_matrix(feats.select(names))[idx]
            contrib = np.asarray(b.predict(x, pred_contrib=True, num_threads=2))
            for row, i in enumerate(idx):
                c = contrib[row, :-1]
                order = [j for j in np.argsort(-c)[:top] if c[j] > 0]
                out[i] = {
                    "expert": expert,
                    "bias": float(contrib[row, -1]),
                    "features": [
                        {"feature": names[j], "value": _plain(x[row, j]), "contribution": float(c[j])} for j in order
                    ],
                }
        return out

    def channels(self, scores: np.ndarray) -> list[str]:
        """green / blue / yellow / red by the thresholds stored at training time."""
        t = self.thresholds
        out = np.full(len(scores), "green", dtype=object)
        out[scores >= t["blue"]] = "blue"
        out[scores >= t["yellow"]] = "yellow"
        out[scores >= t["red"]] = "red"
        return [str(c) for c in out]

    def training_patterns(self) -> set[str]:
        """The attribute patterns of the training rows (for the unseen-pattern evaluation)."""
        return set(self.space.history["pattern"]["key"].to_list())

    # -- persistence --------------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        """Write a self-contained model directory: ``model.json``, boosters, tables (parquet)."""
        directory = Path(directory)
        (directory / "tables").mkdir(parents=True, exist_ok=True)
        consts: dict[str, float] = {}
        for name, b in self.boosters.items():
            if isinstance(b, float):
                consts[name] = b
            else:
                (directory / f"{name}.lgb.txt").write_text(b.model_to_string(), encoding="utf-8")
        for name, t in self.space.tables().items():
            t.write_parquet(directory / "tables" / f"{name}.parquet")
        doc = self.meta | {
            "format": FORMAT,
            "seed": self.seed,
            "duty_ref": self.duty_ref,
            "thresholds": self.thresholds,
            "constants": consts,
            "experts": sorted(self.boosters),
            "space": self.space.to_state(),
        }
        (directory / "model.json").write_text(json.dumps(doc, indent=2, default=str), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> TargetingModel:
        directory = Path(directory)
        try:
            doc = json.loads((directory / "model.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(_("{path} is not a targeting model directory").format(path=directory)) from exc
        if doc.get("format") != FORMAT:
            raise InputError(_("{path} holds an unknown model format").format(path=directory))
        tables = {p.stem: pl.read_parquet(p) for p in sorted((directory / "tables").glob("*.parquet"))}
        space = FeatureSpace.from_state(doc["space"], tables)
        boosters: dict[str, lgb.Booster | float] = {}
        for name in doc["experts"]:
            if name in doc["constants"]:
                boosters[name] = float(doc["constants"][name])
            else:
                text = (directory / f"{name}.lgb.txt").read_text(encoding="utf-8")
                boosters[name] = lgb.Booster(model_str=text)
        meta = {k: v for k, v in doc.items() if k not in ("space", "constants", "experts", "thresholds")}
        return cls(
            space=space,
            boosters=boosters,
            seed=int(doc["seed"]),
            duty_ref=float(doc["duty_ref"]),
            thresholds={k: float(v) for k, v in doc["thresholds"].items()},
            meta=meta,
        )


def blend(
    p: dict[str, np.ndarray],
    duty_ref: float,
    alpha: float = ALPHA,
    alpha_new: float = ALPHA_NEW,
    beta: float = BETA,
) -> np.ndarray:
    """The ranking score from the experts' outputs (:meth:`TargetingModel.predict`); see the module doc."""
    new = p["new"]
    prob = np.where(new, p["general"], p["fraud"])
    ld = np.log1p(np.clip(p["duty"], 0.0, None))
    mult = np.where(new, (1 + ld) ** alpha_new * (1 + duty_ref) ** (alpha - alpha_new), (1 + ld) ** alpha)
    s = prob * mult + beta * p["critical"]
    return np.nan_to_num(s, nan=0.0, posinf=0.0, neginf=0.0)


def _plain(v: Any) -> float | None:
    f = float(v)
    return None if np.isnan(f) else f


def _feature_names(space: FeatureSpace, expert: str) -> list[str]:
    names = space.names()
    return [n for n in names if n not in PATTERN_FEATURES] if expert == "general" else names


def _labelled(rows: pl.DataFrame, log: Log) -> pl.DataFrame:
    """The rows with both labels and a date; the others are skipped (and counted on the log)."""
    for c in kcs.LABELS:
        if c not in rows.columns:
            raise InputError(_("the training file has no '{column}' column").format(column=c))
    ok = rows.filter(
        pl.col(kcs.FRAUD).cast(pl.Int64, strict=False).is_in([0, 1])
        & pl.col(kcs.CRITICAL).cast(pl.Int64, strict=False).is_in([0, 1, 2])
        & pl.col(kcs.DATE).is_not_null()
    )
    if ok.height < rows.height:
        log(_("skipped {n} rows without labels or date").format(n=rows.height - ok.height))
    if ok.height < 10:
        raise InputError(_("too few labelled rows to train on: {n}").format(n=ok.height))
    return ok
