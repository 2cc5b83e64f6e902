"""Readers: json, jsonl, csv through a mapping, kcs; every record keeps its raw text; reparse rebuilds it."""

from __future__ import annotations

import itertools
from pathlib import Path

import orjson
import pytest

from cix.errors import InputError, UsageError
from cix.ingest import readers
from tests.conftest import KCS_DIR, import_declaration


def test_jsonl_records_keep_raw_text_and_line_locator(tmp_path: Path) -> None:
    f = tmp_path / "d.jsonl"
    line = orjson.dumps(import_declaration())
    f.write_bytes(line + b"\n\n" + b"{broken\n" + b'"a string"\n')
    recs = list(readers.read(f, "jsonl"))
    assert [r.locator for r in recs] == ["d.jsonl:1", "d.jsonl:3", "d.jsonl:4"]
    assert recs[0].raw == line.decode() and recs[0].data == import_declaration()
    assert recs[1].data is None and recs[1].raw == "{broken"
    assert [p.rule for p in recs[1].problems] == ["parse"]
    assert recs[2].data is None and [p.rule for p in recs[2].problems] == ["parse"]
    assert all(r.format == "jsonl" for r in recs)


def test_json_object_or_array(tmp_path: Path) -> None:
    one = tmp_path / "one.json"
    one.write_bytes(orjson.dumps({"kind": "import"}))
    (r,) = readers.read(one, "json")
    assert r.data == {"kind": "import"} and r.locator == "one.json#0"
    many = tmp_path / "many.json"
    many.write_bytes(orjson.dumps([{"a": 1}, 3]))
    recs = list(readers.read(many, "json"))
    assert recs[0].data == {"a": 1}
    assert recs[1].data is None and recs[1].problems[0].rule == "parse"
    assert recs[1].raw == "3"


def test_json_that_does_not_parse_is_input_error(tmp_path: Path) -> None:
    f = tmp_path / "x.json"
    f.write_text("[{")
    with pytest.raises(InputError):
        list(readers.read(f, "json"))


def test_csv_mapping_reads_by_column_name(tmp_path: Path) -> None:
    m = tmp_path / "m.json"
    m.write_bytes(orjson.dumps({"columns": {"HS": "/goods/0/hs_code", "Ref": "/lrn", "Opt": "/ucr"},
                                "constants": {"/kind": "import"}, "delimiter": ";"}))  # fmt: skip
    f = tmp_path / "d.csv"
    f.write_text("Ref;Extra;HS\nA1;x;090121\nA2;y;\n")  # Opt absent, HS empty in row 2
    recs = list(readers.read(f, "csv", m))
    assert recs[0].data == {"kind": "import", "lrn": "A1", "goods": [{"hs_code": "090121"}]}
    assert recs[1].data == {"kind": "import", "lrn": "A2"}
    assert recs[0].locator == "d.csv:2"
    assert recs[0].paths is not None and recs[0].paths["/goods/0/hs_code"] == "/HS"
    # the raw text keeps the mapping so a retry can rebuild the record alone
    again = readers.reparse("csv", recs[0].raw, recs[0].locator)
    assert again.data == recs[0].data and again.paths == recs[0].paths


def test_csv_needs_a_valid_mapping(tmp_path: Path) -> None:
    f = tmp_path / "d.csv"
    f.write_text("a\n1\n")
    with pytest.raises(UsageError):
        list(readers.read(f, "csv"))
    m = tmp_path / "m.json"
    m.write_text('{"columns": {}}')
    with pytest.raises(UsageError):
        list(readers.read(f, "csv", m))
    m.write_text('{"columns": {"a": "no-slash"}}')
    with pytest.raises(UsageError):
        list(readers.read(f, "csv", m))
    m.write_text("not json")
    with pytest.raises(InputError):
        list(readers.read(f, "csv", m))
    with pytest.raises(InputError):
        list(readers.read(f, "csv", tmp_path / "missing.json"))


def test_csv_without_header_is_input_error(tmp_path: Path) -> None:
    f = tmp_path / "empty.csv"
    f.write_text("")
    with pytest.raises(InputError):
        list(readers.read(f, "kcs"))


def test_kcs_rows(tmp_path: Path) -> None:
    f = tmp_path / "k.csv"
    with (KCS_DIR / "valid.csv").open(encoding="utf-8") as src:
        f.write_text("".join(itertools.islice(src, 6)))
    recs = list(readers.read(f, "kcs"))
    assert len(recs) == 5
    r = recs[0]
    assert r.format == "kcs" and r.locator == "k.csv:2"
    assert r.data is not None
    assert r.data["kind"] == "import"
    assert r.data["mrn"] == "56839011"
    assert r.data["goods"][0]["hs_code"] == "760711"
    assert r.data["goods"][0]["currency"] == "KRW"
    assert r.inspection is not None and r.inspection["result"] in ("fraud", "no_fraud")
    assert orjson.loads(r.raw)["Declaration ID"] == "56839011"
    again = readers.reparse("kcs", r.raw, r.locator)
    assert again.data == r.data and again.inspection == r.inspection


def test_kcs_pads_hs_code_lost_leading_zero(tmp_path: Path) -> None:
    f = tmp_path / "k.csv"
    f.write_text("Declaration ID,Date,HS6 Code\n1,2021-01-01,90121\n2,2021-01-01,12a\n")
    recs = list(readers.read(f, "kcs"))
    assert recs[0].data is not None and recs[0].data["goods"][0]["hs_code"] == "090121"
    assert [(p.rule, p.path) for p in recs[1].problems] == [("hs.format", "/HS6 Code")]


def test_reparse_json_and_unknown_format() -> None:
    r = readers.reparse("jsonl", '{"kind": "import"}', "x:1")
    assert r.data == {"kind": "import"} and r.locator == "x:1"
    bad = readers.reparse("json", "{", None)
    assert bad.data is None and bad.problems[0].rule == "parse"
    with pytest.raises(UsageError):
        readers.reparse("xml", "{}")


def test_unknown_format_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        list(readers.read(tmp_path / "x", "xml"))
    with pytest.raises(InputError):
        list(readers.read(tmp_path / "missing.jsonl", "jsonl"))
    with pytest.raises(InputError):
        list(readers.read(tmp_path, "kcs"))
    f = tmp_path / "latin.csv"
    f.write_bytes(b"Declaration ID\n\xff\xfe\n")
    with pytest.raises(InputError):
        list(readers.read(f, "kcs"))
