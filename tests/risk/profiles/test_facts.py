"""Facts of stored declarations: the declaration, items, parties, path results, and history known before."""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from cix.ingest.readers import from_json_bytes
from cix.pipeline.lodge import lodge_batch
from cix.pipeline.steps import PathContext
from cix.risk.profiles import facts as F
from cix.risk.profiles.backtest import stored_of
from cix.settings import Settings
from cix.store.schema import declarations, inspections
from tests.conftest import TODAY, import_declaration

IMPORTER = "RU7702345678"


def lodge(store: Any, docs: list[dict[str, Any]]) -> None:
    store.run_path = False
    batch = [from_json_bytes(orjson.dumps(d), "jsonl", f"t:{i}") for i, d in enumerate(docs)]
    assert lodge_batch(store, batch, today=TODAY).stored == len(docs)


def day_docs() -> list[dict[str, Any]]:
    return [
        import_declaration(lrn="L1", date="2024-03-01"),
        import_declaration(lrn="L2", date="2024-03-01"),
        import_declaration(lrn="L3", date="2024-03-05"),
        import_declaration(lrn="L4", date="2024-03-09"),
    ]


def stored(conn: Any) -> list[Any]:
    rows = list(conn.execute(select(declarations).order_by(declarations.c.lrn)).mappings())
    return stored_of(conn, rows)


def test_declaration_items_parties(store: Any) -> None:
    d = import_declaration(lrn="L1")
    d["goods"].append(
        {
            **d["goods"][0],
            "hs_code": "8703231900",
            "origin": "JP",
            "quantity": 2,
            "unit": "H87",
            "customs_value": 3_000_000.0,
            "tax_rate": 15.0,
            "preference": "100",
        }
    )
    d["goods"][0]["customs_value"] = 400_000.0
    lodge(store, [d])
    with store.read() as conn:
        (f,) = F.build(conn, stored(conn), PathContext(Settings.model_construct()))
    assert f["declaration.kind"] == "import" and f["declaration.date"] == dt.date(2024, 3, 1)
    assert f["declaration.weekday"] == 5 and f["declaration.office"] == "RU10702000"
    assert f["declaration.routing"] == ["FI", "RU"] and f["declaration.transport_mode"] == "3"
    assert f["declaration.item_count"] == 2 and f["declaration.container_count"] == 1
    assert f["declaration.total_value"] == 3_400_000.0
    assert f["declaration.total_duty"] == 400_000.0 * 0.05 + 3_000_000.0 * 0.15
    assert f["importer.id"] == IMPORTER and f["importer.aeo"] is True and f["exporter.country"] == "FI"
    assert f["exporter.aeo"] is False and f["carrier.id"] is None
    car = f["items"][1]
    assert (car["seq"], car["chapter"], car["heading"], car["origin"], car["unit_value"], car["duty"]) == (
        2,
        "87",
        "8703",
        "JP",
        1_500_000.0,
        450_000.0,
    )
    assert f["items"][0]["value_per_kg"] == 400.0 and f["items"][0]["description"] == "Coffee, roasted"
    assert f["matching.status"] is None and f["valuation.max_score"] is None and f["discrepancies"] == []


def test_path_results_are_read_from_the_context(store: Any) -> None:
    lodge(store, [import_declaration(lrn="L1")])
    with store.read() as conn:
        (s,) = stored(conn)
        ctx = PathContext(Settings.model_construct())
        ctx.put(
            "matching",
            s.id,
            {
                "status": "matched",
                "clean": False,
                "counterpart_id": 9,
                "candidates": [9],
                "discrepancies": [
                    {"kind": "quantity", "severity": "medium", "item": 1, "ours": 1, "theirs": 2, "duty_at_stake": 12.5}
                ],
            },
        )
        ctx.put(
            "valuation",
            s.id,
            {
                "flagged": True,
                "max_score": 4.2,
                "undervalued_amount": 100.0,
                "duty_at_stake": 5.0,
                "items": [{"seq": 1, "score": 4.2, "flagged": True}],
            },
        )
        (f,) = F.build(conn, [s], ctx)
    assert (f["matching.status"], f["matching.clean"], f["matching.max_severity"]) == ("matched", False, "medium")
    assert f["matching.discrepancy_count"] == 1 and f["matching.duty_at_stake"] == 12.5
    assert f["discrepancies"][0]["kind"] == "quantity"
    assert (f["valuation.flagged"], f["valuation.max_score"]) == (True, 4.2)
    assert f["items"][0]["value_score"] == 4.2 and f["items"][0]["price_flagged"] is True


def test_history_is_strictly_before_the_date(store: Any) -> None:
    lodge(store, day_docs())
    with store.write() as conn:
        ids = dict(conn.execute(select(declarations.c.lrn, declarations.c.id)).all())
        now = dt.datetime.now(dt.UTC)
        conn.execute(
            inspections.insert(),
            [
                # L1 inspected on 03-05: known to L4 (03-09), not to L3 (lodged that same day)
                {
                    "declaration_id": ids["L1"],
                    "inspected_at": dt.datetime(2024, 3, 5, 10, tzinfo=dt.UTC),
                    "result": "fraud",
                    "critical": 0,
                    "recorded_at": now,
                },
                {
                    "declaration_id": ids["L2"],
                    "inspected_at": dt.datetime(2024, 3, 2, tzinfo=dt.UTC),
                    "result": "no_fraud",
                    "critical": 0,
                    "recorded_at": now,
                },
                # L4's own inspection, recorded later: never seen by anything dated before it
                {
                    "declaration_id": ids["L4"],
                    "inspected_at": dt.datetime(2024, 3, 9, 12, tzinfo=dt.UTC),
                    "result": "fraud",
                    "critical": 0,
                    "recorded_at": now,
                },
            ],
        )
    with store.read() as conn:
        got = {
            s.row["lrn"]: f
            for s, f in zip(
                stored(conn), F.build(conn, stored(conn), PathContext(Settings.model_construct())), strict=True
            )
        }
        none = F.build(conn, stored(conn), PathContext(Settings.model_construct()), fields={"importer.aeo"})
    hist = {
        k: (
            f["importer.declarations"],
            f["importer.days_known"],
            f["importer.inspections"],
            f["importer.frauds"],
            f["importer.hit_rate"],
            f["declarant.frauds"],
        )
        for k, f in got.items()
    }
    assert hist == {
        "L1": (0, None, 0, 0, None, 0),
        "L2": (0, None, 0, 0, None, 0),
        "L3": (2, 4, 1, 0, 0.0, 0),
        "L4": (3, 8, 2, 1, 0.5, 1),
    }
    assert all(f["importer.declarations"] == 0 and f["importer.hit_rate"] is None for f in none)


def _history_of(conn: Any, cached: bool, monkeypatch: Any) -> list[tuple[Any, ...]]:
    monkeypatch.setattr(F, "CACHE_INSPECTIONS", cached)
    got = F.build(conn, stored(conn), PathContext(Settings.model_construct()))
    keys = sorted(F._NO_HISTORY)
    return [tuple(f[k] for k in keys) for f in got]


def _inspect(conn: Any, did: int, day: dt.date, result: str) -> None:
    at = dt.datetime(day.year, day.month, day.day, 9, tzinfo=dt.UTC)
    conn.execute(inspections.insert(), [{"declaration_id": did, "inspected_at": at, "result": result, "critical": 0,
                                         "recorded_at": dt.datetime.now(dt.UTC)}])  # fmt: skip


def test_cached_inspections_give_the_queried_history(sqlite_store: Any, monkeypatch: Any) -> None:
    """The per-process inspection books (SQLite) equal the per-batch query after every kind of change."""
    from cix.model.declaration import Declaration
    from cix.store import declarations as ds

    store = sqlite_store
    other = {"name": "Other Broker", "identifier": "RU7709999999", "country": "RU"}
    docs = [*day_docs(), import_declaration(lrn="L5", date="2024-03-12", declarant=other)]
    lodge(store, docs)
    F._BOOKS.clear()

    def same() -> list[tuple[Any, ...]]:
        with store.read() as conn:
            cached, queried = _history_of(conn, True, monkeypatch), _history_of(conn, False, monkeypatch)
        assert cached == queried
        return cached

    with store.read() as conn:
        ids = dict(conn.execute(select(declarations.c.lrn, declarations.c.id)).all())
    first = same()  # no inspection at all
    with store.write() as conn:
        _inspect(conn, ids["L1"], dt.date(2024, 3, 2), "fraud")
    second = same()  # new rows after the cache was built
    assert second != first
    with store.write() as conn:
        _inspect(conn, ids["L2"], dt.date(2024, 3, 3), "no_fraud")
        _inspect(conn, ids["L3"], dt.date(2024, 3, 6), "fraud")
    third = same()
    assert third != second
    # a transaction that added an inspection and failed: the rows it saw are forgotten
    with pytest.raises(RuntimeError), store.write() as conn:
        _inspect(conn, ids["L4"], dt.date(2024, 3, 10), "fraud")
        assert _history_of(conn, True, monkeypatch) == _history_of(conn, False, monkeypatch)
        raise RuntimeError("rolled back")
    assert same() == third
    # an amendment moves L1 (inspected, fraud) to another importer
    changed = import_declaration(lrn="L1", date="2024-03-01", importer={
        "name": "New Importer", "identifier": "RU7700000001", "country": "RU", "aeo": False})  # fmt: skip
    with store.write() as conn:
        ds.amend(conn, "L1", ds.prepare(Declaration.model_validate(changed)), "importer corrected")
    assert same() != third
