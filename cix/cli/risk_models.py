"""``cix risk models``: the node's targeting model registry (list, train, promote, rollback, show).

Thin: the work is in :mod:`cix.risk.registry`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from cix.cli.common import HomeOption, JsonOption, emit_json, fail_from
from cix.errors import CixError
from cix.i18n import _

app = typer.Typer(help="The node's targeting model versions: train, promote, roll back.", no_args_is_help=True)


def _line(m: dict) -> str:
    auc = (m.get("metrics") or {}).get("time_split", {}).get("auc")
    auc_s = "-" if auc is None else f"{auc:.3f}"
    window = f"{m.get('window_from') or '-'}..{m.get('window_to') or '-'}"
    return f"{m['version']:<26} {m['status']:<9} {m['rows']:>7}  {window}  AUC {auc_s}"


@app.command("list")
def list_(home: Path | None = HomeOption, json: bool = JsonOption) -> None:
    """Every model version, newest first: status, rows, training window, time-split AUC."""
    from cix.cli.node import node
    from cix.risk import registry

    try:
        _s, store = node(home)
        with store.read() as conn:
            models = registry.list_models(conn)
    except CixError as exc:
        fail_from(exc)
    if json:
        emit_json({"models": models})
        return
    for m in models:
        typer.echo(_line(m))


@app.command("show")
def show(version: str = typer.Argument(..., help="Model version."), home: Path | None = HomeOption,
         json: bool = JsonOption) -> None:  # fmt: skip
    """One version with its metrics (time-split validation inside the training window)."""
    from cix.cli.node import node
    from cix.risk import registry

    try:
        _s, store = node(home)
        with store.read() as conn:
            m = registry.get(conn, version)
    except CixError as exc:
        fail_from(exc)
    if json:
        emit_json(m)
        return
    typer.echo(_line(m))
    for k, v in (m.get("metrics") or {}).items():
        typer.echo(f"  {k}: {v}")


@app.command("train")
def train(
    since: dt.datetime | None = typer.Option(None, formats=["%Y-%m-%d"], help="First declaration date used."),
    until: dt.datetime | None = typer.Option(None, formats=["%Y-%m-%d"], help="Last declaration date used."),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
    home: Path | None = HomeOption,
    json: bool = JsonOption,
) -> None:
    """Train on the store's inspected import declarations; the new version is a candidate."""
    from cix.cli.node import node
    from cix.risk import registry

    try:
        _s, store = node(home)
        m = registry.train(
            store, seed=seed, since=since.date() if since else None, until=until.date() if until else None,
            created_by="cli",
        )  # fmt: skip
    except CixError as exc:
        fail_from(exc)
    if json:
        emit_json(m)
    else:
        typer.echo(_("trained candidate {version} on {rows} inspected declarations").format(**m))


@app.command("promote")
def promote(version: str = typer.Argument(..., help="Candidate version."), home: Path | None = HomeOption,
            json: bool = JsonOption) -> None:  # fmt: skip
    """Make a version the active model (the active one is retired); audit-logged."""
    from cix.cli.node import node
    from cix.risk import registry

    try:
        _s, store = node(home)
        with store.write() as conn:
            m = registry.promote(conn, version, actor="cli")
    except CixError as exc:
        fail_from(exc)
    if json:
        emit_json(m)
    else:
        typer.echo(_("{version} is active").format(version=m["version"]))


@app.command("rollback")
def rollback(home: Path | None = HomeOption, json: bool = JsonOption) -> None:
    """Retire the active model and re-activate the one active before it; audit-logged."""
    from cix.cli.node import node
    from cix.risk import registry

    try:
        _s, store = node(home)
        with store.write() as conn:
            m = registry.rollback(conn, actor="cli")
    except CixError as exc:
        fail_from(exc)
    if json:
        emit_json(m)
    else:
        typer.echo(_("{version} is active").format(version=m["version"]))
