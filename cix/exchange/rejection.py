"""Rejection: the one error the exchange raises when it refuses a message, a key or a suite.

A rejection carries a stable ``rule`` id (``signature.invalid``, ``digest.mismatch``,
``suite.unknown``, ``key.unknown``, ``envelope.malformed``, ``payload.undecryptable`` ...) that
machines match on and that is never translated, the ``field`` that failed when there is one, and a
human-readable message that goes through the translation layer. The rule ids used by the envelope
layer are listed in :data:`RULES`; higher layers (agreements, inbox) add their own with the same
shape. ``to_reason()`` gives the dictionary a signed receipt lists under ``reasons``.
"""

from __future__ import annotations

from typing import Any

from cix.errors import CixError

#: Rule ids raised by the envelope, suite and encryption modules, with what each one means.
RULES: dict[str, str] = {
    "envelope.malformed": "the bytes are not a well-formed envelope (JSON, fields, types, formats)",
    "envelope.too_large": "the envelope is larger than the size limit",
    "suite.unknown": "the envelope names a signature suite this node does not implement",
    "suite.refused": "the suite is implemented but not accepted from this partner",
    "key.unknown": "the envelope names a signing key that is not among the sender's keys",
    "digest.mismatch": "the payload does not hash to the payload digest (payload altered)",
    "signature.invalid": "the signature does not verify over the protected header",
    "payload.undecryptable": "the encrypted payload cannot be decrypted with the keys given",
    "receipt.malformed": "a receipt envelope whose payload is not a receipt",
}


class Rejection(CixError):
    """A message, key or suite refused by the exchange, for the stable reason ``rule``."""

    status_code = 422
    code = "rejected"

    def __init__(self, rule: str, message: str, *, field: str | None = None, details: Any = None) -> None:
        super().__init__(message, details=details)
        self.rule = rule
        self.field = field

    def __str__(self) -> str:
        where = f" [{self.field}]" if self.field else ""
        return f"{self.rule}{where}: {self.message}"

    def __repr__(self) -> str:
        return f"Rejection({self.rule!r}, {self.message!r}, field={self.field!r})"

    def to_reason(self) -> dict[str, Any]:
        """The reason as a receipt lists it: ``{"rule", "message"}`` plus ``"field"`` when known."""
        reason: dict[str, Any] = {"rule": self.rule, "message": self.message}
        if self.field is not None:
            reason["field"] = self.field
        return reason

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        body["error"]["rule"] = self.rule
        if self.field is not None:
            body["error"]["field"] = self.field
        return body
