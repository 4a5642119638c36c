"""What the browser tests share: a phone's settings, pages that fail a test on any uncaught
script error or Content-Security-Policy violation, and a workshop ready for voting."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page

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
