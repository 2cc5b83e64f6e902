"""Checking in worker processes gives exactly what the serial path gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import select

from cix.pipeline.imports import import_file
from cix.store.schema import declarations, quarantine
from tests.conftest import TODAY, import_declaration


def _file(tmp_path: Path) -> Path:
    lines = []
    for i in range(23):
        d = import_declaration(lrn=f"P{i}")
        if i % 7 == 3:
            d["goods"][0]["origin"] = "XX"  # quarantined
        lines.append(orjson.dumps(d))
    lines.append(orjson.dumps(import_declaration(lrn="P1")))  # duplicate
    lines.append(b"{not json")  # parse error, quarantined
    f = tmp_path / "p.jsonl"
    f.write_bytes(b"\n".join(lines) + b"\n")
    return f


def _state(store: Any) -> tuple[list[str], list[str]]:
    with store.read() as conn:
        keys = sorted(conn.execute(select(declarations.c.natural_key)).scalars())
        q = sorted(conn.execute(select(quarantine.c.locator)).scalars())
    return keys, q


def test_parallel_equals_serial(tmp_path: Path) -> None:
    from cix.store.db import open_store

    f = _file(tmp_path)
    serial = open_store(f"sqlite:///{tmp_path / 's.sqlite'}", fresh=True)
    par = open_store(f"sqlite:///{tmp_path / 'p.sqlite'}", fresh=True)
    a = import_file(serial, f, "jsonl", batch_size=4, today=TODAY, workers=1)
    b = import_file(par, f, "jsonl", batch_size=4, today=TODAY, workers=2)
    assert a.to_dict() == b.to_dict()
    assert (b.read, b.stored, b.duplicates, b.quarantined) == (25, 20, 1, 4)
    assert _state(serial) == _state(par)
    again = import_file(par, f, "jsonl", batch_size=4, today=TODAY, workers=2)
    assert (again.stored, again.duplicates, again.quarantined) == (0, 21, 4)
    assert _state(serial)[0] == _state(par)[0]


def _path_rows(store: Any) -> tuple[list[str], int]:
    from cix.store.tables_risk import risk_decisions
    from cix.store.tables_valuation import valuation_results

    with store.read() as conn:
        currencies = sorted(set(conn.execute(select(valuation_results.c.currency)).scalars()))
        decided = len(conn.execute(select(risk_decisions.c.declaration_id)).all())
    return currencies, decided


def test_workers_run_the_path_with_the_nodes_settings(tmp_path: Path) -> None:
    from cix.settings import Settings
    from cix.store.db import open_store

    f = _file(tmp_path)
    # country RU: customs values in RUB (the environment's default node, ZZ, would give USD)
    settings = Settings(home=tmp_path / "node", database_url=None, country="RU")
    serial = open_store(f"sqlite:///{tmp_path / 's.sqlite'}", fresh=True)
    par = open_store(f"sqlite:///{tmp_path / 'p.sqlite'}", fresh=True)
    serial.settings = par.settings = settings
    import_file(serial, f, "jsonl", batch_size=4, today=TODAY, workers=1)
    b = import_file(par, f, "jsonl", batch_size=4, today=TODAY, workers=2)
    assert b.stored == 20
    assert _path_rows(par) == _path_rows(serial) == (["RUB"], 20)


def test_workers_keep_the_path_off_when_the_store_does(tmp_path: Path) -> None:
    from cix.store.db import open_store

    f = _file(tmp_path)
    par = open_store(f"sqlite:///{tmp_path / 'p.sqlite'}", fresh=True)
    par.run_path = False
    b = import_file(par, f, "jsonl", batch_size=4, today=TODAY, workers=2)
    assert b.stored == 20
    assert _path_rows(par) == ([], 0)


def test_workers_see_this_process_environment_when_the_store_has_no_settings(tmp_path: Path, monkeypatch: Any) -> None:
    from cix.store.db import open_store

    monkeypatch.setenv("CIX_COUNTRY", "RU")
    monkeypatch.setenv("CIX_HOME", str(tmp_path / "node"))
    f = _file(tmp_path)
    par = open_store(f"sqlite:///{tmp_path / 'p.sqlite'}", fresh=True)
    assert par.settings is None
    import_file(par, f, "jsonl", batch_size=4, today=TODAY, workers=2)
    assert _path_rows(par) == (["RUB"], 20)


def test_fork_only_while_single_threaded() -> None:
    import threading

    from cix.pipeline import parallel

    assert parallel._context(False).get_start_method() == "fork"
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        assert parallel._threaded()
        # a thread (Polars' pool, say) would not survive a fork: workers that run the steps start from a server
        assert parallel._context(True).get_start_method() == "forkserver"
        assert parallel._context(False).get_start_method() == "fork"
    finally:
        stop.set()
        t.join()
