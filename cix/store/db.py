"""Opening the store: engine, SQLite pragmas, Alembic migrations, and driver errors mapped to cix's.

:func:`open_store` returns a :class:`Store` for a URL (a SQLite file under ``CIX_HOME`` by default,
PostgreSQL through ``CIX_DATABASE_URL``), creating and migrating the schema to the newest revision
on first use, so every command works on an empty home. SQLite runs in WAL mode with one writer at a
time (a process-wide lock serialises writes from the API's threads). Every database or driver error
leaves this layer as :class:`cix.errors.StoreError`, never as a SQLAlchemy exception.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError

from cix.errors import StoreError


class StoreIntegrityError(StoreError):
    """A write broke a constraint (a unique natural key stored meanwhile by another process)."""

    status_code = 409
    code = "store_conflict"


MIGRATIONS = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # transactions are begun by _sqlite_begin, not by the driver
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA cache_size=-65536")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    # A write transaction takes SQLite's write lock at once (BEGIN IMMEDIATE), so a read-then-insert
    # inside it (the audit chain head, the next ids) cannot interleave with a writer in another process.
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("cix_write") else "BEGIN")


def _alembic_config(conn: Connection) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    cfg = _alembic_config(None)  # type: ignore[arg-type]
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (a no-op when it is there already)."""
    from alembic import command

    with engine.begin() as conn:
        current = None
        if inspect(conn).has_table("alembic_version"):
            current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        if current == head_revision():
            return
        command.upgrade(_alembic_config(conn), "head")


class Store:
    """A connection pool to one cix database, with a write lock for SQLite's single writer."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._write_lock = threading.RLock()
        # The node's settings, for the steps of the declaration path (None: read from the environment),
        # and whether storing a declaration runs those steps (matching, valuation, risk, channel).
        self.settings: Any = None
        self.run_path = True
        self._checkpointing = False

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One transaction that writes; committed on success, rolled back on any error."""
        try:
            with self._write_lock, self.engine.connect() as conn:
                conn.info["cix_write"] = True
                try:
                    with conn.begin():
                        yield conn
                finally:
                    conn.info.pop("cix_write", None)
        except IntegrityError as exc:
            raise StoreIntegrityError(f"store write refused: {_reason(exc)}") from exc
        except SQLAlchemyError as exc:
            raise StoreError(f"store write failed: {_reason(exc)}") from exc

    @contextmanager
    def read(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise StoreError(f"store read failed: {_reason(exc)}") from exc

    def dispose(self) -> None:
        self.engine.dispose()

    def checkpoint_in_background(self, interval: float = 1.0) -> None:
        """SQLite: take the WAL checkpoints off the write path (a process that writes all day calls this).

        By default the commit that fills the write-ahead log past 1,000 pages copies it into the
        database and syncs it, and the write that commits waits for that (hundreds of milliseconds on
        a slow disk). Here this store's connections never checkpoint on commit; a thread of its own
        runs a passive checkpoint every ``interval`` seconds instead, which writers do not wait for.
        """
        if not self.is_sqlite or self._checkpointing:
            return
        path = self.engine.url.database
        if not path or path == ":memory:":
            return
        self._checkpointing = True

        def no_autocheckpoint(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.execute("PRAGMA wal_autocheckpoint=0")

        event.listen(self.engine, "connect", no_autocheckpoint)
        self.engine.dispose()  # pooled connections made before come back with the setting

        def run() -> None:
            import sqlite3
            import time

            conn = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
            while True:
                time.sleep(interval)
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
                except sqlite3.Error:  # busy or gone: the next round tries again
                    continue

        threading.Thread(target=run, name="cix-checkpoint", daemon=True).start()


def _reason(exc: SQLAlchemyError) -> str:
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        return str(exc.orig).splitlines()[0]
    return str(exc).splitlines()[0]


_STORES: dict[str, Store] = {}
_STORES_LOCK = threading.Lock()


def open_store(url: str, *, fresh: bool = False, migrated: bool = False) -> Store:
    """The store at ``url``, created and migrated on first use (cached per process unless ``fresh``).

    ``migrated``: the caller knows the schema is at the newest revision (a worker process of a parent
    that opened the store), so the check, which loads Alembic and its scripts, is skipped."""
    with _STORES_LOCK:
        if not fresh and url in _STORES:
            return _STORES[url]
        try:
            if url.startswith("sqlite"):
                path = url.split("///", 1)[-1]
                if path and path != ":memory:":
                    Path(path).parent.mkdir(parents=True, exist_ok=True)
                engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
                event.listen(engine, "connect", _sqlite_pragmas)
                event.listen(engine, "begin", _sqlite_begin)
            else:
                engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
            if not migrated:
                migrate(engine)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot open the store at {_safe(url)}: {_reason(exc)}") from exc
        except OSError as exc:
            raise StoreError(f"cannot open the store at {_safe(url)}: {exc}") from exc
        store = Store(engine)
        if not fresh and not migrated:  # a store whose schema was not checked is not handed to others
            _STORES[url] = store
        return store


def _safe(url: str) -> str:
    """The URL without its password."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<url>"


# --- the hot paths' statements, straight to the SQLite driver ----------------------------------------


def bind_processors(conn: Connection, table: Any, cols: tuple[str, ...]) -> list[tuple[int, Any]]:
    """(position, processor) of each column of ``cols`` whose type converts values before binding, as
    Core would (dates and datetimes to text, JSON to text on SQLite)."""
    out = []
    for i, name in enumerate(cols):
        p = table.c[name].type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
        if p is not None:
            out.append((i, p))
    return out


def insert_rows(conn: Connection, table: Any, cols: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Insert ``rows`` (tuples in the order of ``cols``) in one statement.

    On SQLite the rows go to the driver's ``executemany`` with the values bound as Core binds them
    (no statement compiled per call: the path writes a few rows per request); elsewhere through Core.
    """
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        conn.execute(table.insert(), [dict(zip(cols, r, strict=True)) for r in rows])
        return
    procs = bind_processors(conn, table, cols)
    if procs:
        bound = []
        for r in rows:
            v = list(r)
            for i, p in procs:
                v[i] = p(v[i])
            bound.append(tuple(v))
        rows = bound
    marks = ", ".join("?" * len(cols))
    conn.exec_driver_sql(f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({marks})", rows)


def delete_ids(conn: Connection, table: Any, column: str, ids: list[int], chunk: int = 900) -> None:
    """Delete the rows of ``table`` whose ``column`` is one of the integer ``ids``."""
    for i in range(0, len(ids), chunk):
        part = ",".join(str(int(x)) for x in ids[i : i + chunk])
        conn.exec_driver_sql(f"DELETE FROM {table.name} WHERE {column} IN ({part})")
