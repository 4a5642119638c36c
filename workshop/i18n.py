"""UI language: negotiation per request and gettext catalogs compiled by Babel.

Message ids are English; fi and sv catalogs live in workshop/locale. A missing
catalog falls back to the English id, never to an error.
"""

from __future__ import annotations

from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel.support import NullTranslations, Translations

from workshop.models import LANGUAGES

LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT_LANGUAGE = "fi"
LANGUAGE_COOKIE = "talkoot_lang"

_current: ContextVar[str] = ContextVar("talkoot_language", default=DEFAULT_LANGUAGE)


@cache
def translations(language: str) -> NullTranslations:
    return Translations.load(str(LOCALE_DIR), [language], domain="messages")


def gettext(message: str) -> str:
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, n)


def use_language(language: str) -> None:
    _current.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)


def current_language() -> str:
    return _current.get()


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
