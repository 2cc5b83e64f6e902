"""Flight number (IATA airline designator and flight number).

A flight is identified by the two-character IATA airline designator (IATA Resolution 762: two
letters, or a letter and a digit in either order, never two digits), a flight number from 1 to
9999 and an optional operational suffix letter (IATA SSIM, chapter 2), e.g. ``SU 1234``,
``LH400``, ``U2 8765``, ``BA 123A``. :func:`compact` upper-cases, removes spaces and hyphens and
drops leading zeros of the flight number (``LH0400`` and ``LH 400`` are the same flight), so
that compact forms compare equal. Three-letter ICAO designators (``DLH400``) are not accepted, and
whether the designator is assigned to an airline is not checked.

Train numbers have no validator: they are assigned by each railway or infrastructure manager
(1 to 6 digits in Europe, letters and digits elsewhere, and a train may change number at a
border), with no common structure or check digit, so any rule beyond "some letters and digits"
would be made up.

>>> validate('su 1234'), validate('LH0400'), validate('9W 0123 A')
('SU1234', 'LH400', '9W123A')
>>> validate('12 345')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidComponent: One of the parts of the number are invalid or unknown.
>>> validate('LH 12345')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidFormat: The number has an invalid format.
>>> format('lh0400'), airline('SU1234')
('LH 400', 'SU')
"""

from __future__ import annotations

import re

from stdnum.exceptions import InvalidComponent, InvalidFormat, ValidationError

from cix.identifiers._util import clean

_SEPARATORS = " -"
_PATTERN = re.compile(r"([0-9A-Z]{2})0*([1-9][0-9]{0,3})([A-Z]?)")


def compact(number: str) -> str:
    """Remove spaces and hyphens, upper-case, drop leading zeros of the flight number."""
    number = clean(number, _SEPARATORS)
    match = _PATTERN.fullmatch(number)
    return "".join(match.groups()) if match else number


def validate(number: str) -> str:
    """Check designator, flight number and suffix; return the compact form."""
    match = _PATTERN.fullmatch(clean(number, _SEPARATORS))
    if not match:
        raise InvalidFormat()
    designator, digits, suffix = match.groups()
    if designator.isdecimal():
        raise InvalidComponent()
    return designator + digits + suffix


def is_valid(number: str) -> bool:
    """Like :func:`validate` but return a boolean instead of raising."""
    try:
        return bool(validate(number))
    except ValidationError:
        return False


def format(number: str) -> str:
    """Present the flight as ``LH 400`` (designator, space, number and suffix)."""
    number = compact(number)
    return number[:2] + " " + number[2:] if _PATTERN.fullmatch(number) else number


def airline(number: str) -> str:
    """The airline designator of a valid flight number."""
    return validate(number)[:2]
