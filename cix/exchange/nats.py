"""The NATS JetStream transport (at scale): a durable stream, a subject per recipient, explicit acks.

All nodes share the stream ``CIX`` (subjects ``cix.>``, file storage). A message for partner P is
published to ``cix.inbox.P`` with its id as ``Nats-Msg-Id`` (JetStream drops a duplicate publish
within its window); :meth:`NatsExchange.deliver` returns once the broker has stored the batch, and
the outbox marks it ``sent``. Each node runs two durable pull consumers: ``inbox-<node>`` on its
inbox subject, which verifies and stores a batch (:func:`cix.exchange.inbox.receive`), publishes
the signed receipts to ``cix.receipts.<sender>`` and only then acks — a crash before the ack means
redelivery, which the inbox answers with the original receipts — and ``receipts-<node>``, which
settles this node's outbox. nats-py is asyncio: the client lives on its own event loop thread and
the store work runs in worker threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Sequence
from typing import Any

import orjson

from cix.exchange.node import Node
from cix.exchange.partners import Partner
from cix.exchange.transport import TransportError
from cix.settings import Settings
from cix.store.db import Store

log = logging.getLogger("cix.exchange.nats")

STREAM = "CIX"
MAX_AGE_S = 7 * 24 * 3600


def _message_id(raw: bytes) -> str:
    """The envelope's id, found without parsing the whole envelope (ids are UUIDs: no escapes)."""
    i = raw.find(b'"id":"')
    if i >= 0 and raw[i + 42 : i + 43] == b'"':
        return raw[i + 6 : i + 42].decode()
    return str(orjson.loads(raw).get("id", ""))


def inbox_subject(node_id: str) -> str:
    return f"cix.inbox.{node_id}"


def receipts_subject(node_id: str) -> str:
    return f"cix.receipts.{node_id}"


class NatsExchange:
    name = "nats"

    def __init__(self, url: str, store: Store, node: Node, settings: Settings, *, batch: int = 500) -> None:
        self.url = url
        self.store = store
        self.node = node
        self.settings = settings
        self.batch = batch
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="cix-nats", daemon=True)
        self._thread.start()
        self.nc: Any = None
        self.js: Any = None
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        self._call(self._connect(), timeout=15)

    def _call(self, coro: Any, timeout: float = 30) -> Any:
        fut = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return fut.result(timeout)
        except TransportError:
            raise
        except Exception as exc:
            fut.cancel()
            raise TransportError(f"NATS at {self.url}: {type(exc).__name__}: {exc}") from exc

    async def _connect(self) -> None:
        import nats
        from nats.js.api import StorageType, StreamConfig

        self.nc = await nats.connect(self.url, connect_timeout=5, max_reconnect_attempts=-1, reconnect_time_wait=0.5)
        self.js = self.nc.jetstream(timeout=10)
        cfg = StreamConfig(name=STREAM, subjects=["cix.>"], storage=StorageType.FILE, max_age=MAX_AGE_S)
        try:
            await self.js.add_stream(cfg)
        except Exception:
            await self.js.update_stream(cfg)

    # --- sending ---------------------------------------------------------------------------------------

    def deliver(self, partner: Partner, envelopes: Sequence[bytes]) -> list[bytes] | None:
        self._call(self._publish(inbox_subject(partner.id), envelopes))
        return None

    async def _publish(self, subject: str, payloads: Sequence[bytes]) -> None:
        async def one(raw: bytes) -> None:
            mid = _message_id(raw)
            await self.js.publish(subject, raw, headers={"Nats-Msg-Id": mid} if mid else None)

        await asyncio.gather(*(one(p) for p in payloads))

    # --- receiving -------------------------------------------------------------------------------------

    def start(self, deliverer: Any) -> None:
        """Run this node's inbox and receipt consumers until :meth:`close`."""
        self._call(self._start(deliverer))

    async def _start(self, deliverer: Any) -> None:
        me = self.node.id
        inbox_sub = await self.js.pull_subscribe(inbox_subject(me), durable=f"inbox-{me}", stream=STREAM)
        receipt_sub = await self.js.pull_subscribe(receipts_subject(me), durable=f"receipts-{me}", stream=STREAM)
        self._tasks = [
            asyncio.ensure_future(self._consume(inbox_sub, self._on_inbox)),
            asyncio.ensure_future(self._consume(receipt_sub, lambda msgs: self._on_receipts(msgs, deliverer))),
        ]

    async def _consume(self, sub: Any, handler: Any) -> None:
        import nats.errors

        while not self._stopping:
            try:
                msgs = await sub.fetch(self.batch, timeout=0.5)
            except (TimeoutError, nats.errors.TimeoutError):
                continue
            except Exception as exc:
                if self._stopping:
                    return
                log.warning("NATS fetch failed: %s", exc)
                await asyncio.sleep(0.5)
                continue
            try:
                await handler(msgs)
            except Exception:
                log.exception("NATS batch failed; it will be redelivered")
                for m in msgs:
                    await m.nak(delay=1)
                continue
            for m in msgs:
                await m.ack()

    async def _on_inbox(self, msgs: Sequence[Any]) -> None:
        from cix.exchange import inbox
        from cix.exchange.node import current

        raws = [bytes(m.data) for m in msgs]
        me = current(self.settings.home) if (self.settings.home / "node.json").exists() else self.node
        receipts = await asyncio.get_running_loop().run_in_executor(
            None, inbox.receive, self.store, me, self.settings, raws
        )
        by_sender: dict[str, list[bytes]] = {}
        for rc in receipts:
            try:
                to = orjson.loads(rc)["recipient"]
            except Exception:
                continue
            by_sender.setdefault(to, []).append(rc)
        for sender, rcs in by_sender.items():
            await asyncio.gather(*(self.js.publish(receipts_subject(sender), rc) for rc in rcs))

    async def _on_receipts(self, msgs: Sequence[Any], deliverer: Any) -> None:
        raws = [bytes(m.data) for m in msgs]
        await asyncio.get_running_loop().run_in_executor(None, deliverer.apply_receipts, raws, None)

    def close(self) -> None:
        if self.nc is None:
            return
        self._stopping = True

        async def _close() -> None:
            for t in self._tasks:
                t.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await self.nc.drain()

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(_close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)
        self.nc = None
