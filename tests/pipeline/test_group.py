"""Group commit: records handed over by many callers are lodged together, each answered with its own
outcome; a failing group is retried record by record; the lodging process answers like the thread."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from cix.pipeline import group
from cix.pipeline.group import GroupLodger, ProcessLodger
from cix.pipeline.lodge import DUPLICATE, QUARANTINED, STORED
from cix.store.schema import declarations, quarantine
from tests.pipeline.test_lodge import bad_unit, count, decl, entries, incoming


def _gated(monkeypatch: pytest.MonkeyPatch) -> tuple[threading.Event, threading.Event]:
    """Hold the writer in its first batch until the second event is set (so the others queue up); the
    first event is set once the writer is held."""
    entered, gate = threading.Event(), threading.Event()
    real = group.lodge_batch
    calls = [0]

    def held(*args: Any, **kw: Any) -> Any:
        calls[0] += 1
        if calls[0] == 1:
            entered.set()
            assert gate.wait(10)
        return real(*args, **kw)

    monkeypatch.setattr(group, "lodge_batch", held)
    return entered, gate


def test_records_that_queue_meanwhile_are_lodged_as_one_group(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    entered, gate = _gated(monkeypatch)
    lodger = GroupLodger(store)
    first = lodger.submit(incoming(decl("G-0"), "api"), source="api:t")
    assert entered.wait(10)
    docs = [decl(f"G-{i}") for i in range(1, 8)] + [decl("G-1"), bad_unit("G-BAD"), decl("G-2", amount=1)]
    futures = [lodger.submit(incoming(d, f"api#{i}"), source="api:t") for i, d in enumerate(docs)]
    gate.set()
    outcomes = [f.result(10) for f in futures]
    lodger.close()
    assert first.result().status == STORED
    assert list(lodger.groups) == [1, len(docs)]
    assert [o.status for o in outcomes[:7]] == [STORED] * 7
    # The same record again is a duplicate of the one stored in the same group; other content is a conflict.
    assert outcomes[7].status == DUPLICATE and outcomes[7].declaration_id == outcomes[0].declaration_id
    assert outcomes[8].status == QUARANTINED and outcomes[8].problems
    assert outcomes[9].status == QUARANTINED and any(p.rule == "key.conflict" for p in outcomes[9].problems)
    # Each caller gets its own locator back, and every record is accounted for exactly once.
    assert [o.locator for o in outcomes] == [f"api#{i}" for i in range(len(docs))]
    assert count(store, declarations) == 8
    assert count(store, quarantine) == 2
    # Quarantine keeps each record's own locator, whatever group it was lodged in.
    assert sorted(e["locator"] for e in entries(store)) == ["api#8", "api#9"]


def test_a_failing_group_is_retried_record_by_record(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    real = group.lodge_batch

    def picky(st: Any, batch: list[Any], **kw: Any) -> Any:
        if any((r.data or {}).get("lrn") == "BOOM" for r in batch):
            raise RuntimeError("a step failed")
        return real(st, batch, **kw)

    monkeypatch.setattr(group, "lodge_batch", picky)
    entered, gate = _gated(monkeypatch)  # holds the first group, then hands every batch to picky
    lodger = GroupLodger(store)
    first = lodger.submit(incoming(decl("F-0")), source="s")
    assert entered.wait(10)
    futures = [lodger.submit(incoming(decl(lrn)), source="s") for lrn in ("F-1", "BOOM", "F-2")]
    gate.set()
    assert first.result(10).status == STORED
    assert futures[0].result(10).status == STORED
    with pytest.raises(RuntimeError, match="a step failed"):
        futures[1].result(10)
    assert futures[2].result(10).status == STORED
    lodger.close()
    assert list(lodger.groups) == [1, 3]  # the retries of the failed group are not new groups
    assert count(store, declarations) == 3


def test_closed_lodger_refuses_new_records(store: Any) -> None:
    lodger = GroupLodger(store)
    assert lodger.lodge(incoming(decl("C-1")), source="s").status == STORED
    lodger.close()
    with pytest.raises(RuntimeError):
        lodger.submit(incoming(decl("C-2")))


def test_lodging_process_answers_each_record_and_survives_its_child(sqlite_store: Any) -> None:
    sqlite_store.run_path = False
    lodger = ProcessLodger(sqlite_store)
    try:
        futures = [lodger.submit(incoming(decl(f"P-{i}"), f"api#{i}"), source="api:p") for i in range(6)]
        again = lodger.submit(incoming(decl("P-0"), "api#again"), source="api:p")
        bad = lodger.submit(incoming(bad_unit("P-BAD"), "api#bad"), source="api:p")
        outcomes = [f.result(60) for f in futures]
        assert [o.status for o in outcomes] == [STORED] * 6
        assert [o.locator for o in outcomes] == [f"api#{i}" for i in range(6)]
        assert again.result(60).status == DUPLICATE
        assert bad.result(60).status == QUARANTINED and bad.result().problems[0].rule
        # The child dies: the next record starts another one and is lodged; nothing was lost.
        lodger._proc.kill()
        lodger._proc.join(10)
        assert lodger.lodge(incoming(decl("P-after")), source="api:p").status == STORED
    finally:
        lodger.close()
    assert count(sqlite_store, declarations) == 7
    assert count(sqlite_store, quarantine) == 1


def test_closing_the_lodging_process_writes_what_it_was_handed_first(sqlite_store: Any) -> None:
    import time

    sqlite_store.run_path = False
    lodger = ProcessLodger(sqlite_store)
    futures = [lodger.submit(incoming(decl(f"Q-{i}")), source="api:q") for i in range(20)]
    child = lodger._proc
    t0 = time.monotonic()
    lodger.close()
    assert time.monotonic() - t0 < 25  # the child was told to stop, not waited out
    assert [f.result(5).status for f in futures] == [STORED] * 20
    assert not child.is_alive() and child.exitcode == 0
    assert count(sqlite_store, declarations) == 20
