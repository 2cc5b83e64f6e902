"""The explicit lifecycle: amend, cancel, release, each keeping the earlier version; history in order."""

from __future__ import annotations

import itertools
from typing import Any

import orjson
import pytest

from cix.errors import Conflict, NotFound, UsageError, ValidationFailed
from cix.ingest.readers import from_json_bytes
from cix.pipeline import lifecycle
from cix.pipeline.lodge import lodge_batch
from tests.conftest import TODAY, import_declaration

KEY = "lrn:RU7701234567:LRN-0001"


@pytest.fixture
def lodged(store: Any) -> Any:
    s = lodge_batch(store, [from_json_bytes(orjson.dumps(import_declaration()), "jsonl")], today=TODAY)
    assert s.stored == 1
    return store


def changed(amount: float = 5000) -> dict[str, Any]:
    d = import_declaration()
    d["goods"][0]["invoice_amount"] = amount
    return d


def test_amend_keeps_version_1_and_makes_version_2(lodged: Any) -> None:
    d = lifecycle.amend(lodged, KEY, changed(), "invoice corrected", today=TODAY)
    assert d["version"] == 2
    assert d["status"] == "amended"
    assert d["data"]["goods"][0]["invoice_amount"] == 5000
    h = lifecycle.history(lodged, KEY)
    assert [(v["version"], v["status"], v["operation"]) for v in h] == [
        (1, "lodged", "amend"),
        (2, "amended", "current"),
    ]
    assert h[0]["data"]["goods"][0]["invoice_amount"] == 4800
    assert h[0]["reason"] == "invoice corrected"
    assert h[0]["content_hash"] != h[1]["content_hash"]
    assert h[0]["valid_to"] is not None and h[1]["valid_to"] is None


def test_amend_with_error_raises_with_problems(lodged: Any) -> None:
    bad = changed()
    bad["goods"][0]["hs_code"] = "12"
    with pytest.raises(ValidationFailed) as ei:
        lifecycle.amend(lodged, KEY, bad, "oops", today=TODAY)
    problems = ei.value.details["problems"]
    assert ("hs.format", "/goods/0/hs_code", "12") in {(p["rule"], p["path"], p["value"]) for p in problems}
    assert lifecycle.get(lodged, KEY)["version"] == 1
    assert len(lifecycle.history(lodged, KEY)) == 1


def test_amend_changing_the_natural_key_is_refused(lodged: Any) -> None:
    with pytest.raises(UsageError):
        lifecycle.amend(lodged, KEY, import_declaration(lrn="OTHER"), "rename", today=TODAY)
    assert lifecycle.get(lodged, KEY)["version"] == 1


def test_amend_that_changes_nothing_is_refused(lodged: Any) -> None:
    with pytest.raises(Conflict):
        lifecycle.amend(lodged, KEY, import_declaration(), "same", today=TODAY)


def test_cancel_then_amend_is_refused(lodged: Any) -> None:
    d = lifecycle.cancel(lodged, KEY, "withdrawn")
    assert (d["status"], d["version"]) == ("cancelled", 2)
    with pytest.raises(Conflict):
        lifecycle.amend(lodged, KEY, changed(), "too late", today=TODAY)
    with pytest.raises(Conflict):
        lifecycle.cancel(lodged, KEY, "again")
    with pytest.raises(Conflict):
        lifecycle.release(lodged, KEY)
    assert lifecycle.get(lodged, KEY)["version"] == 2


def test_release(lodged: Any) -> None:
    d = lifecycle.release(lodged, KEY, "green channel")
    assert (d["status"], d["version"]) == ("released", 2)
    with pytest.raises(Conflict):
        lifecycle.release(lodged, KEY)
    with pytest.raises(Conflict):
        lifecycle.cancel(lodged, KEY, "after release")
    with pytest.raises(Conflict):
        lifecycle.amend(lodged, KEY, changed(), "after release", today=TODAY)


def test_history_order(lodged: Any) -> None:
    lifecycle.amend(lodged, KEY, changed(5000), "first", today=TODAY)
    lifecycle.amend(lodged, KEY, changed(6000), "second", today=TODAY)
    lifecycle.release(lodged, KEY, "done")
    h = lifecycle.history(lodged, KEY)
    assert [v["version"] for v in h] == [1, 2, 3, 4]
    assert [v["operation"] for v in h] == ["amend", "amend", "release", "current"]
    assert [v["status"] for v in h] == ["lodged", "amended", "amended", "released"]
    assert [v["data"]["goods"][0]["invoice_amount"] for v in h] == [4800, 5000, 6000, 6000]
    assert [v["reason"] for v in h[:3]] == ["first", "second", "done"]
    for older, newer in itertools.pairwise(h):
        assert older["valid_to"] == newer["valid_from"]  # each version ends where the next begins


def test_refs_by_id_lrn_and_unknown(lodged: Any) -> None:
    d = lifecycle.get(lodged, KEY)
    assert lifecycle.get(lodged, str(d["id"]))["natural_key"] == KEY
    assert lifecycle.get(lodged, "LRN-0001")["natural_key"] == KEY
    with pytest.raises(NotFound):
        lifecycle.get(lodged, "nothing-like-it")
    with pytest.raises(NotFound):
        lifecycle.cancel(lodged, "lrn:X:Y", "no such")


def test_reimport_after_amend_is_a_conflict_not_an_overwrite(lodged: Any) -> None:
    lifecycle.amend(lodged, KEY, changed(), "amended", today=TODAY)
    s = lodge_batch(lodged, [from_json_bytes(orjson.dumps(import_declaration()), "jsonl")], today=TODAY)
    assert s.quarantined == 1
    d = lifecycle.get(lodged, KEY)
    assert (d["version"], d["data"]["goods"][0]["invoice_amount"]) == (2, 5000)
