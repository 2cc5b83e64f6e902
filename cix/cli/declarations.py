"""``cix declarations``: list, show, history, and the explicit amend / cancel / release operations."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import orjson
import typer

from cix.cli.common import HomeOption, JsonOption, emit_json, fail, fail_from
from cix.errors import CixError
from cix.i18n import _

app = typer.Typer(help="Stored declarations and their versions.", no_args_is_help=True)


@app.command("list")
def list_(
    kind: str | None = typer.Option(None, help="import | export | transit | preliminary"),
    status: str | None = typer.Option(None, help="lodged | amended | cancelled | released"),
    office: str | None = typer.Option(None, help="Declaration office or office of entry."),
    date_from: dt.datetime | None = typer.Option(None, "--from", formats=["%Y-%m-%d"], help="First date."),
    date_to: dt.datetime | None = typer.Option(None, "--to", formats=["%Y-%m-%d"], help="Last date."),
    limit: int = typer.Option(20, min=1, max=10000),
    offset: int = typer.Option(0, min=0),
    home: Path | None = HomeOption,
    json: bool = JsonOption,
) -> None:
    """List declarations, newest first."""
    from cix.cli.node import node
    from cix.store import declarations as ds

    try:
        _s, store = node(home)
        with store.read() as conn:
            total, rows = ds.list_declarations(
                conn,
                kind=kind,
                status=status,
                office=office,
                date_from=date_from.date() if date_from else None,
                date_to=date_to.date() if date_to else None,
                limit=limit,
                offset=offset,
            )
    except CixError as exc:
        fail_from(exc)
    if json:
        emit_json({"total": total, "declarations": rows})
        return
    from rich.console import Console
    from rich.table import Table

    t = Table(title=_("{n} declarations").format(n=total))
    for col in ("id", "natural_key", "kind", "status", "version", "declared_on", "office", "ucr"):
        t.add_column(col)
    for r in rows:
        t.add_row(
            *(
                str(r[c] if r[c] is not None else "")
                for c in ("id", "natural_key", "kind", "status", "version", "declared_on", "office", "ucr")
            )
        )
    Console().print(t)


@app.command("show")
def show(
    ref: str = typer.Argument(..., help="Natural key (mrn:... / lrn:DECLARANT:LRN), id, MRN or LRN."),
    home: Path | None = HomeOption,
    json: bool = JsonOption,
) -> None:
    """Show the current version of a declaration with its warnings."""
    from cix.cli.node import node
    from cix.pipeline import lifecycle

    try:
        _s, store = node(home)
        d = lifecycle.get(store, ref)
    except CixError as exc:
        fail_from(exc)
    if json:
        emit_json(d)
        return
    typer.echo(f"{d['natural_key']}  {d['kind']}  {d['status']}  v{d['version']}  {d['declared_on']}")
    typer.echo(orjson.dumps(d["data"], option=orjson.OPT_INDENT_2).decode())
    for w in d["warnings"]:
        typer.echo(_("warning: {rule} at {path}: {message}").format(**w))


@app.command("history")
def history(ref: str = typer.Argument(...), home: Path | None = HomeOption, json: bool = JsonOption) -> None:
    """Every version of a declaration, oldest first."""
    from cix.cli.node import node
    from cix.pipeline import lifecycle

    try:
        _s, store = node(home)
        versions = lifecycle.history(store, ref)
    except CixError as exc:
        fail_from(exc)
    if json:
        emit_json({"versions": versions})
        return
    for v in versions:
        typer.echo(f"v{v['version']}  {v['status']:<10} {v['operation']:<8} {v['valid_from']}  {v['reason'] or ''}")


def _read_record(file: Path) -> dict:
    try:
        doc = orjson.loads(file.read_bytes())
    except OSError as exc:
        fail(_("cannot read {file}: {err}").format(file=file, err=exc.strerror))
    except orjson.JSONDecodeError as exc:
        fail(_("{file} is not JSON: {err}").format(file=file, err=exc))
    if not isinstance(doc, dict):
        fail(_("{file} must hold one JSON object").format(file=file))
    return doc


@app.command("amend")
def amend(
    ref: str = typer.Argument(...),
    file: Path = typer.Argument(..., help="The amended declaration (JSON object)."),
    reason: str = typer.Option(..., "--reason", help="Why the declaration is amended."),
    home: Path | None = HomeOption,
    json: bool = JsonOption,
) -> None:
    """Amend a declaration: the new version replaces the current one, which is kept."""
    from cix.cli.node import node
    from cix.errors import ValidationFailed
    from cix.pipeline import lifecycle

    doc = _read_record(file)
    try:
        _s, store = node(home)
        d = lifecycle.amend(store, ref, doc, reason)
    except ValidationFailed as exc:
        if json:
            emit_json(exc.to_dict())
        else:
            for p in exc.details["problems"]:
                typer.echo(f"{p['rule']}  {p['path']}  {p['value']!r}  {p['message']}", err=True)
        fail_from(exc)
    except CixError as exc:
        fail_from(exc)
    _done(d, json, _("amended"))


def _done(d: dict, json: bool, what: str) -> None:
    if json:
        emit_json(d)
    else:
        typer.echo(f"{d['natural_key']}: {what}, v{d['version']} ({d['status']})")


@app.command("cancel")
def cancel(
    ref: str = typer.Argument(...),
    reason: str = typer.Option(..., "--reason", help="Why the declaration is cancelled."),
    home: Path | None = HomeOption,
    json: bool = JsonOption,
) -> None:
    """Cancel a declaration (the cancelled version is kept)."""
    from cix.cli.node import node
    from cix.pipeline import lifecycle

    try:
        _s, store = node(home)
        d = lifecycle.cancel(store, ref, reason)
    except CixError as exc:
        fail_from(exc)
    _done(d, json, _("cancelled"))


@app.command("release")
def release(
    ref: str = typer.Argument(...),
    reason: str | None = typer.Option(None, "--reason"),
    home: Path | None = HomeOption,
    json: bool = JsonOption,
) -> None:
    """Release the goods of a declaration."""
    from cix.cli.node import node
    from cix.pipeline import lifecycle

    try:
        _s, store = node(home)
        d = lifecycle.release(store, ref, reason)
    except CixError as exc:
        fail_from(exc)
    _done(d, json, _("released"))
