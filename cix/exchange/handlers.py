"""What happens to an accepted message: handlers by message type, registered by higher layers.

The exchange stores every accepted message in the inbox; a handler registered for its type (the
declaration path registers one for export declaration data and preliminary information, valuation
one for price records) then takes the payloads in bulk. A type with no handler stays in the inbox,
marked processed, for the pages and the API to show.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

# (message id, sender, payload) for every message of one type
Items = Sequence[tuple[str, str, dict[str, Any]]]
Handler = Callable[[Any, Items], None]

_HANDLERS: dict[str, Handler] = {}
_LOADED = False

# Modules that register handlers when imported; a capability not built yet is skipped.
BUILTIN = ("cix.pipeline.partner_data", "cix.valuation.exchange", "cix.risk.profiles.exchange")


def load() -> None:
    """Import the built-in handler modules once (each registers its message types)."""
    global _LOADED
    if _LOADED:
        return
    import importlib

    for mod in BUILTIN:
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name is None or not mod.startswith(exc.name):
                raise
    _LOADED = True


def register(message_type: str, handler: Handler) -> None:
    _HANDLERS[message_type] = handler


def handle(store: Any, messages: Sequence[tuple[str, str, str, dict[str, Any]]]) -> None:
    """Run the handler of each type over its messages (id, sender, type, payload)."""
    load()
    by_type: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for mid, sender, mtype, payload in messages:
        by_type.setdefault(mtype, []).append((mid, sender, payload))
    for mtype, items in by_type.items():
        fn = _HANDLERS.get(mtype)
        if fn is not None:
            fn(store, items)
