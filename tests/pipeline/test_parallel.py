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
