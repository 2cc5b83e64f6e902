"""Road vehicle registration number (number plate), without country-specific rules.

The registration number identifies a road vehicle as means of transport in a declaration. The
Vienna Convention on Road Traffic (1968, Annex 2) requires it to be written in Arabic numerals and
capital Latin letters (other scripts only in addition), so this module accepts ASCII ``A``-``Z``
and ``0``-``9``: :func:`compact` upper-cases and removes spaces, hyphens and dots, and
:func:`validate` wants 2 to 12 of those characters. A plate in Cyrillic or Greek letters must be
transliterated by the caller. No national format (letter/digit positions, district codes) is
checked, and the rare one-character plates are rejected.

>>> validate('b-md 1234')
'BMD1234'
>>> validate('A')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidLength: The number has an invalid length.
>>> validate('AB/123')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidFormat: The number has an invalid format.
"""

from __future__ import annotations

import re

from stdnum.exceptions import InvalidFormat, InvalidLength, ValidationError

from cix.identifiers._util import clean

_SEPARATORS = " -."
_PATTERN = re.compile(r"[0-9A-Z]+")


def compact(number: str) -> str:
    """Remove spaces, hyphens, dots and surrounding whitespace; upper-case."""
    return clean(number, _SEPARATORS)


def validate(number: str) -> str:
    """Check that the plate has 2 to 12 ASCII letters and digits; return the compact form."""
    number = compact(number)
    if not _PATTERN.fullmatch(number):
        raise InvalidFormat()
    if not 2 <= len(number) <= 12:
        raise InvalidLength()
    return number


def is_valid(number: str) -> bool:
    """Like :func:`validate` but return a boolean instead of raising."""
    try:
        return bool(validate(number))
    except ValidationError:
        return False


def format(number: str) -> str:
    """Plates are presented in their compact form (national spacing is not known here)."""
    return compact(number)
