"""`cix demo`: three nodes answer within a minute, traffic flows to the importing node, Ctrl-C stops all."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select

from cix.store.db import open_store
from cix.store.schema import declarations, inbox


def test_demo_three_nodes_answer_and_exchange(tmp_path: Path) -> None:
    root = tmp_path / "demo3"
    env = {**os.environ, "CIX_HOME": str(tmp_path / "home")}
    env.pop("CIX_DATABASE_URL", None)
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "cix", "demo", "--home", str(root), "--history-days", "3", "--per-day", "12",
         "--pace", "0.2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    urls: list[str] = []
    seen: list[str] = []
    try:
        while len(urls) < 3:
            line = proc.stdout.readline()
            assert line, f"demo ended early: {''.join(seen)}"
            seen.append(line)
            m = re.match(r"(http://127\.0\.0\.1:\d+/)\s+(\S+)", line)
            if m:
                urls.append(m.group(1))
        answered = time.monotonic() - t0
        assert answered < 60, answered
        assert "RU-" in next(s for s in seen if urls[0] in s)  # the importing node first
        for url in urls:
            r = httpx.get(url, timeout=5, follow_redirects=True)
            assert r.status_code == 200, (url, r.status_code)
        # partner data reaches Russia over the exchange, and Russia lodges today's imports
        ru = open_store(f"sqlite:///{root / 'ru' / 'cix.sqlite'}")
        deadline = time.monotonic() + 90
        got: dict[str, int] = {}
        while time.monotonic() < deadline:
            with ru.read() as conn:
                got = dict(conn.execute(select(inbox.c.type, func.count()).group_by(inbox.c.type)).all())
                apis = conn.execute(
                    select(func.count()).select_from(declarations).where(declarations.c.source.like("api:%"))
                ).scalar_one()
            if got.get("export_declaration") and got.get("preliminary_information") and apis > 0:
                break
            time.sleep(0.5)
        assert got.get("export_declaration", 0) > 0 and got.get("preliminary_information", 0) > 0, got
        assert apis > 0
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            out, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode == 0, out[-2000:]
    assert "stopped" in out
    for url in urls:  # every node is down after Ctrl-C
        try:
            httpx.get(url, timeout=1)
        except httpx.HTTPError:
            continue
        raise AssertionError(f"{url} still answers after Ctrl-C")
