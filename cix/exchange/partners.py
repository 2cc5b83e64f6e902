"""Partner administrations: their endpoints, public keys and accepted suites, from partner cards.

A partner is added from the card it handed over (``cix partners add --card FILE``); adding the same
id again updates endpoints and keys (a key rotation on their side). The suites a node accepts from a
partner default to the suites on its card and can be narrowed. Reads for the receive path go
through a short-lived cache, since every incoming envelope needs its sender's keys.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, select

from cix.errors import NotFound, UsageError
from cix.exchange.node import Key
from cix.reference.countries import is_country
from cix.store.schema import partners

ACTIVE, SUSPENDED = "active", "suspended"


@dataclass
class Partner:
    id: str
    country: str
    name: str
    endpoints: list[dict[str, str]]
    keys: list[Key]
    suites: list[str]
    status: str

    def key(self, kid: str) -> Key | None:
        for k in self.keys:
            if k.kid == kid:
                return k
        return None

    def encryption_key(self, at: dt.datetime | None = None) -> Key | None:
        at = at or dt.datetime.now(dt.UTC)
        enc = [k for k in self.keys if k.use == "enc" and k.valid_at(at)]
        return max(enc, key=lambda k: (k.valid_to is None, k.valid_from)) if enc else None

    def endpoint(self, transport: str) -> dict[str, str] | None:
        for e in self.endpoints:
            if e.get("transport") == transport:
                return e
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "country": self.country,
            "name": self.name,
            "endpoints": self.endpoints,
            "suites": self.suites,
            "status": self.status,
            "keys": [k.public_dict() for k in self.keys],
        }


def _row_to_partner(r: Any) -> Partner:
    return Partner(
        r["id"],
        r["country"],
        r["name"],
        list(r["endpoints"]),
        [Key.from_public_dict(k) for k in r["keys"]],
        list(r["suites"]),
        r["status"],
    )


def check_card(card: dict[str, Any]) -> None:
    """A partner card must name an id, a country, and at least one signing key."""
    for f in ("id", "country", "name", "keys"):
        if f not in card:
            raise UsageError(f"the partner card has no {f!r}")
    if not is_country(str(card["country"])):
        raise UsageError(f"the partner card's country {card['country']!r} is not ISO 3166 alpha-2")
    try:
        keys = [Key.from_public_dict(k) for k in card["keys"]]
    except (KeyError, ValueError, TypeError) as exc:
        raise UsageError(f"the partner card has a malformed key: {exc}") from exc
    if not any(k.use == "sig" for k in keys):
        raise UsageError("the partner card has no signing key")


def add(conn: Connection, card: dict[str, Any], *, suites: list[str] | None = None) -> tuple[Partner, bool]:
    """Add a partner from its card, or update it; returns the partner and whether it was new."""
    check_card(card)
    now = dt.datetime.now(dt.UTC)
    accepted = suites or list(card.get("suites") or sorted({k["suite"] for k in card["keys"] if k.get("use") != "enc"}))
    values = {
        "country": card["country"],
        "name": card["name"],
        "endpoints": list(card.get("endpoints") or []),
        "keys": list(card["keys"]),
        "suites": accepted,
        "status": ACTIVE,
        "updated_at": now,
    }
    exists = conn.execute(select(partners.c.id).where(partners.c.id == card["id"])).first() is not None
    if exists:
        conn.execute(partners.update().where(partners.c.id == card["id"]).values(**values))
    else:
        conn.execute(partners.insert().values(id=card["id"], added_at=now, **values))
    _CACHE.invalidate()
    return get(conn, card["id"]), not exists


def get(conn: Connection, partner_id: str) -> Partner:
    r = conn.execute(select(partners).where(partners.c.id == partner_id)).mappings().first()
    if r is None:
        raise NotFound(f"no partner {partner_id!r}")
    return _row_to_partner(r)


def list_partners(conn: Connection) -> list[Partner]:
    return [_row_to_partner(r) for r in conn.execute(select(partners).order_by(partners.c.id)).mappings()]


def remove(conn: Connection, partner_id: str) -> None:
    if conn.execute(delete(partners).where(partners.c.id == partner_id)).rowcount == 0:
        raise NotFound(f"no partner {partner_id!r}")
    _CACHE.invalidate()


class _Cache:
    """Partners by id for the receive path, reloaded at most every ``ttl`` seconds or on a change."""

    def __init__(self, ttl: float = 2.0) -> None:
        self.ttl = ttl
        self._lock = threading.Lock()
        self._data: dict[int, tuple[float, dict[str, Partner]]] = {}

    def invalidate(self) -> None:
        with self._lock:
            self._data.clear()

    def get(self, store: Any, partner_id: str) -> Partner | None:
        key = id(store)
        now = time.monotonic()
        with self._lock:
            hit = self._data.get(key)
        if hit is None or now - hit[0] > self.ttl:
            with store.read() as conn:
                table = {p.id: p for p in list_partners(conn)}
            with self._lock:
                self._data[key] = (now, table)
        else:
            table = hit[1]
        return table.get(partner_id)


_CACHE = _Cache()


def cached(store: Any, partner_id: str) -> Partner | None:
    return _CACHE.get(store, partner_id)
