"""Keyboard only, no mouse events at all: a participant joins, posts, edits, deletes a note
and votes. (The facilitator's keyboard run is in test_browser_review.py.)"""

from __future__ import annotations

import json
import re

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser import dots_stored, send_as, workshop_in_vote_phase
from tests.helpers import create_workshop

pytestmark = pytest.mark.browser


def press(page: Page, *keys: str) -> None:
    for key in keys:
        page.keyboard.press(key)


def tab_to(page: Page, role: str, name: str, limit: int = 40) -> None:
    """Press Tab until the control with this role and accessible name has focus."""
    tab_until(page, page.get_by_role(role, name=name, exact=True).first, limit)  # type: ignore[arg-type]


def tab_until(page: Page, target: Locator, limit: int = 40) -> None:
    """Press Tab until this element has focus."""
    for _ in range(limit):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {target}")


def test_a_participant_does_everything_with_the_keyboard(live_server, new_context):
    workshop = create_workshop(live_server.url, language="en", prompts=["Strengths?"], groups=1)
    page = new_context(viewport={"width": 360, "height": 640}).new_page()
    page.goto(f"{live_server.url}/j/{workshop['code']}?lang=en")

    tab_to(page, "textbox", "Your name (optional)")
    page.keyboard.type("Aino")
    press(page, "Enter")
    expect(page).to_have_url(re.compile(f"/w/{workshop['id']}"))
    expect(page.locator("#phase-name")).not_to_have_text("…")

    tab_to(page, "textbox", "Your note")
    page.keyboard.type("Posted from the keyboard")
    tab_to(page, "button", "Post")
    press(page, "Enter")
    note = page.locator("li.note", has_text="Posted from the keyboard")
    expect(note).to_have_count(1)
    expect(note).not_to_have_class(re.compile(r"\bpending\b"))

    tab_to(page, "button", "Edit")
    press(page, "Enter")
    expect(page.get_by_role("textbox", name="Edit your note")).to_be_focused()
    press(page, "Control+A")
    page.keyboard.type("Edited from the keyboard")
    tab_to(page, "button", "Save")
    press(page, "Enter")
    expect(page.locator("li.note", has_text="Edited from the keyboard")).to_have_count(1)
    # The saved note waits for the server without buttons: the focus stays on the note.
    edited = page.locator("li.note", has_text="Edited from the keyboard")
    expect(edited).not_to_have_class(re.compile(r"\bpending\b"))
    expect(edited.locator(".note-text")).to_be_focused()

    tab_to(page, "button", "Delete")
    press(page, "Enter")
    press(page, "Enter")  # the same button now asks to confirm
    expect(page.locator("li.note", has_text="Edited from the keyboard")).to_have_count(0)
    notes = httpx.get(
        f"{live_server.url}/api/workshops/{workshop['id']}/notes",
        headers={"Authorization": f"Bearer {workshop['facilitator_token']}"},
    )
    assert notes.json()["notes"] == []


def test_a_participant_votes_with_the_keyboard(live_server, new_context):
    workshop, voter = workshop_in_vote_phase(live_server)
    page = new_context(viewport={"width": 360, "height": 640}).new_page()
    key = f"talkoot:participant:{workshop['id']}"
    stored = {
        k: voter[k] for k in ("participant_token", "participant_id", "group_id", "workshop_id")
    }
    page.add_init_script(
        f"localStorage.setItem({json.dumps(key)}, {json.dumps(json.dumps(stored))});"
    )
    page.goto(f"{live_server.url}/w/{workshop['id']}?lang=en")
    dots_left = page.locator("p.dots-left")  # not the live region, which says the same
    expect(dots_left).to_have_text("2 of 2 dots left")

    tab_to(page, "button", "Add dot")
    press(page, "Enter")
    expect(dots_left).to_have_text("1 of 2 dots left")
    tab_to(page, "button", "Add dot")
    press(page, "Enter")
    expect(dots_left).to_have_text("0 of 2 dots left")
    assert dots_stored(live_server.url, workshop) == 2

    # An action: a mistake is said, the focus stays in the form while the themes re-render,
    # and removing the action puts it on the theme's "Add action", not at the page's top.
    send_as(live_server, workshop["facilitator_token"], "actions.allow", allowed=True)
    disclosure = page.locator("details.add-action summary").first
    add = page.locator("form.action-form button[type=submit]").first
    tab_until(page, disclosure)
    press(page, "Enter")
    what = page.get_by_role("textbox", name="What will be done").first
    tab_until(page, add)
    press(page, "Enter")
    expect(what).to_be_focused()
    expect(what).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("Write something first.")).to_be_visible()
    page.keyboard.type("Ask the bus company")
    tab_until(page, add)
    press(page, "Enter")
    expect(page.get_by_text("Ask the bus company")).to_be_visible()
    expect(what).to_be_focused()
    expect(what).not_to_have_attribute("aria-invalid", "true")
    send_as(live_server, workshop["facilitator_token"], "voting.set", dots=3)  # a re-render
    expect(dots_left).to_have_text("1 of 3 dots left")
    expect(what).to_be_focused()
    page.get_by_role("button", name="Remove", exact=True).focus()  # above the form
    press(page, "Enter")
    expect(page.get_by_text("Ask the bus company")).to_have_count(0)
    expect(disclosure).to_be_focused()
