"""Console sign-in sessions: an opaque cookie, kept in the store only as its SHA-256, with a CSRF token.

The cookie value is 256 bits of randomness; the session row holds its hash, the user, the expiry
(``CIX_SESSION_HOURS``) and a per-session CSRF token that every unsafe console request must echo
(a hidden form field or the ``X-CSRF-Token`` header), compared in constant time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, select, update

from cix.auth.roles import permissions_of
from cix.store.tables_auth import console_sessions, users

COOKIE = "cix_session"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Session:
    user_id: int
    username: str
    display_name: str
    role: str
    administration: str
    language: str | None
    csrf: str
    permissions: frozenset[str]


def start(conn: Connection, user_id: int, hours: int) -> tuple[str, str]:
    """A new session for the user: (cookie value, CSRF token)."""
    value = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = _now()
    conn.execute(
        console_sessions.insert(),
        {
            "id": _digest(value),
            "user_id": user_id,
            "csrf": csrf,
            "created_at": now,
            "expires_at": now + dt.timedelta(hours=hours),
            "ended": 0,
        },
    )
    return value, csrf


def resolve(conn: Connection, value: str) -> Session | None:
    """The live session of this cookie value (None when unknown, ended, expired or the user disabled)."""
    if not value:
        return None
    q = (
        select(console_sessions.c.csrf, console_sessions.c.expires_at, console_sessions.c.ended, users)
        .join(users, users.c.id == console_sessions.c.user_id)
        .where(console_sessions.c.id == _digest(value))
    )
    r = conn.execute(q).first()
    if r is None:
        return None
    m = r._mapping
    exp = m["expires_at"] if m["expires_at"].tzinfo else m["expires_at"].replace(tzinfo=dt.UTC)
    if m["ended"] or exp <= _now() or m["status"] != "active":
        return None
    return Session(
        m["id"],
        m["username"],
        m["display_name"] or m["username"],
        m["role"],
        m["administration"],
        m["language"],
        m["csrf"],
        permissions_of(m["role"]),
    )


def end(conn: Connection, value: str) -> None:
    conn.execute(update(console_sessions).where(console_sessions.c.id == _digest(value)).values(ended=1))


def end_all(conn: Connection, user_id: int) -> None:
    conn.execute(update(console_sessions).where(console_sessions.c.user_id == user_id).values(ended=1))


def csrf_ok(session: Session, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(session.csrf.encode(), (presented or "").encode())
