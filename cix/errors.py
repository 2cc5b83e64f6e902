"""The errors cix raises, each owning its HTTP status and command-line exit code.

Foreign errors (database drivers, network, file system) are translated into these at the edge
where they occur, with ``raise X(...) from exc``, so the layers above see one vocabulary::

    CixError                    500 / exit 1
    ├── UsageError              400 / exit 2   bad arguments or settings
    ├── NotFound                404 / exit 1   no such declaration, quarantine entry, code ...
    ├── Conflict                409 / exit 1   a write that clashes with what is stored
    ├── ValidationFailed        422 / exit 1   a record broke rules; carries the problems
    ├── InputError              400 / exit 1   a file or payload that cannot be read at all
    ├── AuthError               401 / exit 1   missing or bad credentials
    │   └── Forbidden           403 / exit 1   credentials without the right
    ├── StoreError              503 / exit 1   the database failed
    └── ReferenceDataError      500 / exit 1   reference data missing (an exchange rate ...)
"""

from __future__ import annotations

from typing import Any


class CixError(Exception):
    """Base of every cix error."""

    status_code = 500
    exit_code = 1
    code = "error"

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        """The one JSON error shape of the API: ``{"error": {"code", "message", "details"}}``."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            body["details"] = self.details
        return {"error": body}


class UsageError(CixError):
    status_code = 400
    exit_code = 2
    code = "usage"


class NotFound(CixError):
    status_code = 404
    code = "not_found"


class Conflict(CixError):
    status_code = 409
    code = "conflict"


class ValidationFailed(CixError):
    status_code = 422
    code = "validation_failed"


class InputError(CixError):
    status_code = 400
    code = "bad_input"


class AuthError(CixError):
    status_code = 401
    code = "unauthenticated"


class Forbidden(AuthError):
    status_code = 403
    code = "forbidden"


class StoreError(CixError):
    status_code = 503
    code = "store_unavailable"


class ReferenceDataError(CixError):
    status_code = 500
    code = "reference_data"
