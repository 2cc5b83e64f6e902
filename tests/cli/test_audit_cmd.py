"""Tests of ``cix audit`` on the module's own app: verify an intact and an edited chain, tail it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import update

from cix.cli.audit_cmd import app
from cix.store import audit
from cix.store.schema import audit_log
from tests.cli.test_exchange_cmd import Home, run


def fill(h: Home, n: int = 3) -> None:
    with h.store.write() as conn:
        audit.append(conn, [{"event": "message.queued" if i % 2 else "message.sent", "subject": f"m{i}"}
                            for i in range(n)])  # fmt: skip


def test_verify_intact_and_empty(tmp_path: Path) -> None:
    h = Home(tmp_path / "h")
    assert h(app, "verify") == {"ok": True, "checked": 0, "first_bad_seq": None, "reason": None}
    fill(h)
    assert h(app, "verify")["checked"] == 3
    code, out, err = run(app, "verify", "--home", h.path)
    assert code == 0 and "intact" in out and not err


def test_verify_detects_an_edit_and_still_exits_0(tmp_path: Path) -> None:
    h = Home(tmp_path / "h")
    fill(h, 4)
    with h.store.write() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 2).values(subject="forged"))
    code, out, err = run(app, "verify", "--home", h.path, "--json")
    assert code == 0
    assert out.count("\n") == 1 and '"ok":false' in out and '"first_bad_seq":2' in out
    assert err.count("\n") == 1 and "entry 2" in err
    code, out, _err = run(app, "verify", "--home", h.path)
    assert code == 0 and "BROKEN" in out


def test_tail(tmp_path: Path) -> None:
    h = Home(tmp_path / "h")
    assert h(app, "tail") == {"count": 0, "entries": []}
    fill(h, 5)
    got = h(app, "tail", "--limit", "2")
    assert [e["seq"] for e in got["entries"]] == [5, 4] and got["entries"][0]["details"] == {}
    sent = h(app, "tail", "--event", "message.sent")["entries"]
    assert [e["subject"] for e in sent] == ["m4", "m2", "m0"]
    code, out, _err = run(app, "tail", "--home", h.path)
    assert code == 0 and out.count("\n") == 5
    code, _out, err = run(app, "tail", "--limit", "0", "--home", h.path)
    assert code == 2 and err
