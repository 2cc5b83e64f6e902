"""``cix risk profiles``: write, try, switch on and off, share and adopt risk profiles.

Thin: the work is done by :mod:`cix.risk.profiles` (repository, backtest, sharing). With ``--json``
standard output carries one JSON object.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any, NoReturn

import typer

from cix.cli.common import HomeOption, JsonOption, emit_json, fail_from
from cix.errors import CixError, InputError, ValidationFailed
from cix.i18n import _

app = typer.Typer(
    help=_("Risk profiles: declarative conditions that select declarations (add, list, test, share, adopt)."),
    no_args_is_help=True,
)


def _actor() -> str:
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _fail(exc: CixError, as_json: bool) -> NoReturn:
    """One line on standard error; with --json, a rejected definition's problems (rule, path, value,
    position) as the one JSON object on standard output."""
    if as_json and isinstance(exc, ValidationFailed):
        emit_json(exc.to_dict())
    fail_from(exc)


def _read_definitions(file: Path) -> list[dict[str, Any]]:
    import orjson

    try:
        raw = sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()
        doc = orjson.loads(raw)
    except OSError as exc:
        raise InputError(_("cannot read {file}: {err}").format(file=file, err=exc.strerror)) from exc
    except orjson.JSONDecodeError as exc:
        raise InputError(_("{file} is not JSON: {err}").format(file=file, err=exc)) from exc
    docs = doc if isinstance(doc, list) else [doc]
    if not docs or not all(isinstance(d, dict) for d in docs):
        raise InputError(_("{file}: give a profile object or a list of them").format(file=file))
    return docs


@app.command("add")
def add_cmd(
    file: Path | None = typer.Argument(None, help=_("Profile definition(s): a JSON object or a list; - for stdin.")),
    profile_id: str | None = typer.Option(None, "--id", help=_("Profile id (when no FILE).")),
    condition: str | None = typer.Option(None, "--condition", help=_("The condition, in the profile language.")),
    description: str = typer.Option("", "--description", help=_("What the profile looks for.")),
    channel: str | None = typer.Option(None, "--channel", help=_("green, yellow, red or blue.")),
    weight: float = typer.Option(0.0, "--weight", help=_("Score weight added when the profile hits.")),
    hard: bool = typer.Option(False, "--hard", help=_("Overrides the green corridor and AEO green.")),
    random_rate: float = typer.Option(0.0, "--random-rate", help=_("Share of hits also selected at random (0-1).")),
    valid_from: str | None = typer.Option(None, "--valid-from", help=_("First day in force (YYYY-MM-DD).")),
    valid_to: str | None = typer.Option(None, "--valid-to", help=_("Last day in force (YYYY-MM-DD).")),
    owner: str | None = typer.Option(None, "--owner", help=_("Owner administration (default: this node's).")),
    disabled: bool = typer.Option(False, "--disabled", help=_("Store it switched off.")),
    new_version: bool = typer.Option(False, "--new-version", help=_("Replace an existing profile by a new version.")),
    samples: bool = typer.Option(False, "--samples", help=_("Add the fifty sample profiles (benchmark, demo).")),
    home: Path | None = HomeOption,
    as_json: bool = JsonOption,
) -> None:
    """Add a profile (or several from FILE); an existing id needs --new-version (old versions are kept)."""
    from cix.cli.node import node
    from cix.risk.profiles import repository as repo

    try:
        if samples:
            from cix.risk.profiles.samples import bench_profiles

            defs = bench_profiles()
        elif file is not None:
            defs = _read_definitions(file)
        else:
            d: dict[str, Any] = {"id": profile_id, "condition": condition, "description": description,
                                 "weight": weight, "hard": hard, "random_rate": random_rate, "enabled": not disabled,
                                 "valid_from": valid_from, "valid_to": valid_to}  # fmt: skip
            if channel:
                d["channel"] = channel
            if owner:
                d["owner"] = owner
            defs = [d]
        settings, store = node(home)
        default_owner = owner or f"{settings.country}-{settings.authority}"
        with store.write() as conn:
            added = [repo.add_profile(conn, d, _actor(), owner=default_owner, new_version=new_version) for d in defs]
    except CixError as exc:
        _fail(exc, as_json)
    if as_json:
        emit_json({"added": len(added), "profiles": added})
        return
    for p in added:
        typer.echo(_("{id} version {v} stored ({state})").format(
            id=p["id"], v=p["version"], state=_("enabled") if p["enabled"] else _("disabled")))  # fmt: skip


@app.command("list")
def list_cmd(
    all_versions: bool = typer.Option(False, "--all-versions", help=_("Every version, not only the current ones.")),
    received: bool = typer.Option(False, "--received", help=_("Profiles received from partners, not adopted yet.")),
    home: Path | None = HomeOption,
    as_json: bool = JsonOption,
) -> None:
    """List the node's profiles (or, with --received, what partners shared)."""
    from cix.cli.node import node
    from cix.risk.profiles import repository as repo

    try:
        _s, store = node(home)
        with store.read() as conn:
            rows = repo.list_received(conn) if received else repo.list_profiles(conn, all_versions=all_versions)
    except CixError as exc:
        _fail(exc, as_json)
    if as_json:
        emit_json({"received" if received else "profiles": rows})
        return
    if received:
        for r in rows:
            typer.echo(f"{r['id']:>5}  {r['status']:<9} {r['sender']:<14} {r['profile_id']}  "
                       f"{(r['definition'] or {}).get('condition', '')}")  # fmt: skip
        return
    for p in rows:
        state = "on " if p["enabled"] else "off"
        action = p["channel"] or "-"
        typer.echo(f"{p['id']:<16} v{p['version']:<3} {state} {action:<6} {p['weight']:>5.1f}"
                   f"{' hard' if p['hard'] else ''}  {p['description'] or p['condition']}")  # fmt: skip


@app.command("show")
def show_cmd(
    profile_id: str = typer.Argument(..., help=_("Profile id.")),
    version: int | None = typer.Option(None, "--version", help=_("A given version (default: the current one).")),
    home: Path | None = HomeOption,
    as_json: bool = JsonOption,
) -> None:
    """Show one profile with its versions."""
    from cix.cli.node import node
    from cix.risk.profiles import repository as repo

    try:
        _s, store = node(home)
        with store.read() as conn:
            p = repo.get_profile(conn, profile_id, version)
    except CixError as exc:
        _fail(exc, as_json)
    if as_json:
        emit_json(p)
        return
    for k, v in p.items():
        typer.echo(f"{k:<12} {v}")


@app.command("test")
def test_cmd(
    profile_id: str = typer.Argument(..., help=_("Profile id.")),
    version: int | None = typer.Option(None, "--version", help=_("A given version (default: the current one).")),
    last: int | None = typer.Option(None, "--last", min=1, help=_("The most recent N declarations (default 1000).")),
    since: str | None = typer.Option(None, "--since", help=_("First declaration date (YYYY-MM-DD).")),
    until: str | None = typer.Option(None, "--until", help=_("Last declaration date (YYYY-MM-DD).")),
    show: int = typer.Option(20, "--show", min=0, help=_("How many selected declarations to list.")),
    home: Path | None = HomeOption,
    as_json: bool = JsonOption,
) -> None:
    """Run a profile over stored declarations: what it would have selected, and its hit rate on those inspected."""
    from cix.cli.node import node
    from cix.errors import UsageError
    from cix.risk.profiles.backtest import test_profile

    try:
        try:
            start = dt.date.fromisoformat(since) if since else None
            end = dt.date.fromisoformat(until) if until else None
        except ValueError as exc:
            raise UsageError(_("dates are YYYY-MM-DD: {err}").format(err=exc)) from None
        _s, store = node(home)
        with store.read() as conn:
            r = test_profile(conn, profile_id, version=version, last=last, since=start, until=end, show=show)
    except CixError as exc:
        _fail(exc, as_json)
    if as_json:
        emit_json(r)
        return

    def pct(x: float | None) -> str:
        return "-" if x is None else f"{100 * x:.1f} %"

    typer.echo(_("{id} v{v}: {k} of {n} declarations selected ({rate}), {f} to {t}").format(
        id=r["profile"], v=r["version"], k=r["selected"], n=r["evaluated"], rate=pct(r["selection_rate"]),
        f=r["from"], t=r["to"]))  # fmt: skip
    typer.echo(_("hit rate {hit} on {i} inspected of those selected; {base} on all {j} inspected").format(
        hit=pct(r["hit_rate"]), i=r["selected_inspected"], base=pct(r["base_hit_rate"]), j=r["inspected"]))  # fmt: skip
    for d in r["declarations"]:
        typer.echo(f"  {d['id']:>8}  {d['declared_on']}  {d['natural_key']}  {d['importer_id'] or '-'}  "
                   f"{d['inspection'] or ''}")  # fmt: skip


def _switch(profile_id: str, enabled: bool, home: Path | None, as_json: bool) -> None:
    from cix.cli.node import node
    from cix.risk.profiles import repository as repo

    try:
        _s, store = node(home)
        with store.write() as conn:
            p = repo.set_enabled(conn, profile_id, enabled, _actor())
    except CixError as exc:
        _fail(exc, as_json)
    if as_json:
        emit_json(p)
        return
    typer.echo(_("{id} enabled").format(id=profile_id) if enabled else _("{id} disabled").format(id=profile_id))


@app.command("enable")
def enable_cmd(profile_id: str = typer.Argument(..., help=_("Profile id.")), home: Path | None = HomeOption,
               as_json: bool = JsonOption) -> None:  # fmt: skip
    """Switch a profile on: it takes part in selection from now on."""
    _switch(profile_id, True, home, as_json)


@app.command("disable")
def disable_cmd(profile_id: str = typer.Argument(..., help=_("Profile id.")), home: Path | None = HomeOption,
                as_json: bool = JsonOption) -> None:  # fmt: skip
    """Switch a profile off (it is kept, with its versions)."""
    _switch(profile_id, False, home, as_json)


@app.command("adopt")
def adopt_cmd(
    received_id: int = typer.Argument(..., help=_("Id of the received profile (cix risk profiles list --received).")),
    as_id: str | None = typer.Option(None, "--as", help=_("Local id (default: SENDER.ID).")),
    disabled: bool = typer.Option(False, "--disabled", help=_("Adopt it switched off.")),
    home: Path | None = HomeOption,
    as_json: bool = JsonOption,
) -> None:
    """Adopt a profile a partner shared: it becomes one of this node's (kept apart until then)."""
    from cix.cli.node import node
    from cix.risk.profiles import repository as repo

    try:
        _s, store = node(home)
        with store.write() as conn:
            p = repo.adopt(conn, received_id, _actor(), as_id=as_id, enabled=not disabled)
    except CixError as exc:
        _fail(exc, as_json)
    if as_json:
        emit_json(p)
        return
    typer.echo(_("adopted as {id} version {v}").format(id=p["id"], v=p["version"]))


@app.command("share")
def share_cmd(
    profile_id: str = typer.Argument(..., help=_("Profile id.")),
    partner: str = typer.Option(..., "--partner", help=_("Partner id, e.g. FI-CUSTOMS.")),
    agreement: str | None = typer.Option(
        None, "--agreement", help=_("Agreement id (default: one covering risk_profile).")
    ),
    home: Path | None = HomeOption,
    as_json: bool = JsonOption,
) -> None:
    """Queue the profile for a partner as a risk_profile message (delivered by the exchange)."""
    from cix.cli.node import node
    from cix.cli.node_cmd import current
    from cix.risk.profiles.sharing import share_profile

    try:
        _s, store = node(home)
        me = current(home)
        with store.write() as conn:
            r = share_profile(conn, profile_id, node=me, partner_id=partner, agreement_id=agreement, actor=_actor())
    except CixError as exc:
        _fail(exc, as_json)
    if as_json:
        emit_json(r)
        return
    typer.echo(_("queued {id} v{v} to {partner} under {a}: message {m}").format(
        id=r["profile"], v=r["version"], partner=r["partner"], a=r["agreement"], m=r["message_id"]))  # fmt: skip
