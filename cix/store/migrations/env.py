"""Alembic environment: runs on the connection :func:`cix.store.db.migrate` hands over."""

from __future__ import annotations

from alembic import context

from cix.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("cix migrations run through cix.store.db.migrate(), which passes a connection")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
