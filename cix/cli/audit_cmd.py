"""The ``cix audit`` commands: verify the hash-chained audit log, and show its latest entries.

Every message sent, delivered, received, rejected, dead-lettered or retried leaves an entry
that carries the digest of the one before it (see :mod:`cix.store.audit`), so ``verify`` detects
any later edit, insertion or deletion and names the first entry that does not hold.
"""

from __future__ import annotations

from pathlib import Path

import typer

from cix.cli.common import HomeOption, JsonOption, emit_json, fail_from
from cix.errors import CixError
from cix.i18n import _

app = typer.Typer(help=_("The append-only, hash-chained audit log of the exchange."), no_args_is_help=True)


@app.command("verify")
def verify_cmd(home: Path | None = HomeOption, json_: bool = JsonOption) -> None:
    """Walk the whole audit chain and report whether it is intact.

    Exit status 0 whenever the chain could be read — intact or not: a broken chain is a finding,
    reported as ``"ok": false`` with the first bad entry and its reason, plus a one-line warning on
    standard error. A non-zero status means the log could not be checked at all (store unreadable).
    """
    from cix.cli.node import node
    from cix.store import audit

    try:
        _s, store = node(home)
        with store.read() as conn:
            v = audit.verify(conn)
    except CixError as exc:
        fail_from(exc)
    if not v.ok:
        typer.echo(
            _("cix: warning: the audit log is broken at entry {seq}: {reason}").format(
                seq=v.first_bad_seq, reason=v.reason
            ),
            err=True,
        )
    if json_:
        emit_json(v.to_dict())
        return
    if v.ok:
        typer.echo(_("audit log intact: {n} entries checked").format(n=v.checked))
    else:
        typer.echo(_("audit log BROKEN at entry {seq}: {reason}").format(seq=v.first_bad_seq, reason=v.reason))


@app.command("tail")
def tail_cmd(
    limit: int = typer.Option(20, "--limit", min=1, max=100_000, help=_("Most entries to show.")),
    event: str | None = typer.Option(None, "--event", help=_("Only this event, e.g. message.rejected.")),
    home: Path | None = HomeOption,
    json_: bool = JsonOption,
) -> None:
    """Show the latest audit entries, newest first."""
    import orjson

    from cix.cli.node import node
    from cix.store import audit

    try:
        _s, store = node(home)
        with store.read() as conn:
            rows = audit.tail(conn, limit, event)
    except CixError as exc:
        fail_from(exc)
    if json_:
        emit_json({"count": len(rows), "entries": rows})
        return
    for r in rows:
        details = orjson.dumps(r["details"]).decode() if r["details"] else ""
        typer.echo(f"{r['seq']:>6} {r['at']} {r['event']:<20} {r['actor'] or '-':<14} {r['subject'] or '-'} {details}")
