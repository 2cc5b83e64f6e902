"""``cix bench match``: the bulk matching run over N partner export records and N import declarations.

The generator's pairs (:func:`cix.generate.iter_pairs`: 20 % of pairs lack the UCR on one side, 10 %
carry a mistyped container, 5 % of the records of each side have no counterpart) are written with
bulk inserts into a fresh SQLite store, exports as received from a partner; generation and loading
are not timed. Timed: :func:`cix.matching.service.run_bulk` — reading both sides from the store,
matching, comparing and writing the outcomes back. The floor is an exact join on UCR of the same
store's records, in the same engine (Polars), reading the same rows, same run. ``correct_share`` is
counted from the stored outcomes against the generator's pairs, never from the engine's counters.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson
import polars as pl

from cix.settings import Settings
from cix.store.db import open_store


def _rows(rec: dict[str, Any], did: int, source: str, at: str) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
    from cix.model.declaration import natural_key

    data = orjson.dumps(rec)
    parties = {k: (rec.get(k) or {}).get("identifier") for k in ("declarant", "importer", "exporter")}
    cons = rec.get("consignment") or {}
    row = (
        did,
        natural_key(rec.get("mrn"), rec.get("lrn"), parties["declarant"]),
        rec["kind"],
        "lodged",
        1,
        rec.get("lrn"),
        rec.get("mrn"),
        rec.get("ucr"),
        parties["declarant"],
        parties["importer"],
        parties["exporter"],
        rec.get("declaration_office") or cons.get("office_of_entry"),
        rec["date"],
        at,
        at,
        str(did),
        source,
        data.decode(),
        None,
    )
    goods = [
        (
            did,
            i + 1,
            g["hs_code"],
            g.get("origin"),
            g.get("quantity"),
            g.get("unit"),
            g.get("net_mass"),
            g.get("gross_mass"),
            g.get("invoice_amount"),
            g.get("currency"),
            g.get("customs_value"),
            g.get("tax_rate"),
        )
        for i, g in enumerate(rec.get("goods") or [])
    ]
    return row, goods


def load(store: Any, count: int, seed: int) -> tuple[list[tuple[int, int]], int]:
    """Write the pairs; returns the (import id, export id) of each true pair and the pair count."""
    from cix.generate import iter_pairs
    from cix.store.declarations import _DECL_COLS, _GOODS_COLS

    at = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")
    truth: list[tuple[int, int]] = []
    did = 0
    drows: list[Any] = []
    grows: list[Any] = []

    def flush() -> None:
        with store.write() as conn:
            conn.exec_driver_sql(
                f"INSERT INTO declarations ({','.join(_DECL_COLS)}) VALUES ({','.join('?' * len(_DECL_COLS))})", drows
            )
            conn.exec_driver_sql(
                f"INSERT INTO goods_items ({','.join(_GOODS_COLS)}) VALUES ({','.join('?' * len(_GOODS_COLS))})", grows
            )
        drows.clear()
        grows.clear()

    for pair in iter_pairs(count, seed=seed):
        ids: list[int | None] = []
        for rec, source in ((pair.export, "partner:bench"), (pair.imp, "bench")):
            if rec is None:
                ids.append(None)
                continue
            did += 1
            row, goods = _rows(rec, did, source, at)
            drows.append(row)
            grows.extend(goods)
            ids.append(did)
        if ids[0] is not None and ids[1] is not None:
            truth.append((ids[1], ids[0]))
        if len(drows) >= 20_000:
            flush()
    if drows:
        flush()
    return truth, len(truth)


def run(count: int, *, seed: int = 11) -> dict[str, Any]:
    from cix.matching import records, service

    with tempfile.TemporaryDirectory(prefix="cix-bench-match-") as tmp:
        home = Path(tmp)
        settings = Settings(home=home)
        store = open_store(f"sqlite:///{home / 'match.sqlite'}", fresh=True)
        store.run_path = False
        store.settings = settings
        truth, pairs = load(store, count, seed)
        # Floor: the same rows read by the same code, an exact join on UCR in the same engine.
        t0 = time.perf_counter()
        with store.read() as conn:
            recs, _goods = records.read(conn, country=settings.country)
        imp = recs.filter(pl.col("side") == "import").select("id", "ucr").drop_nulls("ucr")
        par = recs.filter(pl.col("side") == "partner").select("ucr", pid="id").drop_nulls("ucr")
        floor_pairs = imp.join(par, on="ucr").height
        floor_s = time.perf_counter() - t0
        del recs, _goods
        t0 = time.perf_counter()
        with store.write() as conn:
            summary = service.run_bulk(conn, settings, reindex=False)
        seconds = time.perf_counter() - t0
        with store.read() as conn:
            got: dict[int, int] = dict(
                conn.exec_driver_sql(
                    "SELECT declaration_id, counterpart_id FROM matches WHERE side = 'import' AND status = 'matched'"
                ).fetchall()
            )
            imports = conn.exec_driver_sql("SELECT count(*) FROM declarations WHERE kind = 'import'").scalar_one()
        store.dispose()
    correct = sum(1 for iid, pid in truth if got.get(iid) == pid)
    return {
        "records": count,
        "seconds": round(seconds, 3),
        "rate_per_s": round(count / seconds, 1),
        "matched_share": round(len(got) / imports, 4) if imports else 0.0,
        "correct_share": round(correct / pairs, 4) if pairs else 0.0,
        "floor_seconds": round(floor_s, 3),
        "ratio": round(seconds / floor_s, 3) if floor_s else None,
        "floor_ucr_pairs": floor_pairs,
        "pairs": pairs,
        "stages": summary["seconds"],
        "outcomes": summary["outcomes"],
        "goal": {"records": 1_000_000, "seconds_under": 30, "correct_share_at_least": 0.95},
    }
