"""The explicit operations on a declaration: amend, cancel, release — each keeps the earlier version."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from cix.errors import ValidationFailed
from cix.model import rules
from cix.model.declaration import Status
from cix.store import declarations as decl_store
from cix.store.db import Store


def amend(
    store: Store, ref: str, data: Mapping[str, Any], reason: str, *, today: dt.date | None = None
) -> dict[str, Any]:
    """Validate the new version and replace the current one with it; the old version is kept."""
    decl, problems = rules.validate(data, today=today or dt.date.today())
    if decl is None:
        raise ValidationFailed(
            "the amended declaration has errors", details={"problems": [p.to_dict() for p in problems]}
        )
    new = decl_store.prepare(decl, warnings=problems, source="amendment")
    with store.write() as conn:
        return decl_store.amend(conn, ref, new, reason)


def cancel(store: Store, ref: str, reason: str) -> dict[str, Any]:
    with store.write() as conn:
        return decl_store.set_status(conn, ref, Status.CANCELLED, reason)


def release(store: Store, ref: str, reason: str | None = None) -> dict[str, Any]:
    with store.write() as conn:
        return decl_store.set_status(conn, ref, Status.RELEASED, reason)


def get(store: Store, ref: str) -> dict[str, Any]:
    with store.read() as conn:
        return decl_store.get(conn, ref)


def history(store: Store, ref: str) -> list[dict[str, Any]]:
    with store.read() as conn:
        return decl_store.history(conn, ref)
