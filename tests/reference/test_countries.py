"""Tests of cix.reference.countries (pycountry-backed ISO 3166-1 and ISO 4217 lookups)."""

from __future__ import annotations

import pytest

from cix.errors import NotFound
from cix.reference import countries


@pytest.mark.parametrize("code", ["RU", "DE", "KR", "CN", "BY", "KZ", "US"])
def test_countries(code: str) -> None:
    assert countries.is_country(code)


@pytest.mark.parametrize("code", ["ZZ", "XK", "EU", "ru", "RUS", "", " RU"])
def test_not_countries(code: str) -> None:
    assert not countries.is_country(code)


def test_currencies() -> None:
    assert countries.is_currency("RUB") and countries.is_currency("EUR") and countries.is_currency("CNY")
    assert not countries.is_currency("rub")
    assert not countries.is_currency("XYZ")
    assert not countries.is_currency("EURO")


def test_names_in_english_and_russian() -> None:
    assert countries.country_name("DE", lang="en") == "Germany"
    assert countries.country_name("DE", lang="ru") == "Германия"
    assert countries.currency_name("EUR", lang="en") == "Euro"


def test_name_follows_cix_lang(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CIX_LANG", "ru")
    assert countries.country_name("FR") == "Франция"


def test_unknown_codes_are_not_found() -> None:
    with pytest.raises(NotFound, match="'ZZ'"):
        countries.country_name("ZZ")
    with pytest.raises(NotFound, match="'XYZ'"):
        countries.currency_name("XYZ")


def test_code_sets_are_frozensets() -> None:
    assert isinstance(countries.country_codes(), frozenset)
    assert len(countries.country_codes()) >= 249
    assert isinstance(countries.currency_codes(), frozenset)
