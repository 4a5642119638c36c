"""Every page, in every language, audited by axe-core in headless Chromium (WCAG 2.x A/AA),
photographed at a phone's and a laptop's size, and checked for sideways scrolling."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers import create_workshop, join, sync_command, sync_hello
from tests.test_themes_api import MENTAL_HEALTH, TRANSPORT

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[1] / ".cache/axe/node_modules/axe-core/axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LANGUAGES = ["fi", "sv", "en"]
# Controls a finger must hit: 44 x 44 px at least. A checkbox or radio button is hit through
# its label, so the label is what is measured; links inside running text are not targets here.
SMALL_TARGETS = """() => [...document.querySelectorAll(
    'button, select, input:not([type=hidden]), textarea, summary, a.button')]
  .filter(e => e.offsetParent !== null)
  .map(e => ['checkbox', 'radio'].includes(e.type) ? (e.closest('label') || e) : e)
  .map(e => [e, e.getBoundingClientRect()])
  .filter(([e, r]) => r.height < 44 || r.width < 44)
  .map(([e, r]) => `${e.tagName.toLowerCase()}#${e.id}.${e.className} "${(e.textContent
    || e.name || '').trim().slice(0, 30)}" ${Math.round(r.width)}x${Math.round(r.height)}`)"""
# The innermost elements that stick out past the right edge of the page.
WIDE_ELEMENTS = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .filter(e => ![...e.children].some(c => c.getBoundingClientRect().right >
                                           document.documentElement.clientWidth + 1))
  .slice(0, 5).map(e => `${e.parentElement.className} > ${e.tagName.toLowerCase()}#${e.id}`
    + `.${e.className} (${Math.round(e.getBoundingClientRect().width)}px)`)"""
VIEWPORTS = {
    "phone": {"width": 360, "height": 640},
    "laptop": {"width": 1280, "height": 800},
    "narrowest": {"width": 320, "height": 568},  # WCAG reflow: 320 px, the same as 200% zoom
}


@pytest.fixture(scope="module")
def site(live_server) -> dict[str, Any]:
    """A workshop taken all the way to a published summary, and a series of two workshops."""
    url = live_server.url
    workshop = create_workshop(url, title="Työpaja <Lohja>", group_choice=True)
    person = join(url, workshop["code"], name="Aino")
    prompt = workshop["prompts"][0]["id"]
    with (
        sync_hello(live_server.ws_url, person["participant_token"]) as participant,
        sync_hello(live_server.ws_url, workshop["facilitator_token"]) as facilitator,
    ):
        for text in TRANSPORT + MENTAL_HEALTH:
            sync_command(participant, "note.add", prompt_id=prompt, text=text)
        sync_command(facilitator, "themes.run", prompt_id=prompt, themes=2)
        themes = httpx.post(
            f"{url}/api/workshops/{workshop['id']}/themes",
            json={"prompt_id": prompt, "themes": 2},
            headers={"Authorization": f"Bearer {workshop['facilitator_token']}"},
            timeout=60,
        ).json()["themes"]
        sync_command(facilitator, "phase.set", phase="vote")
        sync_command(participant, "vote.cast", theme_id=themes[0]["id"])
        sync_command(
            facilitator,
            "action.add",
            theme_id=themes[0]["id"],
            what="Kimppakyydit",
            owner="Lohja",
            due="2026-12-31",
        )
        sync_command(facilitator, "summary.publish", published=True)
    other = create_workshop(url, title="Karkkila")
    members = [
        {"id": w["id"], "facilitator_token": w["facilitator_token"]} for w in (workshop, other)
    ]
    series = httpx.post(f"{url}/api/series", json={"title": "TEKO", "workshops": members}).json()
    return {"workshop": workshop, "person": person, "series": series}


def pages(site: dict[str, Any]) -> dict[str, str]:
    workshop, series = site["workshop"], site["series"]
    token = workshop["facilitator_token"]
    return {
        "landing": "/",
        "join": f"/j/{workshop['code']}",
        "board": f"/w/{workshop['id']}",
        "dashboard": f"/d/{workshop['id']}?token={token}",
        "summary": f"/d/{workshop['id']}/summary?token={token}",
        "series": f"/series/{series['id']}?token={series['token']}",
        "accessibility": "/accessibility",
        "not-found": "/w/nosuchworkshop",
    }


def open_page(new_context, live_server, site, name: str, language: str, viewport: str):
    # bypass_csp lets the test inject axe; what users get keeps the strict CSP.
    locale = {"fi": "fi-FI", "sv": "sv-FI", "en": "en-GB"}[language]
    context = new_context(viewport=VIEWPORTS[viewport], locale=locale, bypass_csp=True)
    if name == "board":
        person = site["person"]
        stored = {
            k: person[k] for k in ("participant_token", "participant_id", "group_id", "workshop_id")
        }
        key = f"talkoot:participant:{person['workshop_id']}"
        context.add_init_script(
            f"localStorage.setItem({json.dumps(key)}, {json.dumps(json.dumps(stored))});"
        )
    page = context.new_page()
    path = pages(site)[name]
    joiner = "&" if "?" in path else "?"
    page.goto(f"{live_server.url}{path}{joiner}lang={language}")
    page.wait_for_load_state("networkidle")
    return page


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    "name",
    ["landing", "join", "board", "dashboard", "summary", "series", "accessibility", "not-found"],
)
def test_page_has_no_wcag_violations(new_context, live_server, site, artifacts_dir, name, language):
    assert AXE.exists(), "axe-core is missing: `make test` installs it (scripts/install-axe.sh)"
    for viewport in VIEWPORTS:
        page = open_page(new_context, live_server, site, name, language, viewport)
        assert page.evaluate("document.documentElement.lang") == language, name
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        shots = artifacts_dir / "screens"
        shots.mkdir(exist_ok=True)
        page.screenshot(path=shots / f"{name}-{language}-{viewport}.png", full_page=True)
        wide = page.evaluate(WIDE_ELEMENTS) if overflow > 0 else []
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {viewport} size: {wide}"
        if viewport == "phone":
            small = page.evaluate(SMALL_TARGETS)
            assert small == [], f"{name} [{language}]: touch targets under 44 px: {small[:5]}"
        page.add_script_tag(path=str(AXE))
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
        )
        problems = [
            f"{v['id']} ({v['impact']}): {v['help']} at "
            + "; ".join(n["target"][0] for n in v["nodes"][:3])
            for v in result["violations"]
        ]
        assert problems == [], f"{name} [{language}, {viewport}]"
