"""``cix agreements add|list|remove``: the agreements this node holds in its store.

An agreement file (written by ``cix agreements new`` or handed over by a partner) is added to the
store, where the outbox and the inbox find it by id when messages move; adding the same id again
replaces it. ``add`` refuses a file that is not a valid agreement and warns on standard error (and
under ``warnings`` with ``--json``) about what :func:`cix.agreements.validation.review` finds and
about an agreement this node is not a party to — warnings do not stop it. :func:`register` adds the
commands to the ``cix agreements`` group.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from cix.cli.common import HomeOption, JsonOption, emit_json, fail_from
from cix.errors import CixError
from cix.i18n import _


def _summary(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": data.get("id"),
        "name": data.get("name"),
        "organization": data.get("organization"),
        "parties": list(data.get("parties") or []),
        "message_types": sorted(data.get("message_types") or {}),
        "valid_from": data.get("valid_from"),
        "valid_to": data.get("valid_to"),
        "encrypt": bool(data.get("encrypt")),
    }


def add_cmd(
    file: Path = typer.Argument(..., help=_("Agreement file (JSON).")),
    home: Path | None = HomeOption,
    json_: bool = JsonOption,
) -> None:
    """Add an agreement file to this node's store (or replace the stored one with the same id)."""
    from cix.agreements.model import read_agreement
    from cix.agreements.validation import review
    from cix.cli.node import node
    from cix.cli.node_cmd import current
    from cix.cooperation import load_framework
    from cix.exchange import agreement_store

    try:
        agreement = read_agreement(file)
        settings, store = node(home)
        warnings = [p.to_dict() for p in review(agreement, load_framework(settings.home))]
        me = current(home).id
        if agreement.party_of(me) is None:
            warnings.append(
                {
                    "rule": "agreement.not_a_party",
                    "path": "/parties",
                    "value": me,
                    "severity": "warning",
                    "message": _("this node ({me}) is not a party to the agreement").format(me=me),
                }
            )
        with store.write() as conn:
            new = agreement_store.add(conn, agreement)
    except CixError as exc:
        fail_from(exc)
    for w in warnings:
        typer.echo(_("warning: {rule} {path}: {message}").format(**w), err=True)
    body = _summary(agreement.to_dict())
    if json_:
        emit_json({"new": new, "agreement": body, "warnings": warnings})
        return
    msg = _("added agreement {id}") if new else _("replaced agreement {id}")
    typer.echo(msg.format(id=agreement.id) + f" ({', '.join(agreement.parties)}: {', '.join(body['message_types'])})")


def list_cmd(home: Path | None = HomeOption, json_: bool = JsonOption) -> None:
    """List the agreements held in this node's store."""
    from cix.cli.node import node
    from cix.exchange import agreement_store

    try:
        _s, store = node(home)
        with store.read() as conn:
            rows = agreement_store.list_agreements(conn)
    except CixError as exc:
        fail_from(exc)
    out = [{**_summary(r["agreement"]), "status": r["status"], "added_at": r["added_at"]} for r in rows]
    if json_:
        emit_json(
            {
                "count": len(out),
                "agreements": [{**o, "agreement": r["agreement"]} for o, r in zip(out, rows, strict=True)],
            }
        )
        return
    if not out:
        typer.echo(_("no agreements yet: add one with cix agreements add FILE"))
    for o in out:
        period = f"{o['valid_from']} .. {o['valid_to'] or _('open')}"
        typer.echo(
            f"{o['id']:<32} {o['status']:<8} {','.join(o['parties']):<24} {period}  {','.join(o['message_types'])}"
        )


def remove_cmd(
    agreement_id: str = typer.Argument(..., metavar="ID", help=_("Agreement id.")),
    home: Path | None = HomeOption,
    json_: bool = JsonOption,
) -> None:
    """Remove an agreement from the store: messages under it are refused from then on."""
    from cix.cli.node import node
    from cix.exchange import agreement_store

    try:
        _s, store = node(home)
        with store.write() as conn:
            agreement_store.remove(conn, agreement_id)
    except CixError as exc:
        fail_from(exc)
    if json_:
        emit_json({"removed": agreement_id})
        return
    typer.echo(_("removed agreement {id}").format(id=agreement_id))


def register(app: typer.Typer) -> None:
    """Add ``add``, ``list`` and ``remove`` to the ``cix agreements`` group (once; later calls do nothing)."""
    names = {c.name for c in app.registered_commands}
    for name, fn in (("add", add_cmd), ("list", list_cmd), ("remove", remove_cmd)):
        if name not in names:
            app.command(name)(fn)
