"""The ``cix exchange`` commands: send, deliver, and watch the messages between this node and its partners.

``send`` seals payloads under an agreement (the fields outside its scope are cut and listed) and
queues them in the outbox in one transaction: all of them or, when one is refused, none.
``deliver`` runs the delivery worker (one round with ``--once``, or until Ctrl-C) and hands the
received messages to their handlers after each round. ``status``, ``outbox``, ``dead-letters``,
``inbox`` and ``receipt`` show the state; ``retry`` puts dead letters back in the queue.
Thin by design: the work is done by :mod:`cix.exchange`; the few read-only queries here only
summarise the outbox and inbox tables for display.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from cix.cli.common import HomeOption, JsonOption, emit_json, fail_from
from cix.errors import CixError, InputError, UsageError, ValidationFailed
from cix.i18n import _

if TYPE_CHECKING:
    from cix.exchange.transport import Transport

app = typer.Typer(
    help=_("Messages to and from partners: send, deliver, status, retry, receipts."), no_args_is_help=True
)

_wait = time.sleep  # the pause between idle rounds (a hook for tests)

LimitOption = typer.Option(50, "--limit", min=1, max=100_000, help=_("Most rows to show."))


# --- send ------------------------------------------------------------------------------------------


def read_payloads(file: Path) -> list[dict[str, Any]]:
    """The payloads of ``file``: one JSON object, a JSON array of objects, or JSON lines (one object a line)."""
    import orjson

    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise InputError(_("cannot read {file}: {err}").format(file=file, err=exc.strerror)) from exc
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError:
        doc = None
        docs: list[Any] = []
        for n, line in enumerate(raw.splitlines(), 1):
            if not line.strip():
                continue
            try:
                docs.append(orjson.loads(line))
            except orjson.JSONDecodeError as exc:
                raise InputError(_("{file} line {n} is not JSON: {err}").format(file=file, n=n, err=exc)) from exc
    else:
        docs = doc if isinstance(doc, list) else [doc]
    for n, d in enumerate(docs, 1):
        if not isinstance(d, dict):
            raise InputError(_("{file}: payload {n} is not a JSON object").format(file=file, n=n))
    if not docs:
        raise InputError(_("{file} holds no payload").format(file=file))
    return docs


@app.command("send")
def send_cmd(
    file: Path = typer.Argument(..., help=_("A JSON object, or JSON lines (one payload a line).")),
    to: str = typer.Option(..., "--to", help=_("Partner id, e.g. RU-FCS.")),
    type_: str = typer.Option(..., "--type", help=_("Message type, e.g. preliminary_information.")),
    agreement_id: str = typer.Option(..., "--agreement", help=_("Id of the agreement the messages go under.")),
    home: Path | None = HomeOption,
    json_: bool = JsonOption,
) -> None:
    """Seal the payloads for a partner and queue them in the outbox, all in one transaction.

    Fields outside the agreement's scope never leave this node: they are cut and listed under
    ``dropped``. When the agreement refuses one payload, nothing is queued and the command fails.
    Delivery is done by ``cix exchange deliver`` (or the server).
    """
    from cix.cli.node import node
    from cix.cli.node_cmd import current
    from cix.exchange import agreement_store, outbox, partners

    try:
        payloads = read_payloads(file)
        _s, store = node(home)
        me = current(home)
        with store.read() as conn:
            partner = partners.get(conn, to)
            agreement = agreement_store.get(conn, agreement_id)
        sealed = []
        for n, payload in enumerate(payloads, 1):
            try:
                sealed.append(outbox.seal_for(me, partner, agreement, type_, payload))
            except ValidationFailed as exc:
                problems = (exc.details or {}).get("problems") or []
                first = f": {problems[0].get('message')}" if problems else ""
                where = _("payload {n}").format(n=n) if len(payloads) > 1 else file.name
                raise ValidationFailed(f"{where}: {exc.message}{first}", details=exc.details) from exc
        with store.write() as conn:
            ids = outbox.enqueue(conn, [env for env, _d in sealed])
    except ValidationFailed as exc:
        if json_:
            emit_json(exc.to_dict())
        fail_from(exc)
    except CixError as exc:
        fail_from(exc)
    messages = [{"id": i, "dropped": d} for i, (_e, d) in zip(ids, sealed, strict=True)]
    if json_:
        emit_json({"queued": len(ids), "to": to, "type": type_, "agreement": agreement_id, "messages": messages})
        return
    typer.echo(_("queued {n} message(s) to {to} under {a}").format(n=len(ids), to=to, a=agreement_id))
    for m in messages:
        cut = _("  dropped: {fields}").format(fields=", ".join(m["dropped"])) if m["dropped"] else ""
        typer.echo(f"{m['id']}{cut}")


# --- state -----------------------------------------------------------------------------------------


@app.command("status")
def status_cmd(home: Path | None = HomeOption, json_: bool = JsonOption) -> None:
    """Per partner: outgoing messages by state, last delivery, oldest undelivered, messages received."""
    from cix.cli.node import node
    from cix.exchange import outbox
    from cix.exchange import status as exstatus

    try:
        _s, store = node(home)
        with store.read() as conn:
            rows = exstatus.partner_status(conn)
    except CixError as exc:
        fail_from(exc)
    totals = {s: sum(r["outgoing"][s] for r in rows) for s in outbox.STATUSES}
    if json_:
        emit_json({"partners": rows, "totals": totals})
        return
    if not rows:
        typer.echo(_("no partners and no messages yet"))
    for r in rows:
        c = r["outgoing"]
        typer.echo(
            f"{r['partner']:<16} "
            + " ".join(f"{s}={c[s]}" for s in outbox.STATUSES)
            + f"  received={r['received']} rejected_incoming={r['rejected_incoming']}"
        )
        typer.echo(
            "    "
            + _("last delivered: {d}; oldest pending: {p}; last received: {r}").format(
                d=r["last_delivered"] or "-", p=r["oldest_pending"] or "-", r=r["last_received"] or "-"
            )
        )


def _messages(home: Path | None, status: str | None, limit: int) -> list[dict[str, Any]]:
    from cix.cli.node import node
    from cix.exchange import outbox

    if status is not None and status not in outbox.STATUSES:
        raise UsageError(_("--status {s!r} is not one of {known}").format(s=status, known=", ".join(outbox.STATUSES)))
    _s, store = node(home)
    with store.read() as conn:
        rows = outbox.list_messages(conn, status=status, limit=limit)
    for r in rows:
        r.pop("receipt", None)
    return rows


def _print_messages(rows: list[dict[str, Any]]) -> None:
    for r in rows:
        err = f"  {r['last_error']}" if r.get("last_error") else ""
        typer.echo(
            f"{r['id']}  {r['recipient']:<14} {r['type']:<24} {r['status']:<9} tries={r['attempts']} "
            f"{r['created_at']}{err}"
        )


@app.command("outbox")
def outbox_cmd(
    status: str | None = typer.Option(None, "--status", help=_("pending | sent | delivered | rejected | dead")),
    limit: int = LimitOption,
    home: Path | None = HomeOption,
    json_: bool = JsonOption,
) -> None:
    """List outgoing messages, newest first."""
    try:
        rows = _messages(home, status, limit)
    except CixError as exc:
        fail_from(exc)
    if json_:
        emit_json({"count": len(rows), "messages": rows})
        return
    if not rows:
        typer.echo(_("no messages"))
    _print_messages(rows)


@app.command("dead-letters")
def dead_letters_cmd(limit: int = LimitOption, home: Path | None = HomeOption, json_: bool = JsonOption) -> None:
    """List dead letters: messages given up after too many tries or too long; see ``retry``."""
    try:
        rows = _messages(home, "dead", limit)
    except CixError as exc:
        fail_from(exc)
    if json_:
        emit_json({"count": len(rows), "messages": rows})
        return
    if not rows:
        typer.echo(_("no dead letters"))
    _print_messages(rows)


def _actor() -> str:
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


@app.command("retry")
def retry_cmd(
    ids: list[str] | None = typer.Argument(None, metavar="[ID]...", help=_("Dead letters to retry.")),
    all_: bool = typer.Option(False, "--all", help=_("Retry every dead letter.")),
    home: Path | None = HomeOption,
    json_: bool = JsonOption,
) -> None:
    """Put dead letters back in the queue, their tries counted from zero.

    An id that is not a dead letter (already delivered, or still pending) is listed under
    ``skipped`` with its state; an unknown id is an error and nothing is retried.
    """
    from cix.cli.node import node
    from cix.exchange import outbox

    try:
        if bool(ids) == all_:
            raise UsageError(_("give the ids of dead letters, or --all (not both)"))
        _s, store = node(home)
        skipped: list[dict[str, str]] = []
        with store.write() as conn:
            if ids:
                states = {i: outbox.get(conn, i)["status"] for i in dict.fromkeys(ids)}
                skipped = [{"id": i, "status": s} for i, s in states.items() if s != outbox.DEAD]
            n = outbox.retry(conn, ids or None, actor=_actor())
    except CixError as exc:
        fail_from(exc)
    if json_:
        emit_json({"retried": n, "skipped": skipped})
        return
    typer.echo(_("{n} dead letter(s) back in the queue").format(n=n))
    for s in skipped:
        typer.echo(_("skipped {id}: it is {status}, not a dead letter").format(**s), err=True)


@app.command("receipt")
def receipt_cmd(
    message_id: str = typer.Argument(..., metavar="MESSAGE_ID"),
    home: Path | None = HomeOption,
    json_: bool = JsonOption,
) -> None:
    """Show the signed receipt of a message: ours for an incoming one, the partner's for an outgoing one.

    An outgoing message without a receipt yet is shown with ``receipt: null`` (exit 0); an id
    this node never saw is an error.
    """
    from cix.cli.node import node
    from cix.exchange import envelope as E
    from cix.exchange import inbox, outbox
    from cix.exchange.receipts import read_receipt

    try:
        _s, store = node(home)
        raw = inbox.receipt(store, message_id)
        direction, status = "incoming", None
        if raw is None:
            with store.read() as conn:
                row = outbox.get(conn, message_id)
            direction, status = "outgoing", row["status"]
            raw = row["receipt"].encode() if row["receipt"] else None
        body: dict[str, Any] = {"message_id": message_id, "direction": direction, "status": status, "receipt": None}
        if raw is not None:
            env = E.from_bytes(raw)
            rc = read_receipt(env)
            body["status"] = status or rc.status
            body["receipt"] = {
                "status": rc.status,
                "reasons": rc.reasons,
                "received": rc.received,
                "payload_digest": rc.payload_digest,
                "signed_by": env.sender,
                "suite": env.suite,
                "key_id": env.key_id,
                "envelope": env.to_dict(),
            }
    except CixError as exc:
        fail_from(exc)
    if json_:
        emit_json(body)
        return
    rcd = body["receipt"]
    if rcd is None:
        typer.echo(_("{id}: outgoing, {status}, no receipt yet").format(id=message_id, status=status))
        return
    typer.echo(
        f"{message_id}: {direction}, {rcd['status']} "
        + _("at {t}, signed by {who} ({suite} {kid})").format(
            t=rcd["received"], who=rcd["signed_by"], suite=rcd["suite"], kid=rcd["key_id"]
        )
    )
    for r in rcd["reasons"]:
        typer.echo(f"  {r.get('rule')} {r.get('field') or ''}: {r.get('message')}")


@app.command("inbox")
def inbox_cmd(
    limit: int = LimitOption,
    rejected: bool = typer.Option(False, "--rejected", help=_("List refused messages and their reasons instead.")),
    home: Path | None = HomeOption,
    json_: bool = JsonOption,
) -> None:
    """List received messages, newest first (or, with ``--rejected``, the refused ones)."""
    from cix.cli.node import node
    from cix.exchange import status as exstatus

    try:
        _s, store = node(home)
        with store.read() as conn:
            rows = exstatus.list_received(conn, limit=limit, rejected=rejected)
    except CixError as exc:
        fail_from(exc)
    if json_:
        emit_json({"count": len(rows), "messages": rows})
        return
    if not rows:
        typer.echo(_("no refused messages") if rejected else _("no messages received"))
    for r in rows:
        if rejected:
            why = "; ".join(f"{x.get('rule')}: {x.get('message')}" for x in r["reasons"])
            typer.echo(f"{r['message_id'] or '-'}  {r['sender'] or '-':<14} {r['received_at']}  {why}")
        else:
            done = _("processed") if r["processed"] else _("to process")
            cut = f"  dropped: {', '.join(r['dropped'])}" if r.get("dropped") else ""
            typer.echo(f"{r['id']}  {r['sender']:<14} {r['type']:<24} {r['received_at']}  {done}{cut}")


# --- deliver ---------------------------------------------------------------------------------------


# Transports to use instead of the configured ones (tests put an in-memory transport here).
TRANSPORTS: dict[str, Transport] | None = None


@app.command("deliver")
def deliver_cmd(
    once: bool = typer.Option(False, "--once", help=_("Run one delivery round, then stop.")),
    transport: str | None = typer.Option(None, "--transport", help=_("http | nats (default: the settings').")),
    idle: float = typer.Option(0.5, "--idle", min=0.01, help=_("Seconds to wait when nothing is due.")),
    home: Path | None = HomeOption,
    json_: bool = JsonOption,
) -> None:
    """Deliver the outbox to the partners and process what was received: one round, or until Ctrl-C.

    Each round hands the due messages to the transport, settles them with the partners' receipts,
    then passes accepted incoming messages to their handlers (partner declarations are lodged).
    """
    import cix.pipeline.partner_data  # noqa: F401  (registers the handlers of partner data)
    from cix.cli.node import node
    from cix.cli.node_cmd import current
    from cix.exchange import outbox
    from cix.exchange.service import ExchangeService

    rounds = handed = processed = 0
    service = None
    try:
        if transport is not None and transport not in ("http", "nats"):
            raise UsageError(_("--transport {t!r} is not http or nats").format(t=transport))
        settings, store = node(home)
        settings = settings.model_copy(update={"process_inbox": True, "deliver": True,
                                               **({"transport": transport} if transport else {})})  # fmt: skip
        service = ExchangeService(store, current(home), settings, transports=TRANSPORTS)
        if not once:
            from cix.cli.common import tune_gc_for_long_run

            tune_gc_for_long_run()
        if once:
            handed, processed = service.run_round()
            rounds = 1
        else:
            sys.stderr.write(_("delivering; press Ctrl-C to stop") + "\n")
            try:
                while True:
                    try:
                        h, p = service.run_round()
                    except CixError as exc:
                        sys.stderr.write(f"cix: {' '.join(exc.message.split())}\n")
                        h = p = 0
                    rounds, handed, processed = rounds + 1, handed + h, processed + p
                    if h or p:
                        sys.stderr.write(_("delivered {h}, processed {p}").format(h=h, p=p) + "\n")
                    else:
                        _wait(idle)
            except KeyboardInterrupt:
                sys.stderr.write(_("stopped") + "\n")
        with store.read() as conn:
            counts = outbox.status_counts(conn)
    except CixError as exc:
        fail_from(exc)
    finally:
        if service is not None:
            service.close()
    body = {"rounds": rounds, "handed": handed, "processed": processed, "outbox": counts}
    if json_:
        emit_json(body)
        return
    typer.echo(
        _("{r} round(s): {h} message(s) handed over, {p} received processed").format(r=rounds, h=handed, p=processed)
    )
