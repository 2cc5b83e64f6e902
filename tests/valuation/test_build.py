"""Building references from the store, the declaration-path step, manual values, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import func, select

from cix.ingest.readers import from_json_bytes
from cix.pipeline.lodge import lodge_batch
from cix.settings import Settings
from cix.store.schema import inspections
from cix.store.tables_valuation import price_builds, valuation_results
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
