"""``cix bench match``: the bulk matching run over N partner export records and N import declarations.

The generator's pairs (:func:`cix.generate.iter_pairs`: 20 % of pairs lack the UCR on one side, 10 %
carry a mistyped container, 5 % of the records of each side have no counterpart) become store rows
(declarations with their JSON, goods items; exports as received from a partner) and are bulk-inserted,
in id order, into a fresh SQLite store, the bench's throwaway file, without journal or sync; the
fields matching reads are then copied out of the JSON into their columns, as the declaration path
does when it stores a record. Generation and loading are not timed. Timed:
:func:`cix.matching.service.run_bulk` — reading both sides from the store, matching, comparing and
writing the outcomes back (commit included). The floor is an exact join on UCR of the same store's
records, in the same engine (Polars), reading the same rows with the same code
(:func:`cix.matching.records.read_bulk`), same run. ``correct_share`` is counted from the stored
outcomes against the generator's pairs, never from the engine's counters.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson
import polars as pl

from cix.settings import Settings
from cix.store.db import open_store
from cix.store.declarations import _DECL_COLS, _GOODS_COLS, MATCH_COLUMNS, fill_match_sql

# The generator's rows carry the JSON; the match columns are filled from it after loading.
_DECL, _GOODS = [c for c in _DECL_COLS if c not in MATCH_COLUMNS], _GOODS_COLS
_GOODS_FLOAT = ("quantity", "net_mass", "gross_mass", "invoice_amount", "customs_value", "tax_rate")
_CHUNK = 100_000


def _frames(drows: dict[str, list[Any]], grows: dict[str, list[Any]]) -> tuple[pl.DataFrame, pl.DataFrame]:
    d = pl.DataFrame({c: pl.Series(c, drows[c], dtype=pl.Int64 if c in ("id", "version") else pl.Utf8) for c in _DECL})
    g = pl.DataFrame(
        {
            c: pl.Series(
                c,
                grows[c],
                dtype=pl.Int64 if c in ("declaration_id", "seq") else pl.Float64 if c in _GOODS_FLOAT else pl.Utf8,
                strict=False,
            )
            for c in _GOODS
        }
    )
    return d, g


def generate(count: int, seed: int, *, cache: Path | None = None) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The store rows of ``count`` generated pairs: declarations, goods items, and the true pairs
    (``import_id``, ``export_id``). With ``cache`` (a directory), rows generated once are kept there as
    Parquet and read back on the next call with the same count and seed (development reruns)."""
    if cache is not None:
        files = [cache / f"match-{count}-{seed}-{part}.parquet" for part in ("decl", "goods", "truth")]
        if all(f.exists() for f in files):
            d, g, t = (pl.read_parquet(f) for f in files)
            return d, g, t
    from cix.generate import iter_pairs
    from cix.model.declaration import natural_key

    at = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")
    truth_i: list[int] = []
    truth_e: list[int] = []
    dparts: list[pl.DataFrame] = []
    gparts: list[pl.DataFrame] = []
    drows: dict[str, list[Any]] = {c: [] for c in _DECL}
    grows: dict[str, list[Any]] = {c: [] for c in _GOODS}
    did = 0

    def add(rec: dict[str, Any], source: str) -> int:
        nonlocal did
        did += 1
        parties = {k: (rec.get(k) or {}).get("identifier") for k in ("declarant", "importer", "exporter")}
        cons = rec.get("consignment") or {}
        values = (
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
            orjson.dumps(rec).decode(),
            None,
        )
        for c, v in zip(_DECL, values, strict=True):
            drows[c].append(v)
        for i, g in enumerate(rec.get("goods") or []):
            grows["declaration_id"].append(did)
            grows["seq"].append(i + 1)
            for c in _GOODS[2:]:
                grows[c].append(g.get(c))
        return did

    for pair in iter_pairs(count, seed=seed):
        eid = add(pair.export, "partner:bench") if pair.export is not None else None
        iid = add(pair.imp, "bench") if pair.imp is not None else None
        if eid is not None and iid is not None:
            truth_i.append(iid)
            truth_e.append(eid)
        if len(drows["id"]) >= _CHUNK:
            d, g = _frames(drows, grows)
            dparts.append(d)
            gparts.append(g)
            for v in (*drows.values(), *grows.values()):
                v.clear()
    d, g = _frames(drows, grows)
    decl = pl.concat([*dparts, d])
    goods = pl.concat([*gparts, g])
    truth = pl.DataFrame(
        {"import_id": truth_i, "export_id": truth_e}, schema={"import_id": pl.Int64, "export_id": pl.Int64}
    )
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
        for frame, f in zip((decl, goods, truth), files, strict=True):
            frame.write_parquet(f)
    return decl, goods, truth


def load(path: Path, decl: pl.DataFrame, goods: pl.DataFrame) -> None:
    """Bulk-insert the generated rows into the (migrated, closed) SQLite store at ``path``, in id order.

    The bench's store is a throwaway file, so the load runs without journal or sync, in one
    transaction, and ends by copying the fields matching reads out of the JSON into their columns
    (:func:`cix.store.declarations.fill_match_sql`); the store is back in WAL mode for the timed run."""
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode=OFF")
        con.execute("PRAGMA synchronous=OFF")
        con.execute("PRAGMA cache_size=-1000000")
        con.execute("BEGIN")
        for frame, table in ((decl, "declarations"), (goods, "goods_items")):
            cols = frame.columns
            sql = f"INSERT INTO {table} ({','.join(cols)}) VALUES ({','.join('?' * len(cols))})"
            for part in frame.iter_slices(50_000):
                con.executemany(sql, part.iter_rows())
        con.execute(fill_match_sql("sqlite"))  # what the declaration path stores beside the JSON
        con.execute("COMMIT")
        con.execute("PRAGMA journal_mode=WAL")
    finally:
        con.close()


def run(count: int, *, seed: int = 11, cache: Path | None = None) -> dict[str, Any]:
    """Generate, load (untimed), then time the bulk run and the floor; ``cache`` as in :func:`generate`."""
    from cix.matching import records, service

    decl, goods, truth = generate(count, seed, cache=cache)
    with tempfile.TemporaryDirectory(prefix="cix-bench-match-") as tmp:
        home = Path(tmp)
        settings = Settings(home=home)
        path = home / "match.sqlite"
        url = f"sqlite:///{path}"
        open_store(url, fresh=True).dispose()  # created and migrated
        load(path, decl, goods)
        del decl, goods
        store = open_store(url, fresh=True)
        store.run_path = False
        store.settings = settings
        # Floor: the same rows read by the same code, an exact join on UCR in the same engine.
        t0 = time.perf_counter()
        with store.read() as conn:
            recs, _goods = records.read_bulk(conn, country=settings.country)
        imp = recs.filter(pl.col("side") == "import").select("id", "ucr").drop_nulls("ucr")
        par = recs.filter(pl.col("side") == "partner").select("ucr", pid="id").drop_nulls("ucr")
        floor_pairs = imp.join(par, on="ucr").height
        floor_s = time.perf_counter() - t0
        del recs, _goods, imp, par
        t0 = time.perf_counter()
        with store.write() as conn:
            summary = service.run_bulk(conn, settings, reindex=False)
        seconds = time.perf_counter() - t0
        with store.read() as conn:
            got = pl.DataFrame(
                conn.exec_driver_sql(
                    "SELECT declaration_id, counterpart_id FROM matches WHERE side = 'import' AND status = 'matched'"
                ).fetchall(),
                schema={"import_id": pl.Int64, "export_id": pl.Int64},
                orient="row",
            )
            imports = conn.exec_driver_sql("SELECT count(*) FROM declarations WHERE kind = 'import'").scalar_one()
        store.dispose()
    pairs = truth.height
    correct = truth.join(got, on=["import_id", "export_id"], how="semi").height
    return {
        "records": count,
        "seconds": round(seconds, 3),
        "rate_per_s": round(count / seconds, 1),
        "matched_share": round(got.height / imports, 4) if imports else 0.0,
        "correct_share": round(correct / pairs, 4) if pairs else 0.0,
        "floor_seconds": round(floor_s, 3),
        "ratio": round(seconds / floor_s, 3) if floor_s else None,
        "floor_ucr_pairs": floor_pairs,
        "pairs": pairs,
        "stages": summary["seconds"],
        "outcomes": summary["outcomes"],
        "goal": {"records": 1_000_000, "seconds_under": 30, "correct_share_at_least": 0.95},
    }
