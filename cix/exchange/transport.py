"""Transports move sealed envelopes to a partner; this module holds their interface and the test double.

A transport's :meth:`Transport.deliver` hands a batch of serialised envelopes to one partner. A
synchronous transport (HTTP) returns the partner's signed receipts, one per envelope, in order; an
asynchronous one (NATS JetStream) returns ``None`` once the broker has durably accepted the batch,
and the receipts arrive later on this node's receipt subject. A transport raises
:class:`TransportError` when the batch could not be handed over (the delivery worker retries with
back-off). :class:`MemoryTransport` delivers in-process to receiver functions: the double for unit
tests only, never what a node uses.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from cix.errors import CixError
from cix.exchange.partners import Partner


class TransportError(CixError):
    """The batch did not reach the partner (network, broker, HTTP status); safe to retry."""

    status_code = 502
    code = "transport"


class Transport(Protocol):
    name: str

    def deliver(self, partner: Partner, envelopes: Sequence[bytes]) -> list[bytes] | None: ...

    def close(self) -> None: ...


Receiver = Callable[[Sequence[bytes]], list[bytes]]


class MemoryTransport:
    """Delivers to in-process receivers by partner id (unit tests only)."""

    name = "memory"

    def __init__(self) -> None:
        self.receivers: dict[str, Receiver] = {}
        self.down: set[str] = set()
        self.sent: list[tuple[str, int]] = []

    def register(self, partner_id: str, receiver: Receiver) -> None:
        self.receivers[partner_id] = receiver

    def deliver(self, partner: Partner, envelopes: Sequence[bytes]) -> list[bytes] | None:
        if partner.id in self.down or partner.id not in self.receivers:
            raise TransportError(f"partner {partner.id} is not reachable")
        self.sent.append((partner.id, len(envelopes)))
        return self.receivers[partner.id](envelopes)

    def close(self) -> None:
        pass
