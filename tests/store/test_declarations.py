"""The declaration store on SQLite and PostgreSQL: bulk insert, hashes, read, list, versions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select

from cix.errors import Conflict, NotFound, UsageError
from cix.model.declaration import Declaration, Status
from cix.store import declarations as ds
from cix.store.schema import declaration_versions, goods_items, inspections
from tests.conftest import import_declaration


def prepared(**over: Any) -> ds.Prepared:
    return ds.prepare(Declaration.model_validate(import_declaration(**over)), source="test")


def test_insert_and_read_back(store: Any) -> None:
    batch = [prepared(lrn=f"L{i}") for i in range(5)]
    batch[0].inspection = {
        "inspected_at": None,
        "officer": "o1",
        "result": "fraud",
        "duty_recovered": 12.5,
        "critical": 0,
        "source": "test",
    }
    with store.write() as conn:
        ids = ds.insert_many(conn, batch)
    assert len(ids) == 5 and len(set(ids)) == 5
    with store.read() as conn:
        assert ds.count(conn) == 5
        d = ds.get(conn, "lrn:RU7701234567:L3")
        assert d["id"] == ids[3]
        assert d["data"]["goods"][0]["hs_code"] == "0901210000"
        assert d["status"] == "lodged" and d["version"] == 1
        assert d["declared_on"] == dt.date(2024, 3, 1)
        assert conn.execute(select(func.count()).select_from(goods_items)).scalar_one() == 5
        assert conn.execute(select(inspections.c.result)).scalars().all() == ["fraud"]
        found = ds.existing(conn, ["lrn:RU7701234567:L1", "lrn:nobody:x"])
        assert found == {"lrn:RU7701234567:L1": (ids[1], batch[1].content_hash)}


def test_natural_key_is_unique(store: Any) -> None:
    from cix.errors import StoreError

    with store.write() as conn:
        ds.insert_many(conn, [prepared()])
    with pytest.raises(StoreError), store.write() as conn:
        ds.insert_many(conn, [prepared()])
    with store.read() as conn:
        assert ds.count(conn) == 1


def test_resolve_key_by_id_mrn_lrn(store: Any) -> None:
    with store.write() as conn:
        [did] = ds.insert_many(conn, [prepared(mrn="24RU000000000001X0")])
    with store.read() as conn:
        key = "mrn:24RU000000000001X0"
        assert ds.resolve_key(conn, str(did)) == key
        assert ds.resolve_key(conn, "24RU000000000001X0") == key
        assert ds.resolve_key(conn, "LRN-0001") == key
        with pytest.raises(NotFound):
            ds.resolve_key(conn, "nothing-here")


def test_list_filters(store: Any) -> None:
    with store.write() as conn:
        ds.insert_many(
            conn,
            [
                prepared(lrn="A", date="2024-01-01"),
                prepared(lrn="B", date="2024-02-01"),
                prepared(lrn="C", date="2024-03-01", declaration_office="RU10000000"),
            ],
        )
    with store.read() as conn:
        total, rows = ds.list_declarations(conn, date_from=dt.date(2024, 1, 15))
        assert total == 2 and [r["lrn"] for r in rows] == ["C", "B"]
        total, rows = ds.list_declarations(conn, office="RU10000000")
        assert [r["lrn"] for r in rows] == ["C"]
        total, rows = ds.list_declarations(conn, limit=1, offset=1)
        assert total == 3 and [r["lrn"] for r in rows] == ["B"]


def test_amend_keeps_earlier_version(store: Any) -> None:
    with store.write() as conn:
        ds.insert_many(conn, [prepared()])
    changed = import_declaration()
    changed["goods"][0]["invoice_amount"] = 5200
    new = ds.prepare(Declaration.model_validate(changed))
    with store.write() as conn:
        d = ds.amend(conn, "LRN-0001", new, "invoice corrected")
    assert d["version"] == 2 and d["status"] == Status.AMENDED.value
    assert d["data"]["goods"][0]["invoice_amount"] == 5200
    with store.read() as conn:
        h = ds.history(conn, "LRN-0001")
        assert [v["version"] for v in h] == [1, 2]
        assert h[0]["data"]["goods"][0]["invoice_amount"] == 4800
        assert h[0]["reason"] == "invoice corrected" and h[0]["operation"] == "amend"
        amounts = conn.execute(select(goods_items.c.invoice_amount)).scalars().all()
        assert amounts == [5200]


def test_amend_rules(store: Any) -> None:
    with store.write() as conn:
        ds.insert_many(conn, [prepared()])
    with pytest.raises(Conflict), store.write() as conn:
        ds.amend(conn, "LRN-0001", prepared(), "no change")
    with pytest.raises(UsageError), store.write() as conn:
        ds.amend(conn, "LRN-0001", prepared(lrn="OTHER"), "other key")
    with store.write() as conn:
        d = ds.set_status(conn, "LRN-0001", Status.CANCELLED, "withdrawn")
    assert d["status"] == "cancelled" and d["version"] == 2
    changed = import_declaration()
    changed["goods"][0]["quantity"] = 7
    with pytest.raises(Conflict), store.write() as conn:
        ds.amend(conn, "LRN-0001", ds.prepare(Declaration.model_validate(changed)), "too late")
    with pytest.raises(Conflict), store.write() as conn:
        ds.set_status(conn, "LRN-0001", Status.CANCELLED, "again")
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(declaration_versions)).scalar_one() == 1


def test_release_then_no_cancel(store: Any) -> None:
    with store.write() as conn:
        ds.insert_many(conn, [prepared()])
        ds.set_status(conn, "LRN-0001", Status.RELEASED, None)
    with pytest.raises(Conflict), store.write() as conn:
        ds.set_status(conn, "LRN-0001", Status.CANCELLED, "late")


def test_match_columns_from_model_equal_those_from_json(store: Any) -> None:
    """The columns matching reads: written from the model on insert, and the same when filled from the JSON."""
    from cix.generate import iter_pairs

    docs = [r for p in iter_pairs(40, seed=5) for r in (p.export, p.imp) if r is not None]
    bare = import_declaration(lrn="BARE")
    bare.pop("consignment", None)
    many = import_declaration(lrn="MANY")
    many["consignment"] = {
        "transport_documents": [{"type": "N705", "number": "A-1"}, {"type": "N740", "number": "b 2"}],
        "containers": [{"number": "MSCU1234565"}, {"number": "TGHU0000001"}, {"number": "X"}],
        "country_of_dispatch": "CN",
        "freight": 100,
        "insurance": 2.5,
        "freight_currency": "USD",
    }
    many["hs_edition"] = "HS2017"
    empty = import_declaration(lrn="EMPTY")  # a single empty number: no number at all, both ways
    empty["consignment"] = {"transport_documents": [{"type": "N705", "number": ""}], "containers": []}
    batch = [ds.prepare(Declaration.model_validate(d), source="test") for d in [*docs, empty, bare, many]]
    with store.write() as conn:
        ids = ds.insert_many(conn, batch)
    cols = ", ".join(ds.MATCH_COLUMNS)

    def read() -> list[tuple[Any, ...]]:
        with store.read() as conn:
            return [tuple(r) for r in conn.exec_driver_sql(f"SELECT id, {cols} FROM declarations ORDER BY id")]

    written = read()
    assert len(written) == len(batch)
    by_id = {r[0]: r[1:] for r in written}
    assert by_id[ids[-1]] == ("CN", "A-1\x1fb 2", "MSCU1234565\x1fTGHU0000001\x1fX", "HS2017", "FCA", 100.0, 2.5, "USD")
    assert by_id[ids[-2]][:3] == (None, None, None)
    assert by_id[ids[-3]][1:3] == (None, None)
    assert sum(1 for r in written if r[2] is not None) > 40  # the generated records carry documents
    with store.write() as conn:
        conn.exec_driver_sql("UPDATE declarations SET " + ", ".join(f"{c} = NULL" for c in ds.MATCH_COLUMNS))
        ds.fill_match_columns(conn, ids[:3])
    partly = read()
    assert partly[:3] == written[:3] and all(r[1:] == (None,) * 8 for r in partly[3:])
    with store.write() as conn:
        ds.fill_match_columns(conn)
    assert read() == written
