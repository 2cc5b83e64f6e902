"""``cix risk decisions``: channels with their reasons, officer overrides, and what inspections say.

Thin: the work is in :mod:`cix.risk.decisions` and :mod:`cix.risk.feedback`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from cix.cli.common import HomeOption, JsonOption, emit_json, fail_from
from cix.errors import CixError
from cix.i18n import _

app = typer.Typer(help="Channel decisions: show, list, override, feedback.", no_args_is_help=True)


@app.command("show")
def show(
    declaration_id: int = typer.Argument(..., help="Declaration id."),
    explain: bool = typer.Option(True, "--explain/--no-explain", help="Add the model's top features."),
    home: Path | None = HomeOption,
    json: bool = JsonOption,
) -> None:
    """The channel of a declaration, every reason, the model version, overrides and the explanation."""
    from cix.cli.node import node
    from cix.risk import decisions

    try:
        _s, store = node(home)
        with store.read() as conn:
            d = decisions.get(conn, declaration_id)
            if explain:
                d["explanation"] = decisions.explain(conn, declaration_id)
    except CixError as exc:
        fail_from(exc)
    if json:
        emit_json(d)
        return
    typer.echo(f"{d['declaration_id']}  {d['channel']}  score {d['score']:.4f}  model {d['model_version'] or '-'}")
    for r in d["reasons"]:
        typer.echo("  - " + ", ".join(f"{k}={v}" for k, v in r.items()))
    for o in d["overrides"]:
        typer.echo(_("  override {from_channel} -> {to_channel} by {officer}: {reason}").format(**o))
    for f in (d.get("explanation") or {}).get("features", []):
        typer.echo(f"    +{f['contribution']:.3f}  {f['feature']} = {f['value']}")


@app.command("list")
def list_(
    channel: str | None = typer.Option(None, help="green | blue | yellow | red"),
    office: str | None = typer.Option(None, help="Customs office."),
    day: dt.datetime | None = typer.Option(None, formats=["%Y-%m-%d"], help="Declaration date."),
    limit: int = typer.Option(50, min=1, max=10000),
    offset: int = typer.Option(0, min=0),
    home: Path | None = HomeOption,
    json: bool = JsonOption,
) -> None:
    """Decisions, newest first."""
    from cix.cli.node import node
    from cix.risk import decisions

    try:
        _s, store = node(home)
        with store.read() as conn:
            total, rows = decisions.list_decisions(
                conn, channel=channel, office=office, day=day.date() if day else None, limit=limit, offset=offset
            )
    except CixError as exc:
        fail_from(exc)
    if json:
        emit_json({"total": total, "decisions": rows})
        return
    typer.echo(_("{n} decisions").format(n=total))
    for r in rows:
        kinds = ",".join(sorted({x["kind"] for x in r["reasons"]}))
        typer.echo(f"{r['declaration_id']:>8}  {r['channel']:<6} {r['score']:8.4f}  {r['office'] or '':<10} {kinds}")


@app.command("override")
def override(
    declaration_id: int = typer.Argument(..., help="Declaration id."),
    channel: str = typer.Option(..., "--channel", help="green | blue | yellow | red"),
    reason: str = typer.Option(..., "--reason", help="Why (required, kept and audit-logged)."),
    officer: str | None = typer.Option(None, "--officer", help="Who overrides (default: cli)."),
    home: Path | None = HomeOption,
    json: bool = JsonOption,
) -> None:
    """Override the channel of a declaration with a written reason."""
    from cix.cli.node import node
    from cix.risk import decisions

    try:
        _s, store = node(home)
        with store.write() as conn:
            d = decisions.override(conn, declaration_id, channel, reason, officer=officer or "cli")
    except CixError as exc:
        fail_from(exc)
    if json:
        emit_json(d)
    else:
        typer.echo(_("{id} is now {channel}").format(id=declaration_id, channel=d["channel"]))


@app.command("feedback")
def feedback(
    since: dt.datetime | None = typer.Option(None, formats=["%Y-%m-%d"], help="First declaration date."),
    until: dt.datetime | None = typer.Option(None, formats=["%Y-%m-%d"], help="Last declaration date."),
    home: Path | None = HomeOption,
    json: bool = JsonOption,
) -> None:
    """Hit rate by channel and profile, precision and duty recovered at the selected rate, overrides."""
    from cix.cli.node import node
    from cix.risk import feedback as fb

    try:
        _s, store = node(home)
        with store.read() as conn:
            m = fb.metrics(conn, since=since.date() if since else None, until=until.date() if until else None)
    except CixError as exc:
        fail_from(exc)
    if json:
        emit_json(m)
        return
    typer.echo(_("{n} decisions").format(n=m["decisions"]))
    typer.echo(_("channel   declarations  inspected  fraud  hit rate  duty recovered"))
    for name, b in [*m["by_channel"].items(), ("--", None), *m["by_profile"].items()]:
        if b is None:
            typer.echo(_("profile"))
            continue
        hr = "-" if b["hit_rate"] is None else f"{b['hit_rate']:.3f}"
        typer.echo(
            f"{name:<10}{b['declarations']:>12} {b['inspected']:>10} {b['fraud']:>6} {hr:>9} {b['duty_recovered']:>15}"
        )
    s = m["selected"]
    typer.echo(
        _("selected (red+yellow): rate {rate}, precision {precision}, duty recovered {duty}; overrides {o}").format(
            rate=s["rate"], precision=s["precision"], duty=s["duty_recovered"], o=m["overrides"]["total"]
        )
    )
