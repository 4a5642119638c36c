"""Every page, in every language, audited by axe-core in headless Chromium (WCAG 2.x A/AA),
photographed at a phone's and a laptop's size, and checked for sideways scrolling."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect as ws_connect

from tests.helpers import create_workshop, join
from tests.test_themes_api import MENTAL_HEALTH, TRANSPORT

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[1] / ".cache/axe/node_modules/axe-core/axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LANGUAGES = ["fi", "sv", "en"]
VIEWPORTS = {"phone": {"width": 360, "height": 640}, "laptop": {"width": 1280, "height": 800}}


def command(ws: Any, kind: str, **fields: Any) -> dict[str, Any]:
    cid = f"{kind}-{len(json.dumps(fields))}-{id(fields)}"
    ws.send(json.dumps({"type": kind, "cid": cid, **fields}))
    while True:
        message = json.loads(ws.recv(timeout=10))
        if message.get("cid") == cid:
            assert message["type"] == "ack", message
            return message


@contextmanager
def hello(ws_url: str, token: str) -> Iterator[Any]:
    with ws_connect(ws_url) as ws:
        ws.send(json.dumps({"type": "hello", "token": token, "since": 0}))
        assert json.loads(ws.recv(timeout=10))["type"] == "welcome"
        yield ws


@pytest.fixture(scope="module")
def site(live_server) -> dict[str, Any]:
    """A workshop taken all the way to a published summary, and a series of two workshops."""
    url = live_server.url
    workshop = create_workshop(url, title="Työpaja <Lohja>", group_choice=True)
    person = join(url, workshop["code"], name="Aino")
    prompt = workshop["prompts"][0]["id"]
    with (
        hello(live_server.ws_url, person["participant_token"]) as participant,
        hello(live_server.ws_url, workshop["facilitator_token"]) as facilitator,
    ):
        for text in TRANSPORT + MENTAL_HEALTH:
            command(participant, "note.add", prompt_id=prompt, text=text)
        command(facilitator, "themes.run", prompt_id=prompt, themes=2)
        themes = httpx.post(
            f"{url}/api/workshops/{workshop['id']}/themes",
            json={"prompt_id": prompt, "themes": 2},
            headers={"Authorization": f"Bearer {workshop['facilitator_token']}"},
            timeout=60,
        ).json()["themes"]
        command(facilitator, "phase.set", phase="vote")
        command(participant, "vote.cast", theme_id=themes[0]["id"])
        command(
            facilitator,
            "action.add",
            theme_id=themes[0]["id"],
            what="Kimppakyydit",
            owner="Lohja",
            due="2026-12-31",
        )
        command(facilitator, "summary.publish", published=True)
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
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {viewport} size"
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
