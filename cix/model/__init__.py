"""Declarations, parties, consignments, goods and means of transport, and their validation rules.

No I/O happens here: :mod:`cix.model.declaration` holds the pydantic classes,
:mod:`cix.model.rules` the checks that report every problem of a record at once, and
:mod:`cix.model.problems` the ``{rule, path, value, message}`` shape they report in.
"""

from __future__ import annotations

from cix.model.declaration import (
    Consignment,
    Container,
    Declaration,
    DeclarationKind,
    GoodsItem,
    IdentityType,
    MeansOfTransport,
    Party,
    Status,
    TransportDocument,
    TransportMode,
)
from cix.model.problems import Problem

__all__ = [
    "Consignment",
    "Container",
    "Declaration",
    "DeclarationKind",
    "GoodsItem",
    "IdentityType",
    "MeansOfTransport",
    "Party",
    "Problem",
    "Status",
    "TransportDocument",
    "TransportMode",
]
