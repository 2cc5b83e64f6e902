"""Validation of the identifiers a customs declaration carries, in the python-stdnum style.

One small module per format, each with ``compact(number)``, ``validate(number)`` (returns the
compact form or raises), ``is_valid(number)`` and ``format(number)``; import the module you need,
e.g. ``from cix.identifiers import container``. Errors are python-stdnum's own exception classes
(:mod:`stdnum.exceptions`), raised without a message argument so that the caller maps the class
to a rule id and a translated text::

    ValidationError             any identifier problem (a ValueError)
    ├── InvalidFormat           characters or structure not allowed
    │   └── InvalidLength       wrong number of characters
    ├── InvalidChecksum         check digit does not match
    └── InvalidComponent        a part refers to something unknown (country code, designator)

Modules:

- :mod:`~cix.identifiers.hs` — HS commodity code, 6 to 10 digits; chapter/heading/subheading, pad.
- :mod:`~cix.identifiers.container` — ISO 6346 container number (wraps :mod:`stdnum.iso6346`).
- :mod:`~cix.identifiers.imo` — IMO ship identification number (wraps :mod:`stdnum.imo`).
- :mod:`~cix.identifiers.ucr` — WCO Unique Consignment Reference (pragmatic structural check).
- :mod:`~cix.identifiers.eori` — EORI and similar trader ids: country code + up to 15 characters.
- :mod:`~cix.identifiers.mrn` — EU Movement Reference Number with its ISO 6346-style check digit.
- :mod:`~cix.identifiers.lrn` — Local Reference Number: printable text of up to 22 characters.
- :mod:`~cix.identifiers.vehicle` — road vehicle registration number, no national rules.
- :mod:`~cix.identifiers.flight` — IATA flight number (train numbers: see its docstring).

Nothing is imported here, so ``import cix.identifiers`` stays cheap; the country code set
(pycountry) is loaded on the first check that needs it.
"""

from __future__ import annotations
