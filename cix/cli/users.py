"""The ``cix users`` commands: add, list, disable and enable the people of this node's administration.

Thin by design: each command calls :mod:`cix.auth.users`. A password is read from a prompt (typed
twice, not echoed) or, for scripts, from standard input with ``--password-stdin``; never from an
argument, where it would show in the process list and the shell history.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from cix.cli.common import HomeOption, JsonOption, emit_json, fail_from
from cix.errors import CixError
from cix.i18n import _

app = typer.Typer(help=_("Users of this node's administration, with their roles."), no_args_is_help=True)


def node_administration(settings: Any) -> str:
    """The administration this node is (its id, ``COUNTRY-AUTHORITY``)."""
    from cix.exchange import node as node_mod

    return node_mod.ensure(settings.home, settings.country, settings.authority).id


def _line(u: dict[str, Any]) -> str:
    return f"{u['id']:>4}  {u['username']:<20} {u['role']:<20} {u['administration']:<16} {u['status']}"


@app.command("add")
def add_cmd(
    username: str = typer.Argument(..., help=_("User name (letters, digits, '.', '_', '@', '-').")),
    role: str = typer.Option(..., "--role", help=_("officer, risk_analyst, cooperation_officer or administrator.")),
    administration: str | None = typer.Option(
        None, "--administration", help=_("The user's administration (default: this node's, COUNTRY-AUTHORITY).")
    ),
    name: str | None = typer.Option(None, "--name", help=_("Display name.")),
    language: str | None = typer.Option(None, "--language", help=_("Console language: en or ru.")),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help=_("Read the password from standard input (first line).")
    ),
    home: Path | None = HomeOption,
    json_: bool = JsonOption,
) -> None:
    """Add a user with a role; the password is asked for (or read with --password-stdin)."""
    from cix.auth import users
    from cix.cli.node import node

    try:
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = typer.prompt(_("Password"), hide_input=True, confirmation_prompt=True, err=True)
        settings, store = node(home)
        mine = node_administration(settings)
        with store.write() as conn:
            u = users.add(
                conn,
                username,
                password,
                role=role,
                administration=administration or mine,
                node_administration=mine,
                display_name=name,
                language=language,
                actor="cli",
            )
    except CixError as exc:
        fail_from(exc)
    if json_:
        emit_json({"user": u})
        return
    typer.echo(
        _("added user {name} ({role}, {administration})").format(
            name=u["username"], role=u["role"], administration=u["administration"]
        )
    )


@app.command("list")
def list_cmd(home: Path | None = HomeOption, json_: bool = JsonOption) -> None:
    """List the users."""
    from cix.auth import users
    from cix.cli.node import node

    try:
        _s, store = node(home)
        with store.read() as conn:
            rows = users.list_users(conn)
    except CixError as exc:
        fail_from(exc)
    if json_:
        emit_json({"count": len(rows), "users": rows})
        return
    if not rows:
        typer.echo(_("no users yet: add one with cix users add NAME --role ROLE"))
    for u in rows:
        typer.echo(_line(u))


def _set(username: str, home: Path | None, json_: bool, enable: bool) -> None:
    from cix.auth import users
    from cix.cli.node import node

    try:
        _s, store = node(home)
        with store.write() as conn:
            u = users.enable(conn, username, actor="cli") if enable else users.disable(conn, username, actor="cli")
    except CixError as exc:
        fail_from(exc)
    if json_:
        emit_json({"user": u})
        return
    typer.echo((_("enabled user {name}") if enable else _("disabled user {name}")).format(name=u["username"]))


@app.command("disable")
def disable_cmd(
    username: str = typer.Argument(..., help=_("User name or id.")),
    home: Path | None = HomeOption,
    json_: bool = JsonOption,
) -> None:
    """Disable a user: sign-in, open sessions and the user's API tokens stop working at once."""
    _set(username, home, json_, enable=False)


@app.command("enable")
def enable_cmd(
    username: str = typer.Argument(..., help=_("User name or id.")),
    home: Path | None = HomeOption,
    json_: bool = JsonOption,
) -> None:
    """Enable a disabled user again."""
    _set(username, home, json_, enable=True)
