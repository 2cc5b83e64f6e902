"""The store's tables of valuation (SQLAlchemy Core, on the shared metadata of :mod:`cix.store.schema`).

``price_builds`` records each build of the price reference table; ``price_references`` holds the
groups of the current build (one row per HS code prefix, origin or ``*`` for all origins, and unit of
quantity) with robust statistics of unit value in USD; ``price_manual`` the minimum/maximum values
analysts set by hand; ``price_partner_records`` the aggregated price records partners sent, by
partner; ``valuation_results`` the undervaluation check of each import declaration.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Date, DateTime, Float, ForeignKey, Index, Integer, String, Table, Text

from cix.store.schema import metadata

Id = BigInteger().with_variant(Integer, "sqlite")

price_builds = Table(
    "price_builds",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("built_at", DateTime(timezone=True), nullable=False),
    Column("as_of", Date, nullable=False),
    Column("period_from", Date, nullable=False),
    Column("period_to", Date, nullable=False),
    Column("observations", Integer, nullable=False),
    Column("partner_records", Integer, nullable=False),
    Column("groups", Integer, nullable=False),
    Column("skipped", JSON, nullable=False),
    Column("seconds", Float, nullable=False),
    Column("params", JSON, nullable=False),
)

price_references = Table(
    "price_references",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("build_id", Id, nullable=False),
    Column("level", Integer, nullable=False),
    Column("hs_code", String(10), nullable=False),
    Column("origin", String(2), nullable=False),
    Column("unit", String(3), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("count", Integer, nullable=False),
    Column("partner_count", Integer, nullable=False),
    Column("weight", Float, nullable=False),
    Column("median", Float, nullable=False),
    Column("q1", Float, nullable=False),
    Column("q3", Float, nullable=False),
    Column("mad_log", Float, nullable=False),
    Index("ix_price_references_group", "hs_code", "origin", "unit", unique=True),
)

price_manual = Table(
    "price_manual",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("hs_code", String(10), nullable=False),
    Column("origin", String(2), nullable=False),
    Column("unit", String(3), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("min_value", Float),
    Column("max_value", Float),
    Column("note", Text),
    Column("set_by", String(80)),
    Column("set_at", DateTime(timezone=True), nullable=False),
    Index("ix_price_manual_group", "hs_code", "origin", "unit", unique=True),
)

price_partner_records = Table(
    "price_partner_records",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("partner", String(80), nullable=False),
    Column("message_id", String(64)),
    Column("hs_code", String(10), nullable=False),
    Column("origin", String(2), nullable=False),
    Column("unit", String(3), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("count", Integer, nullable=False),
    Column("median", Float, nullable=False),
    Column("q1", Float, nullable=False),
    Column("q3", Float, nullable=False),
    Column("mad_log", Float, nullable=False),
    Column("period_from", Date, nullable=False),
    Column("period_to", Date, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Index("ix_price_partner_records_group", "partner", "hs_code", "origin", "unit", unique=True),
)

valuation_results = Table(
    "valuation_results",
    metadata,
    Column("declaration_id", Id, ForeignKey("declarations.id"), primary_key=True, autoincrement=False),
    Column("status", String(16), nullable=False),
    Column("flagged", Integer, nullable=False),
    Column("max_score", Float),
    Column("undervalued_amount", Float, nullable=False),
    Column("duty_at_stake", Float, nullable=False),
    Column("currency", String(3)),
    Column("build_id", Id),
    Column("checked_at", DateTime(timezone=True), nullable=False),
    Column("result", Text, nullable=False),
    Index("ix_valuation_results_flagged", "flagged"),
)
