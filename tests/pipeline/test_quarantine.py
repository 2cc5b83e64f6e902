"""Retrying quarantined records (after a reference-data fix) and discarding them."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from cix.errors import Conflict, NotFound
from cix.ingest.readers import from_json_bytes
from cix.model import rules
from cix.pipeline import lifecycle
from cix.pipeline import quarantine as pq
from cix.pipeline.lodge import lodge_batch
from cix.store import quarantine as q_store
from tests.conftest import TODAY, import_declaration


def lodge_doc(store: Any, doc: dict[str, Any]) -> Any:
    return lodge_batch(store, [from_json_bytes(orjson.dumps(doc), "jsonl", "f:1")], today=TODAY,
                       keep_outcomes=True)  # fmt: skip


def unit_doc(lrn: str = "U1", unit: str = "QQQ") -> dict[str, Any]:
    d = import_declaration(lrn=lrn)
    d["goods"][0]["unit"] = unit
    return d


def only_entry(store: Any) -> dict[str, Any]:
    with store.read() as conn:
        (e,) = q_store.list_entries(conn, status=None)[1]
    return e


def test_retry_after_reference_fix_resolves_with_declaration_id(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    assert lodge_doc(store, unit_doc()).quarantined == 1
    entry = only_entry(store)
    # the unit table learns the code: a reference-data fix
    real = rules.is_unit
    monkeypatch.setattr(rules, "is_unit", lambda u: u == "QQQ" or real(u))
    (res,) = pq.retry(store, [entry["id"]], today=TODAY)
    assert res["status"] == "resolved"
    assert res["outcome"] == "stored"
    assert isinstance(res["declaration_id"], int)
    e = only_entry(store)
    assert e["status"] == "resolved"
    assert e["declaration_id"] == res["declaration_id"]
    assert e["resolved_at"] is not None
    d = lifecycle.get(store, str(res["declaration_id"]))
    assert d["natural_key"] == "lrn:RU7701234567:U1"
    assert d["data"]["goods"][0]["unit"] == "QQQ"


def test_retry_of_still_bad_record_stays_open_with_fresh_problems(store: Any) -> None:
    d = unit_doc()
    lodge_doc(store, d)
    entry = only_entry(store)
    assert [p["rule"] for p in entry["problems"]] == ["unit.unknown"]
    (res,) = pq.retry(store, [entry["id"]], today=TODAY)
    assert res["status"] == "open"
    assert res["outcome"] == "quarantined"
    assert [p["rule"] for p in res["problems"]] == ["unit.unknown"]
    e = only_entry(store)  # still exactly one entry: the retry does not re-quarantine it
    assert e["status"] == "open" and e["id"] == entry["id"]


def test_retry_records_fresh_problems(sqlite_store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    store = sqlite_store  # reader/command logic: one back end is enough
    lodge_doc(store, unit_doc())
    entry = only_entry(store)
    # the rules change between the two tries: the entry carries the new problems
    monkeypatch.setattr(rules, "is_unit", lambda u: True)
    monkeypatch.setattr(rules, "_COUNTRIES", rules._COUNTRIES - {"BR"})
    monkeypatch.setattr(rules.ref_countries, "is_country", lambda c: c != "BR")
    (res,) = pq.retry(store, [entry["id"]], today=TODAY)
    assert res["status"] == "open"
    e = only_entry(store)
    assert {(p["rule"], p["path"]) for p in e["problems"]} == {("country.unknown", "/goods/0/origin")}


def test_retry_of_conflict_after_amendment_resolves(store: Any) -> None:
    lodge_doc(store, import_declaration())
    other = import_declaration()
    other["goods"][0]["invoice_amount"] = 1234
    assert lodge_doc(store, other).quarantined == 1
    entry = only_entry(store)
    assert entry["reason"] == "conflict"
    (res,) = pq.retry(store, [entry["id"]], today=TODAY)
    assert res["status"] == "open"
    assert res["problems"][0]["rule"] == "key.conflict"
    # the operator amends the stored declaration to the new content: the retry is now a duplicate
    lifecycle.amend(store, "lrn:RU7701234567:LRN-0001", other, "corrected invoice", today=TODAY)
    (res,) = pq.retry(store, [entry["id"]], today=TODAY)
    assert res["status"] == "resolved"
    assert res["outcome"] == "duplicate"
    assert only_entry(store)["status"] == "resolved"


def test_retry_resolved_as_duplicate_records_the_declaration_id(store: Any) -> None:
    lodge_doc(store, import_declaration())
    other = import_declaration()
    other["goods"][0]["invoice_amount"] = 1234
    lodge_doc(store, other)
    entry = only_entry(store)
    stored = lifecycle.amend(store, "lrn:RU7701234567:LRN-0001", other, "corrected", today=TODAY)
    (res,) = pq.retry(store, [entry["id"]], today=TODAY)
    assert res["status"] == "resolved"
    assert res["declaration_id"] == stored["id"]
    assert only_entry(store)["declaration_id"] == stored["id"]


def test_retry_of_resolved_entry_is_a_conflict(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    lodge_doc(store, unit_doc())
    entry = only_entry(store)
    monkeypatch.setattr(rules, "is_unit", lambda u: True)
    pq.retry(store, [entry["id"]], today=TODAY)
    with pytest.raises(Conflict):
        pq.retry(store, [entry["id"]], today=TODAY)


def test_retry_unknown_entry_is_not_found(sqlite_store: Any) -> None:
    store = sqlite_store  # reader/command logic: one back end is enough
    with pytest.raises(NotFound):
        pq.retry(store, [999], today=TODAY)


def test_discard(store: Any) -> None:
    lodge_doc(store, unit_doc())
    entry = only_entry(store)
    pq.discard(store, entry["id"])
    e = only_entry(store)
    assert e["status"] == "discarded"
    assert e["declaration_id"] is None
    assert e["raw"] == entry["raw"]  # kept, only set aside
    with store.read() as conn:
        assert q_store.open_ids(conn) == []
    with pytest.raises(Conflict):
        pq.discard(store, entry["id"])
    with pytest.raises(Conflict):
        pq.retry(store, [entry["id"]], today=TODAY)
    with pytest.raises(NotFound):
        pq.discard(store, 12345)


def test_retry_kcs_entry(sqlite_store: Any) -> None:
    store = sqlite_store  # reader/command logic: one back end is enough
    from cix.ingest import kcs

    row = {"Declaration ID": "123", "Date": "2021-01-01", "Importer ID": "IMP1", "Declarant ID": "D1",
           "HS6 Code": "90121", "Country of Origin": "BR", "Net Mass": "-1", "Item Price": "100"}  # fmt: skip
    s = lodge_batch(store, [kcs.to_incoming(row, "k.csv:2")], today=TODAY)
    assert s.quarantined == 1
    entry = only_entry(store)
    assert entry["format"] == "kcs"
    (res,) = pq.retry(store, [entry["id"]], today=TODAY)
    assert res["status"] == "open"
    assert ("value.negative", "/Net Mass") in {(p["rule"], p["path"]) for p in res["problems"]}
