"""The store's tables of auth (SQLAlchemy Core, on the shared metadata of :mod:`cix.store.schema`)."""

from __future__ import annotations

from cix.store.schema import metadata  # noqa: F401  (tables of this capability are defined on it)
