"""Units of measure: UN/ECE Recommendation 20 codes, as shipped in ``data/units.csv``.

The file (``code,name,note``) carries the codes customs declarations use for quantities and
supplementary units (mass, volume, length, area, counts, energy, the "kilogram of ..." units of
chemicals and fertilisers, carrying capacity); it is a deliberate subset of the full
recommendation, extended by adding rows. Names are Rec 20's English names, passed through the
translation layer when shown.

>>> is_unit("KGM"), is_unit("kg")
(True, False)
>>> unit_name("H87")
'piece'
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cix.errors import NotFound
from cix.i18n import _
from cix.reference.tables import read_rows

UNITS_FILE = Path(__file__).parent / "data" / "units.csv"


@dataclass(frozen=True, slots=True)
class Unit:
    """One UN/ECE Rec 20 unit: its code, English name and an optional note."""

    code: str
    name: str
    note: str = ""


@cache
def known_units() -> dict[str, Unit]:
    """Every shipped unit by code, in file order."""
    return {
        r["code"]: Unit(r["code"], r["name"], r["note"])
        for _row, r in read_rows(UNITS_FILE, ("code", "name"), ("note",))
    }


@cache
def unit_codes() -> frozenset[str]:
    """The shipped unit codes (for hot-path membership tests)."""
    return frozenset(known_units())


def is_unit(code: str) -> bool:
    """Whether ``code`` is a UN/ECE Rec 20 unit code cix knows."""
    return code in unit_codes()


def unit_name(code: str) -> str:
    """The (translated) name of unit ``code``; :class:`NotFound` for an unknown code."""
    unit = known_units().get(code)
    if unit is None:
        raise NotFound(_("{code!r} is not a known UN/ECE Rec 20 unit code").format(code=code))
    return _(unit.name)
