"""Declarations in the store: insert in bulk, read, list, and the versioned lifecycle.

The current version of a declaration lives in ``declarations`` under its natural key; an amendment,
a cancellation or a release first copies the current version into ``declaration_versions`` and then
replaces it with a higher version number, so no version is ever overwritten. A re-import never
changes a stored declaration: the pipeline compares content hashes and quarantines conflicts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, delete, func, select, text, update

from cix.errors import Conflict, NotFound, UsageError
from cix.model.declaration import Declaration, Status
from cix.model.problems import Problem
from cix.store.schema import declaration_versions, declarations, goods_items, inspections

_ITEM_FIELDS = (
    "hs_code",
    "origin",
    "quantity",
    "unit",
    "net_mass",
    "gross_mass",
    "invoice_amount",
    "currency",
    "customs_value",
    "tax_rate",
)


def content_hash(data_json: bytes | str) -> str:
    raw = data_json.encode() if isinstance(data_json, str) else data_json
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


# Matching's fields of a declaration, kept as plain columns of its row beside the JSON (a bulk
# matching run reads them without parsing two million documents): lists of numbers are joined by
# SEP, empty lists are NULL. ``prepare`` takes them from the model; ``fill_match_columns`` from the
# stored JSON (rows stored before the columns existed), with the same result.
SEP = "\x1f"
MATCH_COLUMNS = (
    "dispatch_country",
    "transport_docs",
    "containers",
    "hs_edition",
    "incoterm",
    "freight",
    "insurance",
    "freight_currency",
)


def match_values(decl: Declaration) -> dict[str, Any]:
    """The ``MATCH_COLUMNS`` of a declaration."""
    cons = decl.consignment
    docs = SEP.join(d.number for d in cons.transport_documents) if cons else ""
    containers = SEP.join(c.number for c in cons.containers) if cons else ""
    return {
        "dispatch_country": cons.country_of_dispatch if cons else None,
        "transport_docs": docs or None,
        "containers": containers or None,
        "hs_edition": decl.hs_edition,
        "incoterm": decl.goods[0].incoterm if decl.goods else None,
        "freight": cons.freight if cons else None,
        "insurance": cons.insurance if cons else None,
        "freight_currency": cons.freight_currency if cons else None,
    }


_FILL_SQLITE = """
UPDATE declarations SET
  dispatch_country = json_extract(data, '$.consignment.country_of_dispatch'),
  transport_docs = (SELECT NULLIF(group_concat(json_extract(value, '$.number'), char(31)), '')
                    FROM json_each(data, '$.consignment.transport_documents')),
  containers = (SELECT NULLIF(group_concat(json_extract(value, '$.number'), char(31)), '')
                FROM json_each(data, '$.consignment.containers')),
  hs_edition = json_extract(data, '$.hs_edition'),
  incoterm = json_extract(data, '$.goods[0].incoterm'),
  freight = json_extract(data, '$.consignment.freight'),
  insurance = json_extract(data, '$.consignment.insurance'),
  freight_currency = json_extract(data, '$.consignment.freight_currency')
"""
_FILL_PG = """
UPDATE declarations d SET
  dispatch_country = j.doc #>> '{consignment,country_of_dispatch}',
  transport_docs = (SELECT NULLIF(string_agg(e ->> 'number', chr(31)), '') FROM jsonb_array_elements(
     COALESCE(j.doc #> '{consignment,transport_documents}', '[]'::jsonb)) e),
  containers = (SELECT NULLIF(string_agg(e ->> 'number', chr(31)), '') FROM jsonb_array_elements(
     COALESCE(j.doc #> '{consignment,containers}', '[]'::jsonb)) e),
  hs_edition = j.doc ->> 'hs_edition',
  incoterm = j.doc #>> '{goods,0,incoterm}',
  freight = (j.doc #>> '{consignment,freight}')::float,
  insurance = (j.doc #>> '{consignment,insurance}')::float,
  freight_currency = j.doc #>> '{consignment,freight_currency}'
FROM (SELECT id, data::jsonb AS doc FROM declarations) j
WHERE j.id = d.id
"""


def fill_match_sql(dialect: str) -> str:
    """The statement that sets the ``MATCH_COLUMNS`` of every stored row from its JSON."""
    return _FILL_SQLITE if dialect == "sqlite" else _FILL_PG


def fill_match_columns(conn: Connection, ids: Sequence[int] | None = None) -> None:
    """Set the ``MATCH_COLUMNS`` of stored rows (all, or ``ids``) from their JSON."""
    sqlite = conn.dialect.name == "sqlite"
    sql = fill_match_sql(conn.dialect.name)
    if ids is None:
        conn.exec_driver_sql(sql)
        return
    where = " WHERE id IN ({})" if sqlite else " AND d.id IN ({})"
    for i in range(0, len(ids), 900):
        conn.exec_driver_sql(sql + where.format(",".join(str(int(x)) for x in ids[i : i + 900])))


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(slots=True)
class Prepared:
    """A validated declaration ready to insert: its row, its goods rows and an optional inspection."""

    row: dict[str, Any]
    goods: list[dict[str, Any]]
    inspection: dict[str, Any] | None = None
    warnings: list[Problem] = field(default_factory=list)
    # The same row and goods as SQLite driver tuples (ids excluded), made while checking — in parallel
    # workers — rather than while holding the write lock.
    driver_row: tuple[Any, ...] = ()
    driver_goods: list[tuple[Any, ...]] = field(default_factory=list)
    # The validated declaration itself, for the steps of the declaration path (not stored from here).
    decl: Declaration | None = None
    # What the steps of the declaration path worked out ahead, while the batch was checked (see
    # cix.pipeline.steps.pre), by step: each step checks it still holds before using it.
    pre: dict[str, Any] = field(default_factory=dict)

    def for_driver(self) -> Prepared:
        self.driver_row = tuple(_sqlite_value(self.row[c]) for c in _DECL_COLS[1:])
        self.driver_goods = [tuple(g[c] for c in _GOODS_COLS[1:]) for g in self.goods]
        return self

    @property
    def natural_key(self) -> str:
        return str(self.row["natural_key"])

    @property
    def content_hash(self) -> str:
        return str(self.row["content_hash"])


def prepare(
    decl: Declaration,
    *,
    warnings: Sequence[Problem] = (),
    source: str | None = None,
    at: dt.datetime | None = None,
    inspection: dict[str, Any] | None = None,
) -> Prepared:
    key = decl.natural_key
    if key is None:
        raise UsageError("a declaration needs an MRN, or a declarant identifier and an LRN")
    data = decl.model_dump_json(exclude_defaults=True)
    at = at or now()
    cons = decl.consignment
    row = {
        "natural_key": key,
        "kind": decl.kind.value,
        "status": Status.LODGED.value,
        "version": 1,
        "lrn": decl.lrn,
        "mrn": decl.mrn,
        "ucr": decl.ucr,
        "declarant_id": decl.declarant.identifier if decl.declarant else None,
        "importer_id": decl.importer.identifier if decl.importer else None,
        "exporter_id": decl.exporter.identifier if decl.exporter else None,
        "office": decl.declaration_office or (cons.office_of_entry if cons else None),
        "declared_on": decl.date,
        "lodged_at": at,
        "updated_at": at,
        "content_hash": content_hash(data),
        "source": source[:200] if source else None,
        "data": data,
        "warnings": _warnings_json(warnings),
        **match_values(decl),
    }
    goods = [{"seq": i + 1, **{f: getattr(g, f) for f in _ITEM_FIELDS}} for i, g in enumerate(decl.goods)]
    return Prepared(row, goods, inspection, list(warnings), decl=decl).for_driver()


def _warnings_json(warnings: Sequence[Problem]) -> str | None:
    if not warnings:
        return None
    return orjson.dumps([w.to_dict() for w in warnings]).decode()


def existing(conn: Connection, keys: Iterable[str]) -> dict[str, tuple[int, str]]:
    """Id and content hash of the current version of each stored key among ``keys``."""
    keys = list(keys)
    out: dict[str, tuple[int, str]] = {}
    sqlite = conn.dialect.name == "sqlite"
    for i in range(0, len(keys), 900):
        chunk = keys[i : i + 900]
        if sqlite:  # the driver directly: this runs for every batch, often of one record
            sql = (
                "SELECT natural_key, id, content_hash FROM declarations WHERE natural_key IN ("
                + ",".join("?" * len(chunk))
                + ")"
            )
            out.update({k: (did, h) for k, did, h in conn.exec_driver_sql(sql, tuple(chunk))})
            continue
        q = select(declarations.c.natural_key, declarations.c.id, declarations.c.content_hash).where(
            declarations.c.natural_key.in_(chunk)
        )
        out.update({k: (did, h) for k, did, h in conn.execute(q)})
    return out


_DECL_COLS = [c.name for c in declarations.columns]
_GOODS_COLS = ["declaration_id", "seq", *_ITEM_FIELDS]


def _next_ids(conn: Connection, n: int) -> list[int]:
    """``n`` fresh declaration ids: from the sequence on PostgreSQL; after the largest on SQLite, whose
    single writer makes that safe (a racing writer in another process fails on the primary key and
    the pipeline runs the batch again)."""
    if conn.dialect.name == "postgresql":
        q = text("SELECT nextval(pg_get_serial_sequence('declarations', 'id')) FROM generate_series(1, :n)")
        return [r[0] for r in conn.execute(q, {"n": n})]
    top = conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM declarations").scalar_one()
    return list(range(top + 1, top + 1 + n))


def _sqlite_value(v: Any) -> Any:
    # The text forms SQLAlchemy's SQLite dialect reads back for Date and DateTime columns.
    if isinstance(v, dt.datetime):
        return v.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


def insert_many(conn: Connection, batch: Sequence[Prepared]) -> list[int]:
    """Insert new declarations with their goods items (and inspections); returns their ids in order.

    On SQLite the rows go straight to the driver's ``executemany`` (the hot path of bulk imports);
    on PostgreSQL through SQLAlchemy Core's batched inserts.
    """
    if not batch:
        return []
    ids = _next_ids(conn, len(batch))
    goods = [(did, g) for did, p in zip(ids, batch, strict=True) for g in p.goods]
    if conn.dialect.name == "sqlite":
        cols = ",".join(_DECL_COLS)
        marks = ",".join("?" * len(_DECL_COLS))
        rows = [(did, *(p.driver_row or p.for_driver().driver_row)) for did, p in zip(ids, batch, strict=True)]
        conn.exec_driver_sql(f"INSERT INTO declarations ({cols}) VALUES ({marks})", rows)
        grows = [(did, *g) for did, p in zip(ids, batch, strict=True) for g in p.driver_goods]
        if grows:
            gcols = ",".join(_GOODS_COLS)
            gmarks = ",".join("?" * len(_GOODS_COLS))
            conn.exec_driver_sql(f"INSERT INTO goods_items ({gcols}) VALUES ({gmarks})", grows)
    else:
        conn.execute(declarations.insert(), [{"id": did, **p.row} for did, p in zip(ids, batch, strict=True)])
        if goods:
            conn.execute(goods_items.insert(), [{"declaration_id": did, **g} for did, g in goods])
    insp = [
        {"declaration_id": did, "recorded_at": p.row["lodged_at"], **p.inspection}
        for did, p in zip(ids, batch, strict=True)
        if p.inspection
    ]
    if insp:
        conn.execute(inspections.insert(), insp)
    return ids


def _current(conn: Connection, key: str, *, lock: bool = False) -> dict[str, Any]:
    q = select(declarations).where(declarations.c.natural_key == key)
    if lock and conn.dialect.name == "postgresql":
        q = q.with_for_update()
    row = conn.execute(q).mappings().first()
    if row is None:
        raise NotFound(f"no declaration with key {key!r}")
    return dict(row)


def resolve_key(conn: Connection, ref: str) -> str:
    """A natural key from what a person types: the key itself, a numeric id, an MRN or an LRN."""
    if ref.startswith(("mrn:", "lrn:")):
        return ref
    if ref.isdigit():
        key = conn.execute(select(declarations.c.natural_key).where(declarations.c.id == int(ref))).scalar()
        if key:
            return str(key)
    keys = list(
        conn.execute(
            select(declarations.c.natural_key).where((declarations.c.mrn == ref) | (declarations.c.lrn == ref)).limit(2)
        ).scalars()
    )
    if len(keys) == 1:
        return str(keys[0])
    if len(keys) > 1:
        raise UsageError(f"{ref!r} names several declarations; give the full key (lrn:DECLARANT:LRN)")
    raise NotFound(f"no declaration {ref!r}")


def get(conn: Connection, ref: str) -> dict[str, Any]:
    """The current version of a declaration, as a dict with ``data`` and ``warnings`` decoded."""
    return decode(_current(conn, resolve_key(conn, ref)))


def decode(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    out["data"] = orjson.loads(row["data"])
    out["warnings"] = orjson.loads(row["warnings"]) if row.get("warnings") else []
    return out


def list_declarations(
    conn: Connection,
    *,
    kind: str | None = None,
    status: str | None = None,
    office: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    ucr: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[dict[str, Any]]]:
    """The total matching the filters and one page of summaries (newest first)."""
    conds = []
    c = declarations.c
    if kind:
        conds.append(c.kind == kind)
    if status:
        conds.append(c.status == status)
    if office:
        conds.append(c.office == office)
    if date_from:
        conds.append(c.declared_on >= date_from)
    if date_to:
        conds.append(c.declared_on <= date_to)
    if ucr:
        conds.append(c.ucr == ucr)
    total = conn.execute(select(func.count()).select_from(declarations).where(*conds)).scalar_one()
    cols = [
        c.id,
        c.natural_key,
        c.kind,
        c.status,
        c.version,
        c.lrn,
        c.mrn,
        c.ucr,
        c.office,
        c.declared_on,
        c.lodged_at,
        c.updated_at,
        c.importer_id,
        c.exporter_id,
        c.declarant_id,
    ]
    q = select(*cols).where(*conds).order_by(c.declared_on.desc(), c.id.desc()).limit(limit).offset(offset)
    return total, [dict(r) for r in conn.execute(q).mappings()]


def _archive(conn: Connection, cur: dict[str, Any], operation: str, reason: str | None, at: dt.datetime) -> None:
    conn.execute(
        declaration_versions.insert(),
        {
            "declaration_id": cur["id"],
            "version": cur["version"],
            "status": cur["status"],
            "content_hash": cur["content_hash"],
            "data": cur["data"],
            "warnings": cur["warnings"],
            "valid_from": cur["updated_at"],
            "valid_to": at,
            "operation": operation,
            "reason": reason,
        },
    )


def amend(conn: Connection, ref: str, new: Prepared, reason: str) -> dict[str, Any]:
    """Replace the current version by ``new``, keeping the old one; the natural key must not change."""
    key = resolve_key(conn, ref)
    cur = _current(conn, key, lock=True)
    if new.natural_key != key:
        raise UsageError(f"an amendment keeps the natural key {key!r}; the new record has {new.natural_key!r}")
    if cur["status"] in (Status.CANCELLED.value, Status.RELEASED.value):
        raise Conflict(f"declaration {key!r} is {cur['status']} and can no longer be amended")
    if cur["content_hash"] == new.content_hash:
        raise Conflict(f"the amendment of {key!r} changes nothing")
    at = now()
    _archive(conn, cur, "amend", reason, at)
    values = {k: v for k, v in new.row.items() if k not in ("natural_key", "lodged_at", "source")}
    values.update(status=Status.AMENDED.value, version=cur["version"] + 1, updated_at=at)
    conn.execute(update(declarations).where(declarations.c.id == cur["id"]).values(**values))
    conn.execute(delete(goods_items).where(goods_items.c.declaration_id == cur["id"]))
    if new.goods:
        conn.execute(goods_items.insert(), [{"declaration_id": cur["id"], **g} for g in new.goods])
    return decode(_current(conn, key))


def set_status(conn: Connection, ref: str, status: Status, reason: str | None) -> dict[str, Any]:
    """Cancel or release a declaration, keeping the version it had."""
    key = resolve_key(conn, ref)
    cur = _current(conn, key, lock=True)
    if cur["status"] == Status.CANCELLED.value:
        raise Conflict(f"declaration {key!r} is already cancelled")
    if status == Status.CANCELLED and cur["status"] == Status.RELEASED.value:
        raise Conflict(f"declaration {key!r} is released; it can no longer be cancelled")
    if cur["status"] == status.value:
        raise Conflict(f"declaration {key!r} is already {status.value}")
    at = now()
    op = "cancel" if status == Status.CANCELLED else "release"
    _archive(conn, cur, op, reason, at)
    conn.execute(
        update(declarations)
        .where(declarations.c.id == cur["id"])
        .values(status=status.value, version=cur["version"] + 1, updated_at=at)
    )
    return decode(_current(conn, key))


def history(conn: Connection, ref: str) -> list[dict[str, Any]]:
    """Every version of a declaration, oldest first, the current one last."""
    key = resolve_key(conn, ref)
    cur = _current(conn, key)
    q = (
        select(declaration_versions)
        .where(declaration_versions.c.declaration_id == cur["id"])
        .order_by(declaration_versions.c.version)
    )
    out = []
    for r in conn.execute(q).mappings():
        d = decode(dict(r))
        out.append(
            {
                k: d[k]
                for k in (
                    "version",
                    "status",
                    "content_hash",
                    "data",
                    "valid_from",
                    "valid_to",
                    "operation",
                    "reason",
                )
            }
        )
    out.append(
        {
            "version": cur["version"],
            "status": cur["status"],
            "content_hash": cur["content_hash"],
            "data": orjson.loads(cur["data"]),
            "valid_from": cur["updated_at"],
            "valid_to": None,
            "operation": "current",
            "reason": None,
        }
    )
    return out


def count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(declarations)).scalar_one())
