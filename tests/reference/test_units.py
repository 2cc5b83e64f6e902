"""Tests of cix.reference.units (UN/ECE Recommendation 20 codes shipped as data)."""

from __future__ import annotations

import pytest

from cix.errors import NotFound
from cix.reference import units

EXPECTED = {
    "KGM": "kilogram",
    "GRM": "gram",
    "TNE": "tonne (metric ton)",
    "LTR": "litre",
    "MLT": "millilitre",
    "HLT": "hectolitre",
    "MTR": "metre",
    "MTK": "square metre",
    "MTQ": "cubic metre",
    "H87": "piece",
    "C62": "one",
    "NAR": "number of articles",
    "PR": "pair",
    "NPR": "number of pairs",
    "DZN": "dozen",
    "SET": "set",
    "KWH": "kilowatt hour",
    "CT": "carton",
    "CTM": "metric carat",
    "NMP": "number of packs",
    "CCT": "carrying capacity in metric ton",
    "LPA": "litre of pure alcohol",
}


@pytest.mark.parametrize(("code", "name"), sorted(EXPECTED.items()))
def test_common_customs_units(code: str, name: str) -> None:
    assert units.is_unit(code)
    assert units.unit_name(code) == name


def test_shipped_list_is_well_formed() -> None:
    table = units.known_units()
    assert len(table) >= 40
    assert all(u.code == u.code.upper().strip() and u.name for u in table.values())
    assert units.unit_name("MWH").startswith("megawatt hour")


@pytest.mark.parametrize("code", ["kg", "KG", "PCE ", "", "XXX"])
def test_unknown_units(code: str) -> None:
    assert not units.is_unit(code)


def test_unit_name_of_unknown_code() -> None:
    with pytest.raises(NotFound, match="Rec 20"):
        units.unit_name("kg")
