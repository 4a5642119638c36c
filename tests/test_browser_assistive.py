"""What screen reader and keyboard users get that axe cannot check: where the focus goes when
the view changes under it, what the live regions say, which language each part is marked in,
and errors in the UI's language. Real Chromium (Playwright, sync API) against a real server."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

# no_script_errors is an autouse fixture: importing it is what makes it apply here.
from tests.browser import (  # noqa: F401
    PHONE,
    NewContext,
    board_for,
    board_note,
    expect_connected,
    no_script_errors,
    open_page,
    post,
    prompt_section,
    send_as,
    workshop_in_vote_phase,
)
from tests.conftest import LiveServer
from tests.helpers import create_workshop, join, sync_command, sync_hello
from tests.test_themes_api import MENTAL_HEALTH, TRANSPORT

pytestmark = pytest.mark.browser

expect.set_options(timeout=5000)


def announcer(page: Page) -> Locator:
    """The board's polite live region, which say() fills."""
    return page.locator("#announcer")


def quiet(page: Page) -> None:
    """Nothing is announced: say() fills the region 50 ms late, so give it time first."""
    page.wait_for_timeout(300)
    expect(announcer(page)).to_be_empty()


def strengths_workshop(url: str) -> dict[str, Any]:
    """An English workshop with one prompt, "Strengths?", and one group."""
    return create_workshop(url, language="en", prompts=["Strengths?"], groups=1)


def workshop_with_themes(server: LiveServer) -> dict[str, Any]:
    """A Finnish workshop whose one prompt has two themes."""
    workshop = create_workshop(server.url, title="Työpaja", prompts=["Mikä auttaa?"], groups=1)
    author = join(server.url, workshop["code"], name="Aino")
    prompt = workshop["prompts"][0]["id"]
    with sync_hello(server.ws_url, author["participant_token"]) as ws:
        for text in TRANSPORT + MENTAL_HEALTH:
            sync_command(ws, "note.add", prompt_id=prompt, text=text)
    send_as(server, workshop["facilitator_token"], "themes.run", prompt_id=prompt, themes=2)
    return workshop


# ---- 1. pausing posting -------------------------------------------------------------------------


def test_pausing_posting_keeps_the_focus_and_is_announced(
    live_server: LiveServer, new_context: NewContext
) -> None:
    url = live_server.url
    workshop = strengths_workshop(url)
    token = workshop["facilitator_token"]
    context = new_context(**PHONE)
    page = board_for(context, url, join(url, workshop["code"]))
    section = prompt_section(page, "Strengths?")
    button = section.get_by_role("button", name="Post")
    section.get_by_label("Your note").fill("Held back")
    button.focus()

    send_as(live_server, token, "posting.set", locked=True)
    expect(announcer(page)).to_have_text("Posting is paused by the facilitator.")
    expect(button).to_have_attribute("aria-disabled", "true")
    expect(button).to_be_focused()
    expect(button).to_have_accessible_description("Posting is paused by the facilitator.")

    page.keyboard.press("Enter")  # refused: nothing is queued, the text stays
    page.wait_for_timeout(300)
    assert page.evaluate("talkootBoard.live.outbox.length") == 0
    expect(section.get_by_label("Your note")).to_have_value("Held back")
    expect(section.locator("li.note")).to_have_count(0)

    page.reload()  # the pause is replayed, not news: nothing is said
    expect_connected(page)
    expect(button).to_have_attribute("aria-disabled", "true")
    quiet(page)

    send_as(live_server, token, "posting.set", locked=False)
    expect(announcer(page)).to_have_text("Posting is open again.")
    expect(button).not_to_have_attribute("aria-disabled", "true")
    post(page, "Strengths?", "Sent after the pause")
    expect(board_note(page, "Sent after the pause")).to_have_count(1)
    expect(announcer(page)).to_have_text("Note added.")  # the form was emptied: say why


# ---- 2. the focus when what has it is hidden or removed -----------------------------------------


def test_the_focus_follows_the_view_that_replaces_the_focused_one(
    live_server: LiveServer, new_context: NewContext
) -> None:
    url = live_server.url
    workshop, voter = workshop_in_vote_phase(live_server)
    token = workshop["facilitator_token"]
    page = board_for(new_context(**PHONE), url, voter)
    expect(page.locator("#phase-help")).to_have_text(
        "Vote with your dots for the themes that matter most."
    )
    themes = page.locator("li.vote-theme")
    expect(themes).to_have_count(2)

    # The theme whose button has the focus is deleted: the vote view's heading gets it.
    first = themes.first
    gone = int(first.get_attribute("data-theme-id") or 0)
    first.get_by_role("button", name="Add dot").focus()
    send_as(live_server, token, "theme.delete", theme_id=gone)
    expect(themes).to_have_count(1)
    expect(page.locator("#vote-heading")).to_be_focused()

    # The vote view goes and the published summary comes: its heading gets the focus.
    themes.first.get_by_role("button", name="Add dot").focus()
    send_as(live_server, token, "summary.publish", published=True)
    send_as(live_server, token, "phase.set", phase="summary")
    expect(page.locator("#vote-view")).to_be_hidden()
    expect(page.locator("#summary-heading")).to_be_focused()


def test_the_summary_phase_before_a_summary_focuses_the_page_heading(
    live_server: LiveServer, new_context: NewContext
) -> None:
    """Summing up hides the vote view and the forms, and no summary is there yet: the focus goes
    to the workshop's heading, not to <body> (where a screen reader starts the page again)."""
    workshop, voter = workshop_in_vote_phase(live_server)
    page = board_for(new_context(**PHONE), live_server.url, voter)
    page.locator("li.vote-theme").first.get_by_role("button", name="Add dot").focus()
    send_as(live_server, workshop["facilitator_token"], "phase.set", phase="summary")
    expect(page.locator("#vote-view")).to_be_hidden()
    expect(page.locator("#summary-view")).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_be_focused()


def test_the_vote_phase_replaces_the_forms_and_is_announced_once(
    live_server: LiveServer, new_context: NewContext
) -> None:
    """Voting locks posting as a matter of course: the note forms give way to the vote view,
    which takes the focus, and only the phase change is announced, not a pause."""
    url = live_server.url
    workshop = workshop_with_themes(live_server)
    token = workshop["facilitator_token"]
    send_as(live_server, token, "phase.set", phase="ideate")
    page = board_for(new_context(**PHONE), url, join(url, workshop["code"], name="Eino"))
    page.get_by_label("Your note").focus()
    send_as(live_server, token, "phase.set", phase="vote")
    expect(page.locator("#prompts")).to_be_hidden()
    expect(page.locator("#vote-heading")).to_be_focused()
    expect(announcer(page)).to_have_text("Phase: Voting")
    page.wait_for_timeout(500)  # the lock came after the phase: nothing more is said
    expect(announcer(page)).to_have_text("Phase: Voting")

    send_as(live_server, token, "phase.set", phase="ideate")  # back to notes: forms again
    expect(page.get_by_label("Your note")).to_be_visible()
    expect(announcer(page)).to_have_text("Phase: Ideas")  # which opens posting: not said again
    page.wait_for_timeout(500)
    expect(announcer(page)).to_have_text("Phase: Ideas")


def test_pages_reflow_on_a_phone_with_text_at_twice_the_size(
    live_server: LiveServer, new_context: NewContext
) -> None:
    """Large system text is common on phones (WCAG 1.4.4): no page may scroll sideways, the
    dashboard included (a small workshop may be run from a phone). The header's language links
    kept every page 524 px wide, the landing page's fields 416 px and the dashboard's buttons
    wider still. (Without mobile emulation, which zooms out to fit instead.)"""
    url = live_server.url
    workshop = strengths_workshop(url)
    context = new_context(viewport={"width": 360, "height": 640})
    board = board_for(context, url, join(url, workshop["code"], name="Aino"))
    token = workshop["facilitator_token"]
    paths = ("/", f"/j/{workshop['code']}", f"/d/{workshop['id']}?token={token}")
    pages = [board] + [open_page(context, f"{url}{path}") for path in paths]
    for page in pages:
        page.evaluate("document.documentElement.style.fontSize = '200%'")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url


def test_hiding_the_note_being_edited_moves_the_focus_to_its_prompt(
    live_server: LiveServer, new_context: NewContext
) -> None:
    url = live_server.url
    workshop = create_workshop(url, language="en", prompts=["Strengths?", "Gaps?"], groups=1)
    page = board_for(new_context(**PHONE), url, join(url, workshop["code"]))
    post(page, "Gaps?", "Too few buses")
    note = board_note(page, "Too few buses")
    expect(note).not_to_have_class(re.compile(r"\bpending\b"))
    note.get_by_role("button", name="Edit").focus()

    note_id = int(note.get_attribute("data-note-id") or 0)
    send_as(live_server, workshop["facilitator_token"], "note.hide", note_id=note_id, hidden=True)
    expect(note).to_have_count(0)
    expect(prompt_section(page, "Gaps?").get_by_role("heading", name="Gaps?")).to_be_focused()


# ---- 3. the landing page's prompt choices -----------------------------------------------------


def test_choosing_prompts_leaves_the_focus_and_keeps_ones_own(
    live_server: LiveServer, new_context: NewContext
) -> None:
    page = open_page(new_context(), f"{live_server.url}/?lang=en")
    own = page.get_by_label("Write my own")
    second = page.get_by_label("Template: information, interpretation, action")
    inputs = page.locator("#prompt-list textarea")

    page.get_by_label("Template: strengths, gaps, needs").focus()
    page.keyboard.press("ArrowDown")
    expect(second).to_be_focused()
    expect(second).to_be_checked()
    template = inputs.evaluate_all("inputs => inputs.map(i => i.value)")
    assert all(template)
    page.keyboard.press("ArrowDown")
    expect(own).to_be_focused()  # not moved into the prompt fields
    expect(own).to_be_checked()
    expect(inputs).to_have_count(1)
    expect(inputs).to_have_value("")

    inputs.first.fill("What works?")
    page.get_by_role("button", name="Add a prompt").click()
    inputs.nth(1).fill("What is missing?")
    own.focus()
    page.keyboard.press("ArrowUp")
    expect(second).to_be_checked()
    assert inputs.evaluate_all("inputs => inputs.map(i => i.value)") == template
    page.keyboard.press("ArrowDown")
    expect(own).to_be_focused()
    assert inputs.evaluate_all("inputs => inputs.map(i => i.value)") == [
        "What works?",
        "What is missing?",
    ]


def test_the_dashboard_tells_a_screen_reader_what_happens_without_it(
    live_server: LiveServer, new_context: NewContext
) -> None:
    """A phase set elsewhere (a co-facilitator), notes arriving in a burst, time running out."""
    url = live_server.url
    workshop = strengths_workshop(url)
    token = workshop["facilitator_token"]
    dash = open_page(new_context(), f"{url}/d/{workshop['id']}?token={token}&lang=en")
    expect(dash.locator("#connection")).to_be_empty()
    expect(announcer(dash)).to_be_empty()
    send_as(live_server, token, "phase.set", phase="ideate")
    expect(announcer(dash)).to_have_text("Phase: Ideas")
    # The current step is marked by aria-current; its check mark is not read as its name.
    expect(dash.get_by_role("button", name="Ideas", exact=True)).to_have_attribute(
        "aria-current", "step"
    )
    person = join(url, workshop["code"])["participant_token"]
    prompt = workshop["prompts"][0]["id"]
    for text in ("One", "Two", "Three"):
        send_as(live_server, person, "note.add", prompt_id=prompt, text=text)
    expect(announcer(dash)).to_have_text("3 new notes", timeout=10000)
    send_as(live_server, token, "timer.set", seconds=1)
    expect(announcer(dash)).to_have_text("Time is up", timeout=10000)


# ---- 4 and 5. errors in the UI's language ---------------------------------------------------


def test_dashboard_errors_are_translated_and_alerted(
    live_server: LiveServer, new_context: NewContext
) -> None:
    url = live_server.url
    workshop = workshop_with_themes(live_server)
    token = workshop["facilitator_token"]
    send_as(live_server, token, "phase.set", phase="review")
    context = new_context(viewport={"width": 1280, "height": 900})
    dash = open_page(context, f"{url}/d/{workshop['id']}?token={token}&lang=fi")
    expect(dash.locator("#connection")).to_be_empty()
    card = dash.locator("li.theme-card").first
    expect(card).to_be_visible()
    theme_id = int(card.get_attribute("data-theme-id") or 0)
    note = dash.locator(".all-notes li.note").first
    note_id = int(note.get_attribute("data-note-id") or 0)

    # Offline, the facilitator hides a note and renames a theme; meanwhile both are deleted.
    context.set_offline(True)
    expect(dash.locator("#connection")).not_to_be_empty()
    note.get_by_role("button").click()
    card.locator(f'[data-key="rename-btn-{theme_id}"]').click()
    dash.locator(f"#rename-{theme_id}").fill("Uusi nimi")
    dash.locator(f"#rename-{theme_id}").press("Enter")
    send_as(live_server, token, "note.delete", note_id=note_id)
    send_as(live_server, token, "theme.delete", theme_id=theme_id)
    context.set_offline(False)

    gone = "Muutos ei onnistunut: sen kohdetta ei ole enää olemassa."
    expect(dash.locator("#control-error")).to_have_text(gone, timeout=10000)
    expect(dash.locator("#control-error")).to_have_attribute("role", "alert")
    expect(dash.locator("#review-error")).to_have_text(gone)


def test_create_and_error_pages_speak_the_ui_language(
    server_factory: Callable[..., LiveServer], new_context: NewContext
) -> None:
    server = server_factory(max_groups=2)
    page = open_page(new_context(), f"{server.url}/?lang=fi")
    page.locator("#title").fill("Työpaja")
    page.locator("#group-names").fill("Lohja, Karkkila, Raasepori")
    page.locator("#create-submit").click()
    error = page.locator("#group-names-error")
    expect(error).to_have_text("Palvelin ei hyväksynyt ryhmiä. Tarkista ne ja yritä uudelleen.")
    expect(page.locator("#group-names")).to_be_focused()

    page.goto(f"{server.url}/w/no-such-workshop?lang=fi")
    main = page.locator("main")
    expect(main).to_contain_text("Sivua ei löytynyt")
    expect(main).to_contain_text("Virhe 404")
    expect(main).not_to_contain_text("not found")


# ---- 6. the language of participants' text ------------------------------------------------------


def test_participants_text_is_marked_with_the_workshops_language(
    live_server: LiveServer, new_context: NewContext
) -> None:
    """The UI is in English, the workshop in Finnish."""
    url = live_server.url
    workshop = workshop_with_themes(live_server)
    token = workshop["facilitator_token"]
    board = board_for(new_context(**PHONE), url, join(url, workshop["code"]))
    expect(board.locator("#workshop-title")).to_have_attribute("lang", "fi")
    expect(board.locator("#prompts h2")).to_have_attribute("lang", "fi")
    expect(board.locator("#phase-name")).not_to_have_attribute("lang", "fi")
    expect(board.locator("li.note .note-text").first).to_have_attribute("lang", "fi")
    joining = open_page(new_context(), f"{url}/j/{workshop['code']}?lang=en")
    expect(joining.locator("h1")).to_have_attribute("lang", "fi")

    send_as(live_server, token, "phase.set", phase="review")  # the theme cards show
    dash = open_page(new_context(), f"{url}/d/{workshop['id']}?token={token}&lang=en")
    expect(dash.locator("h1")).to_have_attribute("lang", "fi")
    prompt_headings = dash.get_by_role("heading", name="Mikä auttaa?", exact=True)
    expect(prompt_headings).to_have_count(2)  # the notes' and the review's
    for heading in prompt_headings.all():
        expect(heading).to_have_attribute("lang", "fi")
    column = dash.locator(".group-column h4").first  # a column is named by group and prompt
    expect(column.locator('[lang="fi"]')).to_have_text("Mikä auttaa?")
    for text in (".theme-card .note-text", ".theme-card h4", ".all-notes .note-text"):
        expect(dash.locator(text).first).to_have_attribute("lang", "fi")

    page = open_page(new_context(), f"{url}/d/{workshop['id']}/summary?token={token}&lang=en")
    expect(page.locator("h1")).to_have_attribute("lang", "fi")
    expect(page.locator(".summary")).to_have_attribute("lang", "en")
    theme = page.locator(".summary-theme").first
    expect(theme.locator("h3")).to_have_attribute("lang", "fi")
    expect(theme.locator(".representatives li").first).to_have_attribute("lang", "fi")
    counts = theme.locator("p", has_text="notes")
    expect(counts).to_contain_text("vote")
    assert counts.evaluate("p => p.closest('[lang]').lang") == "en"


# ---- 7. the connection coming back, and notes the server refused -------------------------------


def test_a_returning_connection_and_a_refused_note_are_announced(
    live_server: LiveServer, new_context: NewContext
) -> None:
    url = live_server.url
    workshop = strengths_workshop(url)
    context = new_context(**PHONE)
    page = board_for(context, url, join(url, workshop["code"]))
    quiet(page)  # the first connection is not news

    context.set_offline(True)
    expect(page.locator("#connection")).to_contain_text("You are offline")
    context.set_offline(False)
    expect(page.locator("#connection")).to_be_empty(timeout=10000)
    expect(announcer(page)).to_have_text("Connection restored.")

    # Written offline while posting was paused: the server holds it back, and that is said.
    context.set_offline(True)
    expect(page.locator("#connection")).to_contain_text("You are offline")
    post(page, "Strengths?", "Written in the basement")
    send_as(live_server, workshop["facilitator_token"], "posting.set", locked=True)
    context.set_offline(False)
    expect(announcer(page)).to_have_text(
        "Posting is paused by the facilitator. Your note will be sent when posting opens again.",
        timeout=10000,
    )


# ---- 8. due dates -------------------------------------------------------------------------------


def test_due_dates_are_written_the_way_the_ui_language_writes_them(
    live_server: LiveServer, new_context: NewContext
) -> None:
    """West of Greenwich, where reading "2026-12-31" as UTC would show the 30th."""
    url = live_server.url
    workshop, voter = workshop_in_vote_phase(live_server)
    token = workshop["facilitator_token"]
    pacific = {"timezone_id": "America/Los_Angeles"}
    board = board_for(new_context(**PHONE, **pacific), url, voter, lang="fi")
    theme = board.locator("li.vote-theme").first
    theme_id = int(theme.get_attribute("data-theme-id") or 0)
    send_as(
        live_server, token, "action.add", theme_id=theme_id, what="Kimppakyydit", due="2026-12-31"
    )
    expect(theme.locator(".action-list")).to_have_text("Kimppakyydit (viimeistään 31.12.2026)")

    dash = open_page(new_context(**pacific), f"{url}/d/{workshop['id']}?token={token}&lang=fi")
    card = dash.locator(f'li.theme-card[data-theme-id="{theme_id}"]')
    expect(card.locator(".action-list li > span")).to_have_text(
        "Kimppakyydit (viimeistään 31.12.2026)"
    )
    # English as the summary downloads and page write it, not the US "Dec 31, 2026".
    english = open_page(new_context(**pacific), f"{url}/d/{workshop['id']}?token={token}&lang=en")
    expect(
        english.locator(f'li.theme-card[data-theme-id="{theme_id}"] .action-list li > span')
    ).to_have_text("Kimppakyydit (by 31 Dec 2026)")
