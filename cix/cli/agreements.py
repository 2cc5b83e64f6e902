"""The ``cix agreements`` commands: presets, show, new (from a preset) and check (a file).

Thin by design: each command calls :mod:`cix.agreements` and prints the result, as one JSON
object with ``--json`` or as text otherwise. ``check`` exits 0 whenever it could read the file —
the JSON answer says ``valid`` and lists the problems — and non-zero only when the file is missing
or not JSON. Storing agreements in the node's database comes with ``cix agreements add/list``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import typer

from cix.cli.common import HomeOption, JsonOption, emit_json, fail_from, settings_for
from cix.errors import CixError, UsageError
from cix.i18n import _

app = typer.Typer(help=_("Agreements: data-sharing protocols between administrations."), no_args_is_help=True)


def _day(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(
            _("{option} {value!r} is not a date (YYYY-MM-DD)").format(option=option, value=value)
        ) from None


def _summary(a: Any) -> dict[str, Any]:
    return {
        "id": a.id,
        "name": a.name,
        "organization": a.organization,
        "parties": list(a.parties),
        "message_types": sorted(a.message_types),
        "valid_from": a.valid_from,
        "valid_to": a.valid_to,
    }


@app.command("presets")
def presets_cmd(home: Path | None = HomeOption, json_: bool = JsonOption) -> None:
    """List the agreement presets."""
    from cix.agreements.presets import presets

    rows: list[dict[str, Any]] = [
        {
            "id": p.id,
            "description": p.description,
            "organization": p.template.get("organization"),
            "roles": [r.name for r in p.roles],
            "message_types": p.message_types,
        }
        for p in presets().values()
    ]
    if json_:
        emit_json({"count": len(rows), "presets": rows})
        return
    for r in rows:
        typer.echo(f"{r['id']:<22} {', '.join(r['message_types'])}")
        typer.echo(f"    {r['description']}")


@app.command("show")
def show_cmd(
    ident: str = typer.Argument(..., metavar="ID", help=_("A preset id, or the path of an agreement file.")),
    home: Path | None = HomeOption,
    json_: bool = JsonOption,
) -> None:
    """Show a preset (its roles and agreement template) or an agreement file."""
    from cix.agreements.model import read_agreement
    from cix.agreements.presets import get_preset, presets

    try:
        if ident in presets():
            body: dict[str, Any] = {"kind": "preset", **get_preset(ident).to_dict()}
        elif Path(ident).is_file():
            body = {"kind": "agreement", "file": ident, "agreement": read_agreement(Path(ident)).to_dict()}
        else:
            get_preset(ident)  # raises NotFound listing the presets
            return
    except CixError as exc:
        fail_from(exc)
    if json_:
        emit_json(body)
        return
    import orjson

    typer.echo(orjson.dumps(body, option=orjson.OPT_INDENT_2).decode())


@app.command("new")
def new_cmd(
    preset: str = typer.Option(..., "--preset", help=_("Preset id, e.g. green-corridor.")),
    parties: str = typer.Option(
        ..., "--parties", help=_("Comma-separated party ids in the preset's role order, e.g. FI-CUSTOMS,RU-FCS.")
    ),
    out: Path = typer.Option(..., "--out", help=_("Agreement file to write.")),
    agreement_id: str | None = typer.Option(None, "--id", help=_("Agreement id (default: preset and parties).")),
    organization: str | None = typer.Option(None, "--organization", help=_("Organization (default: the preset's).")),
    valid_from: str | None = typer.Option(None, "--valid-from", help=_("First day in force (default: today).")),
    valid_to: str | None = typer.Option(None, "--valid-to", help=_("Last day in force (default: open).")),
    retention_days: int | None = typer.Option(None, "--retention-days", min=0, help=_("Days the data is kept.")),
    force: bool = typer.Option(False, "--force", help=_("Overwrite an existing file.")),
    home: Path | None = HomeOption,
    json_: bool = JsonOption,
) -> None:
    """Write a new agreement file from a preset and the parties."""
    from cix.agreements.presets import instantiate

    try:
        if out.exists() and not force:
            raise UsageError(_("{out} exists; use --force to overwrite it").format(out=out))
        agreement = instantiate(
            preset,
            parties.split(","),
            agreement_id=agreement_id,
            organization=organization,
            valid_from=_day(valid_from, "--valid-from"),
            valid_to=_day(valid_to, "--valid-to"),
            retention_days=retention_days,
            home=settings_for(home).home,
        )
        try:
            agreement.save(out)
        except OSError as exc:
            raise UsageError(_("cannot write {out}: {err}").format(out=out, err=exc.strerror)) from exc
    except CixError as exc:
        fail_from(exc)
    if json_:
        emit_json({"file": str(out), "agreement": agreement.to_dict()})
        return
    typer.echo(
        _("wrote {out}: {id} ({parties})").format(out=out, id=agreement.id, parties=", ".join(agreement.parties))
    )


@app.command("check")
def check_cmd(
    file: Path = typer.Argument(..., help=_("Agreement file (JSON).")),
    home: Path | None = HomeOption,
    json_: bool = JsonOption,
) -> None:
    """Validate an agreement file: schema, then organization membership and message types."""
    from cix.agreements.validation import review_file
    from cix.cooperation import load_framework

    try:
        fw = load_framework(settings_for(home).home)
        agreement, problems = review_file(file, fw)
    except CixError as exc:
        fail_from(exc)
    valid = agreement is not None
    body = {
        "file": str(file),
        "valid": valid,
        "agreement": _summary(agreement) if agreement is not None else None,
        "errors": sum(1 for p in problems if p.severity == "error"),
        "warnings": sum(1 for p in problems if p.severity == "warning"),
        "problems": [p.to_dict() for p in problems],
    }
    if json_:
        emit_json(body)
        return
    typer.echo(
        (_("{file}: valid agreement {id}") if valid else _("{file}: not a valid agreement")).format(
            file=file, id=agreement.id if agreement else ""
        )
    )
    for p in problems:
        typer.echo(f"  {p.severity}: {p.rule} {p.path}: {p.message}")


def _register_store_commands() -> None:
    from cix.cli.agreements_store_cmd import register

    register(app)


_register_store_commands()
