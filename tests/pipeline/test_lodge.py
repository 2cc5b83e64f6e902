"""Lodging: validate → store once → quarantine the rest; stored + duplicates + quarantined = read."""

from __future__ import annotations

import copy
import itertools
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from cix.ingest.readers import from_json_bytes
from cix.ingest.records import Incoming
from cix.pipeline.lodge import DUPLICATE, QUARANTINED, STORED, lodge, lodge_batch
from cix.store import declarations as decl_store
from cix.store import quarantine as q_store
from cix.store.schema import declarations, goods_items, quarantine
from tests.conftest import TODAY, import_declaration


def incoming(doc: dict[str, Any], locator: str = "t:1") -> Incoming:
    return from_json_bytes(orjson.dumps(doc), "jsonl", locator)


def decl(lrn: str = "LRN-0001", amount: float = 4800, **over: Any) -> dict[str, Any]:
    d = import_declaration(lrn=lrn, **over)
    d["goods"][0]["invoice_amount"] = amount
    return d


def bad_unit(lrn: str = "LRN-BAD") -> dict[str, Any]:
    d = import_declaration(lrn=lrn)
    d["goods"][0]["unit"] = "ZZZ"
    return d


def count(store: Any, table: Any = declarations, *where: Any) -> int:
    with store.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def entries(store: Any) -> list[dict[str, Any]]:
    with store.read() as conn:
        return q_store.list_entries(conn, status=None, limit=1000)[1]


def balanced(s: Any) -> bool:
    return bool(s.stored + s.duplicates + s.quarantined == s.read)


def test_valid_record_is_stored(store: Any) -> None:
    s = lodge_batch(store, [incoming(decl())], today=TODAY, keep_outcomes=True)
    assert (s.read, s.stored, s.duplicates, s.quarantined) == (1, 1, 0, 0)
    assert s.outcomes is not None and s.outcomes[0].status == STORED
    assert s.outcomes[0].natural_key == "lrn:RU7701234567:LRN-0001"
    assert count(store) == 1
    assert count(store, goods_items) == 1
    with store.read() as conn:
        row = decl_store.get(conn, "lrn:RU7701234567:LRN-0001")
    assert row["id"] == s.outcomes[0].declaration_id
    assert row["status"] == "lodged" and row["version"] == 1
    assert row["data"]["goods"][0]["hs_code"] == "0901210000"


def test_same_record_again_is_a_duplicate(store: Any) -> None:
    lodge_batch(store, [incoming(decl())], today=TODAY)
    s = lodge_batch(store, [incoming(decl())], today=TODAY, keep_outcomes=True)
    assert (s.read, s.stored, s.duplicates, s.quarantined) == (1, 0, 1, 0)
    assert s.outcomes is not None and s.outcomes[0].status == DUPLICATE
    assert count(store) == 1
    assert count(store, goods_items) == 1
    assert entries(store) == []


def test_same_key_other_content_is_a_conflict(store: Any) -> None:
    lodge_batch(store, [incoming(decl(amount=4800))], today=TODAY)
    s = lodge_batch(store, [incoming(decl(amount=9999))], today=TODAY, keep_outcomes=True)
    assert (s.stored, s.duplicates, s.quarantined) == (0, 0, 1)
    assert s.outcomes is not None and s.outcomes[0].status == QUARANTINED
    assert [p.rule for p in s.outcomes[0].problems] == ["key.conflict"]
    (e,) = entries(store)
    assert e["reason"] == "conflict"
    assert e["status"] == "open"
    assert e["natural_key"] == "lrn:RU7701234567:LRN-0001"
    assert e["problems"][0]["rule"] == "key.conflict"
    # the stored version is untouched
    with store.read() as conn:
        row = decl_store.get(conn, "lrn:RU7701234567:LRN-0001")
    assert row["data"]["goods"][0]["invoice_amount"] == 4800
    assert row["version"] == 1


def test_invalid_record_is_quarantined_with_raw_and_problems(store: Any) -> None:
    d = bad_unit()
    d["goods"][0]["origin"] = "XX"
    raw = orjson.dumps(d)
    s = lodge_batch(store, [from_json_bytes(raw, "jsonl", "f.jsonl:7")], source="f.jsonl", today=TODAY)
    assert (s.read, s.stored, s.quarantined) == (1, 0, 1)
    assert count(store) == 0
    (e,) = entries(store)
    assert e["raw"] == raw.decode()
    assert e["reason"] == "invalid"
    assert e["format"] == "jsonl"
    assert e["locator"] == "f.jsonl:7"
    assert e["source"] == "f.jsonl"
    found = {(p["rule"], p["path"], p["value"]) for p in e["problems"]}
    assert ("unit.unknown", "/goods/0/unit", "ZZZ") in found
    assert ("country.unknown", "/goods/0/origin", "XX") in found
    assert all(p["severity"] == "error" and p["message"] for p in e["problems"])


def test_unparseable_record_is_quarantined_not_lost(store: Any) -> None:
    inc = from_json_bytes(b'{"kind": "import", ', "jsonl", "f:1")
    s = lodge_batch(store, [inc], today=TODAY)
    assert (s.read, s.quarantined) == (1, 1)
    (e,) = entries(store)
    assert e["raw"] == '{"kind": "import", '
    assert e["problems"][0]["rule"] == "parse"


def test_warnings_are_stored_and_flagged(store: Any) -> None:
    d = decl()
    d["goods"][0]["origin"] = "ZZ"
    s = lodge_batch(store, [incoming(d)], today=TODAY)
    assert (s.stored, s.warned, s.quarantined) == (1, 1, 0)
    with store.read() as conn:
        row = decl_store.get(conn, "lrn:RU7701234567:LRN-0001")
    assert [w["rule"] for w in row["warnings"]] == ["country.unspecified"]


def test_duplicates_inside_one_batch(store: Any) -> None:
    batch = [incoming(decl("A"), "f:1"), incoming(decl("A"), "f:2"), incoming(decl("B"), "f:3")]
    s = lodge_batch(store, batch, today=TODAY, keep_outcomes=True)
    assert (s.read, s.stored, s.duplicates, s.quarantined) == (3, 2, 1, 0)
    assert count(store) == 2
    assert s.outcomes is not None
    assert {o.locator: o.status for o in s.outcomes} == {"f:1": STORED, "f:2": DUPLICATE, "f:3": STORED}


def test_conflict_inside_one_batch_is_quarantined(store: Any) -> None:
    batch = [incoming(decl("A", 1), "f:1"), incoming(decl("A", 2), "f:2")]
    s = lodge_batch(store, batch, today=TODAY, keep_outcomes=True)
    assert (s.read, s.stored, s.duplicates, s.quarantined) == (2, 1, 0, 1)
    assert count(store) == 1
    (e,) = entries(store)
    assert e["reason"] == "conflict" and e["locator"] == "f:2"


def test_conflict_inside_one_batch_stays_open(store: Any) -> None:
    batch = [incoming(decl("A", 1), "f:1"), incoming(decl("A", 2), "f:2")]
    lodge_batch(store, batch, today=TODAY)
    (e,) = entries(store)
    assert e["status"] == "open"


def test_identical_bad_record_kept_once_counted_each_time(store: Any) -> None:
    bad = bad_unit()
    s1 = lodge_batch(store, [incoming(bad)], today=TODAY)
    s2 = lodge_batch(store, [incoming(bad)], today=TODAY)
    assert s1.quarantined == 1 and s2.quarantined == 1
    assert balanced(s1) and balanced(s2)
    assert len(entries(store)) == 1
    # and inside one batch too
    s3 = lodge_batch(store, [incoming(bad_unit("X")), incoming(bad_unit("X"))], today=TODAY)
    assert s3.quarantined == 2
    assert len(entries(store)) == 2


def test_failure_mid_batch_leaves_nothing_and_rerun_stores_once(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    real = decl_store.insert_many

    def boom(conn: Any, batch: Any) -> list[int]:
        real(conn, batch)  # rows are written inside the transaction ...
        raise RuntimeError("crash after insert")  # ... which must then roll back

    records = [incoming(decl(f"L{i}"), f"f:{i}") for i in range(5)] + [incoming(bad_unit(), "f:bad")]
    monkeypatch.setattr(decl_store, "insert_many", boom)
    with pytest.raises(RuntimeError):
        lodge(store, records, today=TODAY)
    assert count(store) == 0
    assert count(store, goods_items) == 0
    assert count(store, quarantine) == 0

    monkeypatch.setattr(decl_store, "insert_many", real)
    s = lodge(store, records, today=TODAY)
    assert (s.read, s.stored, s.duplicates, s.quarantined) == (6, 5, 0, 1)
    assert count(store) == 5
    assert count(store, quarantine) == 1


def test_failure_in_second_batch_keeps_first_batch_only(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    real = decl_store.insert_many
    calls = itertools.count()

    def boom_on_second(conn: Any, batch: Any) -> list[int]:
        ids = real(conn, batch)
        if next(calls) == 1:
            raise RuntimeError("crash")
        return ids

    records = [incoming(decl(f"L{i}"), f"f:{i}") for i in range(4)]
    monkeypatch.setattr(decl_store, "insert_many", boom_on_second)
    with pytest.raises(RuntimeError):
        lodge(store, records, today=TODAY, batch_size=2)
    assert count(store) == 2
    monkeypatch.setattr(decl_store, "insert_many", real)
    s = lodge(store, records, today=TODAY, batch_size=2)
    assert (s.stored, s.duplicates, s.quarantined) == (2, 2, 0)
    assert count(store) == 4


def test_conflict_across_batches_stays_open(store: Any) -> None:
    lodge_batch(store, [incoming(decl(amount=1))], today=TODAY)
    s = lodge_batch(store, [incoming(decl(amount=2))], today=TODAY)
    assert s.quarantined == 1
    assert count(store, quarantine, quarantine.c.status == "open") == 1


def test_storing_corrected_record_resolves_open_entry(store: Any) -> None:
    lodge_batch(store, [incoming(bad_unit("L9"))], today=TODAY)
    (e,) = entries(store)
    assert e["status"] == "open"
    s = lodge_batch(store, [incoming(decl("L9"))], today=TODAY)
    assert s.stored == 1
    (e,) = entries(store)
    assert e["status"] == "resolved"


def test_other_open_entries_stay_open_when_an_unrelated_record_is_stored(store: Any) -> None:
    lodge_batch(store, [incoming(decl("A", 1))], today=TODAY)
    lodge_batch(store, [incoming(decl("A", 2))], today=TODAY)  # conflict on A
    lodge_batch(store, [incoming(decl("B"))], today=TODAY)
    (e,) = entries(store)
    assert e["status"] == "open" and e["natural_key"] == "lrn:RU7701234567:A"


# --- property: stored + duplicates + quarantined == read, for any mix ---------------------------------------

_run = itertools.count()

_kind = st.sampled_from(["valid", "invalid", "garbage"])
_record = st.tuples(_kind, st.integers(0, 3), st.integers(0, 1))  # (kind, key index, content variant)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mix=st.lists(_record, max_size=12), batch_size=st.integers(1, 5))
def test_accounting_always_balances(store: Any, mix: list[tuple[str, int, int]], batch_size: int) -> None:
    prefix = f"P{next(_run)}-"
    before = count(store)
    records = []
    expected = {"stored": 0, "duplicates": 0, "quarantined": 0}
    seen: dict[int, int] = {}
    for i, (kind, key, variant) in enumerate(mix):
        if kind == "garbage":
            records.append(from_json_bytes(b"[1, 2", "jsonl", f"g:{i}"))
            expected["quarantined"] += 1
        elif kind == "invalid":
            records.append(incoming(bad_unit(prefix + str(key)), f"b:{i}"))
            expected["quarantined"] += 1
        else:
            records.append(incoming(decl(prefix + str(key), 100 + variant), f"v:{i}"))
            if key not in seen:
                seen[key] = variant
                expected["stored"] += 1
            elif seen[key] == variant:
                expected["duplicates"] += 1
            else:
                expected["quarantined"] += 1
    s = lodge(store, records, today=TODAY, batch_size=batch_size)
    assert s.read == len(mix)
    assert balanced(s)
    assert {"stored": s.stored, "duplicates": s.duplicates, "quarantined": s.quarantined} == expected
    assert count(store) - before == s.stored
    # running the same input again stores nothing
    again = lodge(store, copy.copy(records), today=TODAY, batch_size=batch_size)
    assert again.stored == 0
    assert balanced(again)
    assert count(store) - before == s.stored
