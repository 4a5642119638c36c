"""A participant's board with no network at all: the server is down, so the page comes from the
service worker (static/sw.js) and the notes from the board's saved copy; what is written then is
sent once the server is back."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.browser import PHONE, NewContext, board_for, board_note, expect_connected, post
from tests.conftest import LiveServer, start_server
from tests.helpers import create_workshop, join

PENDING = re.compile(r"\bpending\b")
PAGE_KEPT = """async () =>
  !!(await caches.match(location.origin + location.pathname, { ignoreVary: true }))"""

# True once this page is controlled by the worker and its cache holds the page and every
# file the page names (the worker keeps them in the background after it starts).
KEPT = """async () => {
  if (!navigator.serviceWorker.controller) return false;
  const page = await caches.match(location.origin + location.pathname, { ignoreVary: true });
  if (!page) return false;
  const files = (await page.text()).match(/\\/static\\/[^"'\\s<>]+/g);
  const kept = await Promise.all(files.map((file) => caches.match(file, { ignoreVary: true })));
  return kept.every(Boolean);
}"""


def wait_until_kept(page: Page) -> None:
    deadline = time.monotonic() + 15
    while not page.evaluate(KEPT):
        assert time.monotonic() < deadline, "the service worker did not keep the board"
        time.sleep(0.1)


def note_texts(server: LiveServer, workshop: dict[str, Any]) -> list[str]:
    response = httpx.get(
        f"{server.url}/api/workshops/{workshop['id']}/notes",
        headers={"Authorization": f"Bearer {workshop['facilitator_token']}"},
        timeout=10,
    )
    return sorted(note["text"] for note in response.json()["notes"])


def test_the_board_reloads_with_the_server_down_and_sends_what_was_written(
    server_factory, new_context: NewContext
) -> None:
    live: LiveServer = server_factory()
    workshop = create_workshop(live.url, title="Outage", language="en", prompts=["Strengths?"])
    page = board_for(new_context(**PHONE), live.url, join(live.url, workshop["code"], name="Aino"))
    post(page, "Strengths?", "Posted before the outage")
    expect(board_note(page, "Posted before the outage")).not_to_have_class(PENDING)
    wait_until_kept(page)

    live.stop()  # nothing answers on the port: as with no network, the reload fails at once
    page.reload()
    expect(page.get_by_role("heading", name="Outage", level=1)).to_be_visible()
    expect(page.locator("#connection")).to_contain_text("You are offline", timeout=10000)
    expect(board_note(page, "Posted before the outage")).to_be_visible()
    post(page, "Strengths?", "Written during the outage")
    expect(board_note(page, "Written during the outage")).to_contain_text("Waiting to send")

    back = start_server(live.settings, port=live.port)
    try:
        expect(board_note(page, "Written during the outage")).not_to_have_class(
            PENDING, timeout=20000
        )
        expect_connected(page)
        assert note_texts(back, workshop) == [
            "Posted before the outage",
            "Written during the outage",
        ]
    finally:
        back.stop()


def test_a_deleted_workshops_board_is_not_kept(server_factory, new_context: NewContext) -> None:
    live: LiveServer = server_factory()
    workshop = create_workshop(live.url, language="en", prompts=["Strengths?"])
    page = board_for(new_context(**PHONE), live.url, join(live.url, workshop["code"]))
    wait_until_kept(page)
    deleted = httpx.delete(
        f"{live.url}/api/workshops/{workshop['id']}",
        headers={"Authorization": f"Bearer {workshop['facilitator_token']}"},
        timeout=10,
    )
    assert deleted.status_code in (200, 204)
    expect(page.locator("#board-message")).to_contain_text("deleted")
    page.reload()  # the server answers "not found": that page is shown, and the copy goes
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    deadline = time.monotonic() + 10
    while page.evaluate(PAGE_KEPT):
        assert time.monotonic() < deadline, "the deleted workshop's board is still kept"
        time.sleep(0.1)


def test_the_last_five_boards_are_kept(server_factory, new_context: NewContext) -> None:
    """A phone that joined many workshops keeps the boards it opened last, not all of them."""
    live: LiveServer = server_factory()
    context = new_context(**PHONE)
    paths = []
    for _ in range(6):
        workshop = create_workshop(live.url, language="en", prompts=["Strengths?"])
        page = board_for(context, live.url, join(live.url, workshop["code"]))
        wait_until_kept(page)
        paths.append(f"/w/{workshop['id']}")
        page.close()
    page = context.new_page()
    page.goto(f"{live.url}/accessibility")
    kept = page.evaluate(
        """async () => (await (await caches.open("talkoot-board-1")).keys())
                         .map((request) => new URL(request.url).pathname)
                         .filter((path) => path.startsWith("/w/"))"""
    )
    assert sorted(kept) == sorted(paths[1:])
