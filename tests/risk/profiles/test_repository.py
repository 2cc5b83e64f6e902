"""Profiles in the store (SQLite and PostgreSQL): versions, switches, audit, received ones, the active set."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from cix.errors import Conflict, NotFound, ValidationFailed
from cix.risk.profiles import engine
from cix.risk.profiles import repository as repo
from cix.store import audit

DAY = dt.date(2024, 3, 1)


def definition(**over: Any) -> dict[str, Any]:
    d: dict[str, Any] = {
        "id": "RP-1",
        "description": "cars from Japan",
        "channel": "red",
        "weight": 1.5,
        "condition": 'any(item.heading == "8703" and item.origin == "JP")',
    }
    d.update(over)
    return d


def events(conn: Any) -> list[tuple[str, str | None]]:
    return [(e["event"], e["subject"]) for e in reversed(audit.tail(conn, 50)) if e["event"].startswith("profile.")]


def test_add_version_enable_disable_with_audit(store: Any) -> None:
    with store.write() as conn:
        p = repo.add_profile(conn, definition(), "ana", owner="RU-FCS")
        assert (p["id"], p["version"], p["owner"], p["enabled"], p["origin"]) == ("RP-1", 1, "RU-FCS", True, "local")
        with pytest.raises(Conflict):
            repo.add_profile(conn, definition(), "ana")
        p2 = repo.add_profile(conn, definition(condition="importer.aeo == false", weight=0.5), "ana", new_version=True)
        assert p2["version"] == 2 and p2["versions"] == [1, 2] and p2["condition"] == "importer.aeo == false"
        assert (
            repo.get_profile(conn, "RP-1", 1)["condition"].startswith("any(")
            and repo.get_profile(conn, "RP-1", 1)["status"] == "superseded"
        )
        assert repo.set_enabled(conn, "RP-1", False, "bob")["enabled"] is False
        repo.set_enabled(conn, "RP-1", False, "bob")  # no change, no entry
        repo.set_enabled(conn, "RP-1", True, "bob")
        assert [p["version"] for p in repo.list_profiles(conn, all_versions=True)] == [1, 2]
        assert len(repo.list_profiles(conn)) == 1
        assert events(conn) == [
            ("profile.added", "RP-1"),
            ("profile.versioned", "RP-1"),
            ("profile.disabled", "RP-1"),
            ("profile.enabled", "RP-1"),
        ]
        assert audit.verify(conn).ok
        with pytest.raises(NotFound):
            repo.set_enabled(conn, "nope", True, "bob")
        with pytest.raises(NotFound):
            repo.add_profile(conn, definition(id="RP-NEW"), "ana", new_version=True)


def test_bad_definition_lists_every_problem() -> None:
    bad = {
        "id": "bad id!",
        "condition": "importer.aeo = = true",
        "channel": "purple",
        "weight": "x",
        "random_rate": 2,
        "valid_from": "2024-02-30",
        "hard": "yes",
        "colour": 1,
    }
    with pytest.raises(ValidationFailed) as err:
        repo.check_definition(bad)
    rules = {(p["rule"], p["path"]) for p in err.value.details["problems"]}
    assert rules >= {
        ("profile.unknown", "/colour"),
        ("profile.id", "/id"),
        ("profile.syntax", "/condition"),
        ("profile.channel", "/channel"),
        ("profile.range", "/weight"),
        ("profile.range", "/random_rate"),
        ("profile.date", "/valid_from"),
        ("profile.hard", "/hard"),
    }
    cond = next(p for p in err.value.details["problems"] if p["path"] == "/condition")
    assert cond["column"] == 14 and cond["value"] == "="
    with pytest.raises(ValidationFailed, match="channel, a weight or a random rate"):
        repo.check_definition({"id": "A", "condition": "importer.aeo"})
    with pytest.raises(ValidationFailed, match="hard profile needs a channel"):
        repo.check_definition({"id": "A", "condition": "importer.aeo", "weight": 1, "hard": True})
    with pytest.raises(ValidationFailed, match="ends before"):
        repo.check_definition(definition(valid_from="2024-02-01", valid_to="2024-01-01"))


def test_active_set_by_date_and_switch_and_cache(store: Any) -> None:
    with store.write() as conn:
        repo.add_profile(conn, definition(), "ana")
        repo.add_profile(conn, definition(id="RP-2", valid_from="2024-03-02"), "ana")
        repo.add_profile(conn, definition(id="RP-3", valid_to="2024-02-28", hard=True), "ana")
    with store.read() as conn:
        act = engine.active(conn, DAY)
        assert [p.id for p in act] == ["RP-1"]
        assert engine.active(conn, DAY) is act  # cached
        p = act[0]
        assert (p.version, p.channel, p.weight, p.hard, p.random_rate) == (1, "red", 1.5, False, 0.0)
        assert p.matches({"items": [{"heading": "8703", "origin": "JP"}]})
        assert not p.matches({"items": [{"heading": "8703", "origin": "DE"}]})
        assert [p.id for p in engine.active(conn, dt.date(2024, 3, 5))] == ["RP-1", "RP-2"]
        assert [p.id for p in engine.active(conn, dt.date(2024, 2, 1))] == ["RP-1", "RP-3"]
    with store.write() as conn:
        repo.set_enabled(conn, "RP-1", False, "bob")
    with store.read() as conn:
        assert engine.active(conn, DAY) == []
    with store.write() as conn:
        repo.add_profile(conn, definition(id="RP-2", valid_from=None, weight=3.0), "ana", new_version=True)
    with store.read() as conn:
        (p2,) = engine.active(conn, DAY)
        assert (p2.id, p2.version, p2.weight) == ("RP-2", 2, 3.0)
        assert engine.needed_fields([p2]) == {"item.heading", "item.origin"}


def test_change_by_another_process_is_seen(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process changes the table (no generation bump here): the stamp shows it after the TTL."""
    with store.write() as conn:
        repo.add_profile(conn, definition(), "ana")
    with store.read() as conn:
        assert len(engine.active(conn, DAY)) == 1
    gen = repo.GENERATION[0]
    with store.write() as conn:
        repo.set_enabled(conn, "RP-1", False, "bob")
    repo.GENERATION[0] = gen  # as if it happened elsewhere
    monkeypatch.setattr(engine, "STAMP_TTL", 0.0)
    with store.read() as conn:
        assert engine.active(conn, DAY) == []


def test_received_kept_apart_until_adopted(store: Any) -> None:
    shared = {"format": "cix.risk_profile/1", "version": 3, "profile": definition(owner="FI-CUSTOMS")}
    junk = {"format": "cix.risk_profile/1", "profile": {"id": "X", "condition": "any(("}}
    with store.write() as conn:
        assert repo.receive(conn, [("m1", "FI-CUSTOMS", shared), ("m2", "FI-CUSTOMS", junk)]) == 2
        assert repo.receive(conn, [("m1", "FI-CUSTOMS", shared)]) == 0  # same message again
    with store.read() as conn:
        got = repo.list_received(conn)
        assert [(r["status"], r["profile_id"], r["version"]) for r in got] == [
            ("received", "RP-1", 3),
            ("invalid", "X", None),
        ]
        assert got[1]["problems"][0]["rule"] == "profile.syntax"
        assert repo.list_profiles(conn) == [] and engine.active(conn, DAY) == []
    with store.write() as conn:
        p = repo.adopt(conn, got[0]["id"], "ana")
        assert (p["id"], p["origin"], p["sender"], p["owner"], p["enabled"]) == (
            "FI-CUSTOMS.RP-1",
            "received",
            "FI-CUSTOMS",
            "FI-CUSTOMS",
            True,
        )
        with pytest.raises(Conflict):
            repo.adopt(conn, got[0]["id"], "ana")
        with pytest.raises(Conflict):
            repo.adopt(conn, got[1]["id"], "ana")
        assert ("profile.adopted", "FI-CUSTOMS.RP-1") in events(conn)
    with store.read() as conn:
        assert [p.id for p in engine.active(conn, DAY)] == ["FI-CUSTOMS.RP-1"]
        assert repo.list_received(conn, status="adopted")[0]["adopted_as"] == "FI-CUSTOMS.RP-1"
