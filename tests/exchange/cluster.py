"""Nodes as real processes on loopback, each with its own home and database, for multi-node tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from cix.agreements import Agreement, instantiate
from cix.demo.network import free_port
from cix.exchange import agreement_store, partners
from cix.exchange import node as node_mod
from cix.store.db import open_store
from cix.store.schema import inbox, outbox

NATS_URL = "nats://127.0.0.1:4222"


@dataclass
class Member:
    country: str
    authority: str
    home: Path
    port: int
    url: str  # store URL
    env: dict[str, str]
    proc: subprocess.Popen[bytes] | None = None
    log: Path | None = None

    @property
    def id(self) -> str:
        return f"{self.country}-{self.authority}"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Cluster:
    tmp: Path
    transport: str
    members: dict[str, Member] = field(default_factory=dict)
    agreements: dict[str, Agreement] = field(default_factory=dict)

    def add(self, country: str, authority: str, url: str | None = None) -> Member:
        tag = uuid.uuid4().hex[:4].upper()  # unique ids: the NATS stream outlives a test run
        auth = f"{authority}{tag}"
        home = self.tmp / f"{country}-{auth}"
        port = free_port()
        store_url = url or f"sqlite:///{home / 'cix.sqlite'}"
        node_mod.init(home, country, auth)
        endpoints = [{"transport": "http", "url": f"http://127.0.0.1:{port}/api/v1/exchange/inbox"}]
        if self.transport == "nats":
            endpoints.append({"transport": "nats", "url": NATS_URL})
        node_mod.set_endpoints(home, endpoints)
        env = {
            **os.environ,
            "CIX_HOME": str(home),
            "CIX_COUNTRY": country,
            "CIX_AUTHORITY": auth,
            "CIX_TRANSPORT": self.transport,
            "CIX_RETRY_BASE_SECONDS": "0.2",
            "CIX_RETRY_MAX_SECONDS": "1.0",
            "CIX_NATS_URL": NATS_URL,
        }
        if url:
            env["CIX_DATABASE_URL"] = url
        else:
            env.pop("CIX_DATABASE_URL", None)
        m = Member(country, auth, home, port, store_url, env)
        self.members[country] = m
        open_store(store_url)  # migrate before the server starts
        return m

    def link(self, preset: str, countries: list[str], agreement_id: str) -> Agreement:
        ids = [self.members[c].id for c in countries]
        ag = instantiate(preset, ids, agreement_id=agreement_id)
        self.agreements[agreement_id] = ag
        for c in countries:
            me = self.members[c]
            store = open_store(me.url)
            with store.write() as conn:
                for other in countries:
                    if other != c:
                        partners.add(conn, node_mod.card(node_mod.load(self.members[other].home)))
                agreement_store.add(conn, ag)
        return ag

    def refresh_card(self, of: str, at: str) -> None:
        """Hand ``of``'s current card to ``at`` (after a key rotation)."""
        store = open_store(self.members[at].url)
        with store.write() as conn:
            partners.add(conn, node_mod.card(node_mod.load(self.members[of].home)))

    def start(self, country: str, **env: str) -> None:
        m = self.members[country]
        m.log = m.home / f"serve-{time.monotonic_ns()}.log"
        with m.log.open("wb") as log:
            m.proc = subprocess.Popen(
                [sys.executable, "-m", "cix", "serve", "--port", str(m.port)],
                env={**m.env, **env},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{m.base}/api/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if m.proc.poll() is not None:
                raise RuntimeError(f"{m.id} exited: {m.log.read_text()[-2000:]}")
            time.sleep(0.1)
        raise RuntimeError(f"{m.id} did not start: {m.log.read_text()[-2000:]}")

    def kill9(self, country: str) -> None:
        m = self.members[country]
        if m.proc and m.proc.poll() is None:
            m.proc.send_signal(signal.SIGKILL)
            m.proc.wait(10)

    def stop_all(self) -> None:
        for m in self.members.values():
            if m.proc and m.proc.poll() is None:
                m.proc.terminate()
                try:
                    m.proc.wait(10)
                except subprocess.TimeoutExpired:
                    m.proc.kill()

    def send(self, frm: str, to: str, type: str, agreement: str, payloads: list[dict[str, Any]]) -> list[str]:
        m = self.members[frm]
        r = httpx.post(
            f"{m.base}/api/v1/exchange/outbox",
            json={"to": self.members[to].id, "type": type, "agreement": agreement, "payloads": payloads},
            timeout=60,
        )
        assert r.status_code == 202, r.text
        return list(r.json()["ids"])

    def inbox_ids(self, country: str) -> list[str]:
        store = open_store(self.members[country].url)
        with store.read() as conn:
            return list(conn.execute(select(inbox.c.id)).scalars())

    def outbox_by_status(self, country: str) -> dict[str, int]:
        store = open_store(self.members[country].url)
        with store.read() as conn:
            q = select(outbox.c.status, func.count()).group_by(outbox.c.status)
            return {s: n for s, n in conn.execute(q)}

    def wait_delivered(self, frm: str, n: int, timeout: float = 60) -> dict[str, int]:
        deadline = time.monotonic() + timeout
        st: dict[str, int] = {}
        while time.monotonic() < deadline:
            st = self.outbox_by_status(frm)
            if st.get("delivered", 0) >= n:
                return st
            time.sleep(0.2)
        raise AssertionError(f"{frm}: only {st} after {timeout} s")
