"""Opening stores: migrations on an empty database, idempotent re-open, errors mapped to StoreError."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from cix.errors import StoreError
from cix.store.db import head_revision, migrate, open_store


def test_empty_database_is_migrated(store_url: str) -> None:
    s = open_store(store_url, fresh=True)
    with s.read() as conn:
        tables = set(inspect(conn).get_table_names())
        assert {"declarations", "declaration_versions", "goods_items", "quarantine", "inspections"} <= tables
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head_revision()
    migrate(s.engine)  # a second run is a no-op
    s.dispose()


def test_sqlite_uses_wal(tmp_path: Path) -> None:
    s = open_store(f"sqlite:///{tmp_path / 'x' / 'c.sqlite'}", fresh=True)
    with s.read() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    s.dispose()


def test_unreachable_server_is_a_store_error() -> None:
    with pytest.raises(StoreError) as info:
        open_store("postgresql+psycopg://nobody@127.0.0.1:1/none", fresh=True)
    assert "secret" not in info.value.message


def test_password_hidden_in_errors() -> None:
    with pytest.raises(StoreError) as info:
        open_store("postgresql+psycopg://u:hunter2@127.0.0.1:1/none", fresh=True)
    assert "hunter2" not in info.value.message


def test_failed_write_rolls_back(store_url: str) -> None:
    s = open_store(store_url, fresh=True)
    with pytest.raises(StoreError), s.write() as conn:
        conn.execute(
            text(
                "INSERT INTO quarantine (created_at, format, reason, raw, raw_hash, problems, status) "
                "VALUES (CURRENT_TIMESTAMP, 'json', 'invalid', '{}', 'h', '[]', 'open')"
            )
        )
        conn.execute(text("INSERT INTO no_such_table VALUES (1)"))
    with s.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM quarantine")).scalar() == 0
    s.dispose()
