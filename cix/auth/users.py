"""The people of this node's administration: add, list, disable, enable, sign-in check, language.

A user has one role (:mod:`cix.auth.roles`) and belongs to the node's administration (a node is one
administration, so a user of another one is refused). Passwords are kept only as argon2 hashes.
Every change is appended to the audit log with the acting user.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import Connection, func, select, update

from cix.auth import passwords
from cix.auth.roles import check_role
from cix.errors import AuthError, Conflict, NotFound, UsageError
from cix.store import audit
from cix.store.tables_auth import users

ACTIVE, DISABLED = "active", "disabled"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,79}$")
LANGUAGES = ("en", "ru")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def public(row: Any) -> dict[str, Any]:
    """A user without the password hash."""
    d = dict(row._mapping if hasattr(row, "_mapping") else row)
    d.pop("password_hash", None)
    return d


def check_username(username: str) -> str:
    if not _NAME.match(username or ""):
        raise UsageError(
            f"user name {username!r} is not valid: 1-80 letters, digits, '.', '_', '@' or '-', starting with "
            "a letter or digit"
        )
    return username


def add(
    conn: Connection,
    username: str,
    password: str,
    *,
    role: str,
    administration: str,
    node_administration: str | None = None,
    display_name: str | None = None,
    language: str | None = None,
    actor: str | None = None,
) -> dict[str, Any]:
    """Add a user; the node's administration (when given) must be the user's."""
    check_username(username)
    role = check_role(role)
    administration = administration.strip()
    if not administration:
        raise UsageError("the administration must be given")
    if node_administration and administration.upper() != node_administration.upper():
        raise UsageError(
            f"administration {administration!r} is not this node's ({node_administration}): "
            "a node's users belong to its own administration"
        )
    if language is not None and language not in LANGUAGES:
        raise UsageError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
    if conn.execute(select(users.c.id).where(users.c.username == username)).first():
        raise Conflict(f"a user named {username!r} exists already")
    now = _now()
    row = {
        "username": username,
        "display_name": display_name or username,
        "role": role,
        "administration": administration,
        "password_hash": passwords.hash_password(password),
        "language": language,
        "status": ACTIVE,
        "created_at": now,
        "updated_at": now,
    }
    uid = conn.execute(users.insert().returning(users.c.id), row).scalar_one()
    audit.append(
        conn,
        [
            {
                "event": "user.added",
                "actor": actor,
                "subject": username,
                "details": {"role": role, "administration": administration},
            }
        ],
    )
    return get(conn, uid)


def get(conn: Connection, ref: int | str) -> dict[str, Any]:
    """A user by id or user name (without the password hash)."""
    q = select(users)
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        q = q.where(users.c.id == int(ref))
    else:
        q = q.where(users.c.username == ref)
    row = conn.execute(q).first()
    if row is None:
        raise NotFound(f"no user {ref!r}")
    return public(row)


def list_users(conn: Connection) -> list[dict[str, Any]]:
    return [public(r) for r in conn.execute(select(users).order_by(users.c.username))]


def count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(users)).scalar_one())


def _set_status(conn: Connection, ref: int | str, status: str, actor: str | None) -> dict[str, Any]:
    u = get(conn, ref)
    if u["status"] != status:
        conn.execute(update(users).where(users.c.id == u["id"]).values(status=status, updated_at=_now()))
        event = "user.disabled" if status == DISABLED else "user.enabled"
        audit.append(conn, [{"event": event, "actor": actor, "subject": u["username"]}])
    if status == DISABLED:
        from cix.auth import sessions

        sessions.end_all(conn, u["id"])
    return get(conn, u["id"])


def disable(conn: Connection, ref: int | str, *, actor: str | None = None) -> dict[str, Any]:
    """Disable a user: sign-in, its sessions and its API tokens stop working at once."""
    return _set_status(conn, ref, DISABLED, actor)


def enable(conn: Connection, ref: int | str, *, actor: str | None = None) -> dict[str, Any]:
    return _set_status(conn, ref, ACTIVE, actor)


def set_language(conn: Connection, user_id: int, language: str) -> None:
    if language not in LANGUAGES:
        raise UsageError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
    conn.execute(update(users).where(users.c.id == user_id).values(language=language, updated_at=_now()))


def authenticate(conn: Connection, username: str, password: str) -> dict[str, Any]:
    """The active user with this name and password; one :class:`AuthError` for every failure."""
    row = conn.execute(select(users).where(users.c.username == username)).first()
    if row is None:
        passwords.verify_password(passwords.dummy_hash(), password)  # same time as a real check
        raise AuthError("the user name or the password is not right")
    m = row._mapping
    if not passwords.verify_password(m["password_hash"], password):
        raise AuthError("the user name or the password is not right")
    if m["status"] != ACTIVE:
        raise AuthError("this user is disabled")
    if passwords.needs_rehash(m["password_hash"]):
        conn.execute(update(users).where(users.c.id == m["id"]).values(password_hash=passwords.hash_password(password)))
    return public(row)
