"""The HTTP API (FastAPI): thin routers, one per capability, over the pipeline and the store.

Every route depends on :func:`cix.api.deps.principal` (authentication from the start), and every
error leaves in one JSON shape, ``{"error": {"code", "message", "details"}}``; OpenAPI at ``/docs``.
"""
