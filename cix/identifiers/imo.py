"""IMO ship identification number.

The IMO Ship Identification Number Scheme (IMO Resolution A.1117(30), administered for IMO by
S&P Global Maritime) gives each ship hull a permanent number of six digits and a check digit: the
first six digits weighted 7, 6, 5, 4, 3, 2, summed, modulo 10. It is usually written with an
``IMO`` prefix, which :func:`compact` removes; the prefix is optional on input. This module wraps
:mod:`stdnum.imo`, but checks for ASCII digits itself first.

Caveat (also noted by python-stdnum): some ships in service carry numbers that fail the check
digit; those are rejected here and need an explicit override upstream.

>>> validate('IMO 9074729')
'9074729'
>>> validate('9074729')
'9074729'
>>> validate('IMO 9074728')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidChecksum: The number's checksum or check digit is invalid.
>>> validate('IMO 907472')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidLength: The number has an invalid length.
>>> format('9074729')
'IMO 9074729'
"""

from __future__ import annotations

from stdnum import imo
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError

from cix.identifiers._util import clean

_SEPARATORS = " -:"


def compact(number: str) -> str:
    """Remove spaces, hyphens, colons and an ``IMO`` prefix."""
    number = clean(number, _SEPARATORS)
    return number[3:] if number.startswith("IMO") else number


def calc_check_digit(number: str) -> str:
    """The check digit for the first six digits."""
    return imo.calc_check_digit(number)


def validate(number: str) -> str:
    """Check format, length and check digit; return the seven digits."""
    number = compact(number)
    if not (number.isdecimal() and number.isascii()):
        raise InvalidFormat()
    if len(number) != 7:
        raise InvalidLength()
    if imo.calc_check_digit(number) != number[6]:
        raise InvalidChecksum()
    return number


def is_valid(number: str) -> bool:
    """Like :func:`validate` but return a boolean instead of raising."""
    try:
        return bool(validate(number))
    except ValidationError:
        return False


def format(number: str) -> str:
    """Present the number as ``IMO 9074729``."""
    return "IMO " + compact(number)
