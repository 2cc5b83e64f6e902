"""Countries (ISO 3166-1 alpha-2) and currencies (ISO 4217 alpha-3), through pycountry.

The membership tests are on the validation hot path: each is one lookup in a frozenset built on
first use. Codes are matched exactly (upper case, no spaces); callers normalise input first.
Names are the ISO English names, translated into the current language (``CIX_LANG``) with
pycountry's own gettext catalogs where one exists. ``ZZ`` (unknown, used in some customs data)
and ``XK`` (Kosovo, a user-assigned code) are not ISO 3166-1 codes and are not countries here.

>>> is_country("RU"), is_country("ZZ"), is_currency("RUB"), is_currency("XYZ")
(True, False, True, False)
>>> country_name("KR", lang="en")
'Korea, Republic of'
"""

from __future__ import annotations

import gettext
from functools import cache
from typing import Any

from cix.errors import NotFound
from cix.i18n import _, current_language


@cache
def _pycountry() -> Any:
    import pycountry  # imported on first use: it costs tens of milliseconds

    return pycountry


@cache
def country_codes() -> frozenset[str]:
    """Every ISO 3166-1 alpha-2 code."""
    return frozenset(c.alpha_2 for c in _pycountry().countries)


@cache
def currency_codes() -> frozenset[str]:
    """Every ISO 4217 alpha-3 code."""
    return frozenset(c.alpha_3 for c in _pycountry().currencies)


def is_country(code: str) -> bool:
    """Whether ``code`` is an ISO 3166-1 alpha-2 country code."""
    return code in country_codes()


def is_currency(code: str) -> bool:
    """Whether ``code`` is an ISO 4217 alpha-3 currency code."""
    return code in currency_codes()


@cache
def _catalog(domain: str, lang: str) -> gettext.NullTranslations:
    return gettext.translation(domain, localedir=_pycountry().LOCALES_DIR, languages=[lang], fallback=True)


def country_name(code: str, lang: str | None = None) -> str:
    """The name of the country ``code``; :class:`NotFound` for a code that is not ISO 3166-1."""
    if not is_country(code):
        raise NotFound(_("{code!r} is not an ISO 3166-1 alpha-2 country code").format(code=code))
    country = _pycountry().countries.get(alpha_2=code)
    assert country is not None
    return _catalog("iso3166-1", lang or current_language()).gettext(country.name)


def currency_name(code: str, lang: str | None = None) -> str:
    """The name of the currency ``code``; :class:`NotFound` for a code that is not ISO 4217.

    >>> currency_name("RUB", lang="en")
    'Russian Ruble'
    """
    if not is_currency(code):
        raise NotFound(_("{code!r} is not an ISO 4217 currency code").format(code=code))
    currency = _pycountry().currencies.get(alpha_3=code)
    assert currency is not None
    return _catalog("iso4217", lang or current_language()).gettext(currency.name)


@cache
def national_currency(country: str, default: str = "USD") -> str:
    """The legal tender of ``country`` today (CLDR territory currencies via Babel); ``default`` if unknown.

    >>> national_currency("RU"), national_currency("FI"), national_currency("ZZ")
    ('RUB', 'EUR', 'USD')
    """
    import datetime as dt

    from babel.numbers import get_territory_currencies

    found = get_territory_currencies(country.upper(), start_date=dt.date.today(), tender=True)
    return found[0] if found else default
