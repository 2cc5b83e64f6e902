"""Receipts: the signed answer a receiver returns for every message, accepted or rejected.

A receipt is an envelope of type ``receipt`` from the message's recipient to its sender, under the
same agreement, whose payload is ``{"message_id", "payload_digest", "received", "status",
"reasons"}``: the id and digest of the message received (so the sender knows exactly which content
was taken), the receiver's UTC time, ``accepted`` or ``rejected``, and the reasons as
:meth:`~cix.exchange.rejection.Rejection.to_reason` dictionaries (``rule``, ``field``,
``message``). Receipts are signed like any envelope and verified with
:func:`cix.exchange.envelope.verify`; both sides keep them so either can fetch one again later by
message id.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from cix.exchange import envelope as E
from cix.exchange.ids import is_uuid7
from cix.exchange.rejection import Rejection
from cix.exchange.suites import Suite
from cix.i18n import _

_DIGEST = re.compile(r"sha-256:[A-Za-z0-9_-]{43}")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


@dataclass(frozen=True, slots=True)
class Receipt:
    """The payload of a receipt envelope, read back."""

    message_id: str
    payload_digest: str
    received: str
    status: str
    reasons: list[dict[str, Any]]

    @property
    def accepted(self) -> bool:
        return self.status == "accepted"


def make_receipt(
    *,
    message_id: str,
    digest: str,
    accepted: bool,
    reasons: list[dict[str, Any]],
    receiver: str,
    sender: str,
    agreement: str,
    suite: str | Suite,
    private_key: bytes,
    key_id: str,
    received: dt.datetime | None = None,
) -> E.Envelope:
    """A signed receipt from ``receiver`` to the message's ``sender`` for message ``message_id``.

    ``digest`` is the message's ``payload_digest`` (so the sender can tell which content was
    received); ``reasons`` are :meth:`Rejection.to_reason` dictionaries (empty when accepted).
    """
    payload = {
        "message_id": message_id,
        "payload_digest": digest,
        "received": E.format_time(received),
        "status": "accepted" if accepted else "rejected",
        "reasons": list(reasons),
    }
    return E.seal(
        type="receipt",
        sender=receiver,
        recipient=sender,
        agreement=agreement,
        payload=payload,
        suite=suite,
        private_key=private_key,
        key_id=key_id,
    )


def receipt_for(
    message: E.Envelope,
    *,
    accepted: bool,
    reasons: list[dict[str, Any]],
    suite: str | Suite,
    private_key: bytes,
    key_id: str,
    received: dt.datetime | None = None,
) -> E.Envelope:
    """The signed receipt the recipient of ``message`` returns to its sender."""
    return make_receipt(
        message_id=message.id,
        digest=message.payload_digest,
        accepted=accepted,
        reasons=reasons,
        receiver=message.recipient,
        sender=message.sender,
        agreement=message.agreement,
        suite=suite,
        private_key=private_key,
        key_id=key_id,
        received=received,
    )


def read_receipt(envelope: E.Envelope) -> Receipt:
    """The receipt carried by ``envelope`` (verify the envelope first); ``receipt.malformed`` otherwise."""
    p = envelope.payload
    ok = (
        envelope.type == "receipt"
        and isinstance(p, dict)
        and set(p) == {"message_id", "payload_digest", "received", "status", "reasons"}
        and isinstance(p["message_id"], str)
        and is_uuid7(p["message_id"])
        and isinstance(p["payload_digest"], str)
        and _DIGEST.fullmatch(p["payload_digest"]) is not None
        and isinstance(p["received"], str)
        and _TIME.fullmatch(p["received"]) is not None
        and p["status"] in ("accepted", "rejected")
        and isinstance(p["reasons"], list)
        and all(isinstance(r, dict) for r in p["reasons"])
    )
    if not ok:
        raise Rejection("receipt.malformed", _("the envelope does not carry a well-formed receipt"), field="payload")
    return Receipt(p["message_id"], p["payload_digest"], p["received"], p["status"], p["reasons"])
