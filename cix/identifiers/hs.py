"""HS code (Harmonized System commodity code as declared, with national subdivisions).

The WCO Harmonized Commodity Description and Coding System (HS Convention, 1983) fixes the first
six digits: chapter (2), heading (4) and subheading (6). Contracting parties add national
subdivisions: the EU Combined Nomenclature has 8 digits (Council Regulation (EEC) No 2658/87),
TARIC 10, the EAEU TN VED 10, the US HTS 8 or 10, and a few national tariffs use 7 or 9. So this
module accepts 6 to 10 ASCII digits and does not require an even length. It checks format and
length only; whether a chapter, heading or subheading exists in a given HS edition is a question
for the reference data (:mod:`cix.reference`), not for this module.

:func:`compact` removes dots and spaces. :func:`pad` restores a leading zero lost when a 6-digit
code such as ``090121`` was read as a number (as in the KCS data).

>>> validate('8703.23')
'870323'
>>> validate('8703 23 19 90')
'8703231990'
>>> validate('87032')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidLength: The number has an invalid length.
>>> validate('8703.2A')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidFormat: The number has an invalid format.
>>> format('8703231990')
'8703.23.19 90'
>>> chapter('8703.23.19'), heading('8703.23.19'), subheading('8703.23.19')
('87', '8703', '870323')
>>> pad('90121'), pad(90121)
('090121', '090121')
"""

from __future__ import annotations

from stdnum.exceptions import InvalidFormat, InvalidLength, ValidationError

from cix.identifiers._util import clean

_SEPARATORS = ". "


def compact(number: str) -> str:
    """Remove dots, spaces and surrounding whitespace."""
    return clean(number, _SEPARATORS)


def validate(number: str) -> str:
    """Check that the code is 6 to 10 ASCII digits; return its compact form."""
    number = compact(number)
    if not (number.isdecimal() and number.isascii()):
        raise InvalidFormat()
    if not 6 <= len(number) <= 10:
        raise InvalidLength()
    return number


def is_valid(number: str) -> bool:
    """Like :func:`validate` but return a boolean instead of raising."""
    try:
        return bool(validate(number))
    except ValidationError:
        return False


def format(number: str) -> str:
    """Present the code as ``8703.23``, ``8703.23.19`` or ``8703.23.19 90``."""
    number = compact(number)
    text = number[:4]
    if len(number) > 4:
        text += "." + number[4:6]
    if len(number) > 6:
        text += "." + number[6:8]
    if len(number) > 8:
        text += " " + number[8:]
    return text


def pad(number: str | int) -> str:
    """Validate a code that may have lost its leading zero by being read as a number.

    Only a code of exactly five digits, given as an ``int`` or as a string of digits without dots,
    gets a ``0`` in front: five digits is never a valid code, so the repair is unambiguous. A 7 or
    9 digit code is left alone, since it may be a genuine national code rather than an 8 or 10
    digit one that lost its zero. A string with a dot (``'8703.2'``, a float) is not repaired:
    its lost digit may be a trailing one.

    >>> pad('870323'), pad(' 90121 ')
    ('870323', '090121')
    >>> pad('9012.1')
    Traceback (most recent call last):
        ...
    stdnum.exceptions.InvalidLength: The number has an invalid length.
    """
    text = str(number) if isinstance(number, int) and not isinstance(number, bool) else number
    if not isinstance(text, str):
        raise InvalidFormat()
    stripped = text.strip()
    if len(stripped) == 5 and stripped.isdecimal() and stripped.isascii():
        stripped = "0" + stripped
    return validate(stripped)


def subheading(number: str) -> str:
    """The HS subheading: the first six digits of a valid code."""
    return validate(number)[:6]


def heading(number: str) -> str:
    """The HS heading: the first four digits of a valid code."""
    return validate(number)[:4]


def chapter(number: str) -> str:
    """The HS chapter: the first two digits of a valid code."""
    return validate(number)[:2]
