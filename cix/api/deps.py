"""Named dependencies of the routes: settings, store, and the authenticated principal.

Authentication is a dependency of every route. Until users and roles exist, a principal is either a
bearer token listed in ``CIX_API_TOKENS`` (compared in constant time) or, in local mode only, a
client on the loopback interface. Roles will narrow what each principal may do.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from cix.errors import AuthError, Forbidden
from cix.settings import Settings
from cix.store.db import Store

# What a principal may do; each route names the permission it needs (see ``requires``). Roles
# (officer, risk analyst, cooperation officer, administrator, partner) are sets of these.
PERMISSIONS = frozenset(
    {
        "declarations.read",  # see declarations, decisions, matches, valuations, price references
        "declarations.write",  # lodge, amend, cancel declarations; retry quarantine
        "decisions.override",  # override a channel with a written reason
        "inspections.record",  # record inspection results
        "risk.manage",  # profiles, models (train, promote, roll back)
        "prices.manage",  # build price references, set manual minimum/maximum values
        "matching.run",  # run bulk matching
        "partners.manage",  # partners, agreements, keys, cooperation framework changes
        "exchange.manage",  # outbox, dead letters, retry, send
        "exchange.partner",  # a partner's credentials: the exchange endpoints only
        "users.manage",  # users and tokens
        "audit.read",  # the audit log
    }
)


@dataclass(frozen=True, slots=True)
class Principal:
    name: str
    kind: str  # "token" | "local"
    permissions: frozenset[str] = PERMISSIONS - {"exchange.partner"}

    def can(self, permission: str) -> bool:
        return permission in self.permissions


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_store(request: Request) -> Store:
    return request.app.state.store


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]

_LOOPBACK = ("127.0.0.1", "::1", "localhost", "testclient")


def principal(request: Request, settings: SettingsDep) -> Principal:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        token = auth[7:].strip()
        for i, known in enumerate(t.strip() for t in settings.api_tokens.split(",")):
            if known and hmac.compare_digest(token.encode(), known.encode()):
                return Principal(f"token-{i + 1}", "token")
        raise AuthError("the bearer token is not valid")
    client = request.client.host if request.client else ""
    if settings.mode == "local" and client in _LOOPBACK:
        return Principal("local", "local")
    raise AuthError("authentication required: send 'Authorization: Bearer <token>'")


PrincipalDep = Annotated[Principal, Depends(principal)]


def requires(*needed: str) -> Any:
    """A dependency giving the principal, refused (403) unless it holds every permission in ``needed``."""
    unknown = set(needed) - PERMISSIONS
    if unknown:
        raise ValueError(f"unknown permissions {sorted(unknown)}")

    def check(who: PrincipalDep) -> Principal:
        missing = [p for p in needed if not who.can(p)]
        if missing:
            raise Forbidden(f"{who.name} may not do this: it needs the permission {', '.join(missing)}")
        return who

    return Depends(check)
