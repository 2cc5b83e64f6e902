"""UCR (WCO Unique Consignment Reference).

The WCO Recommendation on the UCR (Customs Co-operation Council, 2001, with the WCO UCR
guidelines) builds the reference on ISO 15459: at most 35 characters, typically a one-digit year,
the ISO 3166-1 alpha-2 code of the exporter's country, an exporter identifier (an EORI, VAT or
other registration number) and, after a hyphen, the exporter's own reference — for example the
UK DUCR ``9GB123456789000-1234567``.

The check is deliberately pragmatic. Checked: 4 to 35 characters; only ``A``-``Z``, ``0``-``9``
and ``-`` (after :func:`compact` upper-cases and removes spaces); a digit first; then two
letters forming an ISO 3166-1 alpha-2 code known to pycountry. Not checked: the year's
plausibility, the exporter identifier (its scheme differs by country), where the hyphen falls,
the reference part, and UCRs issued under other ISO 15459 issuing agencies (e.g. GS1 SSCC based
ones starting with ``00``), which fail the country test. Some national schemes allow further
punctuation in the reference part; such references are rejected here.

>>> validate('9gb 123456789000-1234567')
'9GB123456789000-1234567'
>>> validate('9QQ123456789000-1234567')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidComponent: One of the parts of the number are invalid or unknown.
>>> validate('GB123456789000')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidFormat: The number has an invalid format.
>>> country('9GB123456789000-1234567')
'GB'
"""

from __future__ import annotations

import re

from stdnum.exceptions import InvalidComponent, InvalidFormat, InvalidLength, ValidationError

from cix.identifiers._util import clean, is_iso_country

MAX_LENGTH = 35
_SEPARATORS = " "
_PATTERN = re.compile(r"[0-9][A-Z]{2}[0-9A-Z-]+")


def compact(number: str) -> str:
    """Remove spaces and surrounding whitespace; upper-case."""
    return clean(number, _SEPARATORS)


def validate(number: str) -> str:
    """Check length, characters and country code; return the compact form."""
    number = compact(number)
    if not 4 <= len(number) <= MAX_LENGTH:
        raise InvalidLength()
    if not _PATTERN.fullmatch(number):
        raise InvalidFormat()
    if not is_iso_country(number[1:3]):
        raise InvalidComponent()
    return number


def is_valid(number: str) -> bool:
    """Like :func:`validate` but return a boolean instead of raising."""
    try:
        return bool(validate(number))
    except ValidationError:
        return False


def format(number: str) -> str:
    """The UCR is presented in its compact form."""
    return compact(number)


def country(number: str) -> str:
    """The country code of a valid UCR."""
    return validate(number)[1:3]
