"""UI language: negotiation per request and gettext catalogs.

Message ids are English. The fi and sv catalogs are the .po files in
workshop/locale, compiled in memory when first used (no build step, no
binary files in the repository). A message missing from a catalog falls back
to its English id; tests/test_i18n.py keeps the catalogs complete.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import date
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from workshop.models import LANGUAGES

LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT_LANGUAGE = "fi"
LANGUAGE_COOKIE = "talkoot_lang"
# Finland's Swedish, and British English: "31 Dec 2026", not the US "Dec 31, 2026".
_BABEL_LOCALES = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_GB"}

_current: ContextVar[str] = ContextVar("talkoot_language", default=DEFAULT_LANGUAGE)


def catalog_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"


@cache
def translations(language: str) -> NullTranslations:
    path = catalog_path(language)
    if not path.exists():
        return NullTranslations()
    with path.open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries are left out
    compiled.seek(0)
    return Translations(fp=compiled)


def gettext(message: str) -> str:
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, n)


def use_language(language: str) -> None:
    _current.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)


def current_language() -> str:
    return _current.get()


def format_day(day: date, length: str) -> str:
    """A calendar date as the current language writes it; length is Babel's "medium"
    (31 Dec 2026) or "long" (31 December 2026)."""
    return format_date(day, format=length, locale=_BABEL_LOCALES[current_language()])


def negotiate(
    query: str | None,
    cookie: str | None,
    accept_language: str | None,
    fallback: str = DEFAULT_LANGUAGE,
) -> str:
    """?lang= wins, then the remembered choice, then the browser's preference."""
    for candidate in (query, cookie):
        if candidate in LANGUAGES:
            return str(candidate)
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return fallback
