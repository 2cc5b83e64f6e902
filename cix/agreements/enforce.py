"""Enforcing an agreement on both sides of the exchange: pure functions, no I/O.

The sender calls :func:`check_outbound` (is this message allowed at all?) and :func:`scope_payload`
(cut the payload down to the fields the agreement lets leave) — :func:`prepare_outbound` does
both — so that a field outside the scope never leaves the sending node. The receiver calls
:func:`check_inbound`, which repeats every check on what arrived and then applies the field scope
under a policy knob: ``strict=True`` (the default) rejects a message carrying any field outside
the scope, ``strict=False`` accepts it with those fields dropped and returns their paths so the
caller can audit the event. Each problem is a :class:`~cix.model.problems.Problem` with a stable
rule id:

=====================  ==========================================================  ===============
rule                   meaning                                                     path
=====================  ==========================================================  ===============
agreement.party        sender or recipient is not a party                          /sender, /recipient
agreement.direction    the agreement does not let the sender send to the recipient  /recipient
agreement.expired      the day is outside valid_from .. valid_to                    /created
agreement.type         the message type is not covered                              /type
agreement.condition    a condition does not hold on the payload                     the payload field
agreement.field        a payload field outside the scope (inbound, strict)          the payload field
=====================  ==========================================================  ===============

The first four paths name envelope fields; the last two are JSON pointers into the payload. The
``value`` of an ``agreement.field`` problem is left empty, so that out-of-scope data is not copied
into receipts and audit entries.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cix.agreements.conditions import check_conditions
from cix.agreements.model import Agreement, allows
from cix.agreements.pointers import apply_scope
from cix.i18n import _
from cix.model.problems import Problem

RULES: dict[str, str] = {
    "agreement.party": "sender or recipient is not a party of the agreement",
    "agreement.direction": "the agreement does not let the sender send to this recipient",
    "agreement.expired": "the agreement is not in force on the day",
    "agreement.type": "the agreement does not cover the message type",
    "agreement.condition": "a condition of the agreement does not hold on the payload",
    "agreement.field": "a field outside the agreement's scope",
}


def scope_payload(agreement: Agreement, message_type: str, payload: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``payload`` with only the fields the agreement lets ``message_type`` carry, and what was cut.

    A message type the agreement does not cover allows nothing: the result is empty and every
    top-level field is reported dropped. The scope is compiled once per agreement and type.
    """
    return apply_scope(agreement.scope_tree(message_type), payload)


def _checks(
    agreement: Agreement,
    sender: str,
    recipient: str,
    message_type: str,
    payload: dict[str, Any],
    on: dt.date,
) -> list[Problem]:
    problems: list[Problem] = []
    parties_ok = True
    for field, who in (("/sender", sender), ("/recipient", recipient)):
        if agreement.party_of(who) is None:
            parties_ok = False
            problems.append(
                Problem(
                    "agreement.party",
                    field,
                    who,
                    _("{who} is not a party of agreement {id} ({parties})").format(
                        who=who, id=agreement.id, parties=", ".join(agreement.parties)
                    ),
                )
            )
    if parties_ok and not allows(agreement.direction_for(message_type), agreement.parties, sender, recipient):
        problems.append(
            Problem(
                "agreement.direction",
                "/recipient",
                recipient,
                _("agreement {id} does not let {sender} send {type} to {recipient}").format(
                    id=agreement.id, sender=sender, type=message_type, recipient=recipient
                ),
            )
        )
    if not agreement.in_force(on):
        problems.append(
            Problem(
                "agreement.expired",
                "/created",
                on.isoformat(),
                _("agreement {id} is in force {start} .. {end}, not on {day}").format(
                    id=agreement.id, start=agreement.valid_from, end=agreement.valid_to or "…", day=on
                ),
            )
        )
    scope = agreement.message_types.get(message_type)
    if scope is None:
        problems.append(
            Problem(
                "agreement.type",
                "/type",
                message_type,
                _("agreement {id} does not cover message type {type!r} (it covers {types})").format(
                    id=agreement.id, type=message_type, types=", ".join(sorted(agreement.message_types))
                ),
            )
        )
    else:
        problems.extend(check_conditions(scope.conditions, payload))
    return problems


def check_outbound(
    agreement: Agreement,
    sender: str,
    recipient: str,
    message_type: str,
    payload: dict[str, Any],
    on: dt.date | None = None,
) -> list[Problem]:
    """Why ``sender`` may not send this message to ``recipient`` (empty when it may).

    Checks parties, direction, validity on ``on`` (default today, UTC), the message type and the
    conditions (on the full payload, before scoping). The fields are not checked here: the sender
    cuts them with :func:`scope_payload`.
    """
    day = on or dt.datetime.now(dt.UTC).date()
    return _checks(agreement, sender, recipient, message_type, payload, day)


def prepare_outbound(
    agreement: Agreement,
    sender: str,
    recipient: str,
    message_type: str,
    payload: dict[str, Any],
    on: dt.date | None = None,
) -> tuple[dict[str, Any] | None, list[Problem], list[str]]:
    """The payload to send (None when the message may not be sent), the problems, the dropped paths."""
    problems = check_outbound(agreement, sender, recipient, message_type, payload, on)
    if problems:
        return None, problems, []
    scoped, dropped = scope_payload(agreement, message_type, payload)
    return scoped, [], dropped


def check_inbound(
    agreement: Agreement,
    sender: str,
    recipient: str,
    message_type: str,
    payload: dict[str, Any],
    on: dt.date | None = None,
    strict: bool = True,
) -> tuple[dict[str, Any] | None, list[Problem], list[str]]:
    """What the receiver accepts of a message: ``(accepted_payload, problems, dropped_paths)``.

    Every outbound check is repeated on what arrived (a partner's node may be misconfigured or
    forged). A type the agreement does not cover is always rejected. Fields outside the scope are
    rejected, one ``agreement.field`` problem each, when ``strict`` (the default); otherwise they
    are dropped, reported in ``dropped_paths``, and the rest is accepted. ``accepted_payload`` is
    None whenever there is a problem.
    """
    day = on or dt.datetime.now(dt.UTC).date()
    problems = _checks(agreement, sender, recipient, message_type, payload, day)
    if any(p.rule == "agreement.type" for p in problems):
        return None, problems, []
    scoped, dropped = scope_payload(agreement, message_type, payload)
    if strict:
        problems.extend(
            Problem(
                "agreement.field",
                path,
                None,
                _("field {path} is outside the scope of agreement {id} for {type}").format(
                    path=path, id=agreement.id, type=message_type
                ),
            )
            for path in dropped
        )
    if problems:
        return None, problems, dropped
    return scoped, [], dropped
