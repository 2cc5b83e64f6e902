"""The ``cix partners`` commands: add (from a partner card), list, show and remove partner administrations.

A partner is added from the card it handed over (``cix node card`` on its side); adding the same
id again updates its endpoints and keys, which is how a key rotation on the partner's side arrives.
The suites accepted from a partner default to those on its card; ``--suite`` narrows them.
Thin by design: each command calls :mod:`cix.exchange.partners` and prints the result.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from cix.cli.common import HomeOption, JsonOption, emit_json, fail_from
from cix.errors import CixError, InputError
from cix.i18n import _

app = typer.Typer(help=_("Partner administrations: their endpoints and public keys."), no_args_is_help=True)


def _line(p: dict[str, Any]) -> str:
    ends = ", ".join(f"{e.get('transport')}:{e.get('url') or e.get('subject') or ''}" for e in p["endpoints"])
    return f"{p['id']:<16} {p['country']}  {p['status']:<9} {','.join(p['suites']):<24} {ends or '-'}  {p['name']}"


@app.command("add")
def add_cmd(
    card: Path = typer.Option(..., "--card", help=_("The partner card file (JSON) the partner handed over.")),
    suite: list[str] | None = typer.Option(
        None, "--suite", help=_("Accept only this suite from the partner (repeatable; default: the card's).")
    ),
    home: Path | None = HomeOption,
    json_: bool = JsonOption,
) -> None:
    """Add a partner from its card, or update it (new keys or endpoints) when it is known already."""
    from cix.agreements.model import load_json_file
    from cix.cli.node import node
    from cix.cli.node_cmd import check_suites
    from cix.exchange import partners

    try:
        data = load_json_file(card)
        if not isinstance(data, dict):
            raise InputError(_("{file} must hold one JSON object (a partner card)").format(file=card))
        suites = check_suites(suite) or None
        _s, store = node(home)
        with store.write() as conn:
            p, new = partners.add(conn, data, suites=suites)
    except CixError as exc:
        fail_from(exc)
    if json_:
        emit_json({"new": new, "partner": p.to_dict()})
        return
    msg = _("added partner {id}") if new else _("updated partner {id}")
    typer.echo(msg.format(id=p.id) + f" ({', '.join(p.suites)})")


@app.command("list")
def list_cmd(home: Path | None = HomeOption, json_: bool = JsonOption) -> None:
    """List the partners."""
    from cix.cli.node import node
    from cix.exchange import partners

    try:
        _s, store = node(home)
        with store.read() as conn:
            rows = [p.to_dict() for p in partners.list_partners(conn)]
    except CixError as exc:
        fail_from(exc)
    if json_:
        emit_json({"count": len(rows), "partners": rows})
        return
    if not rows:
        typer.echo(_("no partners yet: add one with cix partners add --card FILE"))
    for r in rows:
        typer.echo(_line(r))


@app.command("show")
def show_cmd(
    partner_id: str = typer.Argument(..., metavar="ID", help=_("Partner id, e.g. CN-GACC.")),
    home: Path | None = HomeOption,
    json_: bool = JsonOption,
) -> None:
    """Show a partner: endpoints, accepted suites and public keys with their validity."""
    from cix.cli.node import node
    from cix.exchange import partners

    try:
        _s, store = node(home)
        with store.read() as conn:
            p = partners.get(conn, partner_id).to_dict()
    except CixError as exc:
        fail_from(exc)
    if json_:
        emit_json(p)
        return
    typer.echo(_line(p))
    for k in p["keys"]:
        typer.echo(f"  {k['use']:<3} {k['suite']:<13} {k['kid']}  {k['valid_from']} .. {k['valid_to'] or _('open')}")


@app.command("remove")
def remove_cmd(
    partner_id: str = typer.Argument(..., metavar="ID", help=_("Partner id.")),
    home: Path | None = HomeOption,
    json_: bool = JsonOption,
) -> None:
    """Remove a partner: its messages are refused from then on (stored messages are kept)."""
    from cix.cli.node import node
    from cix.exchange import partners

    try:
        _s, store = node(home)
        with store.write() as conn:
            partners.remove(conn, partner_id)
    except CixError as exc:
        fail_from(exc)
    if json_:
        emit_json({"removed": partner_id})
        return
    typer.echo(_("removed partner {id}").format(id=partner_id))
