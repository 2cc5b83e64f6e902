"""The declaration model: pydantic v2 classes aligned with the WCO Data Model.

A :class:`Declaration` is an import, export or transit declaration, or preliminary (advance)
information lodged before goods and vehicles arrive. It carries its identifiers (LRN, MRN, UCR),
offices, dates and parties, one :class:`Consignment` (transport documents, containers, seals,
routing, offices, means of transport) and its :class:`GoodsItem` list. ``docs/data-model.md`` maps
every field to its WCO DM class and element. These classes check types and shapes only; the rules
that need reference data (HS editions, countries, check digits) live in :mod:`cix.model.rules`,
so that every problem of a record can be reported at once.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


class DeclarationKind(StrEnum):
    IMPORT = "import"
    EXPORT = "export"
    TRANSIT = "transit"
    PRELIMINARY = "preliminary"


class Status(StrEnum):
    LODGED = "lodged"
    AMENDED = "amended"
    CANCELLED = "cancelled"
    RELEASED = "released"


class TransportMode(StrEnum):
    """UN/ECE Recommendation 19 mode of transport codes (WCO DM 7/4, 7/5)."""

    SEA = "1"
    RAIL = "2"
    ROAD = "3"
    AIR = "4"
    POST = "5"
    MULTIMODAL = "6"
    FIXED = "7"
    INLAND_WATER = "8"
    UNKNOWN = "9"


class IdentityType(StrEnum):
    """How a means of transport is identified (WCO DM T001 / T005 identification type)."""

    PLATE = "plate"
    IMO = "imo"
    FLIGHT = "flight"
    TRAIN = "train"
    OTHER = "other"


def _compact_code(v: object) -> object:
    """HS codes are kept without the dots and spaces of their printed form ("0901.21" → "090121")."""
    if isinstance(v, str) and not v.isdigit():
        return v.replace(".", "").replace(" ", "")
    return v


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=False)


class Party(_Model):
    """A trader or authority taking part: exporter, importer, declarant, carrier, seller, buyer."""

    name: str | None = Field(default=None, max_length=200)
    identifier: str | None = Field(default=None, max_length=40)
    country: str | None = None
    aeo: bool = False
    aeo_certificate: str | None = Field(default=None, max_length=40)


class TransportDocument(_Model):
    """A transport contract document: bill of lading, air waybill, CMR, rail consignment note."""

    type: str = Field(max_length=10)
    number: str = Field(max_length=70)


class Container(_Model):
    number: str
    seals: list[str] = Field(default_factory=list)


class MeansOfTransport(_Model):
    """The vehicle: its mode, nationality and identity (plate, IMO number, flight or train)."""

    mode: TransportMode
    nationality: str | None = None
    identity_type: IdentityType | None = None
    identity: str | None = Field(default=None, max_length=35)


class Consignment(_Model):
    transport_documents: list[TransportDocument] = Field(default_factory=list)
    containers: list[Container] = Field(default_factory=list)
    seals: list[str] = Field(default_factory=list)
    country_of_dispatch: str | None = None
    country_of_destination: str | None = None
    countries_of_routing: list[str] = Field(default_factory=list)
    office_of_departure: str | None = Field(default=None, max_length=17)
    office_of_exit: str | None = Field(default=None, max_length=17)
    office_of_entry: str | None = Field(default=None, max_length=17)
    office_of_destination: str | None = Field(default=None, max_length=17)
    arrival_transport: MeansOfTransport | None = None
    border_transport: MeansOfTransport | None = None
    freight: float | None = None
    insurance: float | None = None
    freight_currency: str | None = None
    gross_mass: float | None = None


class GoodsItem(_Model):
    hs_code: Annotated[str, BeforeValidator(_compact_code)]
    description: str | None = Field(default=None, max_length=512)
    origin: str | None = None
    quantity: float | None = None
    unit: str | None = None
    net_mass: float | None = None
    gross_mass: float | None = None
    invoice_amount: float | None = None
    currency: str | None = None
    customs_value: float | None = None
    incoterm: str | None = Field(default=None, max_length=3)
    tax_rate: float | None = None
    tax_type: str | None = Field(default=None, max_length=10)
    preference: str | None = Field(default=None, max_length=10)


class Declaration(_Model):
    """One declaration or preliminary information message, as lodged (WCO DM Declaration class)."""

    kind: DeclarationKind
    lrn: str | None = None
    mrn: str | None = None
    ucr: str | None = None
    declaration_office: str | None = Field(default=None, max_length=17)
    date: dt.date
    hs_edition: str | None = None
    procedure: str | None = Field(default=None, max_length=10)
    declarant: Party | None = None
    exporter: Party | None = None
    importer: Party | None = None
    carrier: Party | None = None
    seller: Party | None = None
    buyer: Party | None = None
    consignment: Consignment | None = None
    goods: list[GoodsItem] = Field(default_factory=list)
    extras: dict[str, str] = Field(
        default_factory=dict, description="National data elements with no WCO DM counterpart, kept as given."
    )

    @property
    def natural_key(self) -> str | None:
        """MRN when customs assigned one, else declarant identifier + LRN (None when neither)."""
        return natural_key(self.mrn, self.lrn, self.declarant.identifier if self.declarant else None)


def natural_key(mrn: object, lrn: object, declarant_id: object) -> str | None:
    """The natural key of a declaration from its MRN, or its declarant identifier and LRN.

    >>> natural_key("24RU0000000000001", None, None), natural_key(None, "L1", "RU77"), natural_key(None, "L1", None)
    ('mrn:24RU0000000000001', 'lrn:RU77:L1', None)
    """
    if isinstance(mrn, str) and mrn.strip():
        return f"mrn:{mrn.strip()}"
    if isinstance(lrn, str) and lrn.strip() and isinstance(declarant_id, str) and declarant_id.strip():
        return f"lrn:{declarant_id.strip()}:{lrn.strip()}"
    return None


def natural_key_of(data: object) -> str | None:
    """The natural key of a raw record (even one that fails validation), or None."""
    if not isinstance(data, dict):
        return None
    decl = data.get("declarant")
    return natural_key(data.get("mrn"), data.get("lrn"), decl.get("identifier") if isinstance(decl, dict) else None)
