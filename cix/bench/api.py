"""``cix bench api``: one declaration per HTTP request through the whole path, answered with its channel.

Set-up (before the clock) is that of ``cix bench pipeline`` (:func:`cix.bench.pipeline.prepare_node`):
history through the path, inspections, price references, a promoted node model, the fifty sample
profiles, the partner export records. Then a real ``cix serve`` process runs on loopback on that node
home, and ``rate × seconds`` distinct generated import declarations are POSTed to
``/api/v1/risk/declarations`` at the offered rate (open loop: request *i* leaves at *i* / rate seconds,
from a pool of client threads, so a slow answer does not delay the next request). Latency is measured
per request from send to answer. A request is an error unless it is answered 201 with a channel;
loss is counted end to end (the natural keys sent against the declarations with a stored decision).
The floor is the same declarations lodged one by one in-process without the path
(``store.run_path = False``) into a fresh store, in the same run: its per-record latency bounds what
HTTP and the path add.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy import select

from cix.bench import pipeline as bp
from cix.store.db import open_store
from cix.store.schema import declarations
from cix.store.tables_risk import risk_decisions

PATH = "/api/v1/risk/declarations"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(q * (len(v) - 1) + 0.5))]


def _start(home: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CIX_HOME": str(home)}
    env.pop("CIX_DATABASE_URL", None)
    log = (home / "serve.log").open("wb")
    p = subprocess.Popen([sys.executable, "-m", "cix", "serve", "--port", str(port)], env=env, stdout=log,
                         stderr=subprocess.STDOUT)  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                return p
        except httpx.HTTPError:
            time.sleep(0.1)
    p.kill()
    raise RuntimeError(f"cix serve did not start; see {home / 'serve.log'}")


def _floor(payloads: list[bytes], work: Path, today: dt.date) -> list[float]:
    from cix.ingest.readers import from_json_bytes
    from cix.pipeline.lodge import lodge_batch

    store = open_store(f"sqlite:///{work / 'floor.sqlite'}", fresh=True)
    store.run_path = False
    lat = []
    for i, p in enumerate(payloads):
        t0 = time.perf_counter()
        lodge_batch(store, [from_json_bytes(p, "json", f"floor:{i}")], today=today)
        lat.append((time.perf_counter() - t0) * 1000)
    store.dispose()
    return lat


def run(
    rate: float = 100.0, seconds: float = 30.0, *, seed: int = 7, history: int = 2000, log: bp.Log = bp._quiet
) -> dict[str, Any]:
    n = max(1, int(rate * seconds))
    today = dt.date.today()
    bench = bp._dataset(n + 5, seed, today)
    imports = bench.imports[: n + 5]
    warm, docs = imports[:5], imports[5:]
    payloads = [orjson.dumps(d) for d in docs]
    from cix.model.declaration import natural_key_of

    keys = [natural_key_of(d) for d in docs]
    with tempfile.TemporaryDirectory(prefix="cix-bench-api-") as tmp:
        work = Path(tmp)
        home, settings, store = bp.node_home(work)
        setup = bp.prepare_node(store, settings, home, history=history, bench=bench, seed=seed, log=log)
        url = settings.store_url
        store.dispose()
        log("floor: the same declarations stored one by one in-process, without the path")
        floor_lat = _floor(payloads, work, today)
        port = _port()
        proc = _start(home, port)
        lat: list[float] = [0.0] * len(payloads)
        status: list[Any] = [None] * len(payloads)
        channels: list[str | None] = [None] * len(payloads)
        lock = threading.Lock()
        try:
            client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30,
                                  limits=httpx.Limits(max_connections=64, max_keepalive_connections=64))  # fmt: skip
            for d in warm:  # load the model, profiles and references in the server before the clock
                client.post(PATH, content=orjson.dumps(d), headers={"content-type": "application/json"})
            log(f"offering {len(payloads)} requests at {rate}/s")
            t_start = time.perf_counter() + 0.2

            def send(i: int) -> None:
                wait = t_start + i / rate - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
                t0 = time.perf_counter()
                try:
                    r = client.post(PATH, content=payloads[i], headers={"content-type": "application/json"})
                    st: Any = r.status_code
                    ch = r.json().get("channel") if st == 201 else None
                except httpx.HTTPError as exc:
                    st, ch = type(exc).__name__, None
                t1 = time.perf_counter()
                with lock:
                    lat[i], status[i], channels[i] = (t1 - t0) * 1000, st, ch

            with ThreadPoolExecutor(max_workers=32) as pool:
                list(pool.map(send, range(len(payloads))))
            span = time.perf_counter() - t_start
            client.close()
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        check = open_store(url, fresh=True)
        with check.read() as conn:
            q = select(declarations.c.natural_key).join(
                risk_decisions, risk_decisions.c.declaration_id == declarations.c.id
            )
            decided = set(conn.execute(q).scalars())
        check.dispose()
    errors = sum(1 for s, c in zip(status, channels, strict=True) if s != 201 or c is None)
    lost = sum(1 for k in keys if k not in decided)
    return {
        "requests": len(payloads),
        "offered_rate_per_s": rate,
        "rate_per_s": round(len(payloads) / span, 1),
        "p50_ms": round(_pct(lat, 0.50), 1),
        "p99_ms": round(_pct(lat, 0.99), 1),
        "max_ms": round(max(lat), 1),
        "errors": errors,
        "lost": lost,
        "floor_p50_ms": round(_pct(floor_lat, 0.50), 2),
        "floor_p99_ms": round(_pct(floor_lat, 0.99), 2),
        "channels": {c: channels.count(c) for c in sorted({c for c in channels if c})},
        "setup": setup,
        "goal": {"p99_ms": 50, "rate_per_s": 100, "errors": 0},
    }
