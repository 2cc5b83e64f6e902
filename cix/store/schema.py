"""The store's tables (SQLAlchemy Core), the single source the Alembic migrations are made from.

``declarations`` holds the current version of each declaration, found by its natural key, with the
whole record as JSON and the columns queries filter on or matching reads; ``declaration_versions`` keeps every
earlier version an amendment or cancellation replaced; ``goods_items`` repeats the fields of each
goods item that matching and valuation read in bulk; ``quarantine`` keeps every rejected record
with its raw input and problems; ``inspections`` records what inspections found.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

Id = BigInteger().with_variant(Integer, "sqlite")

declarations = Table(
    "declarations",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("natural_key", String(120), nullable=False, unique=True),
    Column("kind", String(12), nullable=False),
    Column("status", String(12), nullable=False),
    Column("version", Integer, nullable=False),
    Column("lrn", String(40)),
    Column("mrn", String(40)),
    Column("ucr", String(40)),
    Column("declarant_id", String(40)),
    Column("importer_id", String(40)),
    Column("exporter_id", String(40)),
    Column("office", String(17)),
    Column("declared_on", Date, nullable=False),
    Column("lodged_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("content_hash", String(32), nullable=False),
    Column("source", String(200)),
    Column("data", Text, nullable=False),
    Column("warnings", Text),
    # What matching reads, copied out of ``data`` when the row is written (see
    # cix.store.declarations.MATCH_COLUMNS), so that a bulk run reads plain columns, not JSON. On
    # SQLite, migration 0009 also adds ix_declarations_match, covering every column that run reads.
    Column("dispatch_country", Text),
    Column("transport_docs", Text),
    Column("containers", Text),
    Column("hs_edition", Text),
    Column("incoterm", Text),
    Column("freight", Float),
    Column("insurance", Float),
    Column("freight_currency", Text),
    Index("ix_declarations_declared_on", "declared_on"),
    Index("ix_declarations_ucr", "ucr"),
    Index("ix_declarations_kind_status", "kind", "status"),
    Index("ix_declarations_office", "office"),
    Index("ix_declarations_declarant", "declarant_id"),
)

declaration_versions = Table(
    "declaration_versions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("declaration_id", Id, ForeignKey("declarations.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("status", String(12), nullable=False),
    Column("content_hash", String(32), nullable=False),
    Column("data", Text, nullable=False),
    Column("warnings", Text),
    Column("valid_from", DateTime(timezone=True), nullable=False),
    Column("valid_to", DateTime(timezone=True), nullable=False),
    Column("operation", String(12), nullable=False),
    Column("reason", Text),
    Index("ix_declaration_versions_declaration", "declaration_id", "version", unique=True),
)

goods_items = Table(
    "goods_items",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("declaration_id", Id, ForeignKey("declarations.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("hs_code", String(10), nullable=False),
    Column("origin", String(2)),
    Column("quantity", Float),
    Column("unit", String(3)),
    Column("net_mass", Float),
    Column("gross_mass", Float),
    Column("invoice_amount", Float),
    Column("currency", String(3)),
    Column("customs_value", Float),
    Column("tax_rate", Float),
    Index("ix_goods_items_declaration", "declaration_id", "seq", unique=True),
    Index("ix_goods_items_hs", "hs_code"),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("source", String(200)),
    Column("locator", String(200)),
    Column("format", String(10), nullable=False),
    Column("reason", String(12), nullable=False),
    Column("natural_key", String(120)),
    Column("raw", Text, nullable=False),
    Column("raw_hash", String(32), nullable=False),
    Column("problems", JSON, nullable=False),
    Column("status", String(12), nullable=False),
    Column("resolved_at", DateTime(timezone=True)),
    Column("declaration_id", Id),
    Index("ix_quarantine_status", "status"),
    Index("ix_quarantine_natural_key", "natural_key"),
    Index("ix_quarantine_raw_hash", "raw_hash"),
)

inspections = Table(
    "inspections",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("declaration_id", Id, ForeignKey("declarations.id"), nullable=False),
    Column("inspected_at", DateTime(timezone=True)),
    Column("officer", String(80)),
    Column("result", String(12), nullable=False),
    Column("duty_recovered", Float),
    Column("critical", Integer, nullable=False, default=0),
    Column("source", String(200)),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("ix_inspections_declaration", "declaration_id"),
)

# --- exchange between administrations --------------------------------------------------------

partners = Table(
    "partners",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("country", String(2), nullable=False),
    Column("name", String(200), nullable=False),
    Column("endpoints", JSON, nullable=False),
    Column("keys", JSON, nullable=False),
    Column("suites", JSON, nullable=False),
    Column("token_hash", String(64)),
    Column("status", String(12), nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

agreements = Table(
    "agreements",
    metadata,
    Column("id", String(128), primary_key=True),
    Column("data", JSON, nullable=False),
    Column("status", String(12), nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("recipient", String(80), nullable=False),
    Column("type", String(64), nullable=False),
    Column("agreement", String(128)),
    Column("envelope", Text, nullable=False),
    Column("payload_digest", String(80), nullable=False),
    Column("status", String(12), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    Column("delivered_at", DateTime(timezone=True)),
    Column("receipt", Text),
    Index("ix_outbox_due", "status", "next_attempt_at"),
    Index("ix_outbox_recipient", "recipient", "status"),
)

inbox = Table(
    "inbox",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("sender", String(80), nullable=False),
    Column("type", String(64), nullable=False),
    Column("agreement", String(128)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("payload_digest", String(80), nullable=False),
    Column("envelope", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Column("dropped", JSON),
    Column("receipt", Text, nullable=False),
    Column("processed", Integer, nullable=False, default=0),
    Index("ix_inbox_sender_type", "sender", "type"),
    Index("ix_inbox_unprocessed", "processed"),
)

exchange_rejections = Table(
    "exchange_rejections",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("message_id", String(64)),
    Column("sender", String(80)),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("size", Integer, nullable=False),
    Column("receipt", Text),
    Index("ix_exchange_rejections_message", "message_id"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Id, primary_key=True, autoincrement=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("event", String(40), nullable=False),
    Column("actor", String(80)),
    Column("subject", String(80)),
    Column("details", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

# Each later capability keeps its tables in its own module on the same metadata.
from cix.store import (  # noqa: E402, F401
    tables_auth,
    tables_matching,
    tables_profiles,
    tables_risk,
    tables_valuation,
)
