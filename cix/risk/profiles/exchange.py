"""The handler of ``risk_profile`` messages: profiles partners share are kept apart, status received.

Registered with :mod:`cix.exchange.handlers` when imported. Nothing received takes part in
selection until an analyst adopts it (``cix risk profiles adopt``); a payload that is not a valid
profile is kept with status ``invalid`` and its problems.
"""

from __future__ import annotations

from typing import Any

from cix.exchange.handlers import Items, register
from cix.risk.profiles import repository as repo
from cix.risk.profiles.sharing import MESSAGE_TYPE


def handle(store: Any, items: Items) -> None:
    with store.write() as conn:
        repo.receive(conn, items)


register(MESSAGE_TYPE, handle)
