"""The exchange over HTTP: the partners' inbox, receipts again by id, and this node's outbox.

``POST /api/v1/exchange/inbox`` is the one route partners call: no user credential reaches it and
no partner credential reaches anything else — each envelope is authenticated by its signature with
the sender's registered key. The outbox routes are for this node's own users and machines.
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from cix.api.deps import Principal, SettingsDep, StoreDep, open_route, requires
from cix.errors import InputError, NotFound
from cix.exchange import agreement_store, inbox, outbox, partners

router = APIRouter(prefix="/api/v1/exchange", tags=["exchange"])

Manager = Annotated[Principal, requires("exchange.manage")]
# Partners reach these two; each envelope is authenticated by its signature, never by a credential.
Signed = Annotated[None, open_route("partners: each envelope is authenticated by its signature")]

MAX_BATCH = 1000


def _node(request: Request) -> Any:
    from cix.exchange.node import current

    return current(request.app.state.settings.home)


@router.post("/inbox")
async def receive(request: Request, settings: SettingsDep, store: StoreDep, _signed: Signed) -> Response:
    """Partners deliver signed envelopes here: ``{"envelopes": [...]}`` → ``{"receipts": [...]}`` (same order)."""
    limit = settings.max_message_bytes * MAX_BATCH
    body = await request.body()
    if len(body) > limit:
        raise InputError(f"the batch is larger than {limit} bytes")
    try:
        doc = orjson.loads(body)
        items = doc["envelopes"]
        if not isinstance(items, list) or len(items) > MAX_BATCH:
            raise ValueError
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise InputError(f'the body must be {{"envelopes": [...]}} with at most {MAX_BATCH} envelopes') from exc
    raws = [orjson.dumps(e) if not isinstance(e, str) else e.encode() for e in items]
    from starlette.concurrency import run_in_threadpool

    receipts = await run_in_threadpool(inbox.receive, store, _node(request), settings, raws)
    request.app.state.wake.set()
    return Response(b'{"receipts":[' + b",".join(receipts) + b"]}", media_type="application/json")


@router.get("/receipts/{message_id}")
def get_receipt(message_id: str, store: StoreDep, _signed: Signed) -> Response:
    """The signed receipt this node gave for an incoming message, again."""
    r = inbox.receipt(store, message_id)
    if r is None:
        raise NotFound(f"no message {message_id} was received")
    return Response(r, media_type="application/json")


class SendIn(BaseModel):
    to: str
    type: str
    agreement: str
    payloads: list[dict[str, Any]] = Field(..., min_length=1, max_length=10_000)


@router.post("/outbox", status_code=202, openapi_extra={
    "requestBody": {"required": True, "content": {"application/json": {"schema": SendIn.model_json_schema()}}}
})  # fmt: skip
async def send(request: Request, store: StoreDep, who: Manager) -> dict[str, Any]:
    """Seal payloads for a partner under an agreement and queue them (one transaction)."""
    from starlette.concurrency import run_in_threadpool

    # Parsed with orjson and checked at the top level only: the payloads themselves are checked by
    # the agreement when they are sealed (a deep pydantic pass over thousands of them costs more).
    try:
        doc = orjson.loads(await request.body())
        body = SendIn.model_construct(**{k: doc[k] for k in ("to", "type", "agreement", "payloads")})
        if not (isinstance(body.payloads, list) and body.payloads and len(body.payloads) <= 10_000):
            raise ValueError("payloads must be a list of 1 to 10,000 objects")
        if not all(isinstance(p, dict) for p in body.payloads) or not all(
            isinstance(getattr(body, f), str) for f in ("to", "type", "agreement")
        ):
            raise ValueError("to, type and agreement are strings; payloads are objects")
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise InputError(f"the body must be {{to, type, agreement, payloads: [...]}}: {exc}") from exc
    return await run_in_threadpool(_send, request, store, body)


def _send(request: Request, store: Any, body: SendIn) -> dict[str, Any]:
    node = _node(request)
    with store.read() as conn:
        partner = partners.get(conn, body.to)
        agreement = agreement_store.get(conn, body.agreement)
    sealed = [outbox.seal_for(node, partner, agreement, body.type, p) for p in body.payloads]
    with store.write() as conn:
        ids = outbox.enqueue(conn, [e for e, _ in sealed])
    request.app.state.wake.set()
    return {"ids": ids, "dropped": [d for _, d in sealed]}


@router.get("/outbox")
def list_outbox(
    store: StoreDep,
    who: Manager,
    status: str | None = Query(None, pattern="^(pending|sent|delivered|rejected|dead)$"),
    recipient: str | None = None,
    limit: int = Query(50, ge=1, le=1000),
) -> dict[str, Any]:
    with store.read() as conn:
        return {"messages": outbox.list_messages(conn, status=status, recipient=recipient, limit=limit)}


@router.get("/status")
def status(store: StoreDep, who: Manager) -> dict[str, Any]:
    with store.read() as conn:
        return {"partners": outbox.status_counts(conn)}


class RetryIn(BaseModel):
    ids: list[str] | None = None


@router.post("/retry")
def retry(body: RetryIn, request: Request, store: StoreDep, who: Manager) -> dict[str, Any]:
    """Put dead letters (the given ids, or all) back in the queue."""
    with store.write() as conn:
        n = outbox.retry(conn, body.ids, actor=who.name)
    request.app.state.wake.set()
    return {"retried": n}
