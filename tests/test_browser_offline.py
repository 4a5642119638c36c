"""A participant's board with no network at all: the server is down, so the page comes from the
service worker (static/sw.js) and the notes from the board's saved copy; what is written then is
sent once the server is back."""

from __future__ import annotations

import re
import time

import httpx
from playwright.sync_api import Page, expect

# no_script_errors is an autouse fixture: importing it is what makes it apply here.
from tests.browser import (  # noqa: F401
    PHONE,
    NewContext,
    api_notes,
    board_for,
    board_note,
    expect_connected,
    no_script_errors,
    post,
    workshop_in_vote_phase,
)
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


BOARDS_KEPT = """async () => (await (await caches.open("talkoot-board-1")).keys())
    .map((request) => new URL(request.url).pathname).filter((path) => path.startsWith("/w/"))"""


def wait_until_kept(page: Page) -> None:
    deadline = time.monotonic() + 15
    while not page.evaluate(KEPT):
        assert time.monotonic() < deadline, "the service worker did not keep the board"
        time.sleep(0.1)


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
        assert sorted(note["text"] for note in api_notes(back.url, workshop)) == [
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


def test_the_last_five_boards_opened_are_kept(server_factory, new_context: NewContext) -> None:
    """A phone that joined many workshops keeps the boards it opened last, not all of them."""
    live: LiveServer = server_factory()
    context = new_context(**PHONE)
    joined = []
    for _ in range(6):
        workshop = create_workshop(live.url, language="en", prompts=["Strengths?"])
        joined.append(join(live.url, workshop["code"]))
    for participant in [*joined[:5], joined[0], joined[5]]:  # the first is opened again
        page = board_for(context, live.url, participant)
        wait_until_kept(page)
        page.close()
    page = context.new_page()
    page.goto(f"{live.url}/accessibility")
    expected = sorted(f"/w/{board['workshop_id']}" for board in [joined[0], *joined[2:]])
    deadline = time.monotonic() + 10
    while (kept := sorted(page.evaluate(BOARDS_KEPT))) != expected:
        assert time.monotonic() < deadline, kept
        time.sleep(0.1)


def test_a_board_reloaded_without_network_while_voting_votes_once_back(
    server_factory, new_context: NewContext
) -> None:
    """The saved copy has the phase but not the themes: the vote view waits for the server."""
    live: LiveServer = server_factory()
    _, voter = workshop_in_vote_phase(live)
    page = board_for(new_context(**PHONE), live.url, voter)
    expect(page.locator("li.vote-theme")).to_have_count(2)
    wait_until_kept(page)
    live.stop()
    page.reload()
    expect(page.locator("#connection")).to_contain_text("You are offline", timeout=10000)
    expect(page.locator("#phase-name")).to_have_text("Voting")
    expect(page.locator("#vote-view")).to_be_hidden()
    back = start_server(live.settings, port=live.port)
    try:
        expect(page.locator("li.vote-theme")).to_have_count(2, timeout=20000)
        page.locator("li.vote-theme").first.get_by_role("button", name="Add dot").click()
        expect(page.locator(".dots-left").first).to_have_text("1 of 2 dots left")
    finally:
        back.stop()
