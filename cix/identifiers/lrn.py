"""LRN (Local Reference Number).

The LRN is the declarant's own reference for a declaration (Union Customs Code, Delegated
Regulation (EU) 2015/2446 Annex B, data element 12 09 000 000, format ``an..22``; the same
element in NCTS and AES). It is free text chosen by the declarant, so only the outer shape is
checked: after stripping surrounding whitespace it has 1 to 22 characters (counted as Unicode
code points) and every character is printable in the sense of :meth:`str.isprintable` — this
rejects control characters, but also format characters such as the zero-width space and
separators other than the ordinary space (no-break space, line separator), which would make two
references look identical. Case is preserved: the LRN is compared as given. National systems
may restrict the character set further (e.g. to ASCII); that is not checked here.

>>> validate('  INV-2024/0001 ')
'INV-2024/0001'
>>> validate('ref\\t1')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidFormat: The number has an invalid format.
>>> validate('X' * 23)
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidLength: The number has an invalid length.
"""

from __future__ import annotations

from stdnum.exceptions import InvalidFormat, InvalidLength, ValidationError

MAX_LENGTH = 22


def compact(number: str) -> str:
    """Strip surrounding whitespace; nothing else changes."""
    return number.strip()


def validate(number: str) -> str:
    """Check length (1 to 22) and that every character is printable; return the stripped text."""
    number = compact(number)
    if not 1 <= len(number) <= MAX_LENGTH:
        raise InvalidLength()
    if not number.isprintable():
        raise InvalidFormat()
    return number


def is_valid(number: str) -> bool:
    """Like :func:`validate` but return a boolean instead of raising."""
    try:
        return bool(validate(number))
    except ValidationError:
        return False


def format(number: str) -> str:
    """The LRN is presented as given, without surrounding whitespace."""
    return compact(number)
