"""Private helpers shared by the identifier modules: separator removal, country codes, ISO 6346.

Country codes come from :func:`cix.reference.countries.country_codes` (pycountry, loaded on the
first lookup and cached), so importing :mod:`cix.identifiers` stays cheap.
"""

from __future__ import annotations

from cix.reference.countries import country_codes

#: ISO 6346 letter values: A=10, then counting up but skipping multiples of 11 (11, 22, 33).
ISO6346_VALUES: dict[str, int] = {str(d): d for d in range(10)} | {
    letter: value
    for letter, value in zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", (v for v in range(10, 39) if v % 11), strict=True)
}

#: Codes outside ISO 3166-1 that customs systems use as country codes: XI is Northern Ireland
#: (EU customs code under the Windsor Framework).
CUSTOMS_COUNTRY_CODES = frozenset({"XI"})


def clean(number: str, separators: str) -> str:
    """Delete ``separators``, strip surrounding whitespace and upper-case ASCII text.

    Non-ASCII text is not upper-cased, so that ``'ß'`` does not turn into an ASCII ``'SS'`` and
    slip through a check that only admits ASCII letters. (Chained :meth:`str.replace` is several
    times faster than :meth:`str.translate` on identifiers this short.)

    >>> clean(' csqu 305438-3 ', ' -')
    'CSQU3054383'
    >>> clean('straße', ' ')
    'straße'
    """
    for char in separators:
        if char in number:
            number = number.replace(char, "")
    number = number.strip()
    return number.upper() if number.isascii() else number


def is_iso_country(code: str) -> bool:
    """Whether ``code`` is an ISO 3166-1 alpha-2 code.

    >>> is_iso_country('GB'), is_iso_country('XI'), is_iso_country('QQ')
    (True, False, False)
    """
    return code in country_codes()


def is_customs_country(code: str) -> bool:
    """Whether ``code`` is an ISO 3166-1 alpha-2 code or a customs-only code such as ``XI``.

    >>> is_customs_country('XI'), is_customs_country('EL')
    (True, False)
    """
    return code in CUSTOMS_COUNTRY_CODES or code in country_codes()


def iso6346_check_digit(text: str) -> str:
    """The ISO 6346 check digit of ``text`` (digits and upper-case ASCII letters).

    Weights are powers of two by position; the sum is taken modulo 11 and a remainder of 10
    becomes 0. Used for container numbers and EU Movement Reference Numbers.

    >>> iso6346_check_digit('CSQU305438')
    '3'
    """
    values = ISO6346_VALUES
    total = 0
    for char in reversed(text):  # Horner's rule: sum of value * 2**position
        total = total * 2 + values[char]
    return str(total % 11 % 10)
