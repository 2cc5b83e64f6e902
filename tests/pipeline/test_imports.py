"""Importing files (jsonl, json, csv with a mapping, kcs): idempotent, labels become inspections once."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import func, select

from cix.errors import InputError, UsageError
from cix.pipeline.imports import import_file
from cix.store import quarantine as q_store
from cix.store.schema import declarations, inspections
from tests.conftest import KCS_DIR, TODAY, import_declaration


def count(store: Any, table: Any = declarations) -> int:
    with store.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def open_entries(store: Any) -> list[dict[str, Any]]:
    with store.read() as conn:
        return q_store.list_entries(conn, limit=1000)[1]


def write_jsonl(path: Path, docs: list[Any]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(d) + b"\n" for d in docs))
    return path


def kcs_sample(tmp_path: Path, rows: int = 300, name: str = "kcs.csv") -> Path:
    out = tmp_path / name
    with (KCS_DIR / "valid.csv").open(encoding="utf-8") as src, out.open("w", encoding="utf-8") as dst:
        for line in itertools.islice(src, rows + 1):
            dst.write(line)
    return out


def test_jsonl_import_and_reimport_is_idempotent(store: Any, tmp_path: Path) -> None:
    bad = import_declaration(lrn="BAD")
    bad["goods"][0]["currency"] = "XXQ"
    f = write_jsonl(tmp_path / "d.jsonl", [import_declaration(lrn=f"L{i}") for i in range(4)] + [bad])
    s = import_file(store, f, "jsonl", today=TODAY)
    assert (s.read, s.stored, s.duplicates, s.quarantined) == (5, 4, 0, 1)
    s2 = import_file(store, f, "jsonl", today=TODAY)
    assert (s2.read, s2.stored, s2.duplicates, s2.quarantined) == (5, 0, 4, 1)
    assert count(store) == 4
    assert len(open_entries(store)) == 1
    (e,) = open_entries(store)
    assert e["locator"] == "d.jsonl:5"
    assert e["source"] == "d.jsonl"


def test_jsonl_skips_blank_lines_and_quarantines_garbage(sqlite_store: Any, tmp_path: Path) -> None:
    store = sqlite_store  # reader/command logic: one back end is enough
    f = tmp_path / "d.jsonl"
    f.write_bytes(orjson.dumps(import_declaration()) + b"\n\n   \nnot json\n[1,2]\n")
    s = import_file(store, f, "jsonl", today=TODAY)
    assert (s.read, s.stored, s.quarantined) == (3, 1, 2)
    assert {e["raw"] for e in open_entries(store)} == {"not json", "[1,2]"}


def test_json_array_import(sqlite_store: Any, tmp_path: Path) -> None:
    store = sqlite_store  # reader/command logic: one back end is enough
    f = tmp_path / "d.json"
    f.write_bytes(orjson.dumps([import_declaration(lrn="A"), import_declaration(lrn="B"), 7]))
    s = import_file(store, f, "json", today=TODAY)
    assert (s.read, s.stored, s.quarantined) == (3, 2, 1)
    s = import_file(store, f, "json", today=TODAY)
    assert (s.stored, s.duplicates, s.quarantined) == (0, 2, 1)


def test_json_single_object_import(sqlite_store: Any, tmp_path: Path) -> None:
    store = sqlite_store  # reader/command logic: one back end is enough
    f = tmp_path / "one.json"
    f.write_bytes(orjson.dumps(import_declaration()))
    s = import_file(store, f, "json", today=TODAY)
    assert (s.read, s.stored) == (1, 1)


def _csv_with_mapping(tmp_path: Path, rows: list[dict[str, str]]) -> tuple[Path, Path]:
    mapping = {
        "columns": {
            "Ref": "/lrn",
            "Declarant": "/declarant/identifier",
            "Importer": "/importer/identifier",
            "Day": "/date",
            "HS": "/goods/0/hs_code",
            "Origin": "/goods/0/origin",
            "Mass": "/goods/0/net_mass",
        },
        "constants": {"/kind": "import", "/goods/0/unit": "KGM"},
    }
    m = tmp_path / "map.json"
    m.write_bytes(orjson.dumps(mapping))
    f = tmp_path / "d.csv"
    with f.open("w", newline="") as fh:
        # columns in another order than the mapping: read by name, never by position
        w = csv.DictWriter(fh, fieldnames=["Mass", "Origin", "HS", "Day", "Importer", "Declarant", "Ref"])
        w.writeheader()
        w.writerows(rows)
    return f, m


def test_csv_with_mapping(store: Any, tmp_path: Path) -> None:
    good = {"Ref": "C1", "Declarant": "RU7701234567", "Importer": "RU7702345678", "Day": "2024-03-01",
            "HS": "090121", "Origin": "BR", "Mass": "12.5"}  # fmt: skip
    bad = dict(good, Ref="C2", Origin="QQ", Mass="-1")
    f, m = _csv_with_mapping(tmp_path, [good, bad])
    s = import_file(store, f, "csv", mapping=m, today=TODAY)
    assert (s.read, s.stored, s.quarantined) == (2, 1, 1)
    (e,) = open_entries(store)
    found = {(p["rule"], p["path"], p["value"]) for p in e["problems"]}
    # problems point at the CSV's own columns
    assert ("country.unknown", "/Origin", "QQ") in found
    assert any(p[0] == "value.negative" and p[1] == "/Mass" for p in found)
    assert e["format"] == "csv"
    s2 = import_file(store, f, "csv", mapping=m, today=TODAY)
    assert (s2.stored, s2.duplicates, s2.quarantined) == (0, 1, 1)
    assert len(open_entries(store)) == 1


def test_csv_without_mapping_is_a_usage_error(sqlite_store: Any, tmp_path: Path) -> None:
    store = sqlite_store  # reader/command logic: one back end is enough
    f = tmp_path / "d.csv"
    f.write_text("a,b\n1,2\n")
    with pytest.raises(UsageError):
        import_file(store, f, "csv", today=TODAY)


def test_kcs_import_creates_inspections_once(store: Any, tmp_path: Path) -> None:
    f = kcs_sample(tmp_path)
    s = import_file(store, f, "kcs", today=TODAY)
    assert s.read == 300
    assert (s.stored, s.duplicates, s.quarantined) == (300, 0, 0)  # the first 300 rows are all good
    assert count(store) == s.stored
    assert count(store, inspections) == s.stored  # every stored row has a Fraud label
    with store.read() as conn:
        results = set(conn.execute(select(inspections.c.result)).scalars())
    assert results <= {"fraud", "no_fraud"}
    s2 = import_file(store, f, "kcs", today=TODAY)
    assert s2.stored == 0
    assert s2.duplicates == s.stored
    assert count(store, inspections) == s.stored


def test_kcs_without_labels_creates_no_inspections(sqlite_store: Any, tmp_path: Path) -> None:
    store = sqlite_store  # reader/command logic: one back end is enough
    src = kcs_sample(tmp_path, 20)
    with src.open() as fh:
        rows = list(csv.DictReader(fh))
    f = tmp_path / "nolabels.csv"
    cols = [c for c in rows[0] if c not in ("Fraud", "Critical Fraud")]
    with f.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    s = import_file(store, f, "kcs", today=TODAY)
    assert s.stored > 0
    assert count(store, inspections) == 0


def test_kcs_bad_value_quarantined_with_column_path(sqlite_store: Any, tmp_path: Path) -> None:
    store = sqlite_store  # reader/command logic: one back end is enough
    src = kcs_sample(tmp_path, 3)
    with src.open() as fh:
        rows = list(csv.DictReader(fh))
    rows[1]["Net Mass"] = "-5"
    rows[2]["Net Mass"] = "heavy"
    f = tmp_path / "bad.csv"
    with f.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    s = import_file(store, f, "kcs", today=TODAY)
    assert (s.read, s.stored, s.quarantined) == (3, 1, 2)
    by_loc = {e["locator"]: e for e in open_entries(store)}
    neg = by_loc["bad.csv:3"]["problems"]
    assert ("value.negative", "/Net Mass", "-5") in {(p["rule"], p["path"], p["value"]) for p in neg}
    nan = by_loc["bad.csv:4"]["problems"]
    assert ("number.format", "/Net Mass") in {(p["rule"], p["path"]) for p in nan}
    # no problem leaks a model path for a KCS row
    assert not any(p["path"].startswith("/goods") for e in by_loc.values() for p in e["problems"])


def test_unreadable_files_raise_input_error(sqlite_store: Any, tmp_path: Path) -> None:
    store = sqlite_store  # reader/command logic: one back end is enough
    with pytest.raises(InputError):
        import_file(store, tmp_path / "missing.jsonl", "jsonl", today=TODAY)
    with pytest.raises(InputError):
        import_file(store, tmp_path, "jsonl", today=TODAY)  # a directory
    notjson = tmp_path / "x.json"
    notjson.write_text("{nope")
    with pytest.raises(InputError):
        import_file(store, notjson, "json", today=TODAY)
    latin = tmp_path / "x.csv"
    latin.write_bytes("Declaration ID,Date\n1,\xe9t\xe9\n".encode("latin-1"))
    with pytest.raises(InputError):
        import_file(store, latin, "kcs", today=TODAY)
    assert count(store) == 0


def test_unknown_format_is_a_usage_error(sqlite_store: Any, tmp_path: Path) -> None:
    store = sqlite_store  # reader/command logic: one back end is enough
    f = write_jsonl(tmp_path / "d.jsonl", [import_declaration()])
    with pytest.raises(UsageError):
        import_file(store, f, "xml", today=TODAY)
