"""Partner data into the declaration path: export declarations and preliminary information received.

Registered as exchange handlers: each accepted payload is lodged like any declaration (validated,
stored once by its natural key, quarantined with reasons if bad), with the partner as its source,
so matching and valuation find the partner's export data beside the import declarations.
"""

from __future__ import annotations

from typing import Any

import orjson

from cix.exchange import handlers
from cix.ingest.records import Incoming
from cix.pipeline.lodge import lodge_batch


def _lodge(store: Any, items: handlers.Items) -> None:
    by_sender: dict[str, list[Incoming]] = {}
    for mid, sender, payload in items:
        by_sender.setdefault(sender, []).append(
            Incoming(orjson.dumps(payload).decode(), "json", payload, f"message:{mid}")
        )
    for sender, batch in by_sender.items():
        lodge_batch(store, batch, source=f"partner:{sender}")


def register() -> None:
    handlers.register("export_declaration", _lodge)
    handlers.register("preliminary_information", _lodge)


register()
