"""Customs nodes as real processes on loopback, each with its own home, store, keys and port.

The three-node ``cix demo`` runs on this, and so can any test or benchmark that needs nodes: add
nodes, link them under agreements made from presets (each node learns the others' cards and the
agreement), start every node's ``cix serve`` at once, and stop them all cleanly.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from cix.agreements import Agreement, instantiate
from cix.errors import CixError
from cix.exchange import agreement_store, partners
from cix.exchange import node as node_mod
from cix.i18n import _
from cix.store.db import Store, open_store


def free_port() -> int:
    """A TCP port free on the loopback interface now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Node:
    """One node of the network: its identity, its home and store, its server process."""

    country: str
    authority: str
    home: Path
    port: int
    env: dict[str, str]
    proc: subprocess.Popen[bytes] | None = None
    log: Path | None = None

    @property
    def id(self) -> str:
        return f"{self.country}-{self.authority}"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def store_url(self) -> str:
        return self.env.get("CIX_DATABASE_URL") or f"sqlite:///{self.home / 'cix.sqlite'}"

    def store(self) -> Store:
        return open_store(self.store_url)


@dataclass
class Network:
    """Nodes under one directory, started as ``cix serve`` processes on loopback."""

    root: Path
    transport: str = "http"
    nats_url: str = "nats://127.0.0.1:4222"
    nodes: dict[str, Node] = field(default_factory=dict)
    agreements: dict[str, Agreement] = field(default_factory=dict)

    def add(self, country: str, authority: str = "CUSTOMS", *, env: dict[str, str] | None = None) -> Node:
        """Create (or reuse) the node ``country`` with its keys, endpoints and migrated store."""
        home = self.root / country.lower()
        port = free_port()
        node_mod.ensure(home, country, authority)
        endpoints = [{"transport": "http", "url": f"http://127.0.0.1:{port}/api/v1/exchange/inbox"}]
        if self.transport == "nats":
            endpoints.append({"transport": "nats", "url": self.nats_url})
        node_mod.set_endpoints(home, endpoints)
        node_env = {
            **os.environ,
            "CIX_HOME": str(home),
            "CIX_COUNTRY": country,
            "CIX_AUTHORITY": authority,
            "CIX_TRANSPORT": self.transport,
            "CIX_NATS_URL": self.nats_url,
            "CIX_RETRY_BASE_SECONDS": "0.5",
            "CIX_RETRY_MAX_SECONDS": "5",
            **(env or {}),
        }
        if "CIX_DATABASE_URL" not in (env or {}):
            node_env.pop("CIX_DATABASE_URL", None)
        n = Node(country, authority, home, port, node_env)
        self.nodes[country] = n
        n.store()  # migrate before the server starts
        return n

    def link(self, preset: str, countries: list[str], agreement_id: str | None = None) -> Agreement:
        """An agreement from ``preset`` between ``countries`` (in the preset's role order), known to each."""
        ids = [self.nodes[c].id for c in countries]
        ag = instantiate(preset, ids, agreement_id=agreement_id)
        self.agreements[ag.id] = ag
        for c in countries:
            with self.nodes[c].store().write() as conn:
                for other in countries:
                    if other != c:
                        partners.add(conn, node_mod.card(node_mod.load(self.nodes[other].home)))
                agreement_store.add(conn, ag)
        return ag

    def start(self, *countries: str, timeout: float = 45.0) -> None:
        """Start the servers of ``countries`` (default: all) together and wait until each answers."""
        chosen = [self.nodes[c] for c in (countries or tuple(self.nodes))]
        for n in chosen:
            n.log = n.home / "serve.log"
            with n.log.open("ab") as log:
                n.proc = subprocess.Popen(
                    [sys.executable, "-m", "cix", "serve", "--port", str(n.port)],
                    env=n.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # Ctrl-C reaches the demo, which stops the nodes in order
                )
        deadline = time.monotonic() + timeout
        waiting = list(chosen)
        while waiting:
            for n in list(waiting):
                try:
                    if httpx.get(f"{n.base}/api/v1/health", timeout=1).status_code == 200:
                        waiting.remove(n)
                        continue
                except httpx.HTTPError:
                    pass
                assert n.proc is not None and n.log is not None
                if n.proc.poll() is not None:
                    self.stop()
                    raise CixError(_("node {id} exited at start: {log}").format(id=n.id, log=n.log.read_text()[-1500:]))
            if time.monotonic() > deadline:
                self.stop()
                raise CixError(_("nodes {ids} did not answer within {s} s").format(
                    ids=", ".join(n.id for n in waiting), s=int(timeout)))  # fmt: skip
            time.sleep(0.1)

    def stop(self) -> None:
        """Stop every running server (SIGTERM, then SIGKILL after 10 s)."""
        for n in self.nodes.values():
            if n.proc and n.proc.poll() is None:
                n.proc.terminate()
        for n in self.nodes.values():
            if n.proc and n.proc.poll() is None:
                try:
                    n.proc.wait(10)
                except subprocess.TimeoutExpired:
                    n.proc.kill()
                    n.proc.wait(5)
