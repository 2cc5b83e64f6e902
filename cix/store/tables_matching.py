"""The store's tables of matching (SQLAlchemy Core, on the shared metadata of :mod:`cix.store.schema`).

``match_keys`` indexes the keys each import declaration and partner record can be found by (UCR,
transport document, container, trader pair), so that a newly stored record finds its counterparts
with indexed look-ups; ``matches`` holds the current outcome of each import declaration (and of each
partner record that found no import); ``match_discrepancies`` the differences of a matched pair,
item by item. Re-matching replaces a declaration's rows, never adds to them.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Float, Index, Integer, String, Table, Text

from cix.store.schema import metadata

Id = BigInteger().with_variant(Integer, "sqlite")

match_keys = Table(
    "match_keys",
    metadata,
    Column("key", String(120), primary_key=True),
    Column("declaration_id", Id, primary_key=True),
    Column("side", String(8), nullable=False),
    Index("ix_match_keys_declaration", "declaration_id"),
)

matches = Table(
    "matches",
    metadata,
    Column("declaration_id", Id, primary_key=True, autoincrement=False),
    Column("side", String(8), nullable=False),
    Column("status", String(12), nullable=False),
    Column("counterpart_id", Id),
    Column("method", String(12)),
    Column("score", Float),
    Column("candidates", Text),
    Column("clean", Integer, nullable=False, default=0),
    Column("discrepancies", Integer, nullable=False, default=0),
    Column("max_severity", String(8)),
    Column("duty_at_stake", Float, nullable=False, default=0.0),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_matches_status", "status"),
    Index("ix_matches_counterpart", "counterpart_id"),
)

match_discrepancies = Table(
    "match_discrepancies",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("declaration_id", Id, nullable=False),
    Column("counterpart_id", Id, nullable=False),
    Column("kind", String(24), nullable=False),
    Column("severity", String(8), nullable=False),
    Column("item", Integer),
    Column("ours", Text),
    Column("theirs", Text),
    Column("duty_at_stake", Float, nullable=False, default=0.0),
    Index("ix_match_discrepancies_declaration", "declaration_id"),
)
