"""``cix quarantine``: the records imports and the API rejected, with their problems; retry or discard."""

from __future__ import annotations

from pathlib import Path

import typer

from cix.cli.common import HomeOption, JsonOption, emit_json, fail, fail_from
from cix.errors import CixError
from cix.i18n import _

app = typer.Typer(help="Rejected records kept with their reasons.", no_args_is_help=True)


@app.command("list")
def list_(
    status: str = typer.Option("open", help="open | resolved | discarded | all"),
    reason: str | None = typer.Option(None, help="invalid | conflict"),
    limit: int = typer.Option(50, min=1, max=10000),
    offset: int = typer.Option(0, min=0),
    home: Path | None = HomeOption,
    json: bool = JsonOption,
) -> None:
    """List quarantined records with their first problem."""
    from cix.cli.node import node
    from cix.store import quarantine as qs

    try:
        _s, store = node(home)
        with store.read() as conn:
            total, rows = qs.list_entries(
                conn, status=None if status == "all" else status, reason=reason, limit=limit, offset=offset
            )
    except CixError as exc:
        fail_from(exc)
    if json:
        emit_json({"total": total, "entries": [{k: v for k, v in r.items() if k != "raw"} for r in rows]})
        return
    typer.echo(_("{n} entries").format(n=total))
    for r in rows:
        first = r["problems"][0] if r["problems"] else {}
        more = len(r["problems"]) - 1
        typer.echo(
            f"{r['id']:>6}  {r['status']:<9} {r['reason']:<8} {r['locator'] or '':<24} "
            f"{first.get('rule', '')} {first.get('path', '')} {first.get('value', '')!r}"
            + (f"  (+{more})" if more > 0 else "")
        )


@app.command("show")
def show(entry_id: int = typer.Argument(...), home: Path | None = HomeOption, json: bool = JsonOption) -> None:
    """Show one entry: its raw input and every problem (rule, path, value, message)."""
    from cix.cli.node import node
    from cix.store import quarantine as qs

    try:
        _s, store = node(home)
        with store.read() as conn:
            r = qs.get(conn, entry_id)
    except CixError as exc:
        fail_from(exc)
    if json:
        emit_json(r)
        return
    typer.echo(f"#{r['id']} {r['status']} {r['reason']} {r['format']} {r['source'] or ''} {r['locator'] or ''}")
    typer.echo(r["raw"])
    for p in r["problems"]:
        typer.echo(f"  {p['severity']:<7} {p['rule']:<22} {p['path']:<28} {p['value']!r}  {p['message']}")


@app.command("retry")
def retry(
    ids: list[int] = typer.Argument(None, help="Entry ids; none with --all."),
    all_: bool = typer.Option(False, "--all", help="Retry every open entry."),
    home: Path | None = HomeOption,
    json: bool = JsonOption,
) -> None:
    """Run quarantined records through the declaration path again (after a reference-data fix)."""
    from cix.cli.node import node
    from cix.pipeline import quarantine as pq
    from cix.store import quarantine as qs

    if not ids and not all_:
        fail(_("give entry ids or --all"), 2)
    try:
        _s, store = node(home)
        if all_:
            with store.read() as conn:
                ids = qs.open_ids(conn)
        results = pq.retry(store, ids)
    except CixError as exc:
        fail_from(exc)
    resolved = sum(1 for r in results if r["status"] == "resolved")
    if json:
        emit_json(
            {
                "retried": len(results),
                "resolved": resolved,
                "still_open": len(results) - resolved,
                "results": results,
            }
        )
        return
    for r in results:
        first = r["problems"][0]["rule"] if r["problems"] and r["status"] != "resolved" else ""
        typer.echo(f"{r['id']:>6}  {r['status']:<9} {r['outcome']:<11} {first}")
    typer.echo(_("{n} retried, {r} resolved").format(n=len(results), r=resolved))


@app.command("discard")
def discard(entry_id: int = typer.Argument(...), home: Path | None = HomeOption, json: bool = JsonOption) -> None:
    """Set an open entry aside (kept, marked discarded)."""
    from cix.cli.node import node
    from cix.pipeline import quarantine as pq

    try:
        _s, store = node(home)
        pq.discard(store, entry_id)
    except CixError as exc:
        fail_from(exc)
    if json:
        emit_json({"id": entry_id, "status": "discarded"})
        return
    typer.echo(_("entry {id} discarded").format(id=entry_id))
