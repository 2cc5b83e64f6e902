"""EORI number (Economic Operators Registration and Identification) and similar trader ids.

An EORI number (Commission Regulation (EC) No 312/2009; Union Customs Code, Implementing
Regulation (EU) 2015/2447 Annex 12-01) is the ISO 3166-1 alpha-2 code of the issuing country
followed by up to 15 alphanumerics unique within that country, 17 characters at most. Greece
uses ``GR`` here (not the VAT prefix ``EL``), and Northern Ireland traders have ``XI`` numbers.
python-stdnum 2.2 has no EORI module, so this one implements the common structure.

Checked: a country code that is ISO 3166-1 alpha-2 (via pycountry) or ``XI``, then 1 to 15 of
``A``-``Z`` and ``0``-``9``. Not checked: national structure (``DE`` + up to 15 digits, ``GB`` +
12 digits, ``FR`` + SIREN/SIRET, many states reusing the VAT number) — use :mod:`stdnum.eu.vat`
where a trader id is known to be a VAT number — and whether the number is registered (the EU
EORI validation service answers that).

>>> validate('de 1234567890123')
'DE1234567890123'
>>> validate('GB123456789000')
'GB123456789000'
>>> validate('EL123456789')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidComponent: One of the parts of the number are invalid or unknown.
>>> validate('DE1234567890123456')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidLength: The number has an invalid length.
"""

from __future__ import annotations

import re

from stdnum.exceptions import InvalidComponent, InvalidFormat, InvalidLength, ValidationError

from cix.identifiers._util import clean, is_customs_country

_SEPARATORS = " -."
_PATTERN = re.compile(r"[A-Z]{2}[0-9A-Z]+")


def compact(number: str) -> str:
    """Remove spaces, hyphens, dots and surrounding whitespace; upper-case."""
    return clean(number, _SEPARATORS)


def validate(number: str) -> str:
    """Check length, characters and country code; return the compact form."""
    number = compact(number)
    if not 3 <= len(number) <= 17:
        raise InvalidLength()
    if not _PATTERN.fullmatch(number):
        raise InvalidFormat()
    if not is_customs_country(number[:2]):
        raise InvalidComponent()
    return number


def is_valid(number: str) -> bool:
    """Like :func:`validate` but return a boolean instead of raising."""
    try:
        return bool(validate(number))
    except ValidationError:
        return False


def format(number: str) -> str:
    """The EORI number is presented in its compact form."""
    return compact(number)


def country(number: str) -> str:
    """The country code of a valid EORI number."""
    return validate(number)[:2]
