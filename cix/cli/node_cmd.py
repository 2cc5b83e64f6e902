"""The ``cix node`` commands: this node's identity (init, show), its keys (rotate), card and endpoints.

A node is one administration: a country, an authority id, a name and key pairs, kept in
``<home>/node.json`` with the private keys in ``<home>/keys/`` (see :mod:`cix.exchange.node`).
Every command works on an empty home: ``show``, ``card``, ``rotate`` and ``endpoint`` first create
the identity from the settings (``CIX_COUNTRY``, ``CIX_AUTHORITY``) when there is none; ``init``
creates it explicitly and refuses to replace an existing one without ``--force``. The partner card
printed by ``card`` holds public data only: it is the file one administration hands to another.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from cix.cli.common import HomeOption, JsonOption, emit_json, fail_from, settings_for
from cix.errors import CixError, UsageError
from cix.i18n import _

if TYPE_CHECKING:
    from cix.exchange.node import Node

app = typer.Typer(help=_("This node's identity: administration, keys, partner card, endpoints."), no_args_is_help=True)


def check_suites(names: list[str] | None) -> list[str]:
    """The suite names, each a registered signature suite (a :class:`UsageError` otherwise)."""
    from cix.exchange.suites import get_suite

    out: list[str] = []
    for name in names or []:
        try:
            get_suite(name)
        except CixError as exc:
            raise UsageError(exc.message) from None
        if name not in out:
            out.append(name)
    return out


def current(home: Path | None) -> Node:
    """This node, created from the settings' country and authority on an empty home."""
    from cix.exchange import node as node_mod

    settings = settings_for(home)
    return node_mod.ensure(settings.home, settings.country, settings.authority)


def summary(node: Node) -> dict[str, Any]:
    """The node as shown by the commands: identity, endpoints, suites, keys (public parts only)."""
    now = dt.datetime.now(dt.UTC)
    return {
        "id": node.id,
        "country": node.country,
        "authority": node.authority,
        "name": node.name,
        "home": str(node.home),
        "suites": node.suites,
        "endpoints": node.endpoints,
        "keys": [
            {**k.public_dict(), "has_private": k.private is not None, "valid_now": k.valid_at(now)}
            for k in sorted(node.keys, key=lambda k: (k.use, k.suite, k.valid_from))
        ],
    }


def _print(node: Node) -> None:
    s = summary(node)
    typer.echo(f"{s['id']}  {s['name']}  ({s['home']})")
    for e in s["endpoints"]:
        typer.echo(f"  endpoint {e.get('transport')}: {e.get('url') or e.get('subject') or ''}")
    for k in s["keys"]:
        until = k["valid_to"] or _("open")
        state = _("valid") if k["valid_now"] else _("expired")
        typer.echo(f"  {k['use']:<3} {k['suite']:<13} {k['kid']}  {k['valid_from']} .. {until}  {state}")


@app.command("init")
def init_cmd(
    country: str = typer.Option(..., "--country", help=_("ISO 3166 alpha-2 code of the administration, e.g. RU.")),
    authority: str = typer.Option(..., "--authority", help=_("Authority id, e.g. FCS.")),
    name: str | None = typer.Option(None, "--name", help=_("Name of the administration.")),
    suite: list[str] | None = typer.Option(
        None, "--suite", help=_("Signature suite (repeatable): ed25519 (default), gost2012-256.")
    ),
    force: bool = typer.Option(False, "--force", help=_("Replace an existing identity (new keys).")),
    home: Path | None = HomeOption,
    json_: bool = JsonOption,
) -> None:
    """Create this node's identity and key pairs (one signing key per suite and an encryption key).

    An existing identity is replaced only with ``--force`` — except the placeholder ``ZZ``
    identity another command made on an empty home before the node was given its country.
    """
    from cix.exchange import node as node_mod

    try:
        suites = tuple(check_suites(suite)) or ("ed25519",)
        at = settings_for(home).home
        if not force and (at / "node.json").exists() and node_mod.load(at).country == "ZZ":
            force = True
        n = node_mod.init(at, country, authority, name, suites, force=force)
    except CixError as exc:
        fail_from(exc)
    if json_:
        emit_json(summary(n))
        return
    typer.echo(_("created node {id}").format(id=n.id))
    _print(n)


@app.command("show")
def show_cmd(home: Path | None = HomeOption, json_: bool = JsonOption) -> None:
    """Show this node's identity, endpoints and keys."""
    try:
        n = current(home)
    except CixError as exc:
        fail_from(exc)
    if json_:
        emit_json(summary(n))
        return
    _print(n)


@app.command("rotate")
def rotate_cmd(
    overlap_days: float = typer.Option(
        30, "--overlap-days", min=0, help=_("Days the old keys stay valid for verifying (default 30).")
    ),
    suite: str | None = typer.Option(
        None, "--suite", help=_("Rotate only this suite (default: all); a suite not held yet is added.")
    ),
    home: Path | None = HomeOption,
    json_: bool = JsonOption,
) -> None:
    """Make new keys; the old ones stay valid for the overlap, so messages signed before still verify.

    Hand the new card (``cix node card``) to the partners: it lists the old and the new keys.
    """
    from cix.exchange import node as node_mod

    try:
        chosen = check_suites([suite] if suite else None)
        before = {k.kid for k in current(home).keys}
        n = node_mod.rotate(settings_for(home).home, overlap_days, chosen[0] if chosen else None)
    except CixError as exc:
        fail_from(exc)
    new = [k.kid for k in n.keys if k.kid not in before]
    if json_:
        emit_json({**summary(n), "new_keys": new})
        return
    typer.echo(_("rotated: new keys {kids}").format(kids=", ".join(new)))
    _print(n)


@app.command("card")
def card_cmd(
    out: Path | None = typer.Option(None, "--out", help=_("Write the card to this file instead of printing it.")),
    home: Path | None = HomeOption,
    json_: bool = JsonOption,
) -> None:
    """Print (or write) the partner card: identity, endpoints and public keys, nothing secret.

    Without ``--out`` the card itself is printed as one JSON object.
    """
    import orjson

    from cix.exchange import node as node_mod

    try:
        n = current(home)
        card = node_mod.card(n)
        if out is not None:
            try:
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(orjson.dumps(card, option=orjson.OPT_INDENT_2) + b"\n")
            except OSError as exc:
                raise UsageError(_("cannot write {out}: {err}").format(out=out, err=exc.strerror)) from exc
    except CixError as exc:
        fail_from(exc)
    if out is None:
        emit_json(card)
    elif json_:
        emit_json({"file": str(out), "id": card["id"], "keys": len(card["keys"])})
    else:
        typer.echo(_("wrote the card of {id} to {out}").format(id=card["id"], out=out))


@app.command("endpoint")
def endpoint_cmd(
    http: str | None = typer.Option(None, "--http", help=_("URL of this node's exchange inbox over HTTP.")),
    nats: str | None = typer.Option(None, "--nats", help=_("NATS subject of this node's inbox.")),
    home: Path | None = HomeOption,
    json_: bool = JsonOption,
) -> None:
    """Set the endpoints published in this node's card (replaces the list: give every one to keep)."""
    from cix.exchange import node as node_mod

    try:
        if not http and not nats:
            raise UsageError(_("give --http URL and/or --nats SUBJECT"))
        endpoints: list[dict[str, str]] = []
        if http:
            if not http.startswith(("http://", "https://")):
                raise UsageError(_("--http {url!r} is not an http:// or https:// URL").format(url=http))
            endpoints.append({"transport": "http", "url": http})
        if nats:
            if any(c.isspace() for c in nats) or nats.startswith(".") or nats.endswith("."):
                raise UsageError(_("--nats {s!r} is not a NATS subject").format(s=nats))
            endpoints.append({"transport": "nats", "subject": nats})
        current(home)
        n = node_mod.set_endpoints(settings_for(home).home, endpoints)
    except CixError as exc:
        fail_from(exc)
    if json_:
        emit_json({"id": n.id, "endpoints": n.endpoints})
        return
    for e in n.endpoints:
        typer.echo(f"{e['transport']}: {e.get('url') or e.get('subject')}")
