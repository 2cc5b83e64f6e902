"""Health of the node."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from cix import __version__
from cix.api.deps import StoreDep, open_route

router = APIRouter(prefix="/api/v1", tags=["system"])


@router.get("/health")
def health(store: StoreDep, _open: None = open_route("load balancers call it")) -> dict[str, object]:
    """Liveness and store reachability (no authentication: a load balancer calls it)."""
    with store.read() as conn:
        conn.execute(text("SELECT 1"))
    return {"status": "ok", "version": __version__, "store": store.engine.dialect.name}
