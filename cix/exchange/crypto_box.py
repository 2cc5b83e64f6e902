"""Payload encryption to the recipient's key, for agreements that require it.

Scheme ``X25519-HKDF-SHA256-A256GCM`` (an ECIES in the style of HPKE's base mode): for every message
the sender makes an ephemeral X25519 key pair, agrees a shared secret with the recipient's static
X25519 public key, derives a 256-bit key with HKDF-SHA256 (no salt; ``info`` = a fixed label, the
ephemeral public key and the recipient's public key, so the key is bound to both), and encrypts the
canonical JSON of the payload with AES-256-GCM under a random 96-bit nonce, with the envelope's
header fields as associated data (so a ciphertext cannot be moved into another envelope). The
encrypted payload is a JSON object that replaces the plain one::

    {"enc": "X25519-HKDF-SHA256-A256GCM", "kid": <recipient key id>, "epk": <b64url>,
     "iv": <b64url>, "ct": <b64url ciphertext + 16-byte tag>}

``kid`` names the recipient's encryption key (so a recipient that rotates keys knows which one to
use). The envelope's digest and signature are computed over this encrypted form, so a relay or the
inbox can verify origin and integrity without being able to read the payload.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from cix.exchange.rejection import Rejection
from cix.exchange.suites import KeyPair, b64u, b64u_decode
from cix.i18n import _

ALG = "X25519-HKDF-SHA256-A256GCM"
_INFO = b"cix payload encryption v1 " + ALG.encode("ascii")
_FIELDS = frozenset({"enc", "kid", "epk", "iv", "ct"})


def generate_encryption_keypair() -> KeyPair:
    """A new X25519 key pair (32 raw bytes each) for receiving encrypted payloads."""
    private = X25519PrivateKey.generate()
    return KeyPair(private.private_bytes_raw(), private.public_key().public_bytes_raw())


def encryption_key_id(public: bytes) -> str:
    """The name of an X25519 public key in encrypted payloads (``kid``), 22 characters."""
    return b64u(hashlib.sha256(b"x25519:" + bytes(public)).digest()[:16])


def is_encrypted(payload: Any) -> bool:
    """Whether ``payload`` is an encrypted payload (rather than a plain one)."""
    return isinstance(payload, dict) and payload.get("enc") == ALG


def _key(shared: bytes, epk: bytes, recipient_public: bytes) -> bytes:
    if shared == bytes(32):  # a small-order point: no secret was agreed
        raise ValueError("all-zero X25519 shared secret")
    return HKDF(SHA256(), 32, salt=None, info=_INFO + epk + recipient_public).derive(shared)


def encrypt_payload(payload: Mapping[str, Any], recipient_public: bytes, aad: bytes) -> dict[str, str]:
    """``payload`` encrypted to ``recipient_public`` (X25519, 32 bytes), bound to ``aad``."""
    try:
        recipient = X25519PublicKey.from_public_bytes(bytes(recipient_public))
    except (ValueError, TypeError) as exc:
        raise ValueError("the recipient's encryption key must be 32 raw X25519 bytes") from exc
    plaintext = orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)
    ephemeral = X25519PrivateKey.generate()
    epk = ephemeral.public_key().public_bytes_raw()
    key = _key(ephemeral.exchange(recipient), epk, bytes(recipient_public))
    iv = os.urandom(12)
    ct = AESGCM(key).encrypt(iv, plaintext, aad)
    return {
        "enc": ALG,
        "kid": encryption_key_id(recipient_public),
        "epk": b64u(epk),
        "iv": b64u(iv),
        "ct": b64u(ct),
    }


def _undecryptable(message: str) -> Rejection:
    return Rejection("payload.undecryptable", message, field="payload")


def decrypt_payload(
    enc: Mapping[str, Any], recipient_private: bytes | Mapping[str, bytes], aad: bytes
) -> dict[str, Any]:
    """The plain payload inside ``enc``; ``Rejection("payload.undecryptable")`` on any failure.

    ``recipient_private`` is one X25519 private key, or the node's keys by :func:`encryption_key_id`
    of their public halves (old keys kept during a rotation).
    """
    if not isinstance(enc, Mapping) or enc.get("enc") != ALG:
        raise _undecryptable(_("the payload is not encrypted with {alg}").format(alg=ALG))
    if set(enc) != _FIELDS or not all(isinstance(enc[f], str) for f in _FIELDS):
        raise _undecryptable(
            _("the encrypted payload must have exactly the string fields {fields}").format(
                fields=", ".join(sorted(_FIELDS))
            )
        )
    try:
        epk, iv, ct = b64u_decode(enc["epk"]), b64u_decode(enc["iv"]), b64u_decode(enc["ct"])
    except ValueError:
        raise _undecryptable(_("the encrypted payload is not valid base64url")) from None
    if isinstance(recipient_private, Mapping):
        private = recipient_private.get(enc["kid"])
        if private is None:
            raise _undecryptable(_("no private encryption key {kid} on this node").format(kid=enc["kid"]))
    else:
        private = recipient_private
    try:
        own = X25519PrivateKey.from_private_bytes(bytes(private))
        own_public = own.public_key().public_bytes_raw()
        if len(epk) != 32 or len(iv) != 12:
            raise ValueError("bad ephemeral key or nonce length")
        key = _key(own.exchange(X25519PublicKey.from_public_bytes(epk)), epk, own_public)
        plaintext = AESGCM(key).decrypt(iv, ct, aad)
    except (InvalidTag, ValueError, TypeError):
        raise _undecryptable(_("the payload cannot be decrypted: wrong key, or ciphertext or header altered")) from None
    try:
        payload = orjson.loads(plaintext)
    except orjson.JSONDecodeError:
        payload = None
    if not isinstance(payload, dict):
        raise _undecryptable(_("the decrypted payload is not a JSON object"))
    return payload
