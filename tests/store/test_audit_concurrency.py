"""Concurrent appends to the audit log never fork the chain: contiguous sequence numbers, every link holds."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import event, select

from cix.store import audit
from cix.store.db import open_store
from cix.store.schema import audit_log
from tests.conftest import _pg_database

THREADS, EACH = 4, 50


def _hammer(store: Any, batch: int = 1) -> None:
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def work(t: int) -> None:
        try:
            start.wait()
            for i in range(0, EACH, batch):
                with store.write() as conn:
                    audit.append(
                        conn,
                        [
                            {"event": "message.sent", "actor": f"t{t}", "subject": f"m{t}-{j}", "details": {"j": j}}
                            for j in range(i, min(i + batch, EACH))
                        ],
                    )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert not errors, errors
    assert not any(th.is_alive() for th in threads)


def _check(store: Any, n: int = THREADS * EACH) -> None:
    with store.read() as conn:
        seqs = list(conn.execute(select(audit_log.c.seq).order_by(audit_log.c.seq)).scalars())
        subjects = list(conn.execute(select(audit_log.c.subject)).scalars())
        v = audit.verify(conn)
    assert seqs == list(range(1, n + 1))
    assert sorted(subjects) == sorted(f"m{t}-{j}" for t in range(THREADS) for j in range(EACH))
    assert v.ok and v.checked == n, v


def test_four_threads_sqlite(sqlite_store: Any) -> None:
    _hammer(sqlite_store)
    _check(sqlite_store)


def test_four_threads_each_back_end(store: Any) -> None:
    _hammer(store)
    _check(store)


def test_four_threads_in_batches(store: Any) -> None:
    _hammer(store, batch=7)
    _check(store)


@pytest.mark.postgres
def test_four_threads_through_separate_store_objects(tmp_path: Any) -> None:
    """Like worker processes: each thread holds its own engine (no shared Python lock); PostgreSQL.

    (SQLite with separate engines: see the test below.)
    """
    gen = _pg_database()
    store_url = next(gen)
    try:
        _separate_stores(store_url)
    finally:
        next(gen, None)  # drops the database


def _separate_stores(store_url: str) -> None:
    stores = [open_store(store_url, fresh=True) for _ in range(THREADS)]
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def work(t: int) -> None:
        try:
            start.wait()
            for j in range(EACH):
                with stores[t].write() as conn:
                    audit.append(conn, [{"event": "message.received", "actor": f"t{t}", "subject": f"m{t}-{j}"}])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    try:
        assert not errors, errors[:3]
        _check(stores[0])
    finally:
        for s in stores:
            s.dispose()


def test_sqlite_append_from_two_engines_interleaved(tmp_path: Any) -> None:
    """Two engines on one SQLite file (two processes): B appends while A is between reading the
    chain head and inserting. Both appends must succeed, in some order, with a contiguous chain.

    (Regression: pysqlite began the transaction only at the INSERT, so A failed with
    ``UNIQUE constraint failed: audit_log.seq``; writes now BEGIN IMMEDIATE.)"""
    url = f"sqlite:///{tmp_path / 'cix.sqlite'}"
    a, b = open_store(url, fresh=True), open_store(url, fresh=True)
    other: list[BaseException] = []

    def b_appends() -> None:
        try:
            with b.write() as conn:
                audit.append(conn, [{"event": "message.received", "subject": "from-b"}])
        except BaseException as exc:
            other.append(exc)

    fired = threading.Event()

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("INSERT INTO audit_log") and not fired.is_set():
            fired.set()
            th = threading.Thread(target=b_appends)
            th.start()
            th.join(timeout=2)  # a correct lock makes B wait for A: the join then times out

    event.listen(a.engine, "before_cursor_execute", before)
    try:
        with a.write() as conn:
            audit.append(conn, [{"event": "message.sent", "subject": "from-a"}])
        assert fired.is_set()
        deadline = time.monotonic() + 10
        while len(_subjects(a)) < 2 and not other and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not other, other
        assert sorted(_subjects(a)) == ["from-a", "from-b"]
        with a.read() as conn:
            assert audit.verify(conn).ok
    finally:
        a.dispose()
        b.dispose()


def _subjects(store: Any) -> list[str]:
    with store.read() as conn:
        return list(conn.execute(select(audit_log.c.subject).order_by(audit_log.c.seq)).scalars())
