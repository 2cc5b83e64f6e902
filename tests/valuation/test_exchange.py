"""Price records between nodes: sent as aggregates under an agreement, stored by partner, used in the build."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from cix.agreements import instantiate
from cix.errors import NotFound, ValidationFailed
from cix.exchange import inbox
from cix.exchange.transport import MemoryTransport
from cix.ingest.readers import from_json_bytes
from cix.pipeline.lodge import lodge_batch
from cix.store import audit
from cix.store.tables_valuation import price_partner_records
from cix.valuation import build, index, records
from cix.valuation.exchange import check_record, store_records
from tests.conftest import TODAY, import_declaration
from tests.exchange.conftest import link, make_node

AS_OF = dt.date(2024, 3, 31)


def lodge(store: Any, n: int, eur_per_kg: float) -> None:
    docs = []
    for i in range(n):
        d = import_declaration(lrn=f"P-{i}", date="2024-03-01")
        d["goods"][0].update(quantity=100, invoice_amount=eur_per_kg * 100 + i)
        docs.append(from_json_bytes(orjson.dumps(d), "json", f"p{i}"))
    assert lodge_batch(store, docs, today=TODAY).stored == n


@pytest.fixture
def trio(tmp_path: Path) -> tuple[Any, Any, Any, MemoryTransport]:
    """FI and CN share price records with RU under the price-information preset."""
    ru = make_node(tmp_path, "RU", "FCS")
    fi = make_node(tmp_path, "FI", "CUSTOMS")
    cn = make_node(tmp_path, "CN", "GACC")
    for n in (ru, fi, cn):
        n.store.settings = n.settings
    link(fi, ru, instantiate("price-information", ["FI-CUSTOMS", "RU-FCS"], agreement_id="prices-fi-ru"))
    link(cn, ru, instantiate("price-information", ["CN-GACC", "RU-FCS"], agreement_id="prices-cn-ru"))
    t = MemoryTransport()
    for n in (ru, fi, cn):
        t.register(n.node.id, n.receiver())
    index.invalidate()
    return ru, fi, cn, t


def test_round_trip_into_the_build(trio: tuple[Any, Any, Any, MemoryTransport]) -> None:
    ru, fi, cn, t = trio
    lodge(fi.store, 12, 5.0)
    lodge(cn.store, 8, 3.0)
    for sender in (fi, cn):
        out = records.send(sender.store, sender.settings, sender.node, "RU-FCS", as_of=AS_OF)
        assert out["records"] == 2 and len(out["messages"]) == 1  # full code and HS6 for origin BR
        assert sender.deliverer(t).run_once() == 1
    assert inbox.process_pending(ru.store) == 2
    with ru.store.read() as conn:
        stored = [dict(r) for r in conn.execute(select(price_partner_records)).mappings()]
    assert {(r["partner"], r["hs_code"]) for r in stored} == {
        ("FI-CUSTOMS", "0901210000"), ("FI-CUSTOMS", "090121"), ("CN-GACC", "0901210000"), ("CN-GACC", "090121"),
    }  # fmt: skip
    fi_row = next(r for r in stored if r["partner"] == "FI-CUSTOMS" and r["hs_code"] == "090121")
    assert fi_row["count"] == 12 and fi_row["currency"] == "USD" and 5.0 < fi_row["median"] < 6.0
    # RU has no declarations of its own: its references come from the partners alone
    summary = build.build(ru.store, ru.settings, as_of=AS_OF)
    assert summary["partner_records"] == 4 and summary["observations"] == 0
    with ru.store.read() as conn:
        shown = index.show(conn, "0901210000", origin="BR", unit="KGM", min_count=5)
    used = shown["used"]
    assert used["count"] == 20 and used["partner_count"] == 20
    assert 3.0 < used["median"] < 6.0
    # a resend replaces the group's record instead of adding to it
    records.send(fi.store, fi.settings, fi.node, "RU-FCS", as_of=AS_OF)
    fi.deliverer(t).run_once()
    inbox.process_pending(ru.store)
    with ru.store.read() as conn:
        assert len(list(conn.execute(select(price_partner_records.c.id)))) == 4


def test_no_agreement_no_sending(trio: tuple[Any, Any, Any, MemoryTransport]) -> None:
    ru, _fi, _cn, _t = trio
    lodge(ru.store, 6, 4.0)
    with pytest.raises(NotFound):  # RU is a party, but no agreement links it with an unknown partner
        records.send(ru.store, ru.settings, ru.node, "TR-GTB", as_of=AS_OF)


def test_thin_groups_are_not_sent(trio: tuple[Any, Any, Any, MemoryTransport]) -> None:
    _ru, fi, _cn, _t = trio
    lodge(fi.store, 3, 4.0)
    with pytest.raises(Exception) as err:
        records.send(fi.store, fi.settings, fi.node, "RU-FCS", as_of=AS_OF)
    assert "no price record to send" in str(err.value)
    # and the agreement's condition refuses a group under five declarations even if a caller built one
    agreement = instantiate("price-information", ["FI-CUSTOMS", "RU-FCS"])
    from cix.exchange import outbox, partners

    with fi.store.read() as conn:
        ru_partner = partners.get(conn, "RU-FCS")
    payload = {"id": "x", "date": "2024-03-31", "period_from": "2023-04-01", "period_to": "2024-03-31",
               "currency": "USD", "records": [{"hs_code": "090121", "origin": "BR", "unit": "KGM", "count": 2,
                                               "median": 4.0, "q1": 3.9, "q3": 4.1, "mad_log": 0.02}]}  # fmt: skip
    with pytest.raises(ValidationFailed):
        outbox.seal_for(fi.node, ru_partner, agreement, "price_record", payload)


def test_bad_records_are_audited_not_dropped(trio: tuple[Any, Any, Any, MemoryTransport]) -> None:
    ru, _fi, _cn, _t = trio
    good = {"hs_code": "090121", "origin": "BR", "unit": "KGM", "count": 9, "median": 4.0, "q1": 3.5, "q3": 4.4,
            "mad_log": 0.1}  # fmt: skip
    bad = {**good, "unit": "XXX", "median": -1}
    payload = {"period_from": "2023-04-01", "period_to": "2024-03-31", "currency": "USD", "records": [good, bad]}
    store_records(ru.store, [("m1", "FI-CUSTOMS", payload)])
    with ru.store.read() as conn:
        assert len(list(conn.execute(select(price_partner_records.c.id)))) == 1
        (entry,) = [e for e in audit.tail(conn, 5) if e["event"] == "price_record.refused"]
    details = entry["details"] if isinstance(entry["details"], dict) else orjson.loads(entry["details"])
    rules = {(p["rule"], p["path"]) for p in details["problems"]}
    assert ("price_record.unit", "/records/1/unit") in rules and ("price_record.median", "/records/1/median") in rules


def test_check_record_shapes() -> None:
    assert check_record([], "/records/0")[1][0]["rule"] == "price_record.shape"
    row, problems = check_record({"hs_code": "09", "origin": "ZZZ", "unit": "KGM", "count": 0, "median": 1.0,
                                  "q1": 2.0, "q3": 0.5, "mad_log": -1}, "/r")  # fmt: skip
    assert row is None
    assert {p["rule"] for p in problems} == {
        "price_record.hs_code", "price_record.origin", "price_record.count", "price_record.q1", "price_record.q3",
        "price_record.mad_log",
    }  # fmt: skip
