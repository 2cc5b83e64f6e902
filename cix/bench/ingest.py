"""``cix bench ingest``: declarations per second through parse + validate + store, beside the floor.

The input is the generator's default mix serialised as JSON lines (made before the clock starts).
The measured path is the real import path — :func:`cix.pipeline.imports.import_file` on the
JSON-lines file, checking batches in ``workers`` processes while the main process writes, into a
fresh SQLite store (or ``--url``). The floor is the same
records, validated and prepared before the clock starts, written by the same store code
(:func:`cix.store.declarations.insert_many`) in batches of the same size into another fresh store,
in the same run. Loss and duplication are counted end to end: the natural keys that went in against
the keys the store holds afterwards.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import select, text

from cix.model import rules
from cix.pipeline.imports import import_file
from cix.pipeline.lodge import batched
from cix.settings import default_workers
from cix.store import declarations as ds
from cix.store.db import Store, open_store
from cix.store.schema import declarations


def _fresh(url: str | None, workdir: Path, name: str) -> Store:
    # The ingest benchmark measures parse + validate + store (the foundation's contract); the steps of
    # the declaration path after storage are measured by `cix bench pipeline`.
    if url is None:
        store = open_store(f"sqlite:///{workdir / name}.sqlite", fresh=True)
        store.run_path = False
        return store
    store = open_store(url, fresh=True)
    store.run_path = False
    with store.write() as conn:
        for table in ("inspections", "goods_items", "declaration_versions", "quarantine", "declarations"):
            conn.execute(text(f"DELETE FROM {table}"))
    return store


def run(
    count: int, *, seed: int = 7, batch_size: int = 2000, url: str | None = None, workers: int | None = None
) -> dict[str, Any]:
    from cix.generate import iter_declarations

    workers = workers or default_workers()

    records = list(iter_declarations(count, seed=seed))
    payload = b"\n".join(orjson.dumps(r) for r in records) + b"\n"
    today = dt.date.today()
    keys_in = []
    prepared = []
    for r in records:
        decl, _problems = rules.validate(r, today=today)
        if decl is None:
            raise RuntimeError(f"the generator made an invalid record: {_problems[:3]}")
        p = ds.prepare(decl, warnings=_problems)
        prepared.append(p)
        keys_in.append(p.natural_key)

    with tempfile.TemporaryDirectory(prefix="cix-bench-") as tmp:
        work = Path(tmp)
        floor_store = _fresh(url, work, "floor")
        t0 = time.perf_counter()
        for chunk in batched(prepared, batch_size):  # type: ignore[arg-type]
            with floor_store.write() as conn:
                ds.insert_many(conn, chunk)  # type: ignore[arg-type]
        floor_s = time.perf_counter() - t0
        floor_store.dispose()

        store = _fresh(url, work, "measured")
        src = work / "bench.jsonl"
        src.write_bytes(payload)
        t0 = time.perf_counter()
        summary = import_file(store, src, "jsonl", batch_size=batch_size, today=today, workers=workers)
        measured_s = time.perf_counter() - t0
        with store.read() as conn:
            keys_out = Counter(conn.execute(select(declarations.c.natural_key)).scalars())
        store.dispose()

    expected = Counter(keys_in)
    lost = sum(1 for k in expected if k not in keys_out)
    duplicated = sum(n - 1 for n in keys_out.values() if n > 1) + sum(
        1 for k in keys_out if k not in expected
    )
    rate = count / measured_s
    floor_rate = count / floor_s
    return {
        "declarations": count,
        "rate_per_s": round(rate, 1),
        "floor_rate_per_s": round(floor_rate, 1),
        "ratio": round(floor_rate / rate, 3),
        "seconds": round(measured_s, 3),
        "floor_seconds": round(floor_s, 3),
        "stored": summary.stored,
        "quarantined": summary.quarantined,
        "lost": lost,
        "duplicated": duplicated,
        "batch_size": batch_size,
        "workers": workers,
        "store": "sqlite" if url is None else url.split(":", 1)[0],
        "goal": {"rate_per_s": 10000, "ratio_at_most": 3},
    }
