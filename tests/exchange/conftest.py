"""Two or three nodes in one process, each with its own home and store, wired by partner cards."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cix.agreements import instantiate
from cix.exchange import agreement_store, inbox, node, partners
from cix.exchange.transport import MemoryTransport
from cix.exchange.worker import Deliverer
from cix.settings import Settings
from cix.store.db import Store, open_store


@dataclass
class TestNode:
    settings: Settings
    store: Store
    node: node.Node

    def receiver(self) -> Callable[[Any], list[bytes]]:
        return lambda raws: inbox.receive(self.store, self.node, self.settings, raws)

    def deliverer(self, transport: MemoryTransport) -> Deliverer:
        return Deliverer(self.store, self.node, self.settings, {"memory": transport})


def make_node(tmp: Path, country: str, authority: str, url: str | None = None, **settings: Any) -> TestNode:
    home = tmp / f"{country}-{authority}"
    s = Settings(home=home, database_url=url, country=country, authority=authority, **settings)
    n = node.init(home, country, authority)
    return TestNode(s, open_store(s.store_url, fresh=True), n)


def link(a: TestNode, b: TestNode, agreement: Any) -> None:
    """Each node knows the other (partner cards) and holds the agreement."""
    for x, y in ((a, b), (b, a)):
        with x.store.write() as conn:
            partners.add(conn, node.card(y.node))
            agreement_store.add(conn, agreement)
    partners._CACHE.invalidate()
    agreement_store._CACHE.clear()


@pytest.fixture
def pair(tmp_path: Path) -> tuple[TestNode, TestNode, MemoryTransport, Any]:
    """CN sends to RU under apec-preliminary, over the in-memory transport."""
    cn = make_node(tmp_path, "CN", "GACC")
    ru = make_node(tmp_path, "RU", "FCS")
    agreement = instantiate("apec-preliminary", ["CN-GACC", "RU-FCS"], agreement_id="apec-cn-ru")
    link(cn, ru, agreement)
    t = MemoryTransport()
    t.register("RU-FCS", ru.receiver())
    t.register("CN-GACC", cn.receiver())
    return cn, ru, t, agreement
