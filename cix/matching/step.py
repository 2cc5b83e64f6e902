"""The declaration-path step "matching" (order 10): newly stored records meet their counterparts.

New import declarations are matched against stored partner records and new partner records against
stored imports; every import decided — new, or stored earlier and now matched by a partner record
that just arrived — gets its result in ``ctx`` under "matching" for the valuation and risk steps.
Batches of up to :data:`FAST_MAX` records take the plain-Python run (:mod:`cix.matching.fast`),
larger ones the Polars run; both store and return the same outcomes.
"""

from __future__ import annotations

from typing import Any

from cix.matching import fast, service
from cix.pipeline import steps
from cix.settings import Settings

KINDS = frozenset({"import", "export", "preliminary"})
# Chosen by measurement: the plain-Python run was faster at every size tried (1 to 5,000 records);
# above this the Polars run takes over (its per-record cost stays flat on very large batches).
FAST_MAX = 5000


def matching_step(conn: Any, stored: list[steps.Stored], ctx: steps.PathContext) -> None:
    mine = [s for s in stored if s.row.get("kind") in KINDS]
    if not mine:
        return
    ids = [s.id for s in mine]
    settings: Settings = ctx.settings
    if len(ids) <= FAST_MAX:
        results = fast.run_incremental(conn, ids, settings, records=fast.from_stored(mine, country=settings.country))
    else:
        results = service.run_incremental(conn, ids, settings)
    for did, result in results.items():
        ctx.put("matching", did, result)


def warm(conn: Any, settings: Settings) -> None:
    service.reference(settings)


def pre(store: Any, prepared: list[Any], settings: Settings) -> None:
    """The matching records of a batch made ahead, while it is checked (their ids come in the turn)."""
    fast.ahead(prepared, settings.country)


steps.register("matching", 10, matching_step, warm=warm, pre=pre)
