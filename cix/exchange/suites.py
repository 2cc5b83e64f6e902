"""Signature suites: one small interface, several implementations, chosen by name.

Each message names the suite that signed it, and a node accepts the suites configured for each
partner, so administrations with different national cryptography can still exchange signed messages
(the EU–Russia pilot stalled on exactly that). Two suites ship:

``ed25519`` (default)
    Ed25519 (RFC 8032) through PyNaCl (libsodium). Private key: the 32-byte seed; public
    key: 32 bytes; signature: 64 bytes.
``gost2012-256``
    GOST R 34.10-2012 with a 256-bit key over the curve ``id-tc26-gost-3410-2012-256-paramSetB``
    (OID 1.2.643.7.1.2.1.1.2, the same curve as the older ``id-GostR3410-2001-CryptoPro-A-ParamSet``,
    the most widely deployed 256-bit set), hashing with Streebog-256 (GOST R 34.11-2012), through the
    pure-Python ``gostcrypto``. Private key: 32 bytes big-endian; public key: x‖y, 32 bytes each,
    big-endian; signature: r‖s, 32 bytes each, big-endian (the layout of the standard's worked
    example, whose figures the tests reproduce). The hash value α is the Streebog-256 output byte
    string read as a *little-endian* integer: the standard writes hash values most significant byte
    first while the byte string comes out least significant first (RFC 6986 test vectors), and
    OpenSSL's GOST engine reads it the same way. Note that CMS/X.509 carry s‖r and little-endian
    public keys; convert at that boundary. Pure Python, so slow (tens of operations per second,
    see ``docs/exchange-crypto.md``).

``verify`` never raises on bad key or signature bytes; it answers ``False``. ``key_id`` names a
public key in envelopes: base64url (no padding) of the first 16 bytes of SHA-256 over
``suite name + ":" + public key``.
"""

from __future__ import annotations

import base64
import hashlib
import os
from abc import ABC, abstractmethod
from functools import lru_cache
from typing import Any, NamedTuple

from nacl.exceptions import BadSignatureError, CryptoError
from nacl.signing import SigningKey, VerifyKey

from cix.exchange.rejection import Rejection
from cix.i18n import _

DEFAULT_SUITE = "ed25519"


class KeyPair(NamedTuple):
    """A private key and its public key, as the raw bytes the suite defines (unpacks as a pair)."""

    private: bytes
    public: bytes

    def __repr__(self) -> str:  # never print a private key
        return f"KeyPair(private=<{len(self.private)} bytes>, public={self.public.hex()})"


def b64u(raw: bytes) -> str:
    """base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64u_decode(text: str) -> bytes:
    """The inverse of :func:`b64u`; raises ``ValueError`` on anything that is not base64url."""
    if not isinstance(text, str) or "=" in text or len(text) % 4 == 1:
        raise ValueError("not base64url without padding")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Suite(ABC):
    """A signature suite: key generation, signing, verification and key ids, over raw bytes."""

    name: str

    @abstractmethod
    def generate(self) -> KeyPair:
        """A new random key pair."""

    @abstractmethod
    def public_key(self, private: bytes) -> bytes:
        """The public key that belongs to ``private``."""

    @abstractmethod
    def sign(self, private: bytes, data: bytes) -> bytes:
        """The signature of ``data`` by ``private``; raises ``ValueError`` on a bad private key."""

    @abstractmethod
    def verify(self, public: bytes, data: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is ``public``'s over ``data``; never raises on bad bytes."""

    def key_id(self, public: bytes) -> str:
        """The short stable name of ``public`` used in envelopes (22 characters)."""
        return b64u(hashlib.sha256(self.name.encode("ascii") + b":" + public).digest()[:16])

    def __repr__(self) -> str:
        return f"<Suite {self.name}>"


class Ed25519Suite(Suite):
    """Ed25519 (RFC 8032) through ``cryptography``."""

    name = "ed25519"

    def generate(self) -> KeyPair:
        private = os.urandom(32)
        return KeyPair(private, self.public_key(private))

    # libsodium (PyNaCl) signs and verifies about twice as fast as OpenSSL through cryptography on
    # the project's machines (measured: verify 54 µs against 104 µs, sign 20 µs against 32 µs); the
    # signatures are the same RFC 8032 bytes either way.

    def public_key(self, private: bytes) -> bytes:
        return bytes(_nacl_private(_raw(private)).verify_key)

    def sign(self, private: bytes, data: bytes) -> bytes:
        return bytes(_nacl_private(_raw(private)).sign(data).signature)

    def verify(self, public: bytes, data: bytes, signature: bytes) -> bool:
        try:
            _nacl_public(_raw(public)).verify(data, _raw(signature))
        except (BadSignatureError, ValueError, TypeError, CryptoError):
            return False
        return True


def _raw(value: bytes) -> bytes:
    if not isinstance(value, bytes | bytearray | memoryview):
        raise TypeError(f"expected bytes, got {type(value).__name__}")
    return bytes(value)


@lru_cache(maxsize=64)
def _nacl_private(private: bytes) -> SigningKey:
    if len(private) != 32:
        raise ValueError("an Ed25519 private key is 32 bytes")
    return SigningKey(private)


@lru_cache(maxsize=1024)
def _nacl_public(public: bytes) -> VerifyKey:
    return VerifyKey(public)


class Gost2012Suite(Suite):
    """GOST R 34.10-2012, 256-bit key, curve id-tc26-gost-3410-2012-256-paramSetB, Streebog-256."""

    name = "gost2012-256"
    curve_name = "id-tc26-gost-3410-2012-256-paramSetB"

    def __init__(self) -> None:
        self._engine: Any = None

    def _signer(self) -> Any:
        if self._engine is None:  # import on first use: gostcrypto is slow to load and rarely used
            from gostcrypto import gostsignature

            curve = gostsignature.CURVES_R_1323565_1_024_2019[self.curve_name]
            self._engine = gostsignature.new(gostsignature.MODE_256, curve)
            self._p, self._a, self._b, self._q = curve["p"], curve["a"], curve["b"], curve["q"]
        return self._engine

    @staticmethod
    def digest(data: bytes) -> bytes:
        """Streebog-256 (GOST R 34.11-2012) of ``data``, as the byte string hash functions output."""
        from gostcrypto import gosthash

        return bytes(gosthash.new("streebog256", data=bytearray(data)).digest())

    @classmethod
    def _e(cls, data: bytes) -> bytearray:
        """The digest in the big-endian form gostcrypto reads: the standard's α (see the module doc)."""
        return bytearray(cls.digest(data)[::-1])

    def generate(self) -> KeyPair:
        signer = self._signer()
        while True:
            private = os.urandom(32)
            if 0 < int.from_bytes(private, "big") < self._q:
                return KeyPair(private, bytes(signer.public_key_generate(bytearray(private))))

    def _check_private(self, private: bytes) -> None:
        self._signer()
        if not isinstance(private, bytes | bytearray) or len(private) != 32:
            raise ValueError("a GOST R 34.10-2012 256-bit private key is 32 bytes")
        if not 0 < int.from_bytes(private, "big") < self._q:
            raise ValueError("the GOST private key is out of range")

    def public_key(self, private: bytes) -> bytes:
        self._check_private(private)
        return bytes(self._signer().public_key_generate(bytearray(private)))

    def sign(self, private: bytes, data: bytes) -> bytes:
        self._check_private(private)
        # gostcrypto overwrites the key buffer it is given: hand it a copy
        return bytes(self._signer().sign(bytearray(private), self._e(data)))

    def _on_curve(self, public: bytes) -> bool:
        x, y = int.from_bytes(public[:32], "big"), int.from_bytes(public[32:], "big")
        p = self._p
        return 0 <= x < p and 0 <= y < p and (y * y - x * x * x - self._a * x - self._b) % p == 0

    def verify(self, public: bytes, data: bytes, signature: bytes) -> bool:
        try:
            signer = self._signer()
            public, signature = _raw(public), _raw(signature)
            if len(public) != 64 or len(signature) != 64 or not self._on_curve(public):
                return False
            return bool(signer.verify(bytearray(public), self._e(data), bytearray(signature)))
        except Exception:  # gostcrypto raises its own errors (and arithmetic ones) on bad bytes
            return False


_REGISTRY: dict[str, Suite] = {}


#: Names of the registered suites, default first.
SUITES: tuple[str, ...] = ()


def register(suite: Suite) -> Suite:
    """Make ``suite`` available by its name (a later registration under the same name replaces it)."""
    global SUITES
    _REGISTRY[suite.name] = suite
    SUITES = tuple(_REGISTRY)
    return suite


register(Ed25519Suite())
register(Gost2012Suite())


def get_suite(name: str) -> Suite:
    """The suite registered as ``name``; a ``Rejection("suite.unknown")`` for any other name.

    >>> get_suite("ed25519").name
    'ed25519'
    >>> get_suite("rsa")
    Traceback (most recent call last):
    ...
    cix.exchange.rejection.Rejection: suite.unknown [suite]: unknown signature suite 'rsa'; known suites: ed25519, gost2012-256
    """  # noqa: E501
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        known = ", ".join(_REGISTRY)
        raise Rejection(
            "suite.unknown",
            _("unknown signature suite {name!r}; known suites: {known}").format(name=name, known=known),
            field="suite",
        ) from None
