"""The ``cix cooperation`` commands: organizations, members, instruments, chairs, working groups.

Thin by design: each command loads the cooperation framework (the shipped preset "as of 2016"
plus the node's files under ``<home>/cooperation/``), asks one question and prints the answer,
as one JSON object with ``--json`` or as text otherwise. Nothing is written: an empty or missing
home simply has no node-local facts. Every JSON answer carries ``sources`` (each fact file with its
``as_of`` date) so that a reader knows how current the facts are.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import typer

from cix.cli.common import HomeOption, JsonOption, emit_json, fail_from, settings_for
from cix.errors import CixError, UsageError
from cix.i18n import _

app = typer.Typer(
    help=_("The cooperation framework: organizations, members, instruments, chairs, working groups."),
    no_args_is_help=True,
)

OnOption = typer.Option(None, "--on", help=_("The day asked about, YYYY-MM-DD (default: today)."))


def _day(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(_("--on {value!r} is not a date (YYYY-MM-DD)").format(value=value)) from None


def _framework(home: Path | None) -> Any:
    from cix.cooperation import load_framework

    return load_framework(settings_for(home).home)


def _sources(fw: Any) -> list[dict[str, Any]]:
    return [{"file": s.file, "as_of": s.as_of, "source": s.source, "local": s.local} for s in fw.sources]


def _echo(line: str) -> None:
    typer.echo(line)


def _period(start: dt.date | None, end: dt.date | None) -> str:
    return f"{start or '…'} .. {end or '…'}"


@app.command("organizations")
def organizations_cmd(on: str | None = OnOption, home: Path | None = HomeOption, json_: bool = JsonOption) -> None:
    """List the organizations (those existing on --on when given)."""
    try:
        day = _day(on)
        fw = _framework(home)
        orgs = fw.organizations(day)
        rows = [{**o.model_dump(mode="json"), "members": len(fw.members(o.id, day))} for o in orgs]
    except CixError as exc:
        fail_from(exc)
    if json_:
        emit_json({"on": day, "count": len(rows), "organizations": rows, "sources": _sources(fw)})
        return
    for r in rows:
        _echo(f"{r['id']:<8} {r['kind']:<13} {r['members']:>3}  {r['name']}")


@app.command("members")
def members_cmd(
    org: str = typer.Argument(..., help=_("Organization id, e.g. BRICS.")),
    on: str | None = OnOption,
    home: Path | None = HomeOption,
    json_: bool = JsonOption,
) -> None:
    """List the members of an organization on a day."""
    try:
        day = _day(on) or dt.date.today()
        fw = _framework(home)
        organization = fw.organization(org)
        rows = [
            {
                "code": m.member,
                "name": fw.name_of(m.member, organization.id),
                "valid_from": m.valid_from,
                "valid_to": m.valid_to,
                "note": m.note,
            }
            for m in fw.members(organization.id, day)
        ]
    except CixError as exc:
        fail_from(exc)
    if json_:
        emit_json(
            {"organization": organization.id, "on": day, "count": len(rows), "members": rows, "sources": _sources(fw)}
        )
        return
    _echo(_("{org}: {n} members on {day}").format(org=organization.id, n=len(rows), day=day))
    for r in rows:
        _echo(f"  {r['code']:<4} {r['name']}")


@app.command("instruments")
def instruments_cmd(
    country: str | None = typer.Option(None, "--country", help=_("Only what this country acceded to, e.g. RU.")),
    home: Path | None = HomeOption,
    json_: bool = JsonOption,
) -> None:
    """List conventions, recommendations and memoranda, with accessions."""
    try:
        fw = _framework(home)
        entries = fw.instruments(country)
        rows = [
            {
                **e.instrument.model_dump(mode="json"),
                "accessions": [a.model_dump(mode="json") for a in e.accessions],
            }
            for e in entries
        ]
    except CixError as exc:
        fail_from(exc)
    if json_:
        emit_json(
            {
                "country": country.upper() if country else None,
                "count": len(rows),
                "instruments": rows,
                "sources": _sources(fw),
            }
        )
        return
    for r in rows:
        _echo(f"{r['id']:<14} {r['short_name'] or ''}: {r['title']}")
        for a in r["accessions"]:
            scope = f" ({a['scope']})" if a.get("scope") else ""
            _echo(f"    {a['party']}{scope} {a['date'] or _('date not recorded')}")


@app.command("chairs")
def chairs_cmd(
    org: str = typer.Argument(..., help=_("Organization id, e.g. BSEC.")),
    on: str | None = typer.Option(None, "--on", help=_("Only the chair on this day (default: the timeline).")),
    home: Path | None = HomeOption,
    json_: bool = JsonOption,
) -> None:
    """Show the chairmanship timeline of an organization (or the chair on a day)."""
    try:
        day = _day(on)
        fw = _framework(home)
        organization = fw.organization(org)
        rows = [
            {
                "chair": c.chair,
                "name": fw.name_of(c.chair, organization.id),
                "valid_from": c.valid_from,
                "valid_to": c.valid_to,
                "note": c.note,
            }
            for c in fw.chairs(organization.id, day)
        ]
    except CixError as exc:
        fail_from(exc)
    if json_:
        emit_json({"organization": organization.id, "on": day, "chairs": rows, "sources": _sources(fw)})
        return
    for r in rows:
        _echo(f"{_period(r['valid_from'], r['valid_to']):<26} {r['chair']:<4} {r['name']}")


@app.command("groups")
def groups_cmd(
    org: str = typer.Argument(..., help=_("Organization id, e.g. WCO.")),
    home: Path | None = HomeOption,
    json_: bool = JsonOption,
) -> None:
    """List the working groups of an organization."""
    try:
        fw = _framework(home)
        organization = fw.organization(org)
        rows = [g.model_dump(mode="json") for g in fw.working_groups(organization.id)]
    except CixError as exc:
        fail_from(exc)
    if json_:
        emit_json({"organization": organization.id, "count": len(rows), "groups": rows, "sources": _sources(fw)})
        return
    for r in rows:
        _echo(f"{r['id']:<16} {r['name']}")
