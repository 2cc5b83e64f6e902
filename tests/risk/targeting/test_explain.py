"""Per-declaration explanations: the features that pushed a score up, from the expert that ranked it."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from cix.cli.risk import app
from cix.risk.targeting import service


def test_explain_every_row_or_chosen_ids(slices: dict[str, Path], model_dir: Path) -> None:
    full = service.explain(slices["valid"], model_dir, top=3)
    rows = full["rows"]
    with slices["valid"].open() as f:
        n = sum(1 for _ in csv.DictReader(f))
    assert len(rows) == n
    explained = [r for r in rows if r["features"]]
    assert explained, "no row has a positive contribution"
    for r in explained:
        assert r["expert"] in ("fraud", "general")
        assert 1 <= len(r["features"]) <= 3
        contribs = [f["contribution"] for f in r["features"]]
        assert contribs == sorted(contribs, reverse=True) and min(contribs) > 0
    # the top-ranked row is explained, and asking for its id alone gives the same answer
    best = max(rows, key=lambda r: r["score"])
    one = service.explain(slices["valid"], model_dir, ids=[best["declaration_id"]], top=3)["rows"]
    assert [r["declaration_id"] for r in one] == [best["declaration_id"]]
    assert one[0]["features"] == best["features"] and one[0]["score"] == best["score"]


def test_explain_command(slices: dict[str, Path], model_dir: Path) -> None:
    with slices["valid"].open() as f:
        first = next(csv.DictReader(f))["Declaration ID"]
    r = CliRunner().invoke(app, ["explain", str(slices["valid"]), "--model", str(model_dir), "--id", first])
    assert r.exit_code == 0, r.output
    assert first in r.output
