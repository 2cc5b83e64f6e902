"""The node's exchange running in the background of a server: delivery rounds and inbox processing.

:class:`ExchangeService` runs one thread that, until stopped, delivers due outbox messages through
the configured transports and hands accepted inbox messages to their handlers; a ``wake`` event
lets a request that queued or received messages start the next round at once. With the NATS
transport it also runs the JetStream consumers for this node's inbox and receipts.
"""

from __future__ import annotations

import logging
import threading

from cix.exchange import inbox
from cix.exchange.http import HttpTransport
from cix.exchange.node import Node
from cix.exchange.transport import Transport
from cix.exchange.worker import Deliverer
from cix.settings import Settings
from cix.store.db import Store

log = logging.getLogger("cix.exchange")


class ExchangeService:
    def __init__(self, store: Store, node: Node, settings: Settings, *, idle: float = 0.5) -> None:
        self.store = store
        self.node = node
        self.settings = settings
        self.idle = idle
        self.wake = threading.Event()
        self._stop = threading.Event()
        cert = (str(settings.tls_cert), str(settings.tls_key)) if settings.tls_cert and settings.tls_key else None
        verify: str | bool = str(settings.tls_ca) if settings.tls_ca else True
        self.transports: dict[str, Transport] = {"http": HttpTransport(cert=cert, verify=verify)}
        self.nats = None
        if settings.transport == "nats":
            from cix.exchange.nats import NatsExchange

            self.nats = NatsExchange(settings.nats_url, store, node, settings)
            self.transports["nats"] = self.nats
        self.deliverer = Deliverer(store, node, settings, self.transports)
        self._thread = threading.Thread(target=self._run, name="cix-exchange", daemon=True)

    def start(self) -> None:
        if self.nats is not None:
            self.nats.start(self.deliverer)
        self._thread.start()

    def _run(self) -> None:
        from cix.exchange.node import current

        while not self._stop.is_set():
            busy = 0
            try:
                self.node = self.deliverer.node = current(self.settings.home)
                if self.settings.process_inbox:
                    busy += inbox.process_pending(self.store)
                if self.settings.deliver:
                    busy += self.deliverer.run_once()
            except Exception:
                log.exception("exchange round failed")
            if not busy:
                self.wake.wait(self.idle)
                self.wake.clear()

    def stop(self) -> None:
        self._stop.set()
        self.wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        if self.nats is not None:
            self.nats.close()
        for t in self.transports.values():
            t.close()
