"""The declaration-path step "matching" (order 10): newly stored records meet their counterparts.

New import declarations are matched against stored partner records and new partner records against
stored imports; every import decided — new, or stored earlier and now matched by a partner record
that just arrived — gets its result in ``ctx`` under "matching" for the valuation and risk steps.
"""

from __future__ import annotations

from typing import Any

from cix.matching.service import run_incremental
from cix.pipeline import steps
from cix.settings import Settings

KINDS = frozenset({"import", "export", "preliminary"})


def matching_step(conn: Any, stored: list[steps.Stored], ctx: steps.PathContext) -> None:
    ids = [s.id for s in stored if s.row.get("kind") in KINDS]
    if not ids:
        return
    settings: Settings = ctx.settings
    for did, result in run_incremental(conn, ids, settings).items():
        ctx.put("matching", did, result)


steps.register("matching", 10, matching_step)
