"""What the browser tests share: a phone's settings, pages that fail a test on any uncaught
script error or Content-Security-Policy violation, a participant's board, and a workshop ready
for voting."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.conftest import LiveServer
from tests.helpers import create_workshop, join, sync_command, sync_hello
from tests.test_themes_api import MENTAL_HEALTH, TRANSPORT

PHONE = {
    "viewport": {"width": 360, "height": 640},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
JS_ERRORS: list[str] = []
NewContext = Callable[..., BrowserContext]


@pytest.fixture(autouse=True)
def no_script_errors() -> Iterator[None]:
    """Uncaught exceptions and CSP violations in any page fail the test."""
    JS_ERRORS.clear()
    yield
    assert JS_ERRORS == []


def open_page(context: BrowserContext, url: str) -> Page:
    page = context.new_page()
    page.on("pageerror", lambda error: JS_ERRORS.append(f"{page.url}: {error}"))
    page.on(
        "console",
        lambda message: (
            JS_ERRORS.append(f"{page.url}: {message.text}")
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    page.goto(url)
    return page


def board_for(
    context: BrowserContext, base_url: str, joined: dict[str, Any], lang: str = "en"
) -> Page:
    """Open the board of a participant who joined through the API (the token put in storage)."""
    stored = {
        key: joined[key]
        for key in ("participant_token", "participant_id", "group_id", "workshop_id")
    }
    key = f"talkoot:participant:{joined['workshop_id']}"
    context.add_init_script(
        f"localStorage.setItem({json.dumps(key)}, {json.dumps(json.dumps(stored))});"
    )
    page = open_page(context, f"{base_url}/w/{joined['workshop_id']}?lang={lang}")
    expect_connected(page)
    return page


def api_notes(base_url: str, workshop: dict[str, Any]) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{base_url}/api/workshops/{workshop['id']}/notes",
        timeout=10,
        headers={"Authorization": f"Bearer {workshop['facilitator_token']}"},
    )
    assert response.status_code == 200
    notes: list[dict[str, Any]] = response.json()["notes"]
    return notes


def page_weight(page: Page) -> int:
    """Bytes of the page and the CSS and JS it loaded so far, uncompressed (not the tab's icon)."""
    weight: int = page.evaluate(
        """() => [...performance.getEntriesByType('navigation'),
                  ...performance.getEntriesByType('resource')
                     .filter(entry => /[.](js|css)([?]|$)/.test(entry.name))]
                 .reduce((sum, entry) => sum + entry.decodedBodySize, 0)"""
    )
    return weight


def expect_connected(page: Page) -> None:
    expect(page.locator("#phase-name")).not_to_have_text("…")
    expect(page.locator("#connection")).to_be_empty()


def prompt_section(page: Page, prompt: str) -> Locator:
    return page.locator("section.prompt").filter(
        has=page.get_by_role("heading", name=prompt, exact=True)
    )


def post(page: Page, prompt: str, text: str, tap: bool = False) -> None:
    section = prompt_section(page, prompt)
    section.get_by_label("Your note").fill(text)
    button = section.get_by_role("button", name="Post")
    button.tap() if tap else button.click()


def board_note(page: Page, text: str) -> Locator:
    return page.locator("li.note").filter(
        has=page.locator(".note-text", has_text=re.compile(f"^{re.escape(text)}$"))
    )


def send_as(server: LiveServer, token: str, kind: str, **fields: Any) -> dict[str, Any]:
    """One command over a WebSocket of its own, as a facilitator or participant elsewhere would."""
    with sync_hello(server.ws_url, token) as ws:
        return sync_command(ws, kind, **fields)


def workshop_in_vote_phase(server: LiveServer) -> tuple[dict[str, Any], dict[str, Any]]:
    """A workshop whose one prompt has two themes, in the vote phase with 2 dots each, and
    the participant who wrote its notes."""
    workshop = create_workshop(server.url, language="en", prompts=["Needs?"], groups=1)
    prompt = workshop["prompts"][0]["id"]
    voter = join(server.url, workshop["code"], name="Aino")
    with sync_hello(server.ws_url, voter["participant_token"]) as writer:
        for text in TRANSPORT + MENTAL_HEALTH:
            sync_command(writer, "note.add", prompt_id=prompt, text=text)
    with sync_hello(server.ws_url, workshop["facilitator_token"]) as facilitator:
        sync_command(facilitator, "themes.run", prompt_id=prompt, themes=2)
        sync_command(facilitator, "voting.set", dots=2)
        sync_command(facilitator, "phase.set", phase="vote")
    return workshop, voter


def dots_stored(base_url: str, workshop: dict[str, Any]) -> int:
    """All dots on the workshop's themes, as its summary reports them."""
    summary = httpx.get(
        f"{base_url}/api/workshops/{workshop['id']}/summary",
        params={"format": "json", "token": workshop["facilitator_token"]},
    ).json()
    return sum(theme["votes"] for theme in summary["prompts"][0]["themes"])
