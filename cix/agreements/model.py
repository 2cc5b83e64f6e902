"""The agreement: a data-sharing protocol between administrations under an organization.

An :class:`Agreement` names its ``parties`` — administration ids ``CC-AUTHORITY`` (ISO 3166-1
alpha-2 country code, a hyphen, the authority id: ``RU-FCS``, ``FI-CUSTOMS``) or a bare country code
(``RU``), which stands for any administration of that country — and, per message type, the field
scope (an allow-list of JSON-pointer patterns, see :mod:`cix.agreements.pointers`) and the
conditions (see :mod:`cix.agreements.conditions`). ``direction`` says who may send to whom: the
string ``"both"`` (any party to any other party) or ``{"from": [...], "to": [...]}``; a message
type may narrow it with its own ``direction``. Agreements are immutable and serialise to and from
JSON files (:meth:`Agreement.to_json`, :func:`read_agreement`); each compiles the scope of a
message type once, on first use, and keeps it.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from cix.agreements.conditions import Condition
from cix.agreements.pointers import ScopeNode, compile_scope, parse_pointer
from cix.errors import InputError
from cix.i18n import _

FORMAT: Literal["cix.agreement/1"] = "cix.agreement/1"
PARTY_RE = re.compile(r"^[A-Z]{2}(-[A-Z0-9][A-Z0-9_]{0,31})?$")
TYPE_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")

MESSAGE_TYPES: dict[str, str] = {
    "preliminary_information": "advance information on goods, consignment, means of transport, route",
    "export_declaration": "export declaration data for the importing customs",
    "transit_information": "a transit movement crossing several countries",
    "price_record": "reliable pricing information on goods",
    "statistics": "quarterly customs statistics",
    "assistance_request": "a request for mutual administrative assistance",
    "assistance_reply": "the answer to an assistance request",
    "seizure_report": "enforcement (seizure) information",
    "risk_profile": "a shared risk profile",
}
"""Message types the node knows; an agreement may name others (a check warns about them)."""


def check_party(value: str) -> str:
    """``value`` normalised to upper case if it is a party id; :class:`ValueError` otherwise."""
    from cix.reference.countries import is_country

    party = value.strip().upper()
    if not PARTY_RE.match(party) or not is_country(party[:2]):
        raise ValueError(
            _("{value!r} is not a party: use CC-AUTHORITY (e.g. RU-FCS) or an ISO country code").format(value=value)
        )
    return party


def party_matches(declared: str, actual: str) -> bool:
    """Whether the administration ``actual`` is the party ``declared`` (a bare country covers all).

    >>> party_matches("RU", "RU-FCS"), party_matches("RU-FCS", "RU-FCS"), party_matches("RU-FCS", "RU")
    (True, True, False)
    """
    return declared == actual or (len(declared) == 2 and actual[:3] == declared + "-")


class Direction(BaseModel):
    """Who may send to whom: every party in ``from`` to every party in ``to`` (never to itself)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, serialize_by_alias=True)

    from_: tuple[str, ...] = Field(alias="from", min_length=1)
    to: tuple[str, ...] = Field(min_length=1)

    @field_validator("from_", "to")
    @classmethod
    def check_parties(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(check_party(v) for v in value)


DirectionSpec = Direction | Literal["both"]


def allows(direction: DirectionSpec, parties: tuple[str, ...], sender: str, recipient: str) -> bool:
    """Whether ``direction`` lets ``sender`` send to ``recipient`` (both already parties)."""
    if sender == recipient:
        return False
    if direction == "both":
        return True
    return any(party_matches(p, sender) for p in direction.from_) and any(
        party_matches(p, recipient) for p in direction.to
    )


class MessageScope(BaseModel):
    """What one message type may carry: allowed field patterns and the conditions on a message."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fields: tuple[str, ...] = Field(min_length=1)
    conditions: tuple[Condition, ...] = ()
    direction: DirectionSpec | None = None
    note: str | None = None

    @field_validator("fields")
    @classmethod
    def check_fields(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in value:
            parse_pointer(pattern)
        return value


class Agreement(BaseModel):
    """A data-sharing protocol: parties, message types with scope and conditions, direction, period."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, serialize_by_alias=True)

    format: Literal["cix.agreement/1"] = FORMAT
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
    name: str = Field(min_length=1)
    organization: str = Field(pattern=r"^[A-Z][A-Z0-9]{1,11}(-[A-Z0-9]{1,12})*$")
    parties: tuple[str, ...] = Field(min_length=2)
    message_types: dict[str, MessageScope] = Field(min_length=1)
    direction: DirectionSpec = "both"
    valid_from: dt.date
    valid_to: dt.date | None = None
    retention_days: int = Field(default=365, ge=0)
    encrypt: bool = False
    preset: str | None = None
    note: str | None = None

    _scopes: dict[str, ScopeNode] = PrivateAttr(default_factory=dict)

    @field_validator("parties")
    @classmethod
    def check_parties(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        parties = tuple(check_party(v) for v in value)
        if len(set(parties)) != len(parties):
            raise ValueError(_("a party is named twice"))
        return parties

    @field_validator("message_types")
    @classmethod
    def check_types(cls, value: dict[str, MessageScope]) -> dict[str, MessageScope]:
        for name in value:
            if not TYPE_RE.match(name):
                raise ValueError(_("{name!r} is not a message type name (lower_case_words)").format(name=name))
        return value

    @model_validator(mode="after")
    def check_consistency(self) -> Agreement:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError(_("valid_to is before valid_from"))
        specs = [("direction", self.direction)] + [
            (f"message_types.{n}.direction", s.direction) for n, s in self.message_types.items()
        ]
        for where, spec in specs:
            if isinstance(spec, Direction):
                for p in (*spec.from_, *spec.to):
                    if self.party_of(p) is None:
                        raise ValueError(_("{where} names {p}, which is not a party").format(where=where, p=p))
        return self

    # -- queries ---------------------------------------------------------------------------

    def party_of(self, admin: str) -> str | None:
        """The declared party that covers the administration ``admin``, if any."""
        for party in self.parties:
            if party_matches(party, admin):
                return party
        return None

    def direction_for(self, message_type: str) -> DirectionSpec:
        scope = self.message_types.get(message_type)
        return scope.direction if scope is not None and scope.direction is not None else self.direction

    def in_force(self, on: dt.date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)

    def scope_tree(self, message_type: str) -> ScopeNode:
        """The compiled field scope of ``message_type`` (compiled on first use, then kept)."""
        node = self._scopes.get(message_type)
        if node is None:
            scope = self.message_types.get(message_type)
            node = compile_scope(scope.fields) if scope is not None else ScopeNode()
            self._scopes[message_type] = node
        return node

    # -- files -----------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)

    def to_json(self) -> bytes:
        return orjson.dumps(self.to_dict(), option=orjson.OPT_INDENT_2) + b"\n"

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self.to_json())


def parse_agreement(data: Any, *, source: str = "agreement") -> Agreement:
    """An agreement from parsed JSON; :class:`InputError` with every problem in ``details``."""
    try:
        return Agreement.model_validate(data)
    except ValidationError as exc:
        errors = [{"loc": "/".join(str(p) for p in e["loc"]), "msg": e["msg"]} for e in exc.errors()]
        first = errors[0]
        raise InputError(
            _("{source}: {loc}: {msg}").format(source=source, loc=first["loc"] or "/", msg=first["msg"]),
            details=errors,
        ) from exc


def load_json_file(path: Path) -> Any:
    """Parsed JSON of ``path``; :class:`InputError` when it cannot be read or is not JSON."""
    try:
        return orjson.loads(path.read_bytes())
    except OSError as exc:
        raise InputError(_("cannot read {path}: {err}").format(path=path, err=exc.strerror)) from exc
    except orjson.JSONDecodeError as exc:
        raise InputError(_("{path} is not JSON: {err}").format(path=path, err=exc)) from exc


def read_agreement(path: Path) -> Agreement:
    """The agreement stored in the JSON file ``path``."""
    return parse_agreement(load_json_file(path), source=str(path))
