"""Common risk profiles over the exchange: RU shares a profile with FI, FI keeps it apart until adopted."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from cix.agreements import instantiate
from cix.errors import NotFound
from cix.exchange import inbox
from cix.exchange.transport import MemoryTransport
from cix.risk.profiles import engine, sharing
from cix.risk.profiles import repository as repo
from cix.store import audit
from tests.exchange.conftest import link, make_node

PROFILE = {
    "id": "RP-CARS",
    "description": "cars from Japan",
    "condition": 'any(item.heading == "8703" and item.origin == "JP")',
    "channel": "red",
    "weight": 2.0,
    "hard": True,
    "valid_from": "2024-01-01",
}


@pytest.fixture
def nodes(tmp_path: Path) -> tuple[Any, Any, MemoryTransport]:
    ru = make_node(tmp_path, "RU", "FCS")
    fi = make_node(tmp_path, "FI", "CUSTOMS")
    agreement = instantiate(
        "common-risk-profiles", ["RU-FCS", "FI-CUSTOMS"], agreement_id="crp-ru-fi", valid_from=dt.date(2024, 1, 1)
    )
    link(ru, fi, agreement)
    t = MemoryTransport()
    t.register("FI-CUSTOMS", fi.receiver())
    t.register("RU-FCS", ru.receiver())
    return ru, fi, t


def test_round_trip_received_apart_then_adopted(nodes: Any) -> None:
    ru, fi, t = nodes
    with ru.store.write() as conn:
        repo.add_profile(conn, PROFILE, "ana", owner="RU-FCS")
        repo.set_enabled(conn, "RP-CARS", False, "ana")  # local state: does not travel
        sent = sharing.share_profile(conn, "RP-CARS", node=ru.node, partner_id="FI-CUSTOMS", actor="ana")
    assert sent["agreement"] == "crp-ru-fi" and sent["dropped"] == [] and sent["version"] == 1
    assert ru.deliverer(t).run_once() == 1
    assert inbox.process_pending(fi.store) == 1
    with fi.store.read() as conn:
        (got,) = repo.list_received(conn)
        assert (got["status"], got["sender"], got["profile_id"], got["version"]) == ("received", "RU-FCS", "RP-CARS", 1)
        assert got["definition"]["condition"] == PROFILE["condition"] and got["definition"]["owner"] == "RU-FCS"
        assert "enabled" not in got["definition"]
        assert repo.list_profiles(conn) == [] and engine.active(conn, dt.date(2024, 6, 1)) == []
    with fi.store.write() as conn:
        p = repo.adopt(conn, got["id"], "eero", as_id="RU.CARS")
    assert (p["id"], p["origin"], p["sender"], p["hard"], p["channel"]) == (
        "RU.CARS",
        "received",
        "RU-FCS",
        True,
        "red",
    )
    with fi.store.read() as conn:
        (act,) = engine.active(conn, dt.date(2024, 6, 1))
        assert act.id == "RU.CARS" and act.matches({"items": [{"heading": "8703", "origin": "JP"}]})
        assert [e["event"] for e in reversed(audit.tail(conn, 3))][-2:] == ["profile.added", "profile.adopted"]
        assert audit.verify(conn).ok
    with ru.store.read() as conn:
        assert any(e["event"] == "profile.shared" for e in audit.tail(conn, 10))


def test_no_agreement_no_sharing(tmp_path: Path) -> None:
    ru = make_node(tmp_path, "RU", "FCS")
    fi = make_node(tmp_path, "FI", "CUSTOMS")
    link(ru, fi, instantiate("bsec-preliminary", ["RU-FCS", "TR-GTB"], agreement_id="other"))
    with ru.store.write() as conn:
        repo.add_profile(conn, PROFILE, "ana")
        with pytest.raises(NotFound, match="common-risk-profiles"):
            sharing.share_profile(conn, "RP-CARS", node=ru.node, partner_id="FI-CUSTOMS")
