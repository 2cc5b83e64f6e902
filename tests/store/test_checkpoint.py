"""WAL checkpoints off the write path: the store's connections never checkpoint on commit, a thread does."""

from __future__ import annotations

import time
from pathlib import Path

from cix.store.db import open_store


def test_background_checkpoints_replace_the_commit_time_ones(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'c.sqlite'}", fresh=True)
    try:
        store.checkpoint_in_background(interval=0.05)
        store.checkpoint_in_background(interval=0.05)  # once is enough; a second call changes nothing
        with store.read() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        with store.write() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x TEXT)")
            conn.exec_driver_sql("INSERT INTO t VALUES (?)", [("x" * 2000,) for _ in range(3000)])
        main = tmp_path / "c.sqlite"
        # No commit copied the log into the database file; only the thread can (nothing else checkpoints).
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and main.stat().st_size < 5_000_000:
            time.sleep(0.1)
        assert main.stat().st_size >= 5_000_000
    finally:
        store.dispose()


def test_an_in_memory_store_is_left_alone() -> None:
    store = open_store("sqlite:///:memory:", fresh=True)
    store.checkpoint_in_background()
    assert store._checkpointing is False
