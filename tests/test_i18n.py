"""The fi and sv catalogs: every message translated, none fuzzy, none broken."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.helpers import create_workshop
from workshop import i18n

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}
METHODS = [("workshop/**.py", "python"), ("templates/**.html", "jinja2")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def source_messages() -> set[str]:
    found = extract_from_dir(str(ROOT), METHODS, keywords=KEYWORDS, options_map=OPTIONS)
    return {message if isinstance(message, str) else message[0] for _, _, message, _, _ in found}


@pytest.fixture(scope="module")
def messages() -> set[str]:
    return source_messages()


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_catalog_translates_every_message(language, messages):
    with i18n.catalog_path(language).open("rb") as source:
        catalog = read_po(source, locale=language)
    missing = sorted(m for m in messages if m not in catalog or not _translated(catalog[m]))
    assert missing == [], f"{language}: {len(missing)} messages lack a translation"
    fuzzy = sorted(str(m.id) for m in catalog if m.id and m.fuzzy)
    assert fuzzy == [], f"{language}: fuzzy entries"
    broken = [(str(message.id), errors) for message, errors in catalog.check() if errors]
    assert broken == [], f"{language}: broken entries"


def _translated(message) -> bool:
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(strings)


SKIP_LINK = {"fi": "Siirry sisältöön", "sv": "Hoppa till innehållet", "en": "Skip to content"}


def test_the_ui_follows_the_chosen_language_and_remembers_it(live_server):
    with httpx.Client(base_url=live_server.url) as browser:
        for language, text in SKIP_LINK.items():
            page = browser.get("/", params={"lang": language})
            assert f'<html lang="{language}">' in page.text
            assert text in page.text
            assert browser.cookies.get(i18n.LANGUAGE_COOKIE) == language
        remembered = browser.get("/accessibility")
        assert SKIP_LINK["en"] in remembered.text


def test_a_first_visit_follows_the_browser(live_server):
    swedish = httpx.get(f"{live_server.url}/", headers={"Accept-Language": "sv-FI,sv;q=0.9"})
    assert SKIP_LINK["sv"] in swedish.text
    german = httpx.get(f"{live_server.url}/", headers={"Accept-Language": "de-DE"})
    assert SKIP_LINK["fi"] in german.text


def test_a_join_page_falls_back_to_the_workshop_language(live_server):
    created = create_workshop(live_server.url, language="sv")
    page = httpx.get(f"{live_server.url}/j/{created['code']}")
    assert SKIP_LINK["sv"] in page.text


def test_the_join_page_says_what_is_stored_and_who_sees_it(live_server):
    created = create_workshop(live_server.url, language="fi")
    page = httpx.get(f"{live_server.url}/j/{created['code']}")
    assert "antamasi nimi tallennetaan" in page.text
    assert "Fasilitaattori voi poistaa työpajan" in page.text
