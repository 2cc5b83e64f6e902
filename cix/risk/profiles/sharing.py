"""Common risk profiles: a profile shared with a partner as a ``risk_profile`` exchange message.

:func:`payload` is what leaves the node (``format``, ``version`` and the ``profile`` without its
local state: whether it is enabled here stays home). :func:`share_profile` finds an agreement in
force that lets this node send ``risk_profile`` to the partner (or uses the one named), seals the
message under it and queues it in the outbox on the caller's transaction, with an audit entry
``profile.shared``; the exchange delivers it. The partner keeps it apart until an analyst adopts it
(:mod:`cix.risk.profiles.exchange`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection

from cix.agreements import Agreement, check_outbound
from cix.errors import NotFound
from cix.i18n import _
from cix.risk.profiles import repository as repo
from cix.store import audit

MESSAGE_TYPE = "risk_profile"
FORMAT = "cix.risk_profile/1"
SHARED_KEYS = ("id", "description", "owner", "condition", "valid_from", "valid_to", "channel", "weight", "hard",
               "random_rate")  # fmt: skip


def payload(profile: dict[str, Any]) -> dict[str, Any]:
    """The message payload for a stored profile (as returned by ``get_profile``)."""
    return {"format": FORMAT, "version": profile["version"], "profile": {k: profile.get(k) for k in SHARED_KEYS}}


def find_agreement(
    conn: Connection, sender: str, partner: str, message: dict[str, Any], on: dt.date | None = None
) -> Agreement:
    """The first agreement (by id) under which ``sender`` may send this risk profile ``message`` to ``partner``."""
    from cix.exchange import agreement_store

    for entry in agreement_store.list_agreements(conn):
        if entry["status"] != agreement_store.ACTIVE:
            continue
        a = agreement_store.get(conn, entry["id"])
        if MESSAGE_TYPE in a.message_types and not check_outbound(a, sender, partner, MESSAGE_TYPE, message, on):
            return a
    raise NotFound(
        _(
            "no agreement in force lets {me} send risk profiles to {partner}; add one (preset common-risk-profiles)"
        ).format(me=sender, partner=partner)
    )


def share_profile(
    conn: Connection,
    profile_id: str,
    *,
    node: Any,
    partner_id: str,
    agreement_id: str | None = None,
    actor: str | None = None,
) -> dict[str, Any]:
    """Queue the current version of ``profile_id`` for ``partner_id``; returns message id, agreement, cut fields."""
    from cix.exchange import agreement_store, outbox, partners

    profile = repo.get_profile(conn, profile_id)
    partner = partners.get(conn, partner_id)
    message = payload(profile)
    if agreement_id:
        agreement = agreement_store.get(conn, agreement_id)
    else:
        agreement = find_agreement(conn, node.id, partner.id, message)
    env, dropped = outbox.seal_for(node, partner, agreement, MESSAGE_TYPE, message)
    (mid,) = outbox.enqueue(conn, [env])
    audit.append(conn, [{"event": "profile.shared", "actor": actor, "subject": profile_id,
                         "details": {"version": profile["version"], "partner": partner.id, "agreement": agreement.id,
                                     "message_id": mid, "dropped": dropped}}])  # fmt: skip
    return {"message_id": mid, "profile": profile_id, "version": profile["version"], "partner": partner.id,
            "agreement": agreement.id, "dropped": dropped}  # fmt: skip
