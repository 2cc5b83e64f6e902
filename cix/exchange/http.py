"""The HTTP transport (the embedded default): batches of envelopes POSTed to the partner's inbox.

The partner's card names an endpoint ``{"transport": "http", "url": "https://.../api/v1/exchange/inbox"}``.
One request carries many signed envelopes and its response one signed receipt per envelope
(``{"receipts": [...]}``, same order). Mutual TLS is optional: give a client certificate and key
(and a CA bundle) in the settings of the transport. Network errors and non-2xx answers become
:class:`~cix.exchange.transport.TransportError`.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

import httpx
import orjson

from cix.exchange.partners import Partner
from cix.exchange.transport import TransportError


class HttpTransport:
    name = "http"

    def __init__(
        self,
        *,
        timeout: float = 30.0,
        cert: tuple[str, str] | None = None,
        verify: str | bool = True,
    ) -> None:
        self.client = httpx.Client(timeout=timeout, cert=cert, verify=verify, http2=False)

    def deliver(self, partner: Partner, envelopes: Sequence[bytes]) -> list[bytes] | None:
        ep = partner.endpoint("http")
        if ep is None or not ep.get("url"):
            raise TransportError(f"partner {partner.id} has no http endpoint")
        body = b'{"envelopes":[' + b",".join(envelopes) + b"]}"
        try:
            r = self.client.post(ep["url"], content=body, headers={"content-type": "application/json"})
        except httpx.HTTPError as exc:
            raise TransportError(f"{partner.id}: {type(exc).__name__}: {exc}") from exc
        if r.status_code != 200:
            raise TransportError(f"{partner.id}: HTTP {r.status_code}: {r.text[:200]}")
        try:
            receipts = orjson.loads(r.content)["receipts"]
        except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
            raise TransportError(f"{partner.id}: the answer holds no receipts") from exc
        if len(receipts) != len(envelopes):
            raise TransportError(f"{partner.id}: {len(receipts)} receipts for {len(envelopes)} envelopes")
        return [orjson.dumps(x) if isinstance(x, dict) else base64.b64decode(x) for x in receipts]

    def close(self) -> None:
        self.client.close()
