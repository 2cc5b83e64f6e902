"""Three nodes as separate processes with separate databases on loopback, over HTTP and over NATS.

Every message must arrive exactly once whatever happens to the processes: the receiver killed with
SIGKILL in the middle of a burst, the sender killed after committing and before sending, a partner
down for a while, a key rotation in the middle of the traffic.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from cix.exchange import node as node_mod
from tests.conftest import import_declaration
from tests.exchange.cluster import Cluster

pytestmark = pytest.mark.slow


def export_decl(i: int, tag: str = "E") -> dict[str, Any]:
    d = import_declaration(kind="export", mrn=f"26FI{tag}{i:012d}")
    d["exporter"]["aeo"] = True
    return d


def prelim(i: int) -> dict[str, Any]:
    return import_declaration(kind="preliminary", lrn=f"PI{i}")


@pytest.fixture(params=["http", "nats"])
def cluster(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cluster]:
    c = Cluster(tmp_path, request.param)
    # Separate databases: over NATS, RU keeps its store on the PostgreSQL server; the others on SQLite files.
    pg = None
    if request.param == "nats":
        from tests.conftest import _pg_database

        gen = _pg_database()
        pg = next(gen)
        request.addfinalizer(lambda: next(gen, None))
    c.add("RU", "FCS", url=pg)
    c.add("FI", "CUSTOMS")
    c.add("CN", "GACC")
    c.link("green-corridor", ["FI", "RU"], "gc-fi-ru")
    c.link("apec-preliminary", ["CN", "RU"], "apec-cn-ru")
    try:
        for name in ("RU", "FI", "CN"):
            c.start(name)
        yield c
    finally:
        c.stop_all()


def exactly_once(c: Cluster, sent: list[str]) -> None:
    got = c.inbox_ids("RU")
    assert len(got) == len(set(got))
    assert set(sent) <= set(got)


def test_receiver_killed_mid_burst(cluster: Cluster) -> None:
    c = cluster
    sent = c.send("FI", "RU", "export_declaration", "gc-fi-ru", [export_decl(i) for i in range(150)])
    time.sleep(0.3)
    c.kill9("RU")
    sent += c.send("FI", "RU", "export_declaration", "gc-fi-ru", [export_decl(i) for i in range(150, 300)])
    sent += c.send("CN", "RU", "preliminary_information", "apec-cn-ru", [prelim(i) for i in range(50)])
    time.sleep(1.0)
    c.start("RU")
    c.wait_delivered("FI", 300)
    c.wait_delivered("CN", 50)
    exactly_once(c, sent)
    assert len(c.inbox_ids("RU")) == 350


def test_sender_killed_after_commit_before_send(cluster: Cluster) -> None:
    c = cluster
    c.kill9("FI")
    c.start("FI", CIX_DELIVER="false")  # commits into the outbox, sends nothing
    sent = c.send("FI", "RU", "export_declaration", "gc-fi-ru", [export_decl(i, "K") for i in range(40)])
    assert c.outbox_by_status("FI") == {"pending": 40}
    c.kill9("FI")
    c.start("FI")
    c.wait_delivered("FI", 40)
    exactly_once(c, sent)


def test_partner_down_for_a_while_then_back(cluster: Cluster) -> None:
    c = cluster
    c.kill9("RU")
    sent = c.send("CN", "RU", "preliminary_information", "apec-cn-ru", [prelim(i) for i in range(30)])
    time.sleep(3.0)
    st = c.outbox_by_status("CN")
    assert st.get("delivered", 0) == 0
    c.start("RU")
    c.wait_delivered("CN", 30)
    exactly_once(c, sent)


def test_key_rotation_mid_traffic(cluster: Cluster) -> None:
    c = cluster
    sent = c.send("FI", "RU", "export_declaration", "gc-fi-ru", [export_decl(i, "R") for i in range(60)])
    node_mod.rotate(c.members["FI"].home, overlap_days=30)  # the running FI server re-reads its keys
    c.refresh_card("FI", "RU")
    sent += c.send("FI", "RU", "export_declaration", "gc-fi-ru", [export_decl(i, "S") for i in range(60)])
    c.wait_delivered("FI", 120)
    exactly_once(c, sent)
    keys = [k for k in node_mod.load(c.members["FI"].home).keys if k.use == "sig"]
    assert len(keys) == 2


def test_tampered_envelope_over_http_is_rejected(cluster: Cluster) -> None:
    c = cluster
    c.kill9("FI")
    c.start("FI", CIX_DELIVER="false")
    (mid,) = c.send("FI", "RU", "export_declaration", "gc-fi-ru", [export_decl(1, "T")])
    from sqlalchemy import select

    from cix.store.db import open_store
    from cix.store.schema import outbox

    with open_store(c.members["FI"].url).read() as conn:
        raw = conn.execute(select(outbox.c.envelope).where(outbox.c.id == mid)).scalar_one()
    env = orjson.loads(raw)
    env["payload"]["ct" if "ct" in env["payload"] else "mrn"] = "AAAA"  # altered in transit
    r = httpx.post(f"{c.members['RU'].base}/api/v1/exchange/inbox", json={"envelopes": [env]}, timeout=10)
    assert r.status_code == 200
    (receipt,) = r.json()["receipts"]
    assert receipt["payload"]["status"] == "rejected"
    assert receipt["payload"]["reasons"][0]["rule"] == "digest.mismatch"
    assert mid not in c.inbox_ids("RU")
