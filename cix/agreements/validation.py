"""Reviewing an agreement as a whole: the checks behind ``cix agreements check FILE``.

:func:`review_file` reads an agreement file and reports every problem instead of stopping at the
first: schema problems (``agreement.schema``, errors: the file is not a valid agreement) and, for
a valid one, :func:`review` warnings that need the cooperation framework — an organization the
framework does not know (``agreement.organization``), a party whose country is not a member of
the organization on ``valid_from`` (``agreement.party``), a message type the node does not know
yet (``agreement.type``), an agreement no longer in force (``agreement.expired``). Warnings do
not make an agreement invalid: they say what an operator should look at.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from cix.agreements.model import MESSAGE_TYPES, Agreement, load_json_file, parse_agreement
from cix.cooperation import Framework
from cix.errors import InputError, NotFound
from cix.i18n import _
from cix.model.problems import Problem


def review(agreement: Agreement, framework: Framework, today: dt.date | None = None) -> list[Problem]:
    """Warnings about a valid agreement, from the cooperation framework and the node's types."""
    problems: list[Problem] = []
    day = today or dt.date.today()
    try:
        framework.organization(agreement.organization)
        known_org = True
    except NotFound:
        known_org = False
        problems.append(
            Problem(
                "agreement.organization",
                "/organization",
                agreement.organization,
                _("organization {org} is not in the cooperation framework").format(org=agreement.organization),
                "warning",
            )
        )
    if known_org:
        for n, party in enumerate(agreement.parties):
            if not framework.is_member(party[:2], agreement.organization, agreement.valid_from):
                problems.append(
                    Problem(
                        "agreement.party",
                        f"/parties/{n}",
                        party,
                        _("{cc} is not a member of {org} on {day}").format(
                            cc=party[:2], org=agreement.organization, day=agreement.valid_from
                        ),
                        "warning",
                    )
                )
    for name in agreement.message_types:
        if name not in MESSAGE_TYPES:
            problems.append(
                Problem(
                    "agreement.type",
                    f"/message_types/{name}",
                    name,
                    _("message type {name!r} is not one this node knows yet").format(name=name),
                    "warning",
                )
            )
    if agreement.valid_to is not None and agreement.valid_to < day:
        problems.append(
            Problem(
                "agreement.expired",
                "/valid_to",
                agreement.valid_to.isoformat(),
                _("the agreement ended on {day}").format(day=agreement.valid_to),
                "warning",
            )
        )
    return problems


def review_data(data: Any, framework: Framework, source: str = "agreement") -> tuple[Agreement | None, list[Problem]]:
    """The agreement in ``data`` (None when invalid) and every problem found."""
    try:
        agreement = parse_agreement(data, source=source)
    except InputError as exc:
        problems = [
            Problem("agreement.schema", "/" + d["loc"].replace(".", "/") if d["loc"] else "", None, d["msg"])
            for d in (exc.details or [])
        ]
        return None, problems
    return agreement, review(agreement, framework)


def review_file(path: Path, framework: Framework) -> tuple[Agreement | None, list[Problem]]:
    """Like :func:`review_data` for a file; :class:`InputError` when it is unreadable or not JSON."""
    return review_data(load_json_file(path), framework, source=str(path))
