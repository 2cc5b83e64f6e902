"""Container number (ISO 6346 freight container identification).

ISO 6346:2022 (*Freight containers — Coding, identification and marking*, registry kept by the
Bureau International des Containers, BIC) identifies a container by an owner code of three Latin
capital letters, an equipment category identifier (``U`` freight container, ``J`` detachable
freight container-related equipment, ``Z`` trailer or chassis), a six-digit serial number and a
check digit computed over the first ten characters (remainder 10 counts as 0).

This module wraps :mod:`stdnum.iso6346` for presentation but checks the shape more strictly:
python-stdnum's pattern also admits digits (and any Unicode word character, on which its check
digit function then fails with a plain ``ValueError``) in the owner code, and the category ``R``.
The check digit is computed by a table-driven version of the same algorithm (tested against
:func:`stdnum.iso6346.calc_check_digit`, which costs about 5 µs a call as it re-cleans its
input). Whether the owner code is registered with the BIC is not checked. The check digit
catches most, not all, single-character errors: ``A``, ``K`` and ``U`` have the same value
modulo 11, and remainders 0 and 10 both give the digit 0.

>>> validate('csqu 305438 3')
'CSQU3054383'
>>> validate('CSQU3054384')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidChecksum: The number's checksum or check digit is invalid.
>>> validate('CSQX3054383')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidFormat: The number has an invalid format.
>>> format('CSQU3054383')
'CSQU 305438 3'
"""

from __future__ import annotations

import re

from stdnum import iso6346
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError

from cix.identifiers._util import clean, iso6346_check_digit

_SEPARATORS = " -"
_PATTERN = re.compile(r"[A-Z]{3}[UJZ][0-9]{7}")


def compact(number: str) -> str:
    """Remove spaces, hyphens and surrounding whitespace; upper-case."""
    return clean(number, _SEPARATORS)


def calc_check_digit(number: str) -> str:
    """The check digit for the owner code, category and serial number (10 characters)."""
    return iso6346_check_digit(number[:10])


def validate(number: str) -> str:
    """Check length, format and check digit; return the compact form."""
    number = compact(number)
    if len(number) != 11:
        raise InvalidLength()
    if not _PATTERN.fullmatch(number):
        raise InvalidFormat()
    if iso6346_check_digit(number[:10]) != number[10]:
        raise InvalidChecksum()
    return number


def is_valid(number: str) -> bool:
    """Like :func:`validate` but return a boolean instead of raising."""
    try:
        return bool(validate(number))
    except ValidationError:
        return False


def format(number: str) -> str:
    """Present the number as ``CSQU 305438 3``."""
    return iso6346.format(compact(number))
