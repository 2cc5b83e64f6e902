"""Building references from the store, the declaration-path step, manual values, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from sqlalchemy import func, select

from cix.ingest.readers import from_json_bytes
from cix.pipeline.lodge import lodge_batch
from cix.settings import Settings
from cix.store import arrow
from cix.store.schema import inspections
from cix.store.tables_valuation import price_builds, price_references, valuation_results
from cix.valuation import build, index
from cix.valuation.step import result_of
from tests.conftest import TODAY, import_declaration

AS_OF = dt.date(2024, 3, 31)


def decl(i: int, eur_per_kg: float, origin: str = "BR", day: str = "2024-03-01") -> dict[str, Any]:
    d = import_declaration(lrn=f"V-{i}", date=day)
    d["goods"][0].update(origin=origin, quantity=100, net_mass=100, gross_mass=110, invoice_amount=eur_per_kg * 100)
    return d


def lodge(store: Any, docs: list[dict[str, Any]]) -> Any:
    batch = [from_json_bytes(orjson.dumps(d), "json", f"t{i}") for i, d in enumerate(docs)]
    return lodge_batch(store, batch, today=TODAY, keep_outcomes=True)


def setup(store: Any, tmp_path: Path) -> Settings:
    settings = Settings(home=tmp_path / "home", country="DE")  # national currency EUR, ECB rates
    store.settings = settings
    index.invalidate()
    return settings


def test_build_show_and_check(store: Any, tmp_path: Path) -> None:
    settings = setup(store, tmp_path)
    s = lodge(store, [decl(i, 4.0 + i / 100) for i in range(8)])
    assert s.stored == 8
    # before any build: an explicit "no reference" result, stored with the declaration
    with store.read() as conn:
        first = result_of(conn, s.outcomes[0].declaration_id)
    assert first is not None and first["status"] == "no_reference" and not first["flagged"]
    assert first["items"][0]["reason"].startswith("no price reference")

    summary = build.build(store, settings, as_of=AS_OF)
    assert summary["observations"] == 8 and summary["groups"] == 6 and summary["skipped"] == {}
    with store.read() as conn:
        shown = index.show(conn, "0901210000", origin="BR", unit="KGM", min_count=5)
    assert shown["used"]["level"] == 0 and shown["used"]["count"] == 8
    assert 4.0 < shown["used"]["median"] < 5.0  # EUR converted to USD
    assert {g["level"] for g in shown["groups"]} == {0, 1, 2, 3, 4, 5}  # the code, its HS6 and heading

    # the step sees the new build at once: an undervalued declaration is flagged
    s2 = lodge(store, [decl(100, 1.0), decl(101, 4.02)])
    with store.read() as conn:
        low = result_of(conn, s2.outcomes[0].declaration_id)
        ok = result_of(conn, s2.outcomes[1].declaration_id)
        n = conn.execute(select(func.count()).select_from(valuation_results)).scalar_one()
    assert low is not None and ok is not None and n == 10
    assert low["flagged"] and low["build_id"] == summary["build_id"] and low["undervalued_amount"] > 0
    assert low["items"][0]["reason"].startswith("declared 1.08 USD/kg, reference median")
    assert not ok["flagged"] and ok["status"] == "checked"

    # a manual minimum changes the check without a rebuild
    with store.write() as conn:
        index.set_manual(conn, "0901", unit="KGM", min_value=100.0, set_by="test")
    s3 = lodge(store, [decl(102, 4.02)])
    with store.read() as conn:
        r = result_of(conn, s3.outcomes[0].declaration_id)
    assert r is not None and r["flagged"] and "manual minimum" in r["items"][0]["reason"]


def test_build_leaves_out_by_reason(store: Any, tmp_path: Path) -> None:
    settings = setup(store, tmp_path)
    docs = [decl(i, 4.0) for i in range(6)]
    docs.append(decl(50, 4.0, day="2022-01-01"))  # outside the 12 months
    s = lodge(store, docs)
    # a declaration found fraudulent by inspection is not a reference
    with store.write() as conn:
        conn.execute(
            inspections.insert().values(
                declaration_id=s.outcomes[0].declaration_id,
                result="fraud",
                critical=0,
                recorded_at=dt.datetime.now(dt.UTC),
            )
        )
    summary = build.build(store, settings, as_of=AS_OF)
    assert summary["observations"] == 5
    assert summary["groups"] == 6
    again = build.build(store, settings, as_of=AS_OF)
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(price_builds)).scalar_one() == 2
        assert index.current(conn).build_id == again["build_id"]


def test_period() -> None:
    assert build.period(dt.date(2024, 3, 31), 12) == (dt.date(2023, 4, 1), dt.date(2024, 3, 31))
    assert build.period(dt.date(2024, 2, 29), 12) == (dt.date(2023, 3, 1), dt.date(2024, 2, 29))


# --- the bulk read of a SQLite file against the plain query ----------------------------------------


def generated_store(store: Any, n: int = 600) -> Any:
    """``n`` generated declarations written straight to ``store`` as the benchmark does, then varied:
    exports, cancelled and old declarations, a range of ids with no import at all, missing values (the
    first goods row of a range among them), and inspections that found fraud or not. Returns a rate book."""
    from cix.bench.valuation import END, _book_for, _load
    from cix.generate import iter_declarations

    _load(store, iter_declarations(n, 5, end_date=END))
    with store.write() as conn:
        for sql in (
            "UPDATE declarations SET kind = 'export' WHERE id % 11 = 0 OR id BETWEEN 41 AND 80",
            "UPDATE declarations SET status = 'cancelled' WHERE id % 13 = 0",
            "UPDATE declarations SET status = 'amended' WHERE id % 3 = 0",
            "UPDATE declarations SET declared_on = '2020-01-01' WHERE id % 17 = 0",
            "UPDATE goods_items SET origin = NULL WHERE id % 7 = 0 OR declaration_id = 81",
            "UPDATE goods_items SET quantity = NULL WHERE id % 19 = 0 OR declaration_id = 101",
            "UPDATE goods_items SET customs_value = NULL WHERE id % 5 = 0",
            "UPDATE goods_items SET customs_value = NULL, invoice_amount = NULL WHERE id % 23 = 0",
            "INSERT INTO inspections (declaration_id, result, critical, recorded_at)"
            " SELECT id, CASE WHEN id % 2 = 0 THEN 'fraud' ELSE 'compliant' END, 0, '2026-11-20 10:00:00'"
            " FROM declarations WHERE id % 29 = 0",
        ):
            conn.exec_driver_sql(sql)
    return _book_for(n, 5, END)


def references(store: Any) -> pl.DataFrame:
    with store.read() as conn:
        rows = conn.execute(select(price_references).order_by(price_references.c.id)).mappings().all()
    return pl.DataFrame([dict(r) for r in rows]).drop("id", "build_id")


def test_bulk_read_is_the_plain_read(sqlite_store: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cix.bench.valuation import END

    book = generated_store(sqlite_store)
    monkeypatch.setattr(build, "_CHUNK_IDS", 20)  # many ranges over both reader processes
    monkeypatch.setattr(arrow, "MIN_IDS", 1)  # a bulk read, however few the rows
    start, end = build.period(END, 12)
    with sqlite_store.read() as conn:
        assert arrow.sqlite_file(conn) is not None
        bulk = build._read_own(conn, start, end)
        plain = build._read_own_sql(conn, start, end)
    assert 0 < bulk.height < 1000 and bulk.schema == plain.schema
    assert bulk["origin"].null_count() > 0 and bulk["quantity"].null_count() > 0
    # the same rows (the plain query's order follows its plan: here the kind and status index)
    assert_frame_equal(bulk.sort(bulk.columns), plain.sort(plain.columns), check_exact=True)

    # and the same build: summary, groups and statistics to the last bit
    settings = Settings(home=tmp_path / "home", country="RU")
    summary = build.build(sqlite_store, settings, as_of=END, book=book)
    table = references(sqlite_store)
    monkeypatch.setattr(build, "_read_own", build._read_own_sql)
    before = build.build(sqlite_store, settings, as_of=END, book=book)
    assert summary["groups"] > 0 and summary["skipped"]
    for key in ("observations", "skipped", "groups", "groups_by_level"):
        assert summary[key] == before[key]
    assert_frame_equal(table, references(sqlite_store), check_exact=True)


def test_bulk_read_of_an_empty_period(sqlite_store: Any) -> None:
    with sqlite_store.read() as conn:
        empty = build._read_own(conn, dt.date(2023, 1, 1), dt.date(2023, 12, 31))
    generated_store(sqlite_store, 30)
    with sqlite_store.read() as conn:
        none_in_period = build._read_own(conn, dt.date(2023, 1, 1), dt.date(2023, 12, 31))
    assert empty.height == 0 and none_in_period.height == 0
    assert empty.schema == none_in_period.schema == build._frame([]).schema


def test_rows_left_out_count_once_under_their_first_reason() -> None:
    from cix.reference.fx import RateBook
    from cix.reference.rates import RateRow, RateTable

    day = dt.date(2024, 3, 1)
    book = RateBook([RateTable("rates.csv", [RateRow(day, "EUR", Decimal("1.1"), "USD")])], ecb=False)
    raw = build._frame(
        [
            ("0901210000", "BR", "KGM", 10.0, 20.0, None, None, "2024-03-01"),  # kept: 20 EUR * 1.1 / 10
            ("0901210000", "BR", "KGM", None, 20.0, None, None, "2024-03-01"),  # no quantity
            ("0901210000", None, None, 0.0, None, None, None, "2024-03-01"),  # no quantity (first of three)
            ("0901210000", None, "KGM", 5.0, None, None, None, "2024-03-01"),  # no origin (and no value)
            ("0901210000", "BR", None, 5.0, 10.0, None, None, "2024-03-01"),  # no unit
            ("0901210000", "BR", "KGM", 5.0, None, 7.0, None, "2024-03-01"),  # no value: no currency
            ("0901210000", "BR", "KGM", 5.0, None, 7.0, "XYZ", "2024-03-01"),  # no rate
            ("0901210000", "BR", "KGM", 5.0, None, 11.0, "EUR", "2024-03-01"),  # kept: 11 EUR * 1.1 / 5
        ]
    )
    obs, skipped = build.own_observations(raw, national="EUR", book=book)
    assert skipped == {"no_quantity": 2, "no_unit": 1, "no_origin": 1, "no_value": 1, "no_rate": 1}
    assert obs["uv"].to_list() == pytest.approx([2.2, 2.42])
