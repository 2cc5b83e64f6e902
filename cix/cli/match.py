"""``cix match``: Green Corridor matching — bulk run over history, one declaration's match, lists."""

from __future__ import annotations

from pathlib import Path

import typer

from cix.cli.common import HomeOption, JsonOption, emit_json, fail, fail_from
from cix.errors import CixError
from cix.i18n import _

app = typer.Typer(help="Green Corridor matching of partner export data with import declarations.", no_args_is_help=True)

_STATUSES = ("matched", "pending", "ambiguous", "unmatched")


@app.command("run")
def run(
    reindex: bool = typer.Option(
        True, "--reindex/--no-reindex", help="Also rebuild the key index the declaration path looks records up in."
    ),
    home: Path | None = HomeOption,
    json: bool = JsonOption,
) -> None:
    """Match every import declaration against every partner record and replace the stored outcomes."""
    from cix.cli.node import node
    from cix.matching import service

    try:
        settings, store = node(home)
        with store.write() as conn:
            result = service.run_bulk(conn, settings, reindex=reindex)
    except CixError as exc:
        fail_from(exc)
    if json:
        emit_json(result)
        return
    out = result["outcomes"]
    typer.echo(
        _(
            "{n} imports, {p} partner records: {m} matched, {a} ambiguous, {pe} pending, {u} unmatched; "
            "{d} discrepancies, {c} clean"
        ).format(
            n=result["imports"],
            p=result["partner_records"],
            m=out["matched"],
            a=out["ambiguous"],
            pe=out["pending"],
            u=out["unmatched"],
            d=result["discrepancies"],
            c=result["clean"],
        )
    )


@app.command("show")
def show(
    declaration: str = typer.Argument(..., help="Declaration id, natural key, MRN or LRN."),
    home: Path | None = HomeOption,
    json: bool = JsonOption,
) -> None:
    """The current match of one declaration with its discrepancies."""
    from cix.cli.node import node
    from cix.matching import service

    try:
        settings, store = node(home)
        with store.read() as conn:
            result = service.show(conn, declaration, settings)
    except CixError as exc:
        fail_from(exc)
    if json:
        emit_json(result)
        return
    typer.echo(
        _("{key}: {status}, counterpart {cp}, method {method}, duty at stake {duty:.2f}").format(
            key=result["natural_key"],
            status=result["status"],
            cp=result["counterpart_id"],
            method=result["method"],
            duty=result["duty_at_stake"] or 0.0,
        )
    )
    for c in result["candidates"]:
        typer.echo(_("  candidate {id}").format(id=c))
    for d in result["discrepancies"] + result["edition_mismatches"]:
        typer.echo(
            _("  item {item} {kind} ({severity}): ours {ours}, theirs {theirs}, duty at stake {duty:.2f}").format(
                item=d["item"] if d["item"] is not None else "-",
                kind=d["kind"],
                severity=d["severity"],
                ours=d["ours"],
                theirs=d["theirs"],
                duty=d["duty_at_stake"],
            )
        )


@app.command("list")
def list_(
    status: str | None = typer.Option(None, "--status", help="matched | pending | ambiguous | unmatched"),
    side: str = typer.Option("import", "--side", help="import | partner (partner records no import matched)"),
    limit: int = typer.Option(50, min=1, max=10000),
    offset: int = typer.Option(0, min=0),
    home: Path | None = HomeOption,
    json: bool = JsonOption,
) -> None:
    """Stored match outcomes, newest first."""
    from cix.cli.node import node
    from cix.matching import service

    if status is not None and status not in _STATUSES:
        fail(_("--status must be one of {values}").format(values=", ".join(_STATUSES)), 2)
    if side not in ("import", "partner"):
        fail(_("--side must be import or partner"), 2)
    try:
        settings, store = node(home)
        with store.read() as conn:
            total, rows = service.list_matches(conn, settings, status=status, side=side, limit=limit, offset=offset)
    except CixError as exc:
        fail_from(exc)
    if json:
        emit_json({"total": total, "limit": limit, "offset": offset, "matches": rows})
        return
    typer.echo(_("{n} outcomes").format(n=total))
    for r in rows:
        typer.echo(
            f"{r['declaration_id']:>8}  {r['status']:<10} {r['counterpart_id'] or '-':>8}  "
            f"{r['discrepancies']:>3}  {r['max_severity'] or '-':<6}  {r['natural_key']}"
        )
