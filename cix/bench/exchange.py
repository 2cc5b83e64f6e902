"""``cix bench exchange``: signed, verified, durably stored messages per second between two nodes.

Two nodes run as separate processes (``cix serve``), each with its own SQLite store, on loopback;
the sender's partner card names the receiver's HTTP inbox or the NATS transport. The benchmark
queues N generated preliminary-information payloads on the sender through its API (in batches, at
full speed or paced at ``--rate``); the sender seals, signs and delivers them; the receiver verifies,
stores and answers with signed receipts. Latency runs from the sender's commit (``outbox.created_at``)
to the receiver's commit (``inbox.received_at``). ``lost`` and ``duplicated`` compare the ids the
sender committed with the ids the receiver stored, after the run. The floor is the same payloads
inserted into a fresh copy of the receiver's inbox table directly, by one process, in the same run.
The receiver only verifies, stores and answers (``CIX_PROCESS_INBOX=false``): handing stored
messages to the declaration path is the next stage, with its own benchmarks (ingest, pipeline).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy import select

from cix.demo.network import free_port
from cix.store.db import open_store
from cix.store.schema import inbox, outbox


def _payloads(n: int, seed: int) -> list[dict[str, Any]]:
    from cix.generate import iter_declarations

    out = []
    for i, d in enumerate(iter_declarations(n, seed=seed)):
        d["kind"] = "preliminary"
        d["lrn"] = f"B{seed}-{i}"
        cons = d.setdefault("consignment", {})
        cons.setdefault("office_of_entry", d.get("declaration_office") or "RU10702000")
        cons.setdefault("arrival_transport", {"mode": "3", "nationality": "FI", "identity_type": "plate",
                                              "identity": "AB123"})  # fmt: skip
        out.append(d)
    return out


def _setup(work: Path, transport: str) -> tuple[dict[str, Any], dict[str, Any]]:
    from cix.agreements import instantiate
    from cix.exchange import agreement_store, partners
    from cix.exchange import node as node_mod

    tag = uuid.uuid4().hex[:4].upper()
    nodes: dict[str, dict[str, Any]] = {}
    for role, country in (("sender", "CN"), ("receiver", "RU")):
        home = work / role
        port = free_port()
        n = node_mod.init(home, country, f"B{tag}")
        eps = [{"transport": "http", "url": f"http://127.0.0.1:{port}/api/v1/exchange/inbox"}]
        if transport == "nats":
            eps.append({"transport": "nats", "url": "nats://127.0.0.1:4222"})
        node_mod.set_endpoints(home, eps)
        nodes[role] = {"home": home, "port": port, "id": n.id, "url": f"sqlite:///{home / 'cix.sqlite'}"}
    ag = instantiate("apec-preliminary", [nodes["sender"]["id"], nodes["receiver"]["id"]], agreement_id="bench")
    for me, other in (("sender", "receiver"), ("receiver", "sender")):
        store = open_store(nodes[me]["url"])
        with store.write() as conn:
            partners.add(conn, node_mod.card(node_mod.load(nodes[other]["home"])))
            agreement_store.add(conn, ag)
        store.dispose()
    return nodes["sender"], nodes["receiver"]


def _env(node: dict[str, Any], transport: str, **extra: str) -> dict[str, str]:
    env = {**os.environ, "CIX_HOME": str(node["home"]), "CIX_TRANSPORT": transport,
           "CIX_PARTNER_RATE_PER_S": "100000", **extra}  # fmt: skip
    env.pop("CIX_DATABASE_URL", None)
    return env


def _start(node: dict[str, Any], transport: str, **extra: str) -> subprocess.Popen[bytes]:
    env = _env(node, transport, **extra)
    log = (node["home"] / "serve.log").open("wb")
    p = subprocess.Popen([sys.executable, "-m", "cix", "serve", "--port", str(node["port"])], env=env,
                         stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{node['port']}/api/v1/health", timeout=1).status_code == 200:
                return p
        except httpx.HTTPError:
            time.sleep(0.1)
    p.kill()
    raise RuntimeError(f"node {node['id']} did not start; see {node['home'] / 'serve.log'}")


def _floor(payloads: list[dict[str, Any]], work: Path) -> float:
    """The same payloads written straight into an inbox table (same store code, no crypto, no network)."""
    store = open_store(f"sqlite:///{work / 'floor.sqlite'}", fresh=True)
    now = dt.datetime.now(dt.UTC)
    rows = []
    for p in payloads:
        body = orjson.dumps(p).decode()
        rows.append({"id": str(uuid.uuid4()), "sender": "CN-X", "type": "preliminary_information",
                     "agreement": "bench", "created_at": now, "received_at": now, "payload_digest": "sha-256:x",
                     "envelope": body, "payload": body, "dropped": None, "receipt": "{}", "processed": 0})  # fmt: skip
    t0 = time.perf_counter()
    for i in range(0, len(rows), 250):
        with store.write() as conn:
            conn.execute(inbox.insert(), rows[i : i + 250])
    s = time.perf_counter() - t0
    store.dispose()
    return s


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds a process has used so far (Linux /proc), or None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return round((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), 2)
    except (OSError, IndexError, ValueError):
        return None


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(q * (len(v) - 1) + 0.5))]


def run(count: int, *, transport: str = "http", rate: float | None = None, seed: int = 11,
        timeout: float = 600.0) -> dict[str, Any]:  # fmt: skip
    payloads = _payloads(count, seed)
    with tempfile.TemporaryDirectory(prefix="cix-bench-exchange-") as tmp:
        work = Path(tmp)
        floor_s = _floor(payloads, work)
        sender, receiver = _setup(work, transport)
        # The receiver verifies, stores and answers; handing the stored messages to the declaration
        # path is a later stage (CIX_PROCESS_INBOX=false here), measured by bench ingest / pipeline.
        procs = [_start(receiver, transport, CIX_PROCESS_INBOX="false"), _start(sender, transport)]
        try:
            client = httpx.Client(timeout=120)
            url = f"http://127.0.0.1:{sender['port']}/api/v1/exchange/outbox"
            chunk = 250 if rate is None else max(1, int(rate / 20))
            t_start = time.time()
            for i in range(0, count, chunk):
                if rate is not None:  # pace: chunk i leaves at i / rate seconds
                    wait = t_start + i / rate - time.time()
                    if wait > 0:
                        time.sleep(wait)
                r = client.post(url, json={"to": receiver["id"], "type": "preliminary_information",
                                           "agreement": "bench", "payloads": payloads[i : i + chunk]})  # fmt: skip
                r.raise_for_status()
            rstore = open_store(receiver["url"])
            sstore = open_store(sender["url"])
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                with sstore.read() as conn:
                    pending = conn.execute(
                        select(outbox.c.id).where(outbox.c.status.in_(("pending", "sent"))).limit(1)
                    ).first()
                if pending is None:
                    break
                time.sleep(0.2)
            with sstore.read() as conn:
                sent = {r.id: r.created_at for r in conn.execute(select(outbox.c.id, outbox.c.created_at))}
            with rstore.read() as conn:
                got = [(r.id, r.received_at) for r in conn.execute(select(inbox.c.id, inbox.c.received_at))]
            cpu = {name: _cpu_seconds(p.pid) for name, p in zip(("receiver", "sender"), procs, strict=True)}
        finally:
            for p in procs:
                p.send_signal(signal.SIGTERM)
            for p in procs:
                try:
                    p.wait(15)
                except subprocess.TimeoutExpired:
                    p.kill()
    ids = Counter(i for i, _ in got)
    lost = sum(1 for i in sent if i not in ids)
    duplicated = sum(n - 1 for n in ids.values() if n > 1) + sum(1 for i in ids if i not in sent)

    def utc(t: dt.datetime) -> dt.datetime:
        return t if t.tzinfo else t.replace(tzinfo=dt.UTC)

    lat = [(utc(r) - utc(sent[i])).total_seconds() * 1000 for i, r in got if i in sent]
    first = min(utc(t) for t in sent.values())
    last = max(utc(r) for _, r in got) if got else first
    span = max((last - first).total_seconds(), 1e-9)
    rate_out = len(got) / span
    floor_rate = count / floor_s
    return {
        "messages": count,
        "transport": transport,
        "offered_rate_per_s": rate,
        "rate_per_s": round(rate_out, 1),
        "p50_ms": round(_pct(lat, 0.50), 1),
        "p99_ms": round(_pct(lat, 0.99), 1),
        "lost": lost,
        "duplicated": duplicated,
        "floor_rate_per_s": round(floor_rate, 1),
        "cpu_seconds": cpu,
        "ratio": round(floor_rate / rate_out, 3) if rate_out else None,
        "goal": {"rate_per_s": 2000, "p99_ms_at_rate_1000": 500},
    }
