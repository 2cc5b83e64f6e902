"""The FastAPI application: routers, the one JSON error shape, and no stack trace ever leaves."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from cix import __version__
from cix.errors import CixError
from cix.settings import Settings
from cix.store.db import open_store

log = logging.getLogger("cix.api")


def _error(status: int, code: str, message: str, details: object = None) -> JSONResponse:
    body: dict[str, object] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return JSONResponse({"error": body}, status_code=status)


def create_app(settings: Settings) -> FastAPI:
    from cix.api.routers import declarations, quarantine, reference, system

    app = FastAPI(
        title="cix node API",
        version=__version__,
        description="A node of the single customs information space: declarations, quarantine, reference.",
    )
    app.state.settings = settings
    app.state.store = open_store(settings.store_url)

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

    @app.get("/", include_in_schema=False)
    def _root() -> RedirectResponse:
        return RedirectResponse("/docs")

    app.include_router(system.router)
    app.include_router(declarations.router)
    app.include_router(quarantine.router)
    app.include_router(reference.router)
    return app
