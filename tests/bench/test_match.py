"""``cix bench match`` at a small N: the JSON contract and the correctness share; and the bulk reader it
times (:func:`cix.matching.records.read_bulk`) against the plain one on the bench's own store."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cix.bench.match import generate, load, run
from cix.matching import records
from cix.store import arrow
from cix.store.db import open_store


def test_bench_match_small() -> None:
    result = run(300, seed=3)
    for key in ("records", "seconds", "rate_per_s", "matched_share", "correct_share", "floor_seconds", "ratio"):
        assert key in result
    assert result["records"] == 300
    assert result["pairs"] == 300 - 15
    assert result["correct_share"] >= 0.95
    assert 0.9 <= result["matched_share"] <= 1.0
    assert result["floor_ucr_pairs"] > 0


def test_generate_rows_and_cache(tmp_path: Path) -> None:
    decl, goods, truth = generate(40, 5, cache=tmp_path)
    assert decl.height == 2 * 40 and truth.height == 40 - 2
    assert set(goods["declaration_id"].unique().to_list()) <= set(decl["id"].to_list())
    again = generate(40, 5, cache=tmp_path)
    assert_frame_equal(again[0], decl)
    assert_frame_equal(again[2], truth)


def test_read_bulk_reads_what_read_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    decl, goods, _truth = generate(60, 7)
    path = tmp_path / "bench.sqlite"
    url = f"sqlite:///{path}"
    open_store(url, fresh=True).dispose()
    load(path, decl, goods)
    store = open_store(url, fresh=True)
    cancelled, own = decl.filter(pl.col("kind") == "export")["id"].to_list()[:2]
    with store.write() as conn:
        # A cancelled record, an own export (not a partner record), and leading NULLs in a chunk.
        conn.exec_driver_sql("UPDATE declarations SET status = 'cancelled' WHERE id = ?", (cancelled,))
        conn.exec_driver_sql("UPDATE declarations SET source = NULL, office = 'RU10317010' WHERE id = ?", (own,))
        conn.exec_driver_sql("UPDATE declarations SET office = NULL, ucr = NULL WHERE id BETWEEN 8 AND 12")
    monkeypatch.setattr(records, "BULK_CHUNK_IDS", 7)  # many chunks over both reader processes
    monkeypatch.setattr(arrow, "MIN_IDS", 1)  # a bulk read, however few the records
    with store.read() as conn:
        plain, plain_goods = records.read(conn, country="RU")
        with monkeypatch.context() as m:  # the Arrow path itself, not the fall-back to read()
            m.setattr(records, "read", None)
            bulk, bulk_goods = records.read_bulk(conn, country="RU")
    store.dispose()
    assert bulk.height == plain.height == 2 * 60 - 2
    assert cancelled not in bulk["id"].to_list() and own not in bulk["id"].to_list()
    assert_frame_equal(bulk.sort("id"), plain.sort("id"))
    assert_frame_equal(bulk_goods.sort("declaration_id", "seq"), plain_goods.sort("declaration_id", "seq"))
    assert bulk.filter(pl.col("containers").list.len() > 0).height > 0
