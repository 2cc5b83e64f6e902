"""``cix risk``: train, score and evaluate the targeting model on declaration files.

Thin: the jobs live in :mod:`cix.risk.targeting.service`. Progress goes to standard error; with
``--json`` standard output carries one JSON object.
"""

from __future__ import annotations

from pathlib import Path

import typer

from cix.cli.common import JsonOption, emit_json, fail
from cix.errors import CixError
from cix.i18n import _

app = typer.Typer(help="Risk: the targeting model (train, score, evaluate).", no_args_is_help=True)

FormatOption = typer.Option("kcs", "--format", help="Input format of DATA (kcs).")
ModelOption = typer.Option(..., "--model", help="Model directory.")


@app.command("train")
def train_cmd(
    data: Path = typer.Argument(..., help="Labelled declarations (CSV)."),
    fmt: str = FormatOption,
    model: Path = ModelOption,
    seed: int = typer.Option(0, "--seed", help="Random seed (same seed, same model)."),
    as_json: bool = JsonOption,
) -> None:
    """Train the targeting model on the labelled rows of DATA and write it to --model."""
    from cix.risk.targeting import service

    try:
        result = service.train(data, model, fmt=fmt, seed=seed)
    except CixError as exc:
        fail(exc.message, exc.exit_code)
    if as_json:
        emit_json(result)
    else:
        typer.echo(
            _("model written to {path} ({rows} rows, {secs:.1f} s)").format(
                path=model, rows=result["rows"], secs=result["seconds"]
            )
        )


@app.command("score")
def score_cmd(
    data: Path = typer.Argument(..., help="Declarations to score (CSV; labels, if any, are not read)."),
    fmt: str = FormatOption,
    model: Path = ModelOption,
    out: Path = typer.Option(..., "--out", help="Scores CSV: declaration_id,score,channel."),
    as_json: bool = JsonOption,
) -> None:
    """Score every row of DATA; rows that fail validation are scored too, their problems recorded."""
    from cix.risk.targeting import service

    try:
        result = service.score(data, model, out, fmt=fmt)
    except CixError as exc:
        fail(exc.message, exc.exit_code)
    if as_json:
        emit_json(result)


@app.command("explain")
def explain_cmd(
    data: Path = typer.Argument(..., help="Declarations (CSV; labels, if any, are not read)."),
    fmt: str = FormatOption,
    model: Path = ModelOption,
    ids: list[str] = typer.Option(None, "--id", help="Declaration ids to explain (default: every row)."),
    top: int = typer.Option(5, "--top", min=1, max=50, help="Features per declaration."),
    as_json: bool = JsonOption,
) -> None:
    """Why the model scores declarations as it does: the features that pushed each score up."""
    from cix.risk.targeting import service

    try:
        result = service.explain(data, model, fmt=fmt, ids=ids or None, top=top)
    except CixError as exc:
        fail(exc.message, exc.exit_code)
    if as_json:
        emit_json(result)
        return
    for r in result["rows"]:
        typer.echo(f"{r['declaration_id']}  {r['channel']:<6} {r['score']:.4f}  ({r['expert']})")
        for f in r["features"]:
            typer.echo(f"    +{f['contribution']:.3f}  {f['feature']} = {f['value']}")


@app.command("evaluate")
def evaluate_cmd(
    data: Path = typer.Argument(..., help="Labelled declarations (CSV)."),
    fmt: str = FormatOption,
    model: Path = ModelOption,
    as_json: bool = JsonOption,
) -> None:
    """Precision, recall, duty and critical-fraud recall at the top 1-20 %, and AUC."""
    from cix.risk.targeting import service

    try:
        result = service.evaluate_file(data, model, fmt=fmt)
    except CixError as exc:
        fail(exc.message, exc.exit_code)
    if as_json:
        emit_json(result)
        return
    auc = result["auc"]
    typer.echo(f"AUC {auc:.4f}" if auc is not None else "AUC -")
    typer.echo(_("top     k  precision  recall  duty recall  critical recall"))
    for key in ("@1", "@2", "@5", "@10", "@20"):
        m = result[key]
        typer.echo(
            f"{key:>4} {m['k']:>5}  {m['precision']:9.3f}  {m['recall']:6.3f}  "
            f"{m['duty_recall']:11.3f}  {m['critical_recall']:15.3f}"
        )
    u = result["unseen"]
    typer.echo(
        _("unseen patterns: {n} rows, AUC {auc}").format(n=u["n"], auc="-" if u["auc"] is None else f"{u['auc']:.4f}")
    )


# Sub-groups of later parts of the risk engine live in their own modules (cix.cli.risk_<name>, each with
# a typer ``app``); a module not built yet is skipped.
def _register_optional() -> None:
    import importlib

    for name in ("profiles", "models", "decisions"):
        try:
            mod = importlib.import_module(f"cix.cli.risk_{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"cix.cli.risk_{name}":
                raise
            continue
        app.add_typer(mod.app, name=name)


_register_optional()
