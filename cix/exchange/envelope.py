"""The message envelope: what one administration sends another, signed and (optionally) encrypted.

An envelope is a flat JSON object: ``id`` (UUIDv7), ``type``, ``version`` (of the payload schema
for that type), ``sender`` and ``recipient`` (administration ids such as ``FI-CUSTOMS``),
``agreement``, ``created`` (UTC, ISO 8601 with milliseconds and ``Z``), ``payload`` (a JSON object
with WCO Data Model names, or its encrypted form), ``payload_digest`` (``sha-256:`` + base64url of
SHA-256 over the canonical JSON of the payload), ``suite``, ``key_id`` and a detached ``signature``
(base64url) over the canonical JSON of the *protected header*: every field except ``payload`` and
``signature``. The payload is bound to the signature through its digest, so the header can be
checked on its own. Canonical JSON is orjson with sorted keys and no whitespace. Receipts
(:mod:`cix.exchange.receipts`) are envelopes of type ``receipt``. Every refusal is a
:class:`~cix.exchange.rejection.Rejection` naming its rule and field; the hot path (``from_bytes``,
``verify``, ``seal``, ``to_bytes``) uses plain dataclasses and orjson, not pydantic. See ``docs/exchange-crypto.md``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, fields
from typing import Any

import orjson

from cix.exchange import crypto_box
from cix.exchange.ids import uuid7
from cix.exchange.rejection import Rejection
from cix.exchange.suites import Suite, b64u, b64u_decode, get_suite
from cix.i18n import _

#: Message types known now; the type field accepts any snake_case name so later ones fit.
MESSAGE_TYPES: tuple[str, ...] = (
    "preliminary_information",
    "export_declaration",
    "price_record",
    "receipt",
    "transit",
    "statistics",
    "assistance_request",
    "seizure_report",
    "risk_profile",
)
DIGEST_PREFIX = "sha-256:"
_SORT = orjson.OPT_SORT_KEYS


@dataclass(frozen=True, slots=True)
class Envelope:
    """One signed message, exactly as it travels (see the module docstring for each field)."""

    id: str
    type: str
    version: int
    sender: str
    recipient: str
    agreement: str
    created: str
    payload: dict[str, Any]
    payload_digest: str
    suite: str
    key_id: str
    signature: str

    @property
    def created_at(self) -> dt.datetime:
        """``created`` as an aware UTC datetime."""
        return dt.datetime.fromisoformat(self.created)

    @property
    def encrypted(self) -> bool:
        """Whether the payload is encrypted to the recipient."""
        return crypto_box.is_encrypted(self.payload)

    def header(self) -> dict[str, Any]:
        """The protected header: every field but ``payload`` and ``signature``."""
        return {
            "agreement": self.agreement,
            "created": self.created,
            "id": self.id,
            "key_id": self.key_id,
            "payload_digest": self.payload_digest,
            "recipient": self.recipient,
            "sender": self.sender,
            "suite": self.suite,
            "type": self.type,
            "version": self.version,
        }

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in FIELDS}


FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Envelope))
_FIELD_SET = frozenset(FIELDS)


# --- canonical form, digest, signing input ---------------------------------------------------------


def canonical(obj: Any) -> bytes:
    """The canonical JSON of ``obj``: orjson, keys sorted at every level, no whitespace.

    >>> canonical({"b": 1, "a": {"d": [1, "é"], "c": None}})
    b'{"a":{"c":null,"d":[1,"\\xc3\\xa9"]},"b":1}'
    """
    return orjson.dumps(obj, option=_SORT)


def payload_digest(payload: Mapping[str, Any]) -> str:
    """``sha-256:`` + base64url (no padding) of SHA-256 over the canonical JSON of ``payload``."""
    try:
        raw = orjson.dumps(payload, option=_SORT)
    except TypeError as exc:  # orjson.JSONEncodeError: unsupported type, nesting too deep ...
        raise Rejection(
            "envelope.malformed",
            _("the payload cannot be written as canonical JSON: {error}").format(error=exc),
            field="payload",
        ) from None
    return DIGEST_PREFIX + b64u(hashlib.sha256(raw).digest())


def signing_input(envelope: Envelope) -> bytes:
    """The bytes the signature covers: the canonical JSON of the protected header."""
    return orjson.dumps(envelope.header(), option=_SORT)


def encryption_aad(envelope: Envelope) -> bytes:
    """The associated data of an encrypted payload: canonical JSON of the routing header fields.

    It holds ``id, type, version, sender, recipient, agreement, created`` (not the digest, key id
    or signature, which are computed after encryption).
    """
    return _aad(
        envelope.id,
        envelope.type,
        envelope.version,
        envelope.sender,
        envelope.recipient,
        envelope.agreement,
        envelope.created,
    )


def _aad(id: str, type: str, version: int, sender: str, recipient: str, agreement: str, created: str) -> bytes:
    return orjson.dumps(
        {
            "agreement": agreement,
            "created": created,
            "id": id,
            "recipient": recipient,
            "sender": sender,
            "type": type,
            "version": version,
        },
        option=_SORT,
    )


def format_time(moment: dt.datetime | None = None) -> str:
    """``moment`` (default: now) as UTC ISO 8601 with milliseconds and ``Z``.

    >>> format_time(dt.datetime(2026, 11, 27, 14, 5, 6, 789123, tzinfo=dt.UTC))
    '2026-11-27T14:05:06.789Z'
    """
    if moment is None:
        moment = dt.datetime.now(dt.UTC)
    elif moment.tzinfo is None:
        raise ValueError("a naive datetime has no time zone; give an aware one (UTC)")
    moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="milliseconds") + "Z"


# --- validation ------------------------------------------------------------------------------------

_UUID7 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
_TYPE = re.compile(r"[a-z][a-z0-9_]{0,63}")
_ADMINISTRATION = re.compile(r"[A-Z]{2}-[A-Z0-9](?:[A-Z0-9-]{0,62}[A-Z0-9])?")
_AGREEMENT = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._:/-]{0,126}[A-Za-z0-9])?")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")
_DIGEST = re.compile(r"sha-256:[A-Za-z0-9_-]{43}")
_SUITE = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")
_KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_SIGNATURE = re.compile(r"[A-Za-z0-9_-]{1,2048}")

_FORMATS: dict[str, tuple[re.Pattern[str], str]] = {
    "id": (_UUID7, "a UUID version 7 in lower-case hyphenated form"),
    "type": (_TYPE, "a snake_case message type such as 'preliminary_information'"),
    "sender": (_ADMINISTRATION, "an administration id: ISO country code, '-', authority id ('FI-CUSTOMS')"),
    "recipient": (_ADMINISTRATION, "an administration id: ISO country code, '-', authority id ('FI-CUSTOMS')"),
    "agreement": (_AGREEMENT, "an agreement id (letters, digits and . _ : / -, at most 128)"),
    "created": (_TIME, "a UTC time as YYYY-MM-DDTHH:MM:SS.mmmZ"),
    "payload_digest": (_DIGEST, "'sha-256:' followed by 43 base64url characters"),
    "suite": (_SUITE, "a signature suite name such as 'ed25519'"),
    "key_id": (_KEY_ID, "a key id of base64url characters"),
    "signature": (_SIGNATURE, "a base64url signature without padding"),
}
_SEAL_FORMATS = {k: _FORMATS[k] for k in ("type", "sender", "recipient", "agreement", "key_id")}
_SEAL_FORMATS_ALL = {**_SEAL_FORMATS, "id": _FORMATS["id"], "created": _FORMATS["created"]}


def _malformed(message: str, field: str | None = None) -> Rejection:
    return Rejection("envelope.malformed", message, field=field)


def from_dict(data: Any) -> Envelope:
    """An :class:`Envelope` from parsed JSON, or ``Rejection("envelope.malformed")`` naming the field."""
    if not isinstance(data, dict):
        raise _malformed(_("an envelope must be a JSON object, not {kind}").format(kind=type(data).__name__))
    keys = data.keys()
    if keys != _FIELD_SET:
        missing = [f for f in FIELDS if f not in data]
        if missing:
            raise _malformed(_("missing field(s): {fields}").format(fields=", ".join(missing)), field=missing[0])
        extra = sorted(str(k) for k in keys - _FIELD_SET)
        raise _malformed(_("unknown field(s): {fields}").format(fields=", ".join(extra)), field=extra[0])
    _check(data, _FORMATS)
    if not isinstance(data["payload"], dict):
        raise _malformed(_("field payload must be a JSON object"), field="payload")
    return Envelope(**data)


def _check(data: Mapping[str, Any], formats: Mapping[str, tuple[re.Pattern[str], str]]) -> None:
    """Check the string fields named in ``formats``, plus ``version`` and ``created`` when present."""
    for name, (pattern, meaning) in formats.items():
        value = data[name]
        if not isinstance(value, str) or pattern.fullmatch(value) is None:
            plain = value is None or isinstance(value, str | int | float | bool)
            shown = repr(value) if plain else type(value).__name__
            raise _malformed(
                _("field {field} must be {meaning}, got {value}").format(
                    field=name, meaning=_(meaning), value=shown[:80]
                ),
                field=name,
            )
    version = data["version"]
    if type(version) is not int or not 1 <= version <= 2**31:
        raise _malformed(_("field version must be a positive integer"), field="version")
    if "created" in formats:
        try:
            dt.datetime.fromisoformat(data["created"])
        except ValueError:
            raise _malformed(_("field created is not a real date and time"), field="created") from None


def from_bytes(raw: bytes | bytearray | memoryview | str, *, max_bytes: int | None = None) -> Envelope:
    """Parse one envelope; ``Rejection("envelope.malformed" | "envelope.too_large")`` on bad input.

    This checks form only; :func:`verify` checks suite, key, digest and signature.
    """
    if not isinstance(raw, bytes | bytearray | memoryview | str):
        raise _malformed(_("an envelope must be bytes, not {kind}").format(kind=type(raw).__name__))
    if max_bytes is not None and len(raw) > max_bytes:
        raise Rejection(
            "envelope.too_large",
            _("the envelope has {size} bytes, more than the limit of {limit}").format(size=len(raw), limit=max_bytes),
        )
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise _malformed(_("the envelope is not valid JSON: {error}").format(error=exc)) from None
    return from_dict(data)


def to_bytes(envelope: Envelope) -> bytes:
    """The envelope as compact JSON (fields in declaration order)."""
    return orjson.dumps(envelope)


# --- sealing and verifying -------------------------------------------------------------------------


def seal(
    *,
    type: str,
    sender: str,
    recipient: str,
    agreement: str,
    payload: Mapping[str, Any],
    suite: str | Suite,
    private_key: bytes,
    key_id: str,
    created: dt.datetime | str | None = None,
    id: str | None = None,
    version: int = 1,
    encrypt_to: bytes | None = None,
) -> Envelope:
    """A new signed envelope carrying ``payload`` (encrypted to ``encrypt_to`` when given).

    The arguments are checked as a receiver would check them, with the same
    ``Rejection("envelope.malformed")``, so a node never sends what its partner must refuse.
    """
    chosen = suite if isinstance(suite, Suite) else get_suite(suite)
    when = created if isinstance(created, str) else format_time(created)
    message_id = id if id is not None else str(uuid7())
    try:
        plain = orjson.loads(orjson.dumps(payload, option=_SORT))  # what the receiver will parse
    except TypeError as exc:
        raise _malformed(
            _("the payload cannot be written as JSON: {error}").format(error=exc), field="payload"
        ) from None
    if not isinstance(plain, dict):
        raise _malformed(_("field payload must be a JSON object"), field="payload")
    if encrypt_to is not None:
        aad = _aad(message_id, type, version, sender, recipient, agreement, when)
        plain = crypto_box.encrypt_payload(plain, encrypt_to, aad)
    header: dict[str, Any] = {
        "agreement": agreement,
        "created": when,
        "id": message_id,
        "key_id": key_id,
        "payload_digest": payload_digest(plain),
        "recipient": recipient,
        "sender": sender,
        "suite": chosen.name,
        "type": type,
        "version": version,
    }
    # check only what the caller supplied; what seal makes itself is well-formed by construction
    _check(header, _SEAL_FORMATS if id is None and created is None else _SEAL_FORMATS_ALL)
    signature = b64u(chosen.sign(private_key, orjson.dumps(header, option=_SORT)))
    return Envelope(payload=plain, signature=signature, **header)


def verify(
    envelope: Envelope,
    public_key: bytes | Mapping[str, bytes],
    *,
    accepted_suites: Collection[str] | None = None,
) -> None:
    """Check suite, key, payload digest and signature; raise a :class:`Rejection` on the first failure.

    ``public_key`` is the sender's public key, or the sender's keys by key id (all keys still valid
    for verification, including rotated ones). ``accepted_suites`` limits the suites taken from
    this partner. Rules, in the order checked: ``suite.unknown``, ``suite.refused``,
    ``key.unknown``, ``digest.mismatch``, ``signature.invalid``.
    """
    suite = get_suite(envelope.suite)
    if accepted_suites is not None and suite.name not in accepted_suites:
        raise Rejection(
            "suite.refused",
            _("signature suite {name} is not accepted from this partner (accepted: {accepted})").format(
                name=suite.name, accepted=", ".join(sorted(accepted_suites)) or "-"
            ),
            field="suite",
        )
    key = public_key.get(envelope.key_id) if isinstance(public_key, Mapping) else public_key
    if key is None or suite.key_id(key) != envelope.key_id:
        raise Rejection(
            "key.unknown",
            _("the envelope is signed with key {key_id}, which is not a known key of {sender}").format(
                key_id=envelope.key_id, sender=envelope.sender
            ),
            field="key_id",
        )
    if payload_digest(envelope.payload) != envelope.payload_digest:
        raise Rejection(
            "digest.mismatch",
            _("the payload does not match payload_digest: the payload was altered"),
            field="payload",
        )
    try:
        signature = b64u_decode(envelope.signature)
    except ValueError:
        signature = b""
    if not suite.verify(key, signing_input(envelope), signature):
        raise Rejection(
            "signature.invalid",
            _(
                "the signature does not verify with key {key_id}: the header was altered or signed by another key"
            ).format(key_id=envelope.key_id),
            field="signature",
        )


def open_payload(envelope: Envelope, private_encryption_key: bytes | Mapping[str, bytes] | None) -> dict[str, Any]:
    """The plain payload: decrypted when it is encrypted, as it is otherwise.

    Call it after :func:`verify`. Whether an agreement *requires* encryption is checked by the
    caller with ``envelope.encrypted``.
    """
    if not envelope.encrypted:
        return envelope.payload
    if private_encryption_key is None:
        raise Rejection(
            "payload.undecryptable",
            _("the payload is encrypted and this node has no encryption key"),
            field="payload",
        )
    return crypto_box.decrypt_payload(envelope.payload, private_encryption_key, encryption_aad(envelope))
