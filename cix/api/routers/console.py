"""The officer console's routes: sign-in, the pages, their forms (CSRF-checked), jobs and static files.

Thin: every page's data comes from :mod:`cix.console.pages` (which calls the capability packages),
every change goes through a capability function that audit-logs it. A page needs a console session
(or a bearer API token, for machine checks); each names its permission with :func:`needs`, recorded
like the API's ``requires`` so the role tests see every route. Unsafe requests from a session carry
the session's CSRF token (hidden ``csrf`` field); the sign-in form, made before any session exists,
uses a double-submit cookie. Errors are shown as a page in words, never a stack trace.
"""

from __future__ import annotations

import datetime as dt
import hmac
import inspect
import logging
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs, quote, urlsplit

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from cix.api.deps import (
    Principal,
    bearer_principal,
    check_known,
    open_route,
    refuse_unless,
    session_principal,
)
from cix.console import charts, i18n, jobs, pages
from cix.console.render import CSRF_COOKIE, render, tr
from cix.errors import AuthError, CixError, Forbidden, InputError, UsageError

log = logging.getLogger("cix.console")
router = APIRouter(include_in_schema=False)
STATIC = Path(__file__).resolve().parents[2] / "console" / "static"
CONSOLE_PREFIXES = ("/console", "/signin", "/signout")
MAX_FORM = 1_000_000
INTERNAL = "internal error; the node's log has the details"


class SignInRequired(AuthError):
    """No console session: the person is sent to the sign-in page."""


def console_principal(request: Request) -> Principal:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return bearer_principal(request, auth[7:].strip())
    who = session_principal(request)
    if who is None:
        raise SignInRequired("sign in first")
    return who


def needs(*needed: str) -> Any:
    """The console's ``requires``: a signed-in principal holding every permission in ``needed``."""
    needed = check_known(needed)

    def check(request: Request) -> Principal:
        who = console_principal(request)
        refuse_unless(who, needed)
        return who

    check.cix_permissions = frozenset(needed)  # type: ignore[attr-defined]
    return Depends(check)


Reader = Annotated[Principal, needs("declarations.read")]
Open = Annotated[None, open_route("the sign-in page and the language switch, before any session")]


async def form_of(request: Request, who: Principal | None) -> dict[str, str]:
    """The submitted form (urlencoded), refused unless it carries the right CSRF token."""
    body = await request.body()
    if len(body) > MAX_FORM:
        raise InputError("the form is too large")
    form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}
    presented = form.get("csrf") or request.headers.get("x-csrf-token", "")
    if who is not None and who.kind in ("api-token", "token"):
        return form  # a bearer token is never sent by a browser on its own: no cross-site forgery
    expected = who.csrf if who is not None else request.cookies.get(CSRF_COOKIE)
    if not (presented and expected and hmac.compare_digest(presented.encode(), expected.encode())):
        raise Forbidden("the form's security token is missing or out of date; reload the page and try again")
    return form


def _back(path: str, msg: str | None = None) -> RedirectResponse:
    return RedirectResponse(path + (f"?msg={quote(msg)}" if msg else ""), status_code=303)


def _safe_next(target: str | None) -> str:
    if not target:
        return "/console"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/console"
    return target


# -- sign-in --------------------------------------------------------------------------------------


@router.get("/")
def root(request: Request, _o: Open) -> RedirectResponse:
    return RedirectResponse("/console" if session_principal(request) else "/signin", status_code=303)


@router.get("/signin")
def signin_page(request: Request, _o: Open, next: str | None = None) -> Response:
    if session_principal(request):
        return RedirectResponse(_safe_next(next), status_code=303)
    return render(request, "signin.html", {"next": _safe_next(next), "error": None})


@router.post("/signin")
async def signin(request: Request, _o: Open) -> Response:
    from cix.auth import sessions, users

    form = await form_of(request, None)
    store = request.app.state.store
    settings = request.app.state.settings
    nxt = _safe_next(form.get("next"))
    try:
        with store.write() as conn:
            user = users.authenticate(conn, form.get("username", "").strip(), form.get("password", ""))
            value, _csrf = sessions.start(conn, user["id"], settings.session_hours)
    except AuthError as exc:
        log.info("console sign-in refused for %r", form.get("username", "")[:80])
        ctx = {"next": nxt, "error": exc.message, "username": form.get("username", "")}
        return render(request, "signin.html", ctx, status=401)
    resp = RedirectResponse(nxt, status_code=303)
    resp.set_cookie(
        sessions.COOKIE, value, max_age=settings.session_hours * 3600, httponly=True, samesite="lax",
        secure=request.url.scheme == "https", path="/",
    )  # fmt: skip
    if user.get("language"):
        resp.delete_cookie(i18n.COOKIE, path="/")  # the user's own setting wins from now on
    return resp


@router.post("/signout")
async def signout(request: Request, _o: Open) -> Response:
    from cix.auth import sessions

    who = session_principal(request)
    await form_of(request, who)
    value = request.cookies.get(sessions.COOKIE)
    if value:
        with request.app.state.store.write() as conn:
            sessions.end(conn, value)
    resp = RedirectResponse("/signin", status_code=303)
    resp.delete_cookie(sessions.COOKIE, path="/")
    return resp


@router.post("/console/language")
async def set_language(request: Request, _o: Open) -> Response:
    from cix.auth import users

    who = session_principal(request)
    form = await form_of(request, who)
    lang = form.get("lang", "")
    if lang not in i18n.LANGUAGES:
        raise UsageError(f"language {lang!r} is not one of {', '.join(i18n.LANGUAGES)}")
    if who is not None and who.user_id is not None:
        with request.app.state.store.write() as conn:
            users.set_language(conn, who.user_id, lang)
    resp = RedirectResponse(_safe_next(form.get("next")), status_code=303)
    resp.set_cookie(i18n.COOKIE, lang, max_age=365 * 86400, httponly=True, samesite="lax", path="/")
    return resp


# -- dashboard, queue, detail ---------------------------------------------------------------------


def _date(v: str | None, name: str) -> dt.date | None:
    if not v:
        return None
    try:
        return dt.date.fromisoformat(v)
    except ValueError as exc:
        raise UsageError(f"{name} must be a date (YYYY-MM-DD), not {v!r}") from exc


@router.get("/console")
def dashboard(request: Request, who: Reader, day: str | None = None) -> Response:
    data = pages.dashboard(request.app.state.store, request.app.state.settings, _date(day, "day"))
    gettext = tr(request, who)
    data["channel_chart"] = charts.bar_chart(
        [(gettext(ch), n) for ch, n in data["by_channel"]], title=gettext("Declarations by channel")
    )
    return render(request, "dashboard.html", data, who=who)


@router.get("/console/declarations")
def queue(
    request: Request,
    who: Reader,
    channel: str | None = None,
    office: str | None = None,
    status: str | None = None,
    kind: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    page: int = 1,
) -> Response:
    if channel and channel not in pages.CHANNELS:
        raise UsageError(f"channel must be one of {', '.join(pages.CHANNELS)}, not {channel!r}")
    filters = {
        "channel": channel or None,
        "office": office or None,
        "status": status or None,
        "kind": kind or None,
        "date_from": date_from or "",
        "date_to": date_to or "",
    }
    data = pages.queue(
        request.app.state.store, channel=filters["channel"], office=filters["office"], status=filters["status"],
        kind=filters["kind"], date_from=_date(date_from, "date_from"), date_to=_date(date_to, "date_to"), page=page,
    )  # fmt: skip
    query = "&".join(f"{k}={quote(str(v))}" for k, v in filters.items() if v)
    return render(request, "queue.html", data | {"filters": filters, "query": query}, who=who)


@router.get("/console/declarations/{ref}")
def declaration(request: Request, ref: str, who: Reader) -> Response:
    data = pages.detail(request.app.state.store, request.app.state.settings, ref)
    gettext = tr(request, who)
    data["price_charts"] = []
    for r in data.get("price_refs") or []:
        item = r["item"]
        rows = [
            (f"{g['hs_code']} {g['origin']} {g['unit']}", g["q1"], g["median"], g["q3"], g["count"])
            for g in r["groups"]
        ]
        limits = [(gettext("minimum"), m["min_value"]) for m in r["manual"] if m.get("min_value")]
        limits += [(gettext("maximum"), m["max_value"]) for m in r["manual"] if m.get("max_value")]
        svg = charts.reference_chart(
            rows, title=gettext("Price reference of item {seq}").format(seq=item.get("seq")),
            x_label=gettext("unit value, USD"), marker=item.get("unit_value"), marker_label=gettext("declared"),
            limits=limits,
        )  # fmt: skip
        data["price_charts"].append({"svg": svg, "item": item})
    return render(request, "declaration.html", data, who=who)


@router.post("/console/declarations/{ref}/inspection")
async def record_inspection(
    request: Request, ref: str, who: Annotated[Principal, needs("inspections.record")]
) -> Response:
    form = await form_of(request, who)
    mod = pages.optional("cix.risk.inspections")
    if mod is None:
        raise UsageError("recording inspection results is not available on this node")
    raw = {
        "declaration_id": ref,
        "inspected_at": form.get("inspected_at") or dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "officer": who.name,
        "result": form.get("result", ""),
        "duty_recovered": form.get("duty_recovered", ""),
        "critical": form.get("critical", "0"),
    }
    store = request.app.state.store
    if hasattr(mod, "record_one"):
        mod.record_one(store, raw, source=f"console:{who.name}")
    else:
        with store.write() as conn:
            mod.record(conn, raw, source=f"console:{who.name}")
    return _back(f"/console/declarations/{quote(ref)}", "inspection_recorded")


@router.post("/console/declarations/{ref}/override")
async def override_channel(
    request: Request, ref: str, who: Annotated[Principal, needs("decisions.override")]
) -> Response:
    form = await form_of(request, who)
    mod = pages.optional("cix.risk.decisions")
    if mod is None:
        raise UsageError("channel decisions are not available on this node")
    from cix.store import declarations as ds

    with request.app.state.store.write() as conn:
        did = ds.get(conn, ref)["id"]
        mod.override(conn, did, form.get("channel", ""), form.get("reason", ""), officer=who.name)
    return _back(f"/console/declarations/{quote(ref)}", "channel_overridden")


# -- exchange, partners, cooperation --------------------------------------------------------------


@router.get("/console/exchange")
def exchange_monitor(request: Request, who: Annotated[Principal, needs("exchange.manage")]) -> Response:
    return render(request, "exchange.html", pages.exchange_monitor(request.app.state.store), who=who)


@router.post("/console/exchange/retry")
async def retry_dead(request: Request, who: Annotated[Principal, needs("exchange.manage")]) -> Response:
    from cix.exchange import outbox

    form = await form_of(request, who)
    ids = [i for i in (form.get("id") or "").split(",") if i]
    with request.app.state.store.write() as conn:
        n = outbox.retry(conn, ids or None, actor=who.name)
    request.app.state.wake.set()
    return _back("/console/exchange", f"retried:{n}")


@router.get("/console/partners")
def partners(request: Request, who: Annotated[Principal, needs("partners.manage")]) -> Response:
    return render(request, "partners.html", pages.partners_page(request.app.state.store), who=who)


@router.get("/console/cooperation")
def cooperation(request: Request, who: Reader, org: str | None = None) -> Response:
    return render(request, "cooperation.html", pages.cooperation_page(request.app.state.settings, org), who=who)


# -- jobs -----------------------------------------------------------------------------------------


@router.get("/console/jobs/{job_id}")
def job(job_id: str, who: Reader) -> JSONResponse:
    j = jobs.get(job_id)
    return JSONResponse({k: j[k] for k in ("id", "kind", "status", "done", "total", "percent", "note", "error")})


@router.post("/console/matching/run")
async def run_matching(request: Request, who: Annotated[Principal, needs("matching.run")]) -> Response:
    await form_of(request, who)
    svc = pages.optional("cix.matching.service")
    if svc is None:
        raise UsageError("matching is not available on this node")
    store, settings = request.app.state.store, request.app.state.settings

    def work(progress: jobs.Progress) -> Any:
        progress(0, 1, "matching")
        with store.write() as conn:
            return svc.run_bulk(conn, settings)

    job_id = jobs.start("matching", work, actor=who.name)
    return _back(f"/console/declarations?job={job_id}")


# -- users ----------------------------------------------------------------------------------------

Admin = Annotated[Principal, needs("users.manage")]


@router.get("/console/users")
def users_page(request: Request, who: Admin) -> Response:
    return render(request, "users.html", pages.users_page(request.app.state.store), who=who)


@router.post("/console/users")
async def add_user(request: Request, who: Admin) -> Response:
    from cix.api.routers.auth import node_administration
    from cix.auth import users

    form = await form_of(request, who)
    settings = request.app.state.settings
    mine = node_administration(settings)
    with request.app.state.store.write() as conn:
        users.add(
            conn, form.get("username", "").strip(), form.get("password", ""), role=form.get("role", ""),
            administration=mine, node_administration=mine, display_name=form.get("display_name") or None,
            language=form.get("language") or None, actor=who.name,
        )  # fmt: skip
    return _back("/console/users", "user_added")


@router.post("/console/users/{username}/{action}")
async def change_user(request: Request, username: str, action: str, who: Admin) -> Response:
    from cix.auth import users

    await form_of(request, who)
    if action not in ("disable", "enable"):
        raise UsageError(f"unknown action {action!r}")
    with request.app.state.store.write() as conn:
        (users.disable if action == "disable" else users.enable)(conn, username, actor=who.name)
    return _back("/console/users", f"user_{action}d")


# -- errors and static files ----------------------------------------------------------------------


def _is_console(request: Request) -> bool:
    p = request.url.path
    return p == "/" or p.startswith(CONSOLE_PREFIXES)


def setup(app: FastAPI) -> None:
    """Static files, the console's error pages, and ``/`` to the sign-in page instead of the API docs."""
    app.mount("/console/static", StaticFiles(directory=str(STATIC)), name="console-static")
    # The console's "/" comes first, before any other route of that path.
    mine = [r for r in app.router.routes if getattr(r, "path", None) == "/" and getattr(r, "endpoint", None) is root]
    others = [r for r in app.router.routes if getattr(r, "path", None) == "/" and r not in mine]
    for r in others:
        app.router.routes.remove(r)
    for r in mine:
        app.router.routes.remove(r)
        app.router.routes.insert(0, r)

    previous_cix = app.exception_handlers.get(CixError)
    previous_http = app.exception_handlers.get(StarletteHTTPException)
    previous_crash = app.exception_handlers.get(Exception)

    async def cix_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, CixError)
        if not _is_console(request):
            assert previous_cix is not None
            return await _delegate(previous_cix, request, exc)
        if isinstance(exc, SignInRequired):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/signin?next={quote(target)}", status_code=303)
        who = _quiet_principal(request)
        return render(
            request,
            "error.html",
            {"status": exc.status_code, "message": exc.message, "details": exc.details},
            who=who,
            status=exc.status_code,
        )

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if not _is_console(request):
            assert previous_http is not None
            return await _delegate(previous_http, request, exc)
        return render(
            request,
            "error.html",
            {"status": exc.status_code, "message": str(exc.detail), "details": None},
            who=_quiet_principal(request),
            status=exc.status_code,
        )

    async def crash(request: Request, exc: Exception) -> Response:
        if not _is_console(request):
            assert previous_crash is not None
            return await _delegate(previous_crash, request, exc)
        log.exception("console error")
        return render(
            request,
            "error.html",
            {"status": 500, "message": INTERNAL, "details": None},
            who=None,
            status=500,
        )

    app.add_exception_handler(CixError, cix_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, crash)


async def _delegate(handler: Any, request: Request, exc: Exception) -> Response:
    out = handler(request, exc)
    if inspect.isawaitable(out):
        out = await out
    return out


def _quiet_principal(request: Request) -> Principal | None:
    try:
        return session_principal(request)
    except CixError:
        return None


# -- risk -----------------------------------------------------------------------------------------

Analyst = Annotated[Principal, needs("risk.manage")]


def _risk(request: Request, who: Principal, extra: dict[str, Any] | None = None) -> Response:
    data = pages.risk_page(request.app.state.store)
    gettext = tr(request, who)
    for m in data["models"]:
        curve = m.get("curve") or []
        m["chart"] = charts.line_chart(
            [
                (gettext("precision"), [(r, p) for r, p, _c in curve]),
                (gettext("recall"), [(r, c) for r, _p, c in curve]),
            ],
            title=gettext("Precision and recall at inspection rate"), x_label=gettext("inspection rate, %"),
            y_label=gettext("share"),
        ) if curve else None  # fmt: skip
    return render(request, "risk.html", data | (extra or {}), who=who)


@router.get("/console/risk")
def risk(request: Request, who: Analyst) -> Response:
    return _risk(request, who)


@router.post("/console/risk/profiles")
async def save_profile(request: Request, who: Analyst) -> Response:
    form = await form_of(request, who)
    repo = pages.optional("cix.risk.profiles.repository")
    if repo is None:
        raise UsageError("risk profiles are not available on this node")
    definition: dict[str, Any] = {k: form[k] for k in ("id", "condition", "description", "channel") if form.get(k)}
    if form.get("weight"):
        try:
            definition["weight"] = float(form["weight"])
        except ValueError as exc:
            raise UsageError(f"weight must be a number, not {form['weight']!r}") from exc
    with request.app.state.store.write() as conn:
        exists = any(p["id"] == definition.get("id") for p in repo.list_profiles(conn))
        repo.add_profile(conn, definition, who.name, new_version=exists)
    return _back("/console/risk", "profile_saved")


@router.post("/console/risk/profiles/{profile_id}/{action}")
async def profile_action(request: Request, profile_id: str, action: str, who: Analyst) -> Response:
    await form_of(request, who)
    repo = pages.optional("cix.risk.profiles.repository")
    if repo is None:
        raise UsageError("risk profiles are not available on this node")
    if action == "test":
        result = pages.test_profile(request.app.state.store, profile_id)
        return _risk(request, who, {"tested": result, "tested_id": profile_id})
    if action not in ("enable", "disable"):
        raise UsageError(f"unknown action {action!r}")
    with request.app.state.store.write() as conn:
        repo.set_enabled(conn, profile_id, action == "enable", who.name)
    return _back("/console/risk", f"profile_{action}d")


@router.post("/console/risk/models/{version}/promote")
async def promote_model(request: Request, version: str, who: Analyst) -> Response:
    await form_of(request, who)
    reg = pages.optional("cix.risk.registry")
    if reg is None:
        raise UsageError("the model registry is not available on this node")
    with request.app.state.store.write() as conn:
        reg.promote(conn, version, actor=who.name)
    return _back("/console/risk", "model_promoted")


@router.post("/console/risk/models/rollback")
async def rollback_model(request: Request, who: Analyst) -> Response:
    await form_of(request, who)
    reg = pages.optional("cix.risk.registry")
    if reg is None:
        raise UsageError("the model registry is not available on this node")
    with request.app.state.store.write() as conn:
        reg.rollback(conn, actor=who.name)
    return _back("/console/risk", "model_rolled_back")


# -- price references -----------------------------------------------------------------------------


@router.get("/console/prices")
def prices(request: Request, who: Reader, hs: str | None = None, origin: str | None = None) -> Response:
    data = pages.prices_page(request.app.state.store, hs or None, origin or None)
    gettext = tr(request, who)
    if data["groups"]:
        rows = [
            (f"{g['hs_code']} {g['origin']} {g['unit']}", g["q1"], g["median"], g["q3"], g["count"])
            for g in data["groups"][:25]
        ]
        limits = [(gettext("minimum"), m["min_value"]) for m in data["manual"] if m.get("min_value")]
        limits += [(gettext("maximum"), m["max_value"]) for m in data["manual"] if m.get("max_value")]
        data["chart"] = charts.reference_chart(
            rows, title=gettext("Unit value distribution by HS code and origin"),
            x_label=gettext("unit value, USD"), limits=limits,
        )  # fmt: skip
    return render(request, "prices.html", data, who=who)


@router.post("/console/prices/build")
async def build_prices(request: Request, who: Annotated[Principal, needs("prices.manage")]) -> Response:
    await form_of(request, who)
    build = pages.optional("cix.valuation.build")
    if build is None:
        raise UsageError("price references are not available on this node")
    store, settings = request.app.state.store, request.app.state.settings

    def work(progress: jobs.Progress) -> Any:
        progress(0, 1, "building")
        return build.build(store, settings)

    job_id = jobs.start("prices", work, actor=who.name)
    return _back(f"/console/prices?job={job_id}")
