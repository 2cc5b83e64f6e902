"""The steps' warm-up (each step's in-memory state loaded from the store ahead of the first batch) and
their work ahead (``pre``: per-record results worked out while a batch is checked, used in the turn
only while they still hold)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from cix.pipeline import steps
from cix.settings import Settings


@pytest.fixture
def registry() -> Any:
    steps.load()
    saved, warm, pre = list(steps._STEPS), dict(steps._WARM), dict(steps._PRE)
    yield
    steps._STEPS[:] = saved
    for table, was in ((steps._WARM, warm), (steps._PRE, pre)):
        table.clear()
        table.update(was)


def test_warm_calls_each_step_warm_hook_with_a_read_connection(sqlite_store: Any, registry: Any) -> None:
    seen: list[Any] = []
    settings = Settings.model_construct(country="RU")
    steps.register("probe", 99, lambda conn, stored, ctx: None, warm=lambda conn, s: seen.append((conn, s)))
    steps.warm(sqlite_store, settings)
    assert len(seen) == 1
    conn, given = seen[0]
    assert given is settings and conn.dialect.name == "sqlite"
    # Registering the step again without a hook drops the hook.
    steps.register("probe", 99, lambda conn, stored, ctx: None)
    steps.warm(sqlite_store, settings)
    assert len(seen) == 1


def test_a_failing_warm_up_is_logged_not_raised(
    sqlite_store: Any, registry: Any, caplog: pytest.LogCaptureFixture
) -> None:
    def boom(conn: Any, s: Any) -> None:
        raise RuntimeError("no model file")

    steps.register("probe", 99, lambda conn, stored, ctx: None, warm=boom)
    with caplog.at_level(logging.WARNING, logger="cix.pipeline"):
        steps.warm(sqlite_store, Settings.model_construct(country="RU"))
    assert "warming" in caplog.text


def test_built_in_warm_up_loads_references_and_inspection_books(sqlite_store: Any, tmp_path: Any) -> None:
    from cix.risk.profiles import facts
    from cix.valuation import index

    url = str(sqlite_store.engine.url)
    index.invalidate()
    facts._BOOKS.clear()
    steps.warm(sqlite_store, Settings(home=tmp_path, database_url=None))
    assert url in index._CACHE
    assert url in facts._BOOKS._db


def test_a_failing_pre_is_logged_and_leaves_nothing_behind(
    sqlite_store: Any, registry: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from cix.model.declaration import Declaration
    from cix.store import declarations as ds
    from tests.conftest import import_declaration

    def half(store: Any, prepared: list[Any], s: Any) -> None:
        prepared[0].pre["probe"] = "made"
        raise RuntimeError("index unreadable")

    steps.register("probe", 99, lambda conn, stored, ctx: None, pre=half)
    batch = [ds.prepare(Declaration.model_validate(import_declaration(lrn=f"P{i}"))) for i in range(2)]
    with caplog.at_level(logging.WARNING, logger="cix.pipeline"):
        steps.pre(sqlite_store, batch, Settings.model_construct(country="RU"))
    assert "could not work ahead" in caplog.text
    assert all("probe" not in p.pre for p in batch)


def _node(tmp: Any) -> tuple[Any, Any, list[bytes]]:
    import datetime as dt

    import orjson

    from cix.bench.pipeline import _dataset, node_home, prepare_node

    today = dt.date.today()
    bench = _dataset(300, 7, today)
    home, settings, store = node_home(tmp)
    prepare_node(store, settings, home, history=600, bench=bench, seed=7)
    return store, settings, [orjson.dumps(r) for r in bench.imports[:300]]


def _outcomes(store: Any) -> dict[str, Any]:
    with store.read() as conn:
        q = {
            "valuation": "SELECT d.natural_key, v.status, v.flagged, v.max_score, v.result FROM valuation_results v"
            " JOIN declarations d ON d.id = v.declaration_id WHERE d.source = 'test' ORDER BY 1",
            "matching": "SELECT d.natural_key, m.status, m.method, m.discrepancies, m.duty_at_stake FROM matches m"
            " JOIN declarations d ON d.id = m.declaration_id WHERE d.source = 'test' ORDER BY 1",
            "risk": "SELECT d.natural_key, r.channel, r.score, r.reasons FROM risk_decisions r"
            " JOIN declarations d ON d.id = r.declaration_id WHERE d.source = 'test' ORDER BY 1",
        }
        return {k: [tuple(r) for r in conn.exec_driver_sql(sql)] for k, sql in q.items()}


def test_work_done_ahead_gives_the_same_outcomes(tmp_path: Any) -> None:
    """A batch whose steps worked ahead is stored with exactly the outcomes of one whose steps did not;
    work done ahead against another reference index is not used."""
    import datetime as dt
    import shutil

    from cix.ingest.readers import from_json_bytes
    from cix.pipeline.lodge import check_batch, write_checked
    from cix.store.db import open_store

    store, settings, payloads = _node(tmp_path / "a")
    store.dispose()
    path = tmp_path / "a" / "node" / "cix.sqlite"
    runs = {}
    for name in ("plain", "ahead", "stale", "marked"):
        copy = tmp_path / f"{name}.sqlite"
        shutil.copy(path, copy)
        st = open_store(f"sqlite:///{copy}", fresh=True)
        st.settings = settings
        batch = [from_json_bytes(p, "jsonl", f"t:{i}") for i, p in enumerate(payloads)]
        checked = check_batch(batch, source="test", today=dt.date.today())
        good = [p for _i, p in checked.good]
        if name != "plain":
            steps.pre(st, good, settings)
            assert all({"matching", "valuation", "risk"} <= set(p.pre) for p in good if p.row["kind"] == "import")
        for p in good:
            made = p.pre.get("risk", {}).get("profiles")
            if name == "marked" and made is not None:  # as if every profile run ahead had hit
                from cix.risk.profiles import engine

                p.pre["risk"]["profiles"] = (made[0], engine.run_ahead(made[0]))
            if name in ("stale", "marked") and "valuation" in p.pre:
                idx, book, params, result = p.pre["valuation"]
                # "stale": as if the references had been rebuilt in between (another index object);
                # "marked": the same index, so the step takes the result as it was worked out.
                p.pre["valuation"] = (object() if name == "stale" else idx, book, params, {**result, "status": "ahead"})
        write_checked(st, checked, source="test")
        runs[name] = _outcomes(st)
        st.dispose()
    plain = runs["plain"]
    assert len(plain["valuation"]) == 300 and len(plain["risk"]) == 300 and plain["matching"]
    assert runs["ahead"] == plain
    assert runs["stale"] == plain
    assert {r[1] for r in runs["marked"]["valuation"]} == {"ahead"}

    def profile_hits(run: dict[str, Any]) -> int:
        return sum(r.count('"kind":"profile"') + r.count('"kind": "profile"') for _k, _c, _s, r in run["risk"])

    # the profiles' hits made ahead are the ones used: marked as all hits, more reasons come out
    assert 0 < profile_hits(plain) < profile_hits(runs["marked"])


def test_every_field_a_profile_may_read_ahead_is_made_ahead() -> None:
    """A profile runs ahead only on fields :func:`own_facts` makes: every field that ``made_ahead``
    accepts is in the facts made ahead (an item field in each item of them)."""
    from cix.model.declaration import Declaration
    from cix.risk.profiles import facts
    from cix.risk.profiles.fields import FIELDS
    from cix.store import declarations as ds
    from tests.conftest import import_declaration

    p = ds.prepare(Declaration.model_validate(import_declaration()))
    own = facts.own_facts(p.row, p.goods, p.decl)
    ahead = [f for f in FIELDS if facts.made_ahead([f])]
    assert "declaration.office" in ahead and "importer.hit_rate" not in ahead and "item.value_score" not in ahead
    for f in ahead:
        if f.startswith("item."):
            assert all(f[5:] in it for it in own["items"]), f
        else:
            assert f in own, f
