"""The facts of the cooperation framework: organizations, memberships, instruments and the rest.

Every fact is data with a validity period (``valid_from`` .. ``valid_to``, both inclusive, either
open when null) so that the framework can be asked what held on a given day. A :class:`FactFile`
is one JSON document holding lists of facts, a provenance header (``as_of``, ``source``) and an
``ends`` list that closes facts declared elsewhere (a member leaving, a chairmanship ending): the
preset shipped in ``cix/cooperation/data/`` is one such file and every node-local file under
``<home>/cooperation/`` is another. Members and chairs are ISO 3166-1 alpha-2 codes (APEC's
"economies" all have one: ``HK`` Hong Kong, China; ``TW`` Chinese Taipei) or the id of another
organization (``EU`` as a party of the bilateral ``EU-RU`` cooperation).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cix.i18n import _

CODE_RE = re.compile(r"^[A-Z][A-Z0-9]{1,11}(-[A-Z0-9]{1,12})*$")
"""Organization ids and member codes: upper case letters and digits, parts joined by ``-``."""

OrganizationKind = Literal["international", "union", "regional", "forum", "bilateral", "other"]
InstrumentKind = Literal["convention", "recommendation", "memorandum", "framework", "agreement", "other"]
FactKind = Literal["organization", "membership", "accession", "working_group", "chairmanship"]


RESERVED_CODES = frozenset({"EU"})
"""Two-letter codes that are not ISO 3166-1 countries but may stand as members (ISO reserves ``EU``)."""


def _org_code(value: str) -> str:
    value = value.strip().upper()
    if not CODE_RE.match(value):
        raise ValueError(_("{value!r} is not a code of upper-case letters and digits").format(value=value))
    return value


def _code(value: str) -> str:
    value = _org_code(value)
    if len(value) == 2 and value not in RESERVED_CODES:
        from cix.reference.countries import is_country

        if not is_country(value):
            raise ValueError(_("{value!r} is not an ISO 3166-1 alpha-2 country code").format(value=value))
    return value


class _Fact(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    note: str | None = None


class _Dated(_Fact):
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> _Dated:
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValueError(_("valid_to is before valid_from"))
        return self

    def holds_on(self, day: dt.date) -> bool:
        """Whether the fact held on ``day`` (open ends are unbounded)."""
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


class Organization(_Dated):
    """An organization under which administrations cooperate (WCO, EU, APEC, a bilateral pair)."""

    id: str
    name: str
    kind: OrganizationKind = "other"

    @field_validator("id")
    @classmethod
    def check_id(cls, value: str) -> str:
        return _org_code(value)


class Membership(_Dated):
    """A member administration or economy of an organization during a period."""

    organization: str
    member: str
    name: str | None = Field(default=None, description="Name used by the organization, if it differs.")

    @field_validator("member")
    @classmethod
    def check_member(cls, value: str) -> str:
        return _code(value)

    @field_validator("organization")
    @classmethod
    def check_org(cls, value: str) -> str:
        return _org_code(value)


class Instrument(_Fact):
    """A convention, recommendation, memorandum or framework adopted under an organization."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    organization: str
    kind: InstrumentKind = "other"
    title: str
    short_name: str | None = None
    adopted: dt.date | None = None

    @field_validator("organization")
    @classmethod
    def check_org(cls, value: str) -> str:
        return _org_code(value)


class Accession(_Fact):
    """A party's accession to an instrument; ``date`` null when it is not recorded (see ``note``)."""

    instrument: str
    party: str
    date: dt.date | None = None
    scope: str | None = Field(default=None, description="Annexes or parts accepted, e.g. 'General Annex'.")
    valid_to: dt.date | None = Field(default=None, description="Day the party withdrew, if it did.")

    @field_validator("party")
    @classmethod
    def check_party(cls, value: str) -> str:
        return _code(value)


class WorkingGroup(_Dated):
    """A committee, subgroup or network of an organization."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    organization: str
    name: str

    @field_validator("organization")
    @classmethod
    def check_org(cls, value: str) -> str:
        return _org_code(value)


class Chairmanship(_Dated):
    """Who chaired an organization (or presided over it) during a period."""

    organization: str
    chair: str

    @field_validator("chair")
    @classmethod
    def check_chair(cls, value: str) -> str:
        return _code(value)

    @field_validator("organization")
    @classmethod
    def check_org(cls, value: str) -> str:
        return _org_code(value)


class End(_Fact):
    """Closes open facts declared in another file: every matching fact gets ``valid_to``.

    ``kind`` says which list; ``organization`` plus ``member``/``chair``/``id`` (or ``instrument``
    plus ``party`` for an accession) say which fact. Only facts still open on ``valid_to`` change.
    """

    kind: FactKind
    valid_to: dt.date
    organization: str | None = None
    member: str | None = None
    chair: str | None = None
    id: str | None = None
    instrument: str | None = None
    party: str | None = None


class FactFile(BaseModel):
    """One file of facts: the shipped preset or a node-local addition."""

    model_config = ConfigDict(extra="forbid")

    as_of: str | None = Field(default=None, description="The date or year the facts are current as of.")
    source: str | None = Field(default=None, description="Where the facts come from.")
    organizations: list[Organization] = Field(default_factory=list)
    memberships: list[Membership] = Field(default_factory=list)
    instruments: list[Instrument] = Field(default_factory=list)
    accessions: list[Accession] = Field(default_factory=list)
    working_groups: list[WorkingGroup] = Field(default_factory=list)
    chairmanships: list[Chairmanship] = Field(default_factory=list)
    ends: list[End] = Field(default_factory=list)
