"""Named dependencies of the routes: settings, store, and the authenticated principal with its permissions.

Every route names what it needs: ``requires("<permission>")`` (recorded on the dependency, so a test
can list every route with its permissions and try each forbidden role against it), or
``open_route(reason)`` for the few routes that take no credential (health, and the exchange inbox
and receipts, which partners reach and which authenticate each envelope by its signature).

A principal is, in this order:

1. a bearer token listed in ``CIX_API_TOKENS`` (machine clients of a node without users; every
   permission but ``exchange.partner``), compared in constant time;
2. a bearer API token from the store (``cix tokens create``): a user's role, or a partner's
   ``exchange.partner`` only;
3. a console session cookie (the signed-in user's role); an unsafe request must then carry the
   session's CSRF token in ``X-CSRF-Token``;
4. in local mode only, a client on the loopback interface (every permission but ``exchange.partner``).
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from cix.errors import AuthError, Forbidden
from cix.pipeline.group import Lodger
from cix.settings import Settings
from cix.store.db import Store

# What a principal may do; each route names the permission it needs (see ``requires``). Roles
# (officer, risk analyst, cooperation officer, administrator, partner) are sets of these
# (cix.auth.roles).
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
MACHINE_PERMISSIONS = PERMISSIONS - {"exchange.partner"}
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True, slots=True)
class Principal:
    name: str
    kind: str  # "token" (CIX_API_TOKENS) | "api-token" | "session" | "local"
    permissions: frozenset[str] = MACHINE_PERMISSIONS
    role: str | None = None
    administration: str | None = None
    user_id: int | None = None
    csrf: str | None = None
    language: str | None = None

    def can(self, permission: str) -> bool:
        return permission in self.permissions


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_store(request: Request) -> Store:
    return request.app.state.store


def get_lodger(request: Request) -> Lodger:
    return request.app.state.lodger


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
LodgerDep = Annotated[Lodger, Depends(get_lodger)]

_LOOPBACK = ("127.0.0.1", "::1", "localhost", "testclient")


def bearer_principal(request: Request, token: str) -> Principal:
    """The principal of a bearer token (configured, or from the store); :class:`AuthError` otherwise."""
    settings: Settings = request.app.state.settings
    for i, known in enumerate(t.strip() for t in settings.api_tokens.split(",")):
        if known and hmac.compare_digest(token.encode(), known.encode()):
            return Principal(f"token-{i + 1}", "token")
    from cix.auth import tokens

    with get_store(request).read() as conn:
        ident = tokens.resolve(conn, token)
    return Principal(
        ident.name,
        "api-token",
        ident.permissions,
        role=ident.role,
        administration=ident.administration,
        user_id=ident.user_id,
        language=ident.language,
    )


def session_principal(request: Request) -> Principal | None:
    """The principal of the console session cookie, or None when there is no live session."""
    from cix.auth import sessions

    value = request.cookies.get(sessions.COOKIE)
    if not value:
        return None
    with get_store(request).read() as conn:
        s = sessions.resolve(conn, value)
    if s is None:
        return None
    return Principal(
        s.username,
        "session",
        s.permissions,
        role=s.role,
        administration=s.administration,
        user_id=s.user_id,
        csrf=s.csrf,
        language=s.language,
    )


def _bearer(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    if auth:
        raise AuthError("authentication required: send 'Authorization: Bearer <token>'")
    return None


def principal(request: Request, settings: SettingsDep) -> Principal:
    token = _bearer(request)
    if token is not None:
        return bearer_principal(request, token)
    who = session_principal(request)
    if who is not None:
        if request.method in UNSAFE_METHODS:
            presented = request.headers.get(CSRF_HEADER, "")
            if not (presented and who.csrf and hmac.compare_digest(presented.encode(), who.csrf.encode())):
                raise Forbidden("the request lacks the session's CSRF token (header X-CSRF-Token)")
        return who
    client = request.client.host if request.client else ""
    if settings.mode == "local" and client in _LOOPBACK:
        return Principal("local", "local")
    raise AuthError("authentication required: send 'Authorization: Bearer <token>'")


PrincipalDep = Annotated[Principal, Depends(principal)]


def check_known(needed: Iterable[str]) -> tuple[str, ...]:
    needed = tuple(needed)
    unknown = set(needed) - PERMISSIONS
    if unknown:
        raise ValueError(f"unknown permissions {sorted(unknown)}")
    return needed


def refuse_unless(who: Principal, needed: Iterable[str]) -> None:
    missing = [p for p in needed if not who.can(p)]
    if missing:
        raise Forbidden(f"{who.name} may not do this: it needs the permission {', '.join(missing)}")


def requires(*needed: str) -> Any:
    """A dependency giving the principal, refused (403) unless it holds every permission in ``needed``."""
    needed = check_known(needed)

    def check(who: PrincipalDep) -> Principal:
        refuse_unless(who, needed)
        return who

    check.cix_permissions = frozenset(needed)  # type: ignore[attr-defined]
    return Depends(check)


def open_route(reason: str) -> Any:
    """A marker dependency: the route deliberately takes no credential (``reason`` says why)."""

    def mark() -> None:
        return None

    mark.cix_open = reason  # type: ignore[attr-defined]
    return Depends(mark)


def route_permissions(route: Any) -> frozenset[str] | str | None:
    """What a route requires: its permissions, the reason it is open (a string), or None (unguarded)."""
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return None
    perms: set[str] = set()
    reason: str | None = None
    stack = list(dependant.dependencies)
    while stack:
        d = stack.pop()
        call = d.call
        if hasattr(call, "cix_permissions"):
            perms |= call.cix_permissions
        if hasattr(call, "cix_open"):
            reason = call.cix_open
        stack.extend(d.dependencies)
    if perms:
        return frozenset(perms)
    return reason


def iter_routes(app: Any) -> Iterable[Any]:
    """Every route the application serves, routers included (FastAPI keeps included routers lazily)."""
    try:
        from fastapi.routing import _iter_included_route_candidates
    except ImportError:  # an older FastAPI lists the included routes flat
        return list(app.routes)
    return list(_iter_included_route_candidates(app.routes))
