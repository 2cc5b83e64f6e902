"""The console's catalogs: every text of the templates and routes has a Russian translation, the shipped
``.mo`` is the compiled ``.po``, and the language choice follows the browser, the user, the switch."""

from __future__ import annotations

import gettext
import io
import re
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import strategies as st

from cix.console import i18n

ROOT = Path(__file__).resolve().parents[2] / "cix"
PO = ROOT / "console" / "locale" / "ru" / "LC_MESSAGES" / "console.po"
MO = PO.with_suffix(".mo")
CALL = re.compile(r"""(?<![A-Za-z0-9_])(?:_|gettext)\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*\)""")
# values shown through _(variable): channels, kinds, statuses, roles, severities
SHOWN_VALUES = ["green", "yellow", "red", "blue", "import", "export", "transit", "preliminary", "lodged", "amended",
                "released", "cancelled", "officer", "risk_analyst", "cooperation_officer", "administrator", "low",
                "medium", "high", "active", "disabled", "revoked", "pending", "sent", "delivered", "rejected", "dead",
                "matched", "unmatched", "fraud", "no_fraud", "Exchange", "Prices", "Cooperation",
                "the user name or the password is not right"]  # fmt: skip


def texts() -> set[str]:
    files = [*(ROOT / "console" / "templates").glob("*.html"), ROOT / "api" / "routers" / "console.py",
             ROOT / "console" / "render.py"]  # fmt: skip
    found = set()
    for f in files:
        for m in CALL.finditer(f.read_text()):
            found.add(m.group(1) if m.group(1) is not None else m.group(2))
    return found


def test_every_text_has_a_russian_translation() -> None:
    with PO.open("rb") as f:
        catalog = read_po(f)
    translated = {m.id: m.string for m in catalog if m.id and m.string}
    wanted = texts() | set(SHOWN_VALUES)
    assert len(wanted) > 200
    assert sorted(wanted - set(translated)) == []
    for msgid, msgstr in translated.items():  # placeholders survive translation
        assert set(re.findall(r"\{\w+\}", msgid)) == set(re.findall(r"\{\w+\}", msgstr)), msgid


def test_the_shipped_mo_is_the_compiled_po() -> None:
    with PO.open("rb") as f:
        catalog = read_po(f)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    fresh = gettext.GNUTranslations(io.BytesIO(buf.getvalue()))
    shipped = gettext.GNUTranslations(io.BytesIO(MO.read_bytes()))
    for m in catalog:
        if m.id:
            assert shipped.gettext(m.id) == fresh.gettext(m.id), m.id
    assert i18n.translation("ru").gettext("Dashboard") == "Сводка"
    assert i18n.translation("en").gettext("Dashboard") == "Dashboard"


def test_language_choice_order() -> None:
    assert i18n.choose(None, None, None) == "en"
    assert i18n.choose(None, None, "ru-RU,ru;q=0.9") == "ru"
    assert i18n.choose(None, "ru", "en") == "ru"  # the user's setting beats the browser
    assert i18n.choose("en", "ru", "ru") == "en"  # the switch beats both
    assert i18n.from_accept_language("de;q=1, ru;q=0.2, en;q=0.8") == "en"
    assert i18n.from_accept_language("ru;q=0, de") is None


@given(st.text(max_size=80))
def test_any_accept_language_header_gives_a_supported_language_or_none(header: str) -> None:
    assert i18n.from_accept_language(header) in (None, *i18n.LANGUAGES)
    assert i18n.choose(None, None, header) in i18n.LANGUAGES
