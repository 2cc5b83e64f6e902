"""The fifty sample profiles: valid, distinct, and each selects generated declarations (the default mix)."""

from __future__ import annotations

import collections
import datetime as dt
from typing import Any

import orjson
from sqlalchemy import select

from cix.generate import GeneratorConfig, generate
from cix.ingest.readers import from_json_bytes
from cix.pipeline.lodge import lodge
from cix.pipeline.steps import PathContext
from cix.risk.profiles import engine
from cix.risk.profiles import facts as F
from cix.risk.profiles import repository as repo
from cix.risk.profiles.backtest import stored_of
from cix.risk.profiles.samples import bench_profiles
from cix.settings import Settings
from cix.store.schema import declarations


def test_fifty_valid_distinct_profiles() -> None:
    defs = bench_profiles()
    assert len(defs) == 50 and len({d["id"] for d in defs}) == 50
    assert len({d["condition"] for d in defs}) == 50
    for d in defs:
        repo.check_definition(d)
    assert {d.get("channel") for d in defs} >= {None, "yellow", "red"}
    assert any(d["hard"] for d in defs) and any(d["random_rate"] for d in defs)


def test_each_selects_generated_declarations(sqlite_store: Any) -> None:
    """No matching, valuation or inspections here (the hardest case): each profile still selects some."""
    ds = generate(GeneratorConfig(per_day=100))  # the default mix, 3,000 imports over 30 days
    sqlite_store.run_path = False
    end = max(dt.date.fromisoformat(d["date"]) for d in ds.imports)
    records = [from_json_bytes(orjson.dumps(d), "jsonl", f"g:{i}") for i, d in enumerate(ds.imports)]
    assert lodge(sqlite_store, records, today=end).stored == len(ds.imports) > 2000
    with sqlite_store.write() as conn:
        for d in bench_profiles():
            repo.add_profile(conn, d, "bench")
    hits: collections.Counter[str] = collections.Counter()
    with sqlite_store.read() as conn:
        active = engine.active(conn, end)
        assert len(active) == 50
        rows = list(conn.execute(select(declarations).order_by(declarations.c.id)).mappings())
        for i in range(0, len(rows), 2000):
            batch = stored_of(conn, rows[i : i + 2000])
            for f in F.build(conn, batch, PathContext(Settings.model_construct()), fields=engine.needed_fields(active)):
                for p in active:
                    if p.matches(f):
                        hits[p.id] += 1
    n = len(rows)
    assert not [p.id for p in active if hits[p.id] == 0]
    assert max(hits.values()) < 0.3 * n  # profiles select, they do not sweep everything
