"""Bulk reads of a SQLite store through the Arrow driver (ADBC): rows straight into Polars frames.

A bulk read of a SQLite file skips the Python ``sqlite3`` cursor, which makes one tuple per row: it
reads through read-only connections of the Arrow driver, one per worker process, each holding one
read transaction (so one consistent snapshot of the *committed* rows) over the id ranges it is given.

The workers are child processes, never threads of the caller: the Arrow driver carries its own copy
of SQLite, and two copies of SQLite in one process corrupt a database, because closing the file in
one copy drops the POSIX locks the other copy holds on it (https://sqlite.org/howtocorrupt.html,
section 2.2.1); another process may then write while this one still reads or writes. A read of fewer
than :data:`MIN_IDS` ids is not worth a child process (about a second to start): callers read it
through their own connection instead (:func:`worth_it`).
The driver infers a column's type from the values it meets first, so every query of a
:class:`ArrowReader` starts with a typed sentinel row whose first column is -1 (``SELECT -1 AS id, ''
AS name, 0.0 AS amount UNION ALL SELECT ...``); the reader checks it is there and drops it, so that a
chunk that starts with NULLs still comes back with the right types. PostgreSQL and in-memory SQLite
have no file to open: :func:`sqlite_file` returns None and callers keep their plain SQL read.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import polars as pl
from sqlalchemy import Connection

from cix.errors import StoreError

T = TypeVar("T")

#: Reader processes: one per core.
WORKERS = 2
#: Fewer ids than this are read through the caller's own connection (see :func:`worth_it`).
MIN_IDS = 200_000

_PRAGMAS = ("PRAGMA query_only=1", "PRAGMA busy_timeout=30000", "PRAGMA mmap_size=2147418112")


def sqlite_file(conn: Connection) -> str | None:
    """The file of a SQLite store's main database (None for PostgreSQL or an in-memory database)."""
    if conn.dialect.name != "sqlite":
        return None
    for _seq, name, file in conn.exec_driver_sql("PRAGMA database_list").fetchall():
        if name == "main":
            return str(file) or None
    return None


def worth_it(lo: int | None, hi: int | None) -> bool:
    """Whether ids ``lo`` to ``hi`` are worth a bulk read by child processes."""
    return lo is not None and hi is not None and hi - lo + 1 >= MIN_IDS


def id_ranges(lo: int, hi: int, size: int) -> list[tuple[int, int]]:
    """``[lo, hi]`` cut into consecutive ranges of at most ``size`` ids."""
    return [(a, min(a + size - 1, hi)) for a in range(lo, hi + 1, size)]


class ArrowReader:
    """A read-only connection of the Arrow driver to a SQLite file, in one read transaction."""

    def __init__(self, path: str) -> None:
        import adbc_driver_sqlite.dbapi as adbc

        try:
            self._db = adbc.connect(path)  # not autocommit: the first read begins the snapshot
            self._cur = self._db.cursor()
            for pragma in _PRAGMAS:
                self._cur.execute(pragma)
                self._cur.fetchall()
        except adbc.Error as exc:
            raise StoreError(f"bulk read: cannot open {path}: {exc}") from exc

    def frame(self, sql: str, params: Sequence[Any] = ()) -> pl.DataFrame:
        """The rows of ``sql`` (``?`` parameters), less its first row, the typed sentinel (-1 first)."""
        import adbc_driver_sqlite.dbapi as adbc

        try:
            self._cur.execute(sql, tuple(params))
            table = self._cur.fetch_arrow_table()
        except adbc.Error as exc:
            raise StoreError(f"bulk read failed: {str(exc).splitlines()[0]}") from exc
        if table.num_rows == 0 or table.column(0)[0].as_py() != -1:
            raise StoreError("bulk read: the database did not return the typed first row first")
        out = pl.from_arrow(table.slice(1))
        assert isinstance(out, pl.DataFrame)
        return out

    def close(self) -> None:
        try:
            self._cur.close()
        finally:
            self._db.close()


def _run(
    path: str, mine: Sequence[tuple[int, ...]], work: Callable[..., T], args: tuple[Any, ...], spill: str
) -> list[Any]:
    reader = ArrowReader(path)
    try:
        return [_ship(work(reader, *r, *args), spill) for r in mine]
    finally:
        reader.close()


# Frames cross from a reader process as Arrow IPC files in a spill directory (shared memory where
# there is some), not pickled through the pool's pipe: writing and mapping a file costs a fraction.
@dataclass(frozen=True)
class _Shipped:
    path: str
    series: str | None = None  # a Series shipped as a one-column frame: its name


def _ship(obj: Any, spill: str) -> Any:
    if isinstance(obj, pl.Series):
        frame, name = obj.to_frame(), obj.name
    elif isinstance(obj, pl.DataFrame):
        frame, name = obj, None
    elif isinstance(obj, tuple | list):
        return type(obj)(_ship(x, spill) for x in obj)
    else:
        return obj
    fd, file = tempfile.mkstemp(suffix=".arrow", dir=spill)
    os.close(fd)
    frame.write_ipc(file, compression="uncompressed")
    return _Shipped(file, name)


def _land(obj: Any) -> Any:
    if isinstance(obj, _Shipped):
        frame = pl.read_ipc(obj.path)
        os.unlink(obj.path)
        return frame.to_series(0) if obj.series is not None else frame
    if isinstance(obj, tuple | list):
        return type(obj)(_land(x) for x in obj)
    return obj


#: Shared memory is used for the hand-over only with at least this much free (else the temp directory).
SPILL_MIN_FREE = 4 << 30


def _spill_dir() -> str:
    shm = "/dev/shm"
    base = None
    try:
        if os.access(shm, os.W_OK) and shutil.disk_usage(shm).free >= SPILL_MIN_FREE:
            base = shm
    except OSError:
        base = None
    return tempfile.mkdtemp(prefix=f"cix-arrow-{os.getpid()}-", dir=base)


def map_ranges(
    path: str,
    ranges: Sequence[tuple[int, ...]],
    work: Callable[..., T],
    *args: Any,
    workers: int = WORKERS,
) -> list[T]:
    """``work(reader, *range, *args)`` for each range, spread over ``workers`` child processes (each with
    its own reader); the results in the order of ``ranges``. ``work`` must be a module-level function
    and ``args`` and the results picklable: they cross between processes (Polars frames and series,
    also inside tuples and lists, as Arrow IPC files)."""
    if not ranges:
        return []
    workers = max(1, min(workers, len(ranges)))
    spill = _spill_dir()
    try:
        with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
            futures = [pool.submit(_run, path, ranges[w::workers], work, args, spill) for w in range(workers)]
            try:
                done = [f.result() for f in futures]
            except StoreError:
                raise
            except Exception as exc:  # a reader process died, the disk is full, ...: one kind of error
                raise StoreError(f"bulk read of {path} failed: {exc}") from exc
        out: list[T] = []
        for i in range(len(ranges)):
            out.append(_land(done[i % workers][i // workers]))
        return out
    finally:
        shutil.rmtree(spill, ignore_errors=True)
