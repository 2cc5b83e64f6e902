"""train → score → evaluate on slices of the KCS files."""

from __future__ import annotations

import csv
import json
import math
import random
from pathlib import Path

import pytest

from cix.risk.targeting import service
from cix.risk.targeting.data import LABELS


def _quiet(_msg: str) -> None:
    return None


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, encoding="utf-8", newline="") as fh:
        r = csv.DictReader(fh)
        return list(r.fieldnames or []), list(r)


def _write(path: Path, fields: list[str], rows: list[dict[str, str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    return path


def test_score_round_trip(slices: dict[str, Path], model_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "scores.csv"
    result = service.score(slices["valid"], model_dir, out, log=_quiet)
    header, rows = _read(out)
    _, inputs = _read(slices["valid"])
    assert out.read_text(encoding="utf-8").splitlines()[0] == "declaration_id,score,channel"
    assert header == ["declaration_id", "score", "channel"]
    assert [r["declaration_id"] for r in rows] == [r["Declaration ID"] for r in inputs]
    assert all(math.isfinite(float(r["score"])) for r in rows)
    assert {r["channel"] for r in rows} <= {"green", "yellow", "red", "blue"}
    assert result["rows"] == len(inputs) == 1000
    assert (tmp_path / "scores.csv.problems.jsonl").exists()


def test_labels_are_never_read(slices: dict[str, Path], model_dir: Path, tmp_path: Path) -> None:
    fields, rows = _read(slices["valid"])
    labels = [(r["Fraud"], r["Critical Fraud"]) for r in rows]
    random.Random(7).shuffle(labels)
    shuffled = [r | {"Fraud": f, "Critical Fraud": c} for r, (f, c) in zip(rows, labels, strict=True)]
    assert shuffled != rows
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    service.score(slices["valid"], model_dir, a, log=_quiet)
    service.score(_write(tmp_path / "shuffled.csv", fields, shuffled), model_dir, b, log=_quiet)
    assert a.read_bytes() == b.read_bytes()


def test_file_without_labels_and_columns_reordered(slices: dict[str, Path], model_dir: Path, tmp_path: Path) -> None:
    fields, rows = _read(slices["valid"])
    kept = [f for f in fields if f not in LABELS][::-1]  # by name, never by position
    bare = _write(tmp_path / "bare.csv", kept, [{k: r[k] for k in kept} for r in rows])
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    service.score(slices["valid"], model_dir, a, log=_quiet)
    service.score(bare, model_dir, b, log=_quiet)
    assert a.read_bytes() == b.read_bytes()


def test_bad_rows_are_scored_and_their_problems_recorded(
    slices: dict[str, Path], model_dir: Path, tmp_path: Path
) -> None:
    fields, rows = _read(slices["valid"])
    bad = [
        rows[0] | {"Item Price": "lots"},
        rows[1] | {"Date": "2999-01-01"},
        rows[2] | {"Declaration ID": ""},
        rows[3] | {"Net Mass": "-5", "Tax Rate": "abc", "HS6 Code": "x"},
        *rows[4:20],
    ]
    for r in bad:
        del r["Seller ID"]  # an optional column absent altogether
    out = tmp_path / "scores.csv"
    result = service.score(
        _write(tmp_path / "bad.csv", [f for f in fields if f != "Seller ID"], bad), model_dir, out, log=_quiet
    )
    _, scored = _read(out)
    assert len(scored) == 20
    assert all(math.isfinite(float(r["score"])) for r in scored)
    assert scored[2]["declaration_id"] == ""
    if result["validator"]:
        lines = [json.loads(x) for x in (tmp_path / "scores.csv.problems.jsonl").read_text().splitlines()]
        by_row = {x["row"]: x for x in lines}
        for n in (1, 2, 3, 4):
            assert by_row[n]["problems"], n
            assert any(p["severity"] == "error" for p in by_row[n]["problems"]), n
        assert by_row[1]["declaration_id"] == rows[0]["Declaration ID"]
        assert result["rows_with_errors"] >= 4


def test_same_seed_same_scores(slices: dict[str, Path], model_dir: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    service.train(slices["train"], again, seed=0, log=_quiet)
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    service.score(slices["valid"], model_dir, a, log=_quiet)
    service.score(slices["valid"], again, b, log=_quiet)
    assert a.read_bytes() == b.read_bytes()


def test_evaluate_shape(slices: dict[str, Path], model_dir: Path) -> None:
    m = service.evaluate_file(slices["valid"], model_dir)
    assert 0.5 < m["auc"] <= 1.0
    for key, k in (("@1", 10), ("@2", 20), ("@5", 50), ("@10", 100), ("@20", 200)):
        assert m[key]["k"] == k
        assert set(m[key]) == {"k", "precision", "recall", "duty_recall", "critical_recall"}
    assert 0 < m["unseen"]["n"] < 1000
    assert "auc" in m["unseen"] and "@10" in m["unseen"]


def test_unknown_format_is_a_usage_error(slices: dict[str, Path], model_dir: Path, tmp_path: Path) -> None:
    from cix.errors import UsageError

    with pytest.raises(UsageError):
        service.score(slices["valid"], model_dir, tmp_path / "x.csv", fmt="json")
