"""This node's identity: one administration (country + authority), its key pairs, rotation, its card.

The identity lives in ``<home>/node.json`` with the private keys beside it in ``<home>/keys/`` (mode
0600). A node has one *active* signing key per suite and an X25519 encryption key; rotating makes a
new active key and keeps the old one valid for ``overlap`` more days for verifying, and listed in
the partner card with its validity, so messages signed before the rotation still verify afterwards.
The partner card (:func:`card`) is the public part one administration hands to another.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from cix.errors import UsageError
from cix.exchange.suites import b64u, b64u_decode
from cix.reference.countries import is_country


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _iso(t: dt.datetime | None) -> str | None:
    return t.isoformat().replace("+00:00", "Z") if t else None


def _parse(t: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(t.replace("Z", "+00:00")) if t else None


@dataclass
class Key:
    kid: str
    suite: str  # a signature suite name, or "x25519" for the encryption key
    use: str  # "sig" | "enc"
    public: bytes
    valid_from: dt.datetime
    valid_to: dt.datetime | None = None
    private: bytes | None = field(default=None, repr=False)

    def valid_at(self, t: dt.datetime) -> bool:
        return self.valid_from - dt.timedelta(seconds=300) <= t and (self.valid_to is None or t <= self.valid_to)

    def public_dict(self) -> dict[str, Any]:
        return {
            "kid": self.kid,
            "suite": self.suite,
            "use": self.use,
            "public": b64u(self.public),
            "valid_from": _iso(self.valid_from),
            "valid_to": _iso(self.valid_to),
        }

    @classmethod
    def from_public_dict(cls, d: dict[str, Any]) -> Key:
        vf = _parse(d.get("valid_from")) or dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
        return cls(
            str(d["kid"]),
            str(d["suite"]),
            str(d.get("use", "sig")),
            b64u_decode(str(d["public"])),
            vf,
            _parse(d.get("valid_to")),
        )


def _newest(k: Key) -> tuple[bool, dt.datetime]:
    """Order keys by preference: one not yet rotated out first, then the latest (ties: rotation in one second)."""
    return (k.valid_to is None, k.valid_from)


@dataclass
class Node:
    country: str
    authority: str
    name: str
    keys: list[Key]
    home: Path
    endpoints: list[dict[str, str]] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.country}-{self.authority}"

    def signing_key(self, suite: str | None = None) -> Key:
        """The newest key of the suite (default: the first suite) that is valid now and has a private part."""
        now = _now()
        cands = [k for k in self.keys if k.use == "sig" and k.private and (suite is None or k.suite == suite)]
        cands = [k for k in cands if k.valid_at(now)]
        if not cands:
            raise UsageError(f"node {self.id} has no valid signing key{' for ' + suite if suite else ''}")
        return max(cands, key=_newest)

    def encryption_key(self) -> Key | None:
        enc = [k for k in self.keys if k.use == "enc" and k.private]
        return max(enc, key=_newest) if enc else None

    def encryption_keys(self) -> list[Key]:
        return [k for k in self.keys if k.use == "enc" and k.private]

    @property
    def suites(self) -> list[str]:
        return sorted({k.suite for k in self.keys if k.use == "sig"})


_AUTHORITY = re.compile(r"[A-Z0-9](?:[A-Z0-9-]{0,28}[A-Z0-9])?")


def _node_file(home: Path) -> Path:
    return home / "node.json"


def _write_private(home: Path, kid: str, private: bytes) -> None:
    d = home / "keys"
    d.mkdir(parents=True, exist_ok=True)
    p = d / f"{kid}.key"
    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(b64u(private).encode())


def _new_key(home: Path, suite: str, at: dt.datetime) -> Key:
    if suite == "x25519":
        from cix.exchange.crypto_box import encryption_key_id, generate_encryption_keypair

        private, public = generate_encryption_keypair()
        key = Key(encryption_key_id(public), "x25519", "enc", public, at, None, private)
    else:
        from cix.exchange.suites import get_suite

        s = get_suite(suite)
        pair = s.generate()
        key = Key(s.key_id(pair.public), suite, "sig", pair.public, at, None, pair.private)
    _write_private(home, key.kid, key.private or b"")
    return key


def save(node: Node) -> None:
    doc = {
        "country": node.country,
        "authority": node.authority,
        "name": node.name,
        "endpoints": node.endpoints,
        "keys": [k.public_dict() for k in node.keys],
    }
    node.home.mkdir(parents=True, exist_ok=True)
    tmp = _node_file(node.home).with_suffix(".tmp")
    tmp.write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2))
    tmp.replace(_node_file(node.home))


def init(
    home: Path,
    country: str,
    authority: str,
    name: str | None = None,
    suites: tuple[str, ...] = ("ed25519",),
    *,
    force: bool = False,
) -> Node:
    """Create this node's identity and keys (refuses to replace an existing one unless ``force``)."""
    country = country.upper()
    if not is_country(country) and country != "ZZ":  # ZZ: a node not yet given its country
        raise UsageError(f"{country!r} is not an ISO 3166-1 alpha-2 country code")
    if not _AUTHORITY.fullmatch(authority.upper()):
        raise UsageError("the authority id is 1-30 letters, digits or inner '-' (for example FCS, CUSTOMS)")
    if _node_file(home).exists() and not force:
        raise UsageError(f"{home} already holds node {load(home).id}; use --force to replace it")
    at = _now()
    keys = [_new_key(home, s, at) for s in suites] + [_new_key(home, "x25519", at)]
    node = Node(country, authority.upper(), name or f"Customs of {country}", keys, home)
    save(node)
    return node


def load(home: Path) -> Node:
    doc = orjson.loads(_node_file(home).read_bytes())
    keys = []
    for kd in doc["keys"]:
        k = Key.from_public_dict(kd)
        p = home / "keys" / f"{k.kid}.key"
        if p.exists():
            k.private = b64u_decode(p.read_text().strip())
        keys.append(k)
    return Node(doc["country"], doc["authority"], doc["name"], keys, home, list(doc.get("endpoints") or []))


_CURRENT: dict[Path, tuple[float, Node]] = {}


def current(home: Path) -> Node:
    """This node as ``node.json`` says now (re-read when another process rotated keys)."""
    path = _node_file(home)
    mtime = path.stat().st_mtime
    hit = _CURRENT.get(home)
    if hit is None or hit[0] != mtime:
        hit = (mtime, load(home))
        _CURRENT[home] = hit
    return hit[1]


def ensure(home: Path, country: str = "ZZ", authority: str = "CUSTOMS") -> Node:
    """This node, created with the settings' country and authority on an empty home."""
    if _node_file(home).exists():
        return load(home)
    return init(home, country if is_country(country) else "ZZ", authority)


def rotate(home: Path, overlap_days: float = 30, suite: str | None = None) -> Node:
    """A new signing key (and encryption key); the old ones stay valid ``overlap_days`` more days."""
    node = load(home)
    at = _now()
    until = at + dt.timedelta(days=overlap_days)
    suites = [suite] if suite else node.suites
    for k in node.keys:
        if ((k.use == "sig" and k.suite in suites) or k.use == "enc") and k.valid_to is None:
            k.valid_to = until
    node.keys.extend(_new_key(home, s, at) for s in suites)
    node.keys.append(_new_key(home, "x25519", at))
    save(node)
    return node


def set_endpoints(home: Path, endpoints: list[dict[str, str]]) -> Node:
    node = load(home)
    node.endpoints = endpoints
    save(node)
    return node


def card(node: Node) -> dict[str, Any]:
    """The partner card: public data only (identity, endpoints, public keys with validity)."""
    return {
        "cix_partner_card": 1,
        "id": node.id,
        "country": node.country,
        "authority": node.authority,
        "name": node.name,
        "endpoints": node.endpoints,
        "suites": node.suites,
        "keys": [k.public_dict() for k in node.keys],
    }
