"""The node's exchange at work: delivery rounds and inbox processing, in a server or a worker process.

:class:`ExchangeService` owns the transports and the delivery worker. :meth:`run_round` is one round:
re-read this node's identity if another process rotated its keys, hand accepted inbox messages to
their handlers, deliver the due outbox messages. :meth:`start` runs rounds on a thread until
:meth:`stop` (what ``cix serve`` does; a ``wake`` event lets a request that queued or received
messages start the next round at once); ``cix exchange deliver`` calls :meth:`run_round` itself.
With the NATS transport the service also runs the JetStream consumers of this node's inbox and
receipts.
"""

from __future__ import annotations

import logging
import threading

from cix.exchange import inbox
from cix.exchange.http import HttpTransport
from cix.exchange.node import Node, current
from cix.exchange.transport import Transport
from cix.exchange.worker import Deliverer
from cix.settings import Settings
from cix.store.db import Store

log = logging.getLogger("cix.exchange")


class ExchangeService:
    def __init__(
        self,
        store: Store,
        node: Node,
        settings: Settings,
        *,
        idle: float = 0.5,
        transports: dict[str, Transport] | None = None,
    ) -> None:
        self.store = store
        self.node = node
        self.settings = settings
        self.idle = idle
        self.wake = threading.Event()
        self._stop = threading.Event()
        self.nats = None
        if transports is not None:
            self.transports = dict(transports)
        else:
            cert = (str(settings.tls_cert), str(settings.tls_key)) if settings.tls_cert and settings.tls_key else None
            verify: str | bool = str(settings.tls_ca) if settings.tls_ca else True
            self.transports = {"http": HttpTransport(cert=cert, verify=verify)}
            if settings.transport == "nats":
                from cix.exchange.nats import NatsExchange

                self.nats = NatsExchange(settings.nats_url, store, node, settings)
                self.transports["nats"] = self.nats
        self.deliverer = Deliverer(store, node, settings, self.transports)
        if self.nats is not None:
            self.nats.start(self.deliverer)
        self._thread: threading.Thread | None = None

    def run_round(self) -> tuple[int, int]:
        """One round; returns (messages handed to a transport, received messages processed)."""
        if (self.settings.home / "node.json").exists():
            self.node = self.deliverer.node = current(self.settings.home)
        processed = inbox.process_pending(self.store) if self.settings.process_inbox else 0
        handed = self.deliverer.run_once() if self.settings.deliver else 0
        return handed, processed

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="cix-exchange", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                busy = sum(self.run_round())
            except Exception:
                log.exception("exchange round failed")
                busy = 0
            if not busy:
                self.wake.wait(self.idle)
                self.wake.clear()

    def stop(self) -> None:
        self._stop.set()
        self.wake.set()
        if self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout=10)
        self.close()

    def close(self) -> None:
        if self.nats is not None:
            self.nats.close()
            self.nats = None
        for t in self.transports.values():
            t.close()
