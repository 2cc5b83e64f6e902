"""Bulk reads of a SQLite file through the Arrow driver, in reader processes."""

from __future__ import annotations

import os
from typing import Any

import pytest

from cix.errors import StoreError
from cix.store import arrow


def _echo(reader: arrow.ArrowReader, lo: int, hi: int, tag: str) -> tuple[int, list[tuple[Any, ...]]]:
    sql = "SELECT -1 AS id, 0 AS lo, '' AS tag UNION ALL SELECT 1, ?, ?"
    return os.getpid(), reader.frame(sql, (lo, tag)).rows()


def _bad_sentinel(reader: arrow.ArrowReader, lo: int, hi: int) -> Any:
    return reader.frame("SELECT 1 AS id")


def _no_table(reader: arrow.ArrowReader, lo: int, hi: int) -> Any:
    return reader.frame("SELECT -1 AS id FROM nowhere")


def _path(store: Any) -> str:
    with store.read() as conn:
        path = arrow.sqlite_file(conn)
    assert path is not None
    return path


def test_map_ranges_keeps_the_order_of_ranges_and_reads_in_other_processes(sqlite_store: Any) -> None:
    path = _path(sqlite_store)
    ranges = arrow.id_ranges(1, 95, 10)
    assert ranges[0] == (1, 10) and ranges[-1] == (91, 95) and len(ranges) == 10
    out = arrow.map_ranges(path, ranges, _echo, "x")
    assert [rows for _pid, rows in out] == [[(1, lo, "x")] for lo, _hi in ranges]
    # Never in this process: the driver's own copy of SQLite would drop this process's file locks.
    pids = {pid for pid, _rows in out}
    assert os.getpid() not in pids and pids


def test_map_ranges_reports_driver_errors(sqlite_store: Any) -> None:
    path = _path(sqlite_store)
    with pytest.raises(StoreError, match="typed first row"):
        arrow.map_ranges(path, [(1, 1)], _bad_sentinel)
    with pytest.raises(StoreError, match=r"bulk read failed: .*no such table"):
        arrow.map_ranges(path, [(1, 1)], _no_table)


def test_small_reads_are_not_worth_a_process() -> None:
    assert not arrow.worth_it(None, None)
    assert not arrow.worth_it(1, arrow.MIN_IDS - 1)
    assert arrow.worth_it(1, arrow.MIN_IDS)
