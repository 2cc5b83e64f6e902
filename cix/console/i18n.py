"""The console's languages: English (source) and Russian, from gettext catalogs shipped compiled.

The language of a request is, in order: an explicit choice (the ``cix_lang`` cookie the language
switch sets), the signed-in user's setting, the browser's ``Accept-Language``, English. Catalogs are
``locale/<lang>/LC_MESSAGES/console.mo`` beside this module (compiled from the ``.po`` next to it;
``python -m cix.console.i18n`` compiles them again). Identifiers, rule ids and JSON keys are never
translated.
"""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("en", "ru")
LANGUAGE_NAMES = {"en": "English", "ru": "Русский"}
COOKIE = "cix_lang"
DOMAIN = "console"


@cache
def translation(lang: str) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[lang], fallback=True)


def from_accept_language(header: str | None) -> str | None:
    """The first supported language of an ``Accept-Language`` header, by quality."""
    if not header:
        return None
    choices: list[tuple[float, int, str]] = []
    for i, part in enumerate(header.split(",")):
        bits = part.strip().split(";")
        tag = bits[0].strip().lower()
        q = 1.0
        for b in bits[1:]:
            b = b.strip()
            if b.startswith("q="):
                try:
                    q = float(b[2:])
                except ValueError:
                    q = 0.0
        lang = tag.split("-")[0]
        if lang in LANGUAGES and q > 0:
            choices.append((-q, i, lang))
    return sorted(choices)[0][2] if choices else None


def choose(cookie: str | None, user_setting: str | None, accept_language: str | None) -> str:
    for lang in (cookie, user_setting, from_accept_language(accept_language)):
        if lang in LANGUAGES:
            return lang
    return "en"


def compile_catalogs() -> list[Path]:
    """Compile every ``.po`` under :data:`LOCALE_DIR` into its ``.mo`` (Babel)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    done = []
    for po in sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        with po.open("rb") as f:
            catalog = read_po(f)
        mo = po.with_suffix(".mo")
        with mo.open("wb") as f:
            write_mo(f, catalog)
        done.append(mo)
    translation.cache_clear()
    return done


if __name__ == "__main__":
    for p in compile_catalogs():
        print(p)
