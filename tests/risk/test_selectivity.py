"""Selectivity: channels with reasons, capacity per office and day, the green corridor, random selection."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from cix.risk import selectivity
from cix.risk.selectivity import Case, choose, draw
from cix.settings import Settings
from cix.store.tables_risk import risk_capacity, risk_decisions
from tests.conftest import import_declaration
from tests.risk.conftest import lodge


def _case(i: int, score: float, **over: Any) -> Case:
    c = Case(id=i, row={}, goods=[], decl=None, office="RU1", day=dt.date(2026, 1, 5), key=f"k{i}", aeo=False,
             valuation=None, matching=None)  # fmt: skip
    c.score = score
    for k, v in over.items():
        setattr(c, k, v)
    return c


def test_a_stored_import_gets_a_decision_with_reasons(store: Any) -> None:
    out = lodge(store, [import_declaration(lrn=f"L{i}") for i in range(3)])
    ids = [o.declaration_id for o in out]
    with store.read() as conn:
        rows = {r.declaration_id: r for r in conn.execute(select(risk_decisions))}
    assert set(rows) == set(ids)
    for r in rows.values():
        assert r.channel in selectivity.CHANNELS
        assert isinstance(r.reasons, list)
        assert r.model_version is None  # no model trained yet
        assert r.inputs is not None and "x_aeo" in r.inputs


def test_exports_get_no_channel(store: Any) -> None:
    d = import_declaration(kind="export", mrn="24FI000000000001A1", lrn=None)
    out = lodge(store, [d])
    with store.read() as conn:
        assert (
            conn.execute(select(risk_decisions).where(risk_decisions.c.declaration_id == out[0].declaration_id)).first()
            is None
        )


def test_capacity_keeps_red_within_the_share_and_highest_scores_win(sqlite_store: Any) -> None:
    cases = [_case(i, score=float(i), wanted="red") for i in range(100)]
    settings = Settings.model_construct(red_share=0.05, yellow_share=0.10, random_share=0.0)
    with sqlite_store.write() as conn:
        inc = choose(conn, cases, settings)
        selectivity._upsert_capacity(conn, inc)
    red = [c for c in cases if c.channel == "red"]
    yellow = [c for c in cases if c.channel == "yellow"]
    assert len(red) == 5 and {c.id for c in red} == set(range(95, 100))
    assert len(yellow) == 10 and {c.id for c in yellow} == set(range(85, 95))
    assert all(c.channel == "blue" for c in cases if c.id < 85)
    assert all(any(r["kind"] == "capacity" for r in c.reasons) for c in cases if c.id < 95)
    with sqlite_store.read() as conn:
        row = conn.execute(select(risk_capacity)).one()
    assert (row.total, row.red, row.yellow) == (100, 5, 10)
    # the next batch of the same office and day sees the running counts: no red or yellow place left
    more = [_case(200, 1000.0, wanted="red")]
    with sqlite_store.write() as conn:
        choose(conn, more, settings)
    assert more[0].channel == "blue"
    assert [r["wanted"] for r in more[0].reasons if r["kind"] == "capacity"] == ["red", "yellow"]


def test_green_corridor_for_aeo_with_clean_match_unless_a_hard_profile_hits(sqlite_store: Any) -> None:
    settings = Settings.model_construct(red_share=1.0, yellow_share=1.0, random_share=0.0)
    clean = {"status": "matched", "clean": True, "discrepancies": []}
    a = _case(1, 99.0, wanted="red", aeo=True, matching=clean)
    b = _case(2, 99.0, wanted="red", aeo=True, matching=clean, forced="red")
    c = _case(3, 99.0, wanted="red", aeo=True, matching={"status": "matched", "clean": False, "discrepancies": []})
    with sqlite_store.write() as conn:
        choose(conn, [a, b, c], settings)
    assert a.channel == "green" and a.reasons[-1]["kind"] == "green_corridor"
    assert b.channel == "red"
    assert c.channel == "red"


def test_random_selection_goes_red_whatever_the_score(sqlite_store: Any) -> None:
    settings = Settings.model_construct(red_share=0.0, yellow_share=0.0, random_share=1.0)
    cases = [_case(i, 0.0) for i in range(5)]
    with sqlite_store.write() as conn:
        choose(conn, cases, settings)
    assert all(c.channel == "red" and c.reasons[-1]["kind"] == "random" for c in cases)


@given(st.text(max_size=40), st.text(max_size=10))
def test_draw_is_uniform_range_and_reproducible(key: str, salt: str) -> None:
    u = draw(key, salt)
    assert 0.0 <= u < 1.0
    assert draw(key, salt) == u


def test_random_share_selects_about_its_rate() -> None:
    n = sum(draw(f"key-{i}", "random") < 0.05 for i in range(20_000))
    assert 800 < n < 1200


def test_valuation_flag_and_high_discrepancy_raise_the_channel(sqlite_store: Any) -> None:
    ctx = SimpleNamespace(get=lambda *a: None)
    c = _case(1, 0.0, valuation={"flagged": True, "max_score": 6.0, "undervalued_amount": 10.0, "duty_at_stake": 1.0},
              matching={"status": "matched", "clean": False,
                        "discrepancies": [{"kind": "value", "severity": "high", "duty_at_stake": 5.0}]})  # fmt: skip
    with sqlite_store.read() as conn:
        selectivity.score_cases(conn, [c], ctx, [])
    kinds = [r["kind"] for r in c.reasons]
    assert "valuation" in kinds and "matching" in kinds
    assert c.wanted == "red"  # yellow threshold twice = the default red threshold


def test_capacity_counts_are_read_per_office_and_day_pair(store: Any) -> None:
    """The stored counts of exactly the (office, day) pairs asked for, upserts adding up, on both stores."""
    d1, d2 = dt.date(2026, 1, 5), dt.date(2026, 1, 6)
    with store.write() as conn:
        selectivity._upsert_capacity(conn, {("A", d1): [10, 1, 2], ("B", d2): [20, 3, 4]})
        selectivity._upsert_capacity(conn, {("A", d1): [5, 1, 0]})
    with store.read() as conn:
        counts: dict[Any, Any] = {}
        keys = [("A", d1), ("A", d2), ("B", d1), ("B", d2), ("C", d1)]
        selectivity._read_capacity(conn, keys, counts)
    assert counts == {("A", d1): (15, 2, 2), ("B", d2): (20, 3, 4)}


def test_decision_rows_store_what_core_would_store(store: Any) -> None:
    """Decisions written through the driver (SQLite) read back as the values decided, JSON and dates included."""
    out = lodge(store, [import_declaration(lrn="W1")])
    did = out[0].declaration_id
    with store.read() as conn:
        r = conn.execute(select(risk_decisions).where(risk_decisions.c.declaration_id == did)).one()
    assert isinstance(r.day, dt.date) and r.day == dt.date.fromisoformat(import_declaration()["date"])
    assert isinstance(r.decided_at, dt.datetime)
    assert isinstance(r.reasons, list) and isinstance(r.inputs, dict)
    assert r.channel == r.decided_channel and r.overridden == 0
    assert all(v is None or isinstance(v, float) for v in r.inputs.values())
