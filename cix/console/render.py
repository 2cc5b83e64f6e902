"""Filling the console's Jinja2 templates: the page context (user, language, CSRF token, navigation).

Templates translate with ``_()`` given per request (thread-safe: no global install), autoescape
everything, and get charts as :class:`markupsafe.Markup` from :mod:`.charts`.
"""

from __future__ import annotations

import datetime as dt
import secrets
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from cix.console import i18n

TEMPLATES = Path(__file__).parent / "templates"
CSRF_COOKIE = "cix_csrf"

# (path, label, permission): the navigation, each entry shown to those who hold its permission.
NAV = (
    ("/console", "Dashboard", "declarations.read"),
    ("/console/declarations", "Declarations", "declarations.read"),
    ("/console/exchange", "Exchange", "exchange.manage"),
    ("/console/partners", "Partners", "partners.manage"),
    ("/console/cooperation", "Cooperation", "declarations.read"),
    ("/console/risk", "Risk", "risk.manage"),
    ("/console/prices", "Prices", "declarations.read"),
    ("/console/users", "Users", "users.manage"),
)


def _date(v: Any) -> str:
    if v is None or v == "":
        return "—"
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M")
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def _num(v: Any, digits: int = 2) -> str:
    if v is None:
        return "—"
    if isinstance(v, int):
        return f"{v:,}".replace(",", " ")
    try:
        return f"{float(v):,.{digits}f}".replace(",", " ")
    except (TypeError, ValueError):
        return str(v)


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["date"] = _date
    env.filters["num"] = _num
    env.globals["Markup"] = Markup
    return env


def language(request: Request, who: Any = None) -> str:
    return i18n.choose(
        request.cookies.get(i18n.COOKIE),
        getattr(who, "language", None),
        request.headers.get("accept-language"),
    )


def tr(request: Request, who: Any = None) -> Any:
    """The ``gettext`` of the request's language, for texts made outside templates (chart titles)."""
    return i18n.translation(language(request, who)).gettext


def csrf_token(request: Request, who: Any = None) -> str:
    """The CSRF token a form on this page carries: the session's, or the double-submit cookie's."""
    if who is not None and getattr(who, "csrf", None):
        return str(who.csrf)
    token = request.cookies.get(CSRF_COOKIE)
    if not token:
        token = request.state.__dict__.get("new_csrf") or secrets.token_urlsafe(32)
        request.state.new_csrf = token
    return token


def render(
    request: Request, template: str, ctx: dict[str, Any] | None = None, *, who: Any = None, status: int = 200
) -> HTMLResponse:
    lang = language(request, who)
    tr = i18n.translation(lang)
    csrf = csrf_token(request, who)
    nav = [(p, tr.gettext(label)) for p, label, perm in NAV if who is not None and who.can(perm)]
    context = {
        "_": tr.gettext,
        "lang": lang,
        "languages": i18n.LANGUAGE_NAMES,
        "who": who,
        "csrf": csrf,
        "nav": nav,
        "path": request.url.path,
        "msg": request.query_params.get("msg"),
        "today": dt.date.today(),
    }
    context.update(ctx or {})
    html = environment().get_template(template).render(context)
    resp = HTMLResponse(html, status_code=status)
    resp.headers["Content-Language"] = lang
    resp.headers["X-Frame-Options"] = "DENY"
    resp.headers["Referrer-Policy"] = "same-origin"
    resp.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'"
    )
    if getattr(request.state, "new_csrf", None) and not request.cookies.get(CSRF_COOKIE):
        resp.set_cookie(
            CSRF_COOKIE,
            request.state.new_csrf,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
            path="/",
        )
    return resp
