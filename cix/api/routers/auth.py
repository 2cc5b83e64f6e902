"""Users, API tokens and the audit log over HTTP (administrators only: ``users.manage``, ``audit.read``).

Thin: each route calls :mod:`cix.auth.users`, :mod:`cix.auth.tokens` or :mod:`cix.store.audit`. The
acting principal is recorded in the audit log for every change.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from cix.api.deps import Principal, SettingsDep, StoreDep, requires
from cix.auth import tokens, users
from cix.store import audit

router = APIRouter(prefix="/api/v1", tags=["users"])

Admin = Annotated[Principal, requires("users.manage")]
Auditor = Annotated[Principal, requires("audit.read")]


class UserIn(BaseModel):
    username: str = Field(..., min_length=1, max_length=80)
    password: str = Field(..., min_length=1, max_length=1024)
    role: str
    administration: str | None = None
    display_name: str | None = Field(default=None, max_length=200)
    language: str | None = None


class TokenIn(BaseModel):
    user: str | None = None
    partner: str | None = None
    name: str | None = Field(default=None, max_length=120)
    expires_days: int | None = None


def node_administration(settings: Any) -> str:
    from cix.exchange import node as node_mod

    return node_mod.ensure(settings.home, settings.country, settings.authority).id


@router.get("/users")
def list_users(store: StoreDep, who: Admin) -> dict[str, Any]:
    with store.read() as conn:
        return {"users": users.list_users(conn)}


@router.post("/users", status_code=201)
def add_user(body: UserIn, settings: SettingsDep, store: StoreDep, who: Admin) -> dict[str, Any]:
    """Add a user of this node's administration with a role."""
    mine = node_administration(settings)
    with store.write() as conn:
        u = users.add(
            conn,
            body.username,
            body.password,
            role=body.role,
            administration=body.administration or mine,
            node_administration=mine,
            display_name=body.display_name,
            language=body.language,
            actor=who.name,
        )
    return {"user": u}


@router.post("/users/{username}/disable")
def disable_user(username: str, store: StoreDep, who: Admin) -> dict[str, Any]:
    with store.write() as conn:
        return {"user": users.disable(conn, username, actor=who.name)}


@router.post("/users/{username}/enable")
def enable_user(username: str, store: StoreDep, who: Admin) -> dict[str, Any]:
    with store.write() as conn:
        return {"user": users.enable(conn, username, actor=who.name)}


@router.get("/tokens")
def list_tokens(store: StoreDep, who: Admin) -> dict[str, Any]:
    with store.read() as conn:
        return {"tokens": tokens.list_tokens(conn)}


@router.post("/tokens", status_code=201)
def create_token(body: TokenIn, store: StoreDep, who: Admin) -> dict[str, Any]:
    """A new token for a user or a partner; the secret is in this answer only."""
    with store.write() as conn:
        secret, row = tokens.create(
            conn, user=body.user, partner=body.partner, name=body.name, expires_days=body.expires_days, actor=who.name
        )
    return {"token": secret, "record": row}


@router.post("/tokens/{token_id}/revoke")
def revoke_token(token_id: int, store: StoreDep, who: Admin) -> dict[str, Any]:
    with store.write() as conn:
        return {"token": tokens.revoke(conn, token_id, actor=who.name)}


@router.get("/audit")
def audit_tail(
    store: StoreDep, who: Auditor, event: str | None = None, limit: int = Query(50, ge=1, le=1000)
) -> dict[str, Any]:
    """The newest audit log entries (optionally of one event)."""
    with store.read() as conn:
        return {"entries": audit.tail(conn, limit=limit, event=event)}
