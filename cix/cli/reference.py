"""The ``cix reference`` commands: HS lookups and search, exchange rates, the tariff, units.

Thin by design: each command parses its arguments, calls :mod:`cix.reference` and prints the
result, as one JSON object with ``--json`` or as rich text otherwise; every failure ends in
:func:`~cix.cli.common.fail` with a one-line reason. Operator tables are stored under
``<home>/reference``; the directories are created on first use.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from cix.cli.common import HomeOption, JsonOption, emit_json, fail, fail_from, settings_for
from cix.errors import CixError, UsageError
from cix.i18n import _

if TYPE_CHECKING:
    from rich.console import Console

app = typer.Typer(help=_("Reference data: HS nomenclature, exchange rates, tariff, units."), no_args_is_help=True)
rates_app = typer.Typer(help=_("Exchange rates: operator tables and conversion."), no_args_is_help=True)
tariff_app = typer.Typer(help=_("The node's tariff table."), no_args_is_help=True)
app.add_typer(rates_app, name="rates")
app.add_typer(tariff_app, name="tariff")


def _console() -> Console:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def _day(value: str | None, option: str) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(
            _("{option} {value!r} is not a date (YYYY-MM-DD)").format(option=option, value=value)
        ) from None


def _home(home: Path | None) -> Path:
    path: Path = settings_for(home).home
    path.mkdir(parents=True, exist_ok=True)
    return path


def _entry(e: Any) -> dict[str, Any]:
    return {
        "code": e.code,
        "description": e.description,
        "parent": e.parent,
        "level": e.level,
        "section": e.section,
    }


@app.command("hs")
def hs(
    code: str | None = typer.Argument(None, help=_("HS code of 2, 4 or 6 digits.")),
    search: str | None = typer.Option(None, "--search", help=_("Search descriptions for these words.")),
    edition_name: str | None = typer.Option(None, "--edition", help=_("Edition, e.g. HS2017.")),
    on: str | None = typer.Option(None, "--date", help=_("Use the edition in force on this date.")),
    limit: int = typer.Option(20, "--limit", min=1, help=_("Most search results shown.")),
    home: Path | None = HomeOption,
    json_: bool = JsonOption,
) -> None:
    """Show an HS entry with its parent chain, or search the descriptions."""
    from cix.reference import hs as hs_mod

    try:
        if (code is None) == (search is None):
            raise UsageError(_("give either a CODE or --search TEXT"))
        if edition_name and on:
            raise UsageError(_("give --edition or --date, not both"))
        ed = hs_mod.edition(edition_name) if edition_name else hs_mod.edition_for(_day(on, "--date"))
        head = {"edition": ed.name, "valid_from": ed.valid_from, "valid_to": ed.valid_to}
        if search is not None:
            results = ed.search(search, limit)
            if json_:
                emit_json({**head, "query": search, "results": [_entry(e) for e in results]})
                return
            out = _console()
            out.print(_("{edition}: {n} result(s) for {query!r}").format(edition=ed.name, n=len(results), query=search))
            for e in results:
                out.print(f"  [bold]{e.code:<6}[/bold]  {e.description}")
            return
        assert code is not None
        entry = ed.require(code)
        parents = ed.parents(entry.code)
        section = {"id": entry.section, "name": ed.sections.get(entry.section, "")}
    except CixError as exc:
        fail_from(exc)
    if json_:
        emit_json({**head, "entry": _entry(entry), "parents": [_entry(p) for p in parents], "section": section})
        return
    out = _console()
    out.print(f"[bold]{entry.code}[/bold]  {entry.description}")
    for p in parents:
        out.print(f"  ↑ {p.code:<6}  {p.description}")
    out.print(_("  section {id}: {name}").format(**section))
    out.print(
        _("  edition {name}, in force {start} .. {end}").format(
            name=ed.name, start=ed.valid_from, end=ed.valid_to or "…"
        )
    )


@rates_app.command("load")
def rates_load(
    file: Path = typer.Argument(..., help=_("CSV with date,currency,rate[,base][,nominal][,source].")),
    base: str | None = typer.Option(None, "--base", help=_("Base currency for rows without a base.")),
    home: Path | None = HomeOption,
    json_: bool = JsonOption,
) -> None:
    """Validate a rate table and store it in the node (replacing one of the same name)."""
    from cix.reference.rates import add_rates_file, rates_dir

    try:
        node = _home(home)
        table, replaced = add_rates_file(node, file, base=base)
    except CixError as exc:
        fail_from(exc)
    span = table.span()
    currencies = sorted({r.currency for r in table.rows})
    bases = sorted(table.bases)
    result = {
        "table": table.name,
        "stored": str(rates_dir(node) / table.name),
        "rows": len(table.rows),
        "bases": bases,
        "currencies": currencies,
        "from": span[0] if span else None,
        "to": span[1] if span else None,
        "synthetic": table.synthetic,
        "replaced": replaced,
    }
    if json_:
        emit_json(result)
        return
    _console().print(
        _("{table}: {rows} rates of {n} currencies in {bases}, {start} .. {end}{replaced}").format(
            table=table.name,
            rows=len(table.rows),
            n=len(currencies),
            bases=", ".join(bases),
            start=span[0] if span else "",
            end=span[1] if span else "",
            replaced=_(" (replaced)") if replaced else "",
        )
    )


@rates_app.command("convert")
def rates_convert(
    amount: float = typer.Argument(..., help=_("Amount to convert.")),
    from_ccy: str = typer.Argument(..., metavar="FROM", help=_("ISO 4217 code of the amount.")),
    to_ccy: str = typer.Argument(..., metavar="TO", help=_("ISO 4217 code to convert to.")),
    on: str | None = typer.Option(None, "--date", help=_("Date of the rate (default: today).")),
    window: int | None = typer.Option(None, "--window", min=0, help=_("Days back a rate may come from.")),
    home: Path | None = HomeOption,
    json_: bool = JsonOption,
) -> None:
    """Convert an amount with the node's rate tables, else the bundled ECB rates."""
    from cix.reference.countries import is_currency
    from cix.reference.fx import rate_book

    try:
        settings = settings_for(home)
        node = _home(home)
        day = _day(on, "--date")
        codes = from_ccy.upper(), to_ccy.upper()
        for ccy in codes:
            if not is_currency(ccy):
                raise UsageError(_("{code!r} is not an ISO 4217 currency code").format(code=ccy))
        days = settings.fx_window_days if window is None else window
        c = rate_book(node).convert(amount, codes[0], codes[1], day, days)
    except CixError as exc:
        fail_from(exc)
    if json_:
        emit_json(
            {
                "amount": amount,
                "from": codes[0],
                "to": codes[1],
                "date": day,
                "converted": c.amount,
                "rate": c.rate,
                "rate_date": c.rate_date,
                "source": c.source,
                "note": c.note,
            }
        )
        return
    out = _console()
    out.print(
        f"{amount:,.2f} {codes[0]} = [bold]{c.amount:,.2f} {codes[1]}[/bold]  "
        f"(rate {c.rate:.6g}, {c.rate_date}, {c.source})"
    )
    if c.note:
        out.print(f"  {c.note}")


@tariff_app.command("load")
def tariff_load(
    file: Path = typer.Argument(..., help=_("CSV with hs_code,rate[,origin][,description].")),
    home: Path | None = HomeOption,
    json_: bool = JsonOption,
) -> None:
    """Validate a tariff table and store it as the node's tariff."""
    from cix.reference.tariff import add_tariff_file, tariff_path

    try:
        node = _home(home)
        table, replaced = add_tariff_file(node, file)
    except CixError as exc:
        fail_from(exc)
    preferential = sum(1 for r in table if r.preferential)
    if json_:
        emit_json(
            {
                "stored": str(tariff_path(node)),
                "lines": len(table),
                "preferential": preferential,
                "replaced": replaced,
            }
        )
        return
    _console().print(
        _("tariff: {n} lines ({p} preferential) stored{replaced}").format(
            n=len(table), p=preferential, replaced=_(" (replaced)") if replaced else ""
        )
    )


@tariff_app.command("show")
def tariff_show(
    code: str = typer.Argument(..., help=_("HS or national code, 2 to 10 digits.")),
    origin: str | None = typer.Option(None, "--origin", help=_("Country of origin (ISO alpha-2).")),
    home: Path | None = HomeOption,
    json_: bool = JsonOption,
) -> None:
    """Show the duty rate that applies to a code (and origin)."""
    from cix.reference.tariff import load_tariff

    who = origin.upper() if origin else None
    try:
        table = load_tariff(_home(home))
    except CixError as exc:
        fail_from(exc)
    if table is None:
        fail(_("no tariff is loaded; load one with: cix reference tariff load FILE"))
    found = table.rate(code, who)
    if found is None:
        fail(
            _("no tariff rate for {code}{origin}").format(code=code, origin=_(" from {o}").format(o=who) if who else "")
        )
    if json_:
        emit_json(
            {
                "hs_code": code,
                "origin": who,
                "rate": {
                    "hs_code": found.hs_code,
                    "origin": found.origin,
                    "rate": float(found.rate),
                    "preferential": found.preferential,
                    "description": found.description,
                    "row": found.row,
                },
            }
        )
        return
    kind = _("preferential, origin {o}").format(o=found.origin) if found.preferential else _("general")
    _console().print(
        f"{code}: [bold]{found.rate}%[/bold]  ({kind}; "
        + _("line {line}").format(line=found.hs_code)
        + (f"; {found.description}" if found.description else "")
        + ")"
    )


@app.command("units")
def units_command(home: Path | None = HomeOption, json_: bool = JsonOption) -> None:
    """List the UN/ECE Recommendation 20 unit codes cix knows."""
    from cix.reference.units import known_units, unit_name

    listed = [{"code": u.code, "name": unit_name(u.code), "note": u.note} for u in known_units().values()]
    if json_:
        emit_json({"units": listed})
        return
    out = _console()
    for u in listed:
        out.print(f"  [bold]{u['code']:<4}[/bold] {u['name']}" + (f"  ({u['note']})" if u["note"] else ""))
