"""The translation layer: every text a person reads goes through :func:`_`.

Catalogs are gettext ``.mo`` files under ``cix/locale/<lang>/LC_MESSAGES/cix.mo``; English is the
source language. The language is chosen from ``CIX_LANG``, then ``LANG``; identifiers, rule ids and
JSON keys are never translated.
"""

from __future__ import annotations

import gettext
import os
from functools import cache
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("en", "ru")


@cache
def translation(lang: str) -> gettext.NullTranslations:
    return gettext.translation("cix", localedir=str(LOCALE_DIR), languages=[lang], fallback=True)


def current_language() -> str:
    raw = os.environ.get("CIX_LANG") or os.environ.get("LANG") or "en"
    lang = raw.split(".")[0].split("_")[0].lower()
    return lang if lang in LANGUAGES else "en"


def _(message: str) -> str:
    """Translate ``message`` into the current language (English when no catalog has it)."""
    return translation(current_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translation(current_language()).ngettext(singular, plural, n)
