"""The ``cix tokens`` commands: create (for a user or a partner), list and revoke API tokens.

The secret is printed once, when it is created; the store keeps only its SHA-256. A user's token
carries the user's role; a partner's token reaches only the exchange endpoints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from cix.cli.common import HomeOption, JsonOption, emit_json, fail_from
from cix.errors import CixError
from cix.i18n import _

app = typer.Typer(help=_("API tokens for machine clients (stored hashed, revocable)."), no_args_is_help=True)


def _line(t: dict[str, Any]) -> str:
    who = t["username"] or f"partner:{t['partner_id']}"
    exp = t["expires_at"].date().isoformat() if t["expires_at"] else "-"
    return f"{t['id']:>4}  {t['prefix']}…  {who:<24} {t['status']:<8} {exp:<10} {t['name'] or ''}"


@app.command("create")
def create_cmd(
    user: str | None = typer.Option(None, "--user", help=_("The user the token acts for (its role).")),
    partner: str | None = typer.Option(
        None, "--partner", help=_("A partner administration id: the token reaches only the exchange endpoints.")
    ),
    name: str | None = typer.Option(None, "--name", help=_("What the token is for.")),
    expires_days: int | None = typer.Option(None, "--expires-days", help=_("Days until it expires (default never).")),
    home: Path | None = HomeOption,
    json_: bool = JsonOption,
) -> None:
    """Create a token for --user U or --partner P; the secret is shown only now."""
    from cix.auth import tokens
    from cix.cli.node import node

    try:
        _s, store = node(home)
        with store.write() as conn:
            secret, row = tokens.create(
                conn, user=user, partner=partner, name=name, expires_days=expires_days, actor="cli"
            )
    except CixError as exc:
        fail_from(exc)
    if json_:
        emit_json({"token": secret, "id": row["id"], "record": row})
        return
    typer.echo(secret)
    typer.echo(_("token {id} created; it is shown only once").format(id=row["id"]), err=True)


@app.command("list")
def list_cmd(home: Path | None = HomeOption, json_: bool = JsonOption) -> None:
    """List the tokens (never their secrets)."""
    from cix.auth import tokens
    from cix.cli.node import node

    try:
        _s, store = node(home)
        with store.read() as conn:
            rows = tokens.list_tokens(conn)
    except CixError as exc:
        fail_from(exc)
    if json_:
        emit_json({"count": len(rows), "tokens": rows})
        return
    if not rows:
        typer.echo(_("no API tokens yet"))
    for t in rows:
        typer.echo(_line(t))


@app.command("revoke")
def revoke_cmd(
    token_id: int = typer.Argument(..., help=_("The token's id (cix tokens list).")),
    home: Path | None = HomeOption,
    json_: bool = JsonOption,
) -> None:
    """Revoke a token: it stops working at once."""
    from cix.auth import tokens
    from cix.cli.node import node

    try:
        _s, store = node(home)
        with store.write() as conn:
            row = tokens.revoke(conn, token_id, actor="cli")
    except CixError as exc:
        fail_from(exc)
    if json_:
        emit_json({"token": row})
        return
    typer.echo(_("revoked token {id}").format(id=row["id"]))
