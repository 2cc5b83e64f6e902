"""Readers: a file in one of the input formats becomes a stream of :class:`Incoming` records.

``json`` (one object, or an array of them), ``jsonl`` (one object a line), ``csv`` through a column
mapping file, and ``kcs`` (the built-in mapping of :mod:`cix.ingest.kcs`). A record that cannot even
be parsed still becomes an :class:`Incoming` with ``data=None`` and a ``parse`` problem, so the
pipeline quarantines it with its raw text instead of losing it. :func:`reparse` rebuilds a record
from the raw text kept in the quarantine, for a retry.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import orjson

from cix.errors import InputError, UsageError
from cix.i18n import _
from cix.ingest import kcs
from cix.ingest.records import FORMATS, Incoming, mapped_record, split_pointer
from cix.model.problems import Problem


def _parse_problem(locator: str, exc: Exception) -> Problem:
    return Problem("parse", "", None, _("The record does not parse: {err}").format(err=exc))


def from_json_bytes(raw: bytes, fmt: str = "jsonl", locator: str | None = None) -> Incoming:
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return Incoming(
            raw.decode("utf-8", "replace"), fmt, None, locator, [_parse_problem(locator or "", exc)]
        )
    text = raw.decode("utf-8", "replace")
    if not isinstance(data, dict):
        return Incoming(
            text, fmt, None, locator, [Problem("parse", "", None, _("A record is a JSON object."))]
        )
    return Incoming(text, fmt, data, locator)


def read_jsonl(stream: io.BufferedIOBase | io.BytesIO, name: str) -> Iterator[Incoming]:
    for n, line in enumerate(stream, 1):
        line = line.strip()
        if line:
            yield from_json_bytes(line, "jsonl", f"{name}:{n}")


def read_json(data: bytes, name: str) -> Iterator[Incoming]:
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise InputError(f"{name} is not JSON: {exc}") from exc
    items = doc if isinstance(doc, list) else [doc]
    for i, item in enumerate(items):
        raw = orjson.dumps(item).decode()
        if isinstance(item, dict):
            yield Incoming(raw, "json", item, f"{name}#{i}")
        else:
            yield Incoming(
                raw, "json", None, f"{name}#{i}", [Problem("parse", f"/{i}", None, _("Not an object."))]
            )


class Mapping_:
    """A CSV column mapping: ``{"columns": {"Column": "/pointer"}, "constants": {...}, "delimiter": ","}``."""

    def __init__(self, doc: Mapping[str, Any]) -> None:
        cols = doc.get("columns")
        if not isinstance(cols, dict) or not cols:
            raise UsageError("a mapping file needs a non-empty 'columns' object: column name -> JSON pointer")
        for col, ptr in cols.items():
            try:
                split_pointer(str(ptr))
            except ValueError as exc:
                raise UsageError(f"mapping of column {col!r}: {exc}") from exc
        self.doc = dict(doc)
        self.columns: dict[str, str] = {str(k): str(v) for k, v in cols.items()}
        self.constants: dict[str, Any] = dict(doc.get("constants") or {})
        self.delimiter = str(doc.get("delimiter") or ",")
        self.paths = {ptr: "/" + col for col, ptr in self.columns.items()}

    @classmethod
    def load(cls, path: Path) -> Mapping_:
        try:
            return cls(orjson.loads(path.read_bytes()))
        except OSError as exc:
            raise InputError(f"cannot read the mapping file {path}: {exc.strerror}") from exc
        except orjson.JSONDecodeError as exc:
            raise InputError(f"the mapping file {path} is not JSON: {exc}") from exc

    def incoming(self, row: Mapping[str, str], locator: str | None) -> Incoming:
        raw = orjson.dumps({"mapping": self.doc, "row": dict(row)}).decode()
        return Incoming(
            raw, "csv", mapped_record(row, self.columns, self.constants), locator, paths=self.paths
        )


def _csv_rows(text: io.TextIOBase, name: str, delimiter: str = ",") -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(text, delimiter=delimiter)
    if not reader.fieldnames:
        raise InputError(f"{name} has no header row")
    for row in reader:
        clean = {k.strip(): (v or "") for k, v in row.items() if k is not None}
        yield reader.line_num, clean


def read(path: Path, fmt: str, mapping: Path | None = None) -> Iterator[Incoming]:
    """The records of a file; raises :class:`InputError` when the file cannot be read at all."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    if fmt == "csv" and mapping is None:
        raise UsageError("--format csv needs --mapping FILE (column name -> JSON pointer)")
    name = path.name
    try:
        if fmt == "jsonl":
            with path.open("rb") as fb:
                yield from read_jsonl(fb, name)
        elif fmt == "json":
            yield from read_json(path.read_bytes(), name)
        else:
            m = Mapping_.load(mapping) if fmt == "csv" and mapping is not None else None
            with path.open(encoding="utf-8-sig", newline="") as ft:
                for line, row in _csv_rows(ft, name, m.delimiter if m else ","):
                    loc = f"{name}:{line}"
                    yield m.incoming(row, loc) if m else kcs.to_incoming(row, loc)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8 text: {exc}") from exc


def reparse(fmt: str, raw: str, locator: str | None = None) -> Incoming:
    """The record again from the raw text the quarantine kept."""
    if fmt in ("json", "jsonl"):
        return from_json_bytes(raw.encode(), fmt, locator)
    doc = orjson.loads(raw)
    if fmt == "kcs":
        return kcs.to_incoming(doc, locator)
    if fmt == "csv":
        return Mapping_(doc["mapping"]).incoming(doc["row"], locator)
    raise UsageError(f"unknown format {fmt!r}")
