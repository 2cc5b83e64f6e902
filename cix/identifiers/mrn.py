"""MRN (EU Movement Reference Number).

The MRN is the 18-character number a customs office allocates to an accepted declaration or
movement (Union Customs Code, Delegated Regulation (EU) 2015/2446 Annex B, Title II "MRN"; EU
Customs Data Model; NCTS/AES/ICS2 specifications): two digits for the year of acceptance, the
ISO 3166 alpha-2 code of the country that accepted it, thirteen alphanumerics (a twelve-character
unique identifier followed, since the UCC, by a one-letter procedure category such as ``A``
export or ``J`` transit), and a check character: the ISO 6346 weighting applied to the first 17
characters (letter values from A=10 skipping multiples of 11, weights 2**position, sum modulo
11, remainder 10 becomes 0).

Checked: length, character classes, that the country code is ISO 3166-1 alpha-2 or the customs
code ``XI`` (Northern Ireland), and the check digit. Not checked: the year's plausibility, the
procedure category against the list of Annex B (pre-UCC MRNs had a 13-character identifier there,
so the letter is only reported by :func:`procedure`), and whether the MRN exists. The examples
below were constructed with the algorithm, not copied from live declarations.

>>> validate('24de123456789012a7')
'24DE123456789012A7'
>>> validate('24DE123456789012A8')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidChecksum: The number's checksum or check digit is invalid.
>>> validate('24QQ123456789012A7')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidComponent: One of the parts of the number are invalid or unknown.
>>> format('23GB000000000001J0'), procedure('23GB000000000001J0')
('23GB000000000001J0', 'J')
"""

from __future__ import annotations

import re

from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)

from cix.identifiers._util import clean, is_customs_country, iso6346_check_digit

_SEPARATORS = " -"
_PATTERN = re.compile(r"[0-9]{2}[A-Z]{2}[0-9A-Z]{13}[0-9]")


def compact(number: str) -> str:
    """Remove spaces, hyphens and surrounding whitespace; upper-case."""
    return clean(number, _SEPARATORS)


def calc_check_digit(number: str) -> str:
    """The check character for the first 17 characters (digits and upper-case letters)."""
    return iso6346_check_digit(number[:17])


def validate(number: str) -> str:
    """Check length, format, country code and check digit; return the compact form."""
    number = compact(number)
    if len(number) != 18:
        raise InvalidLength()
    if not _PATTERN.fullmatch(number):
        raise InvalidFormat()
    if not is_customs_country(number[2:4]):
        raise InvalidComponent()
    if iso6346_check_digit(number[:17]) != number[17]:
        raise InvalidChecksum()
    return number


def is_valid(number: str) -> bool:
    """Like :func:`validate` but return a boolean instead of raising."""
    try:
        return bool(validate(number))
    except ValidationError:
        return False


def format(number: str) -> str:
    """The MRN is presented as its 18 characters without separators."""
    return compact(number)


def country(number: str) -> str:
    """The country code of a valid MRN."""
    return validate(number)[2:4]


def procedure(number: str) -> str:
    """The procedure category character (position 17) of a valid MRN."""
    return validate(number)[16]
