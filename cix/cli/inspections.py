"""``cix inspections``: record what inspections found (a CSV file), list them, see rejected rows.

Thin: the work is in :mod:`cix.risk.inspections`.
"""

from __future__ import annotations

from pathlib import Path

import typer

from cix.cli.common import HomeOption, JsonOption, emit_json, fail_from
from cix.errors import CixError
from cix.i18n import _

app = typer.Typer(help="Inspection results: import, show, rejected rows.", no_args_is_help=True)


@app.command("import")
def import_(
    file: Path = typer.Argument(
        ..., help="CSV: declaration_id, inspected_at, officer, result[, duty_recovered, critical]."
    ),
    home: Path | None = HomeOption,
    json: bool = JsonOption,
) -> None:
    """Record inspection results; bad rows are rejected with rule, field and value, and kept."""
    from cix.cli.node import node
    from cix.risk import inspections

    try:
        _s, store = node(home)
        r = inspections.import_csv(store, file)
    except CixError as exc:
        fail_from(exc)
    if json:
        emit_json(r)
        return
    typer.echo(_("{read} read, {recorded} recorded, {rejected} rejected").format(**r))
    for rej in r["rejections"]:
        for p in rej["problems"]:
            typer.echo(f"  {rej['locator']}: {p['rule']} {p['path']} {p['value']!r} {p['message']}")


@app.command("show")
def show(
    declaration: str = typer.Argument(..., help="Declaration id or natural key."),
    home: Path | None = HomeOption,
    json: bool = JsonOption,
) -> None:
    """The inspections recorded for a declaration."""
    from cix.cli.node import node
    from cix.risk import inspections

    try:
        _s, store = node(home)
        with store.read() as conn:
            did = inspections.get_declaration_id(conn, declaration)
            rows = inspections.for_declaration(conn, did)
    except CixError as exc:
        fail_from(exc)
    if json:
        emit_json({"declaration_id": did, "inspections": rows})
        return
    for r in rows:
        duty = r["duty_recovered"] or 0
        typer.echo(
            f"{r['inspected_at']}  {r['officer'] or '':<20} {r['result']:<9} {duty:>12}  critical={r['critical']}"
        )


@app.command("rejections")
def rejections(
    limit: int = typer.Option(50, min=1, max=10000), home: Path | None = HomeOption, json: bool = JsonOption
) -> None:
    """Inspection results that were rejected, with their problems."""
    from cix.cli.node import node
    from cix.risk import inspections

    try:
        _s, store = node(home)
        with store.read() as conn:
            rows = inspections.rejections(conn, limit)
    except CixError as exc:
        fail_from(exc)
    if json:
        emit_json({"rejections": rows})
        return
    for r in rows:
        for p in r["problems"]:
            typer.echo(f"{r['locator'] or '':<24} {p['rule']} {p['path']} {p['value']!r}")
