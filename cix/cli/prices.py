"""The ``cix prices`` commands: build the price references, show them, set manual values, send them.

Thin by design: each command calls :mod:`cix.valuation` and prints the result (one JSON object with
``--json``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import typer

from cix.cli.common import HomeOption, JsonOption, emit_json, fail_from
from cix.errors import CixError
from cix.i18n import _

app = typer.Typer(help=_("Price references and the undervaluation check."), no_args_is_help=True)

AsOfOption = typer.Option(None, "--as-of", help=_("Last day of the period (YYYY-MM-DD; default today)."))


def _day(value: str | None) -> dt.date | None:
    from cix.errors import UsageError

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(_("--as-of {value!r}: give a date as YYYY-MM-DD").format(value=value)) from None


def _fmt(v: Any) -> str:
    from cix.valuation.check import money

    return money(v) if isinstance(v, float) else str(v)


@app.command("build")
def build_cmd(as_of: str | None = AsOfOption, home: Path | None = HomeOption, json_: bool = JsonOption) -> None:
    """Rebuild the price references from the node's accepted import declarations and partners' price records."""
    from cix.cli.node import node
    from cix.valuation import build

    try:
        settings, store = node(home)
        summary = build.build(store, settings, as_of=_day(as_of))
    except CixError as exc:
        fail_from(exc)
    if json_:
        emit_json(summary)
        return
    typer.echo(
        _(
            "build {id}: {groups} groups from {obs} goods items and {pr} partner records, {start} to {end}, {s} s"
        ).format(
            id=summary["build_id"],
            groups=summary["groups"],
            obs=summary["observations"],
            pr=summary["partner_records"],
            start=summary["period_from"],
            end=summary["period_to"],
            s=summary["seconds"],
        )
    )
    for reason, n in summary["skipped"].items():
        typer.echo(_("  left out ({reason}): {n}").format(reason=reason, n=n))


@app.command("show")
def show_cmd(
    hs_code: str = typer.Argument(..., help=_("HS code or prefix (4 to 10 digits).")),
    origin: str | None = typer.Option(None, "--origin", help=_("Origin (ISO 3166 alpha-2); all origins when omitted.")),
    unit: str | None = typer.Option(None, "--unit", help=_("Unit of quantity (UN/ECE Rec 20, e.g. KGM).")),
    home: Path | None = HomeOption,
    json_: bool = JsonOption,
) -> None:
    """Show the reference groups of an HS code (and the group the check would use), with manual values."""
    from cix.cli.node import node
    from cix.valuation import index

    try:
        settings, store = node(home)
        with store.read() as conn:
            out = index.show(conn, hs_code, origin=origin, unit=unit, min_count=settings.valuation_min_count)
    except CixError as exc:
        fail_from(exc)
    if json_:
        emit_json(out)
        return
    if out["build_id"] is None:
        typer.echo(_("no price references yet: run cix prices build"))
    cols = ("level_name", "hs_code", "origin", "unit", "count", "partner_count", "median", "q1", "q3", "mad_log")
    for g in out["groups"]:
        typer.echo("  ".join(_fmt(g[c]) for c in cols))
    for m in out["manual"]:
        typer.echo(
            _("manual: HS {hs_code} origin {origin} unit {unit}: min {min_value} max {max_value} USD").format(**m)
        )
    if "used" in out:
        u = out["used"]
        typer.echo(
            _("used by the check: {g}").format(g=f"{u['level_name']} {u['hs_code']} {u['origin']}" if u else "-")
        )


@app.command("set-manual")
def set_manual_cmd(
    hs_code: str = typer.Argument(..., help=_("HS code or prefix (4 to 10 digits).")),
    min_value: float | None = typer.Option(None, "--min", help=_("Minimum unit value, USD per unit.")),
    max_value: float | None = typer.Option(None, "--max", help=_("Maximum unit value, USD per unit.")),
    origin: str | None = typer.Option(None, "--origin", help=_("Origin; all origins when omitted.")),
    unit: str = typer.Option("KGM", "--unit", help=_("Unit of quantity (UN/ECE Rec 20).")),
    note: str | None = typer.Option(None, "--note", help=_("Why (shown with the value).")),
    remove: bool = typer.Option(False, "--remove", help=_("Remove the manual value of this group instead.")),
    home: Path | None = HomeOption,
    json_: bool = JsonOption,
) -> None:
    """Set an analyst's minimum/maximum reference value (ASYCUDA style); the check flags values below the minimum."""
    import getpass

    from cix.cli.node import node
    from cix.valuation import index

    try:
        _s, store = node(home)
        with store.write() as conn:
            if remove:
                index.remove_manual(conn, hs_code, origin=origin, unit=unit)
                out: dict[str, Any] = {"removed": True, "hs_code": hs_code, "origin": origin or "*", "unit": unit}
            else:
                m = index.set_manual(
                    conn, hs_code, origin=origin, unit=unit, min_value=min_value, max_value=max_value, note=note,
                    set_by=f"cli:{getpass.getuser()}",
                )  # fmt: skip
                out = m.to_dict()
    except CixError as exc:
        fail_from(exc)
    if json_:
        emit_json(out)
        return
    typer.echo(_("removed") if remove else _("set: {m}").format(m=out))


@app.command("send")
def send_cmd(
    partner: str = typer.Option(..., "--partner", help=_("The partner administration (e.g. RU-FCS).")),
    agreement: str | None = typer.Option(
        None, "--agreement", help=_("Agreement id (default: the first that allows it).")
    ),
    hs: str | None = typer.Option(None, "--hs", help=_("Only groups under this HS prefix.")),
    as_of: str | None = AsOfOption,
    home: Path | None = HomeOption,
    json_: bool = JsonOption,
) -> None:
    """Queue this node's price records (aggregated statistics per group) for a partner, under an agreement."""
    from cix.cli.node import node
    from cix.exchange import node as node_mod
    from cix.valuation import records

    try:
        settings, store = node(home)
        me = node_mod.ensure(settings.home, settings.country, settings.authority)
        out = records.send(
            store, settings, me, partner.upper(), as_of=_day(as_of), hs_prefix=hs, agreement_id=agreement
        )
    except CixError as exc:
        fail_from(exc)
    if json_:
        emit_json(out)
        return
    typer.echo(
        _("queued {n} messages ({r} groups) for {p} under {a}").format(
            n=len(out["messages"]), r=out["records"], p=out["partner"], a=out["agreement"]
        )
    )
