"""The targeting jobs behind ``cix risk train|score|evaluate``: files in, model directory and figures out.

The command line (and later the API) only parses arguments and prints; everything else is here.
Scoring reads the input without its label columns, validates every row with the KCS row validator
(a row that fails validation is still scored: bad data is itself a signal) and writes the scores in
input order with a sidecar ``SCORES.csv.problems.jsonl`` holding, for each row with problems, its
``row`` number (1 = first data row), ``declaration_id`` and the problems.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import polars as pl

from cix.errors import InputError, UsageError
from cix.i18n import _
from cix.model.problems import Problem
from cix.risk.targeting import data as kcs
from cix.risk.targeting.features import pattern_keys
from cix.risk.targeting.metrics import RATES, evaluate
from cix.risk.targeting.model import TargetingModel

FORMATS = ("kcs",)
HEADER = ("declaration_id", "score", "channel")
Validator = Callable[..., list[Problem]]


def stderr_log(msg: str) -> None:
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


def check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise UsageError(_("unknown format '{fmt}' (known: {known})").format(fmt=fmt, known=", ".join(FORMATS)))


def train(
    data: Path, model_dir: Path, *, fmt: str = "kcs", seed: int = 0, log: Callable[[str], None] = stderr_log
) -> dict[str, Any]:
    """Train on the labelled rows of ``data`` and write the model to ``model_dir``."""
    check_format(fmt)
    t0 = time.perf_counter()
    rows = kcs.prepare(kcs.read_kcs(Path(data), labels=True))
    model = TargetingModel.fit(rows, seed=seed, log=log)
    try:
        model.save(Path(model_dir))
    except OSError as exc:
        raise InputError(_("cannot write the model to {path}: {reason}").format(path=model_dir, reason=exc)) from exc
    split = model.meta.get("time_split", {})
    return {
        "model": str(model_dir),
        "rows": model.meta["rows"],
        "window": model.meta["window"],
        "seed": seed,
        "seconds": round(time.perf_counter() - t0, 3),
        "time_split": {k: split[k] for k in ("cut", "n", "auc", "@1", "@5", "@10") if k in split},
        "thresholds": model.thresholds,
    }


def validator() -> Validator | None:
    """The KCS row validator of :mod:`cix.ingest.kcs`, or ``None`` while that module is missing."""
    try:
        from cix.ingest.kcs import validate_kcs_row
    except ImportError:
        return None
    return validate_kcs_row


def validate_rows(raw: pl.DataFrame, today: dt.date) -> list[list[Problem]]:
    """The problems of every raw row (text columns as read, labels absent), in input order."""
    check = validator()
    if check is None:
        return [[] for _ in range(raw.height)]
    out: list[list[Problem]] = []
    for row in raw.iter_rows(named=True):
        clean: Mapping[str, str] = {k: ("" if v is None else str(v)) for k, v in row.items()}
        try:
            out.append(list(check(clean, today=today)))
        except Exception as exc:  # a validator bug must not stop scoring; record it
            out.append([Problem("validator_failed", "", None, str(exc), "warning")])
    return out


def score(
    data: Path,
    model_dir: Path,
    out: Path,
    *,
    fmt: str = "kcs",
    today: dt.date | None = None,
    log: Callable[[str], None] = stderr_log,
) -> dict[str, Any]:
    """Score ``data`` (labels never read) and write ``out`` and ``out.problems.jsonl``."""
    check_format(fmt)
    model = TargetingModel.load(Path(model_dir))
    raw = kcs.read_kcs(Path(data), labels=False)
    problems = validate_rows(raw, today or dt.date.today())
    scores = model.score(kcs.prepare(raw))
    channels = model.channels(scores)
    ids = raw[kcs.ID].fill_null("").to_list()
    out = Path(out)
    sidecar = out.with_name(out.name + ".problems.jsonl")
    try:
        with open(out, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(HEADER)
            for i, s, c in zip(ids, scores.tolist(), channels, strict=True):
                w.writerow((i, repr(float(s)), c))
        n_bad = 0
        with open(sidecar, "wb") as fh:
            for n, (i, ps) in enumerate(zip(ids, problems, strict=True), start=1):
                if ps:
                    n_bad += 1
                    line = {"row": n, "declaration_id": i, "problems": [p.to_dict() for p in ps]}
                    fh.write(orjson.dumps(line) + b"\n")
    except OSError as exc:
        raise InputError(_("cannot write {path}: {reason}").format(path=out, reason=exc.strerror)) from exc
    counts = {c: channels.count(c) for c in ("red", "yellow", "blue", "green")}
    n_err = sum(1 for ps in problems if any(p.severity == "error" for p in ps))
    log(
        _("scored {n} rows; {bad} with problems ({err} with errors), written to {path}").format(
            n=len(ids), bad=n_bad, err=n_err, path=sidecar
        )
    )
    return {
        "rows": len(ids),
        "out": str(out),
        "problems": str(sidecar),
        "rows_with_problems": n_bad,
        "rows_with_errors": n_err,
        "channels": counts,
        "validator": validator() is not None,
    }


def explain(
    data: Path, model_dir: Path, *, fmt: str = "kcs", ids: list[str] | None = None, top: int = 5
) -> dict[str, Any]:
    """Score and explain the rows of ``data`` (all, or those with the given declaration ids)."""
    check_format(fmt)
    model = TargetingModel.load(Path(model_dir))
    raw = kcs.read_kcs(Path(data), labels=False)
    if ids:
        raw = raw.filter(pl.col(kcs.ID).is_in(ids))
    prepared = kcs.prepare(raw)
    scores = model.score(prepared)
    channels = model.channels(scores)
    why = model.explain(prepared, top=top)
    rows = [
        {"declaration_id": i, "score": float(s), "channel": c, **w}
        for i, s, c, w in zip(raw[kcs.ID].fill_null("").to_list(), scores.tolist(), channels, why, strict=True)
    ]
    return {"rows": rows, "model": str(model_dir)}


def evaluate_file(data: Path, model_dir: Path, *, fmt: str = "kcs") -> dict[str, Any]:
    """Metrics of the model's ranking of the labelled ``data``, plus the unseen-pattern block."""
    check_format(fmt)
    model = TargetingModel.load(Path(model_dir))
    rows = kcs.prepare(kcs.read_kcs(Path(data), labels=True))
    fraud, critical = kcs.labels_of(rows)
    s = model.score(rows.drop(list(kcs.LABELS)))
    duty = kcs.duty(rows)
    result = evaluate(s, fraud, duty, critical, RATES)
    seen = model.training_patterns()
    unseen = np.array([k not in seen for k in pattern_keys(rows).to_list()], dtype=bool)
    result["unseen"] = evaluate(s[unseen], fraud[unseen], duty[unseen], critical[unseen], RATES)
    result["model"] = {"seed": model.seed, "window": model.meta.get("window"), "rows": model.meta.get("rows")}
    return result
