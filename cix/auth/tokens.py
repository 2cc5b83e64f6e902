"""API tokens for machine clients, kept only as their SHA-256; shown once, revocable.

A token is bound either to a user (it carries that user's role, and stops working when the user is
disabled) or to a partner administration (it carries only ``exchange.partner``: the exchange
endpoints). The secret is ``cix_`` + 43 URL-safe characters of randomness; the store keeps its
SHA-256 (a fast hash is right for a random 256-bit secret) and its first characters, for display.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, update

from cix.auth import users as users_mod
from cix.auth.roles import PARTNER, permissions_of
from cix.errors import AuthError, NotFound, UsageError
from cix.store import audit
from cix.store.tables_auth import api_tokens, users

PREFIX = "cix_"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class TokenIdentity:
    """Who a presented token stands for."""

    token_id: int
    name: str  # the user name, or "partner:<id>"
    role: str
    permissions: frozenset[str]
    administration: str | None
    user_id: int | None = None
    partner_id: str | None = None
    language: str | None = None


def create(
    conn: Connection,
    *,
    user: str | None = None,
    partner: str | None = None,
    name: str | None = None,
    expires_days: int | None = None,
    actor: str | None = None,
) -> tuple[str, dict[str, Any]]:
    """A new token for a user or a partner: (the secret, shown only now; its stored row)."""
    if (user is None) == (partner is None):
        raise UsageError("a token is for exactly one of a user (--user) or a partner (--partner)")
    user_id = None
    if user is not None:
        u = users_mod.get(conn, user)
        if u["status"] != users_mod.ACTIVE:
            raise UsageError(f"user {u['username']!r} is disabled")
        user_id = u["id"]
    if partner is not None:
        from cix.exchange import partners

        partner = partners.get(conn, partner).id  # NotFound when there is no such partner
    if expires_days is not None and expires_days < 1:
        raise UsageError("--expires-days must be at least 1")
    secret = PREFIX + secrets.token_urlsafe(32)
    now = _now()
    row = {
        "name": name,
        "token_hash": digest(secret),
        "prefix": secret[:10],
        "user_id": user_id,
        "partner_id": partner,
        "created_at": now,
        "expires_at": now + dt.timedelta(days=expires_days) if expires_days else None,
    }
    tid = conn.execute(api_tokens.insert().returning(api_tokens.c.id), row).scalar_one()
    subject = user if user is not None else f"partner:{partner}"
    audit.append(conn, [{"event": "token.created", "actor": actor, "subject": subject, "details": {"token": tid}}])
    return secret, get(conn, tid)


def _row(r: Any) -> dict[str, Any]:
    d = dict(r._mapping)
    d.pop("token_hash", None)
    d["status"] = "revoked" if d["revoked_at"] else "active"
    if d["status"] == "active" and d["expires_at"] is not None and _aware(d["expires_at"]) <= _now():
        d["status"] = "expired"
    return d


def _aware(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def get(conn: Connection, token_id: int) -> dict[str, Any]:
    q = select(api_tokens, users.c.username).outerjoin(users, users.c.id == api_tokens.c.user_id)
    r = conn.execute(q.where(api_tokens.c.id == token_id)).first()
    if r is None:
        raise NotFound(f"no API token {token_id}")
    return _row(r)


def list_tokens(conn: Connection) -> list[dict[str, Any]]:
    q = select(api_tokens, users.c.username).outerjoin(users, users.c.id == api_tokens.c.user_id)
    return [_row(r) for r in conn.execute(q.order_by(api_tokens.c.id))]


def revoke(conn: Connection, token_id: int, *, actor: str | None = None) -> dict[str, Any]:
    t = get(conn, token_id)
    if t["revoked_at"] is None:
        conn.execute(update(api_tokens).where(api_tokens.c.id == token_id).values(revoked_at=_now()))
        subject = t["username"] or f"partner:{t['partner_id']}"
        audit.append(
            conn, [{"event": "token.revoked", "actor": actor, "subject": subject, "details": {"token": token_id}}]
        )
    return get(conn, token_id)


def resolve(conn: Connection, secret: str, *, administration: str | None = None) -> TokenIdentity:
    """Who the token stands for; :class:`AuthError` when it is unknown, revoked, expired or its user disabled."""
    if not secret.startswith(PREFIX):
        raise AuthError("the bearer token is not valid")
    q = (
        select(api_tokens, users.c.username, users.c.role, users.c.status, users.c.administration, users.c.language)
        .outerjoin(users, users.c.id == api_tokens.c.user_id)
        .where(api_tokens.c.token_hash == digest(secret))
    )
    r = conn.execute(q).first()
    if r is None:
        raise AuthError("the bearer token is not valid")
    m = r._mapping
    if m["revoked_at"] is not None:
        raise AuthError("the bearer token was revoked")
    if m["expires_at"] is not None and _aware(m["expires_at"]) <= _now():
        raise AuthError("the bearer token has expired")
    if m["partner_id"] is not None:
        return TokenIdentity(
            m["id"],
            f"partner:{m['partner_id']}",
            PARTNER,
            permissions_of(PARTNER),
            m["partner_id"],
            partner_id=m["partner_id"],
        )
    if m["status"] != users_mod.ACTIVE:
        raise AuthError("the bearer token's user is disabled")
    return TokenIdentity(
        m["id"],
        m["username"],
        m["role"],
        permissions_of(m["role"]),
        m["administration"],
        user_id=m["user_id"],
        language=m["language"],
    )
