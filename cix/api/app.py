"""The FastAPI application: routers, the one JSON error shape, and no stack trace ever leaves."""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from cix import __version__
from cix.errors import CixError
from cix.pipeline.group import GroupLodger, ProcessLodger
from cix.settings import Settings
from cix.store.db import open_store

log = logging.getLogger("cix.api")


# Routers under cix.api.routers included when present; ``setup(app)`` is called if a module has one.
OPTIONAL_ROUTERS = ("matching", "valuation", "risk", "inspections", "auth", "console")


def _error(status: int, code: str, message: str, details: object = None) -> JSONResponse:
    body: dict[str, object] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return JSONResponse({"error": body}, status_code=status)


def create_app(settings: Settings, *, background: bool = True, lodge_process: bool = False) -> FastAPI:
    """The node's application; with ``background`` its exchange runs while the server runs; with
    ``lodge_process`` declarations lodged one per request go through a lodging process of their own
    (:class:`~cix.pipeline.group.ProcessLodger`, what ``cix serve`` uses) rather than a thread."""
    import threading
    from contextlib import asynccontextmanager

    from cix.exchange import handlers as _handlers

    _handlers.load()  # registers the handlers of partner data, price records, shared profiles
    from cix.api.routers import cooperation, declarations, exchange, quarantine, reference, system
    from cix.exchange import node as node_mod

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service = None
        if background:
            from cix.exchange.service import ExchangeService

            service = ExchangeService(app.state.store, app.state.node, settings)
            service.wake = app.state.wake
            service.start()
        try:
            yield
        finally:
            if service is not None:
                service.stop()
            app.state.lodger.close()

    app = FastAPI(
        title="cix node API",
        version=__version__,
        description="A node of the single customs information space: declarations, quarantine, exchange.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.store = open_store(settings.store_url)
    app.state.store.settings = settings
    # Declarations lodged one per request are written in groups by one thread (group commit).
    app.state.lodger = ProcessLodger(app.state.store) if lodge_process else GroupLodger(app.state.store)
    app.state.node = node_mod.ensure(settings.home, settings.country, settings.authority)
    app.state.wake = threading.Event()

    @app.exception_handler(CixError)
    async def _cix_error(_request: Request, exc: CixError) -> JSONResponse:
        return _error(exc.status_code, exc.code, exc.message, exc.details)

    @app.exception_handler(RequestValidationError)
    async def _request_invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {
                "rule": "request." + str(e.get("type")),
                "path": "/" + "/".join(str(p) for p in e.get("loc", ())),
                "value": None,
                "message": e.get("msg"),
                "severity": "error",
            }
            for e in exc.errors()
        ]
        return _error(422, "bad_request", "the request is not valid", {"problems": problems})

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, "http_" + str(exc.status_code), str(exc.detail))

    @app.exception_handler(Exception)
    async def _crash(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return _error(500, "internal", "internal error; the node's log has the details")

    app.include_router(system.router)
    app.include_router(declarations.router)
    app.include_router(quarantine.router)
    app.include_router(reference.router)
    app.include_router(exchange.router)
    app.include_router(cooperation.router)
    for name in OPTIONAL_ROUTERS:  # capabilities that add their own routes when built
        try:
            mod = importlib.import_module(f"cix.api.routers.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"cix.api.routers.{name}":
                raise
            continue
        app.include_router(mod.router)
        if hasattr(mod, "setup"):
            mod.setup(app)
    return app
