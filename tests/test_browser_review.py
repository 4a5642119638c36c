"""Review, vote and summary in a real browser: Chromium (Playwright, sync API), real server.

The server fixture themes with the lexical backend: the notes below have two clearly separate
topics (buses, mental health), so "Find themes" with 2 themes gives one theme for each.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

# no_script_errors is an autouse fixture: importing it is what makes it apply here.
from tests.browser import (  # noqa: F401
    PHONE,
    NewContext,
    board_for,
    dots_stored,
    no_script_errors,
    open_page,
)
from tests.conftest import LiveServer
from tests.helpers import connect, create_workshop, join, new_cid

pytestmark = pytest.mark.browser

expect.set_options(timeout=5000)

BUS = ["Bussi kulkee liian harvoin", "Bussi on kallis nuorille", "Bussi myöhästyy usein aamulla"]
MIND = [
    "Mielenterveys palvelut ovat ruuhkaisia",
    "Mielenterveys tuki puuttuu kouluista",
    "Mielenterveys huolettaa nuoria",
]


# ---- setting the scene through the API ----------------------------------------------------------


def workshop_with_notes(url: str, extra: list[str] | None = None) -> dict[str, Any]:
    """A workshop of one prompt whose notes fall into two topics, with their author ("author")."""
    workshop = create_workshop(
        url, language="en", prompts=["Mikä vaikeuttaa työllistymistä?"], groups=["Lohja"]
    )
    author = join(url, workshop["code"], name="Aino")
    for text in BUS + MIND + (extra or []):
        response = httpx.post(
            f"{url}/api/workshops/{workshop['id']}/notes",
            json={"prompt_id": workshop["prompts"][0]["id"], "text": text, "cid": new_cid()},
            headers={"Authorization": f"Bearer {author['participant_token']}"},
            timeout=10,
        )
        assert response.status_code == 201, response.text
    return {**workshop, "author": author}


def command(server: LiveServer, token: str, kind: str, **fields: Any) -> dict[str, Any]:
    """Send one command over a WebSocket of our own and return its ack."""

    async def run() -> dict[str, Any]:
        client = await connect(server.ws_url, token)
        try:
            return await client.command(kind, **fields)
        finally:
            await client.close()

    # Playwright's sync API runs an event loop in this thread: use a thread of our own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        answer = pool.submit(asyncio.run, run()).result(timeout=15)
    assert answer["type"] == "ack", answer
    return answer


def summary_json(url: str, workshop: dict[str, Any]) -> dict[str, Any]:
    response = httpx.get(
        f"{url}/api/workshops/{workshop['id']}/summary",
        params={"format": "json"},
        headers={"Authorization": f"Bearer {workshop['facilitator_token']}"},
        timeout=10,
    )
    assert response.status_code == 200
    data: dict[str, Any] = json.loads(response.content)
    return data


def server_themes(url: str, workshop: dict[str, Any]) -> dict[str, set[str]]:
    """Theme label → the texts of its notes, as the server has them ("" = unsorted)."""
    data = summary_json(url, workshop)
    themes: dict[str, set[str]] = {t["label"]: set() for t in data["prompts"][0]["themes"]}
    themes[""] = set()
    for note in data["notes"]:
        themes[note["theme_label"] or ""].add(note["text"])
    return themes


def dashboard(context: BrowserContext, url: str, workshop: dict[str, Any]) -> Page:
    page = open_page(
        context, f"{url}/d/{workshop['id']}?token={workshop['facilitator_token']}&lang=en"
    )
    expect(page.locator("#connection")).to_be_empty()
    return page


def card(page: Page, has_text: str) -> Locator:
    """The dashboard's theme card holding a note with this text."""
    return page.locator("li.theme-card").filter(
        has=page.locator(".note-text", has_text=re.compile(f"^{re.escape(has_text)}$"))
    )


def note_in(scope: Locator, text: str) -> Locator:
    return scope.locator("li.review-note").filter(
        has=scope.page.locator(".note-text", has_text=re.compile(f"^{re.escape(text)}$"))
    )


def themes_found(page: Page) -> None:
    """Themes were found: two cards, one per topic."""
    expect(page.locator("li.theme-card")).to_have_count(2)
    expect(card(page, BUS[0])).to_contain_text(BUS[1])
    expect(card(page, MIND[0])).to_contain_text(MIND[1])


# ---- 1. keyboard only: find themes, merge, move a note in and out -------------------------------


def test_keyboard_only_review(live_server: LiveServer, new_context: NewContext) -> None:
    url = live_server.url
    workshop = workshop_with_notes(url)
    page = dashboard(new_context(viewport={"width": 1280, "height": 900}), url, workshop)

    review_step = page.locator(".stepper .step[data-phase=review]")
    review_step.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Themes", exact=True)).to_be_visible()

    count = page.get_by_label("Number of themes (optional)")
    count.focus()
    page.keyboard.type("2")
    find = page.get_by_role("button", name="Find themes", exact=True)
    find.focus()
    page.keyboard.press("Enter")
    themes_found(page)
    # The lists were busy, not the section around the status, whose news is read out.
    expect(page.locator("#review")).not_to_have_attribute("aria-busy", re.compile("."))
    expect(page.locator(".theme-cards").first).to_have_attribute("aria-busy", "false")
    expect(page.locator("#themes-status")).to_have_text("The themes are ready.")

    # Rename the bus theme: Enter saves; then Escape cancels a second rename.
    bus = card(page, BUS[0])
    bus.get_by_role("button", name="Rename").focus()
    page.keyboard.press("Enter")
    field = page.get_by_label("Name of the theme")
    expect(field).to_be_focused()
    field.press("Control+a")
    page.keyboard.type("Liikenne")
    page.keyboard.press("Enter")
    expect(bus.locator("h4")).to_have_text("Liikenne")
    expect(bus.get_by_role("button", name="Rename")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.type("ei tätä")
    page.keyboard.press("Escape")
    expect(bus.locator("h4")).to_have_text("Liikenne")

    # A bus note moves into the other theme with its "Move to…" select and button…
    mind = card(page, MIND[0])
    select = note_in(bus, BUS[2]).get_by_label("Move to…")
    expect(select).to_have_accessible_description(BUS[2])  # which note: each card has many
    select.focus()
    expect(select).not_to_have_value("")  # the first choice: the other theme
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    moved = note_in(mind, BUS[2])
    expect(moved).to_be_visible()
    expect(bus.locator(".theme-size")).to_have_text("2 notes")
    expect(moved.get_by_label("Move to…")).to_be_focused()  # the focus followed the note

    # …and out of every theme: typeahead picks "No theme".
    page.keyboard.type("No")
    expect(moved.get_by_label("Move to…")).to_have_value("")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    unsorted = page.locator("[data-unsorted-for]")
    expect(note_in(unsorted, BUS[2])).to_be_visible()
    expect(mind.locator(".theme-size")).to_have_text("3 notes")

    # Merge the mental-health theme into Liikenne.
    merge = mind.get_by_label("Merge into…")
    merge.focus()
    expect(merge).to_have_value(re.compile(r"^\d+$"))  # the only other theme: Liikenne
    page.keyboard.press("Tab")
    expect(mind.get_by_role("button", name="Merge")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("li.theme-card")).to_have_count(1)
    merged = page.locator("li.theme-card")
    expect(merged.locator("h4")).to_have_text("Liikenne")
    expect(merged.locator("h4")).to_be_focused()
    for text in BUS[:2] + MIND:
        expect(note_in(merged, text)).to_be_visible()
    expect(merged.locator(".theme-size")).to_have_text("5 notes")

    # The server agrees.
    assert server_themes(url, workshop) == {
        "Liikenne": set(BUS[:2] + MIND),
        "": {BUS[2]},
    }

    # A reload replays the log into the same picture.
    page.reload()
    expect(page.locator("li.theme-card")).to_have_count(1)
    expect(page.locator("li.theme-card h4")).to_have_text("Liikenne")
    expect(page.locator("li.theme-card .theme-size")).to_have_text("5 notes")
    expect(note_in(page.locator("[data-unsorted-for]"), BUS[2])).to_be_visible()

    # Deleting asks twice; the notes go back to unsorted.
    card_now = page.locator("li.theme-card")
    card_now.get_by_role("button", name="Delete theme").click()
    card_now.get_by_role("button", name="Really delete?").click()
    expect(page.locator("li.theme-card")).to_have_count(0)
    expect(note_in(page.locator("[data-unsorted-for]"), MIND[0])).to_be_visible()


# ---- 2. dots on a phone; the dashboard's totals follow live -------------------------------------


def test_participant_spends_dots_and_dashboard_counts(
    live_server: LiveServer, new_context: NewContext
) -> None:
    url = live_server.url
    workshop = workshop_with_notes(url)
    token = workshop["facilitator_token"]
    command(live_server, token, "themes.run", themes=2)
    command(live_server, token, "voting.set", dots=2)
    command(live_server, token, "phase.set", phase="vote")
    dash = dashboard(new_context(viewport={"width": 1280, "height": 900}), url, workshop)
    themes_found(dash)
    voter = join(url, workshop["code"], name="Eino")
    phone = board_for(new_context(**PHONE), url, voter)

    view = phone.get_by_role("region", name="Vote")
    expect(view).to_be_visible()
    expect(phone.locator("#locked-banner")).to_be_hidden()  # voting locks posting quietly
    left = view.locator(".dots-left")
    expect(left).to_have_text("2 of 2 dots left")
    bus = view.locator("li.vote-theme").filter(has_text="bussi")
    mind = view.locator("li.vote-theme").filter(has_text="mielenterveys")
    add_bus = bus.get_by_role("button", name="Add dot")
    expect(add_bus).to_have_css("min-height", "48px")  # results.css came with the vote view
    box = add_bus.bounding_box()
    assert box and box["height"] >= 44 and box["width"] >= 44

    # The theme's notes are behind its note count, to read before spending a dot.
    bus_notes = bus.locator("details.theme-notes")
    expect(bus_notes.locator("summary")).to_have_text("3 notes")
    expect(bus_notes.locator("li").first).to_be_hidden()
    bus_notes.locator("summary").tap()
    expect(bus_notes.locator("li")).to_have_text(BUS)
    expect(bus_notes.locator("p")).to_have_count(0)  # all three are the group's own
    # Finnish notes in an English workshop: one clearly Finnish, one with nothing to tell.
    expect(bus_notes.locator("li", has_text=BUS[0])).to_have_attribute("lang", "fi")
    expect(bus_notes.locator("li", has_text=BUS[1])).to_have_attribute("lang", "en")

    add_bus.tap()
    expect(bus.locator(".my-dots")).to_have_text("Your dots: 1")
    expect(bus_notes.locator("li")).to_have_text(BUS)  # still open after the redraw
    expect(left).to_have_text("1 of 2 dots left")
    expect(card(dash, BUS[0]).locator(".theme-votes")).to_have_text("1 vote")
    add_bus.tap()
    expect(bus.locator(".my-dots")).to_have_text("Your dots: 2")
    expect(left).to_have_text("0 of 2 dots left")
    expect(card(dash, BUS[0]).locator(".theme-votes")).to_have_text("2 votes")

    # An extra dot is refused, politely.
    add_mind = mind.get_by_role("button", name="Add dot")
    expect(add_mind).to_have_attribute("aria-disabled", "true")
    add_mind.tap(force=True)  # aria-disabled, not disabled: a tap still lands and is answered
    expect(phone.locator("#vote-error")).to_have_text(re.compile("no dots left"))
    expect(mind.locator(".my-dots")).to_have_text("Your dots: 0")
    expect(card(dash, MIND[0]).locator(".theme-votes")).to_have_text("0 votes")

    # Taking one back frees it for another theme; the dashboard sorts by votes.
    bus.get_by_role("button", name="Remove dot").tap()
    expect(left).to_have_text("1 of 2 dots left")
    mind.get_by_role("button", name="Add dot").tap()
    expect(left).to_have_text("0 of 2 dots left")
    expect(card(dash, MIND[0]).locator(".theme-votes")).to_have_text("1 vote")
    expect(card(dash, BUS[0]).locator(".theme-votes")).to_have_text("1 vote")
    data = summary_json(url, workshop)
    assert sorted(t["votes"] for t in data["prompts"][0]["themes"]) == [1, 1]

    # After a reload the phone still knows its own dots.
    phone.reload()
    expect(phone.get_by_role("region", name="Vote").locator(".dots-left")).to_have_text(
        "0 of 2 dots left"
    )

    # Fewer dots than Eino spent are refused at the field, which shows the dots in force.
    dots = dash.get_by_label("Dots per participant for each prompt")
    dots.fill("1")
    dots.press("Enter")
    expect(dots).to_have_attribute("aria-invalid", "true")
    expect(dots).to_have_accessible_description(re.compile(r"\S"))
    expect(dots).to_have_value("2")
    expect(dots).to_be_focused()
    expect(dash.locator("#review-error")).to_be_hidden()

    # Participants may add actions when allowed, and remove their own (not others').
    command(live_server, token, "actions.allow", allowed=True)
    view = phone.get_by_role("region", name="Vote")
    bus = view.locator("li.vote-theme").filter(has_text="bussi")
    bus.locator("summary", has_text="Add action").tap()
    bus.get_by_label("What will be done").fill("Kyytiringit")
    bus.get_by_role("button", name="Add action").tap()
    mine = bus.locator(".action-list li").filter(has_text="Kyytiringit")
    expect(card(dash, BUS[0]).locator(".action-list")).to_contain_text("Kyytiringit")
    # The action's words are marked with the workshop's language, "by <date>" is the page's.
    expect(mine.locator('span[lang="en"]')).to_have_text("Kyytiringit")
    card(dash, BUS[0]).locator("summary", has_text="Add action").click()
    card(dash, BUS[0]).get_by_label("What will be done").fill("Facilitator's own")
    card(dash, BUS[0]).get_by_role("button", name="Add action").click()
    theirs = bus.locator(".action-list li").filter(has_text="Facilitator's own")
    expect(theirs).to_be_visible()
    expect(theirs.get_by_role("button")).to_have_count(0)
    mine.get_by_role("button", name="Remove").tap()
    expect(mine).to_have_count(0)
    expect(card(dash, BUS[0]).locator(".action-list")).not_to_contain_text("Kyytiringit")


def test_another_groups_themes_show_on_a_phone_only_while_shared(
    live_server: LiveServer, new_context: NewContext
) -> None:
    url = live_server.url
    workshop = create_workshop(url, language="en", prompts=["Mikä puuttuu?"], groups=["A", "B"])
    group_a, group_b = (g["id"] for g in workshop["groups"])
    author = join(url, workshop["code"], name="Aino", group_id=group_a)
    for text in BUS + MIND:
        command(
            live_server, author["participant_token"], "note.add",
            prompt_id=workshop["prompts"][0]["id"], text=text,
        )  # fmt: skip
    token = workshop["facilitator_token"]
    command(live_server, token, "themes.run", group_id=group_a, themes=2)
    command(live_server, token, "phase.set", phase="vote")
    phone = board_for(new_context(**PHONE), url, join(url, workshop["code"], group_id=group_b))
    view = phone.get_by_role("region", name="Vote")
    expect(view).to_be_visible()
    expect(view.locator("li.vote-theme")).to_have_count(0)

    command(live_server, token, "sharing.set", shared=True)
    expect(view.locator("li.vote-theme")).to_have_count(2)
    command(live_server, token, "sharing.set", shared=False)
    expect(view.locator("li.vote-theme")).to_have_count(0)
    # Deleted while unshared, so the phone never heard of it: sharing again must not bring it back.
    gone = summary_json(url, workshop)["prompts"][0]["themes"][0]["id"]
    command(live_server, token, "theme.delete", theme_id=gone)
    command(live_server, token, "sharing.set", shared=True)
    expect(view.locator("li.vote-theme")).to_have_count(1)
    expect(view.locator(f'li.vote-theme[data-theme-id="{gone}"]')).to_have_count(0)
    # A dot on another group's theme still counts once it is out of sight, after a reload too.
    view.get_by_role("button", name="Add dot").tap()
    expect(view.locator(".dots-left")).to_have_text("2 of 3 dots left")
    deadline = time.monotonic() + 5  # the screen counts the dot at once; unshare once it is stored
    while dots_stored(url, workshop) < 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    command(live_server, token, "sharing.set", shared=False)
    expect(view.locator("li.vote-theme")).to_have_count(0)
    phone.reload()
    view = phone.get_by_role("region", name="Vote")
    expect(view.locator(".dots-left")).to_have_text("2 of 3 dots left")


def test_a_voter_reads_the_notes_of_an_all_groups_theme_their_board_may_show(
    live_server: LiveServer, new_context: NewContext
) -> None:
    """Themes found across groups reach every phone; their notes from other groups stay out of
    sight until results are shared, and the phone says how many there are."""
    url = live_server.url
    workshop = create_workshop(url, language="en", prompts=["Mikä puuttuu?"], groups=["A", "B"])
    group_a, group_b = (g["id"] for g in workshop["groups"])
    prompt = workshop["prompts"][0]["id"]
    author = join(url, workshop["code"], name="Aino", group_id=group_a)
    for text in BUS + MIND:
        command(live_server, author["participant_token"], "note.add", prompt_id=prompt, text=text)
    voter = join(url, workshop["code"], name="Eino", group_id=group_b)
    own = "Bussi ei kulje sunnuntaisin"
    command(live_server, voter["participant_token"], "note.add", prompt_id=prompt, text=own)
    token = workshop["facilitator_token"]
    command(live_server, token, "themes.run", themes=2)
    command(live_server, token, "phase.set", phase="vote")
    bus_texts = next(texts for texts in server_themes(url, workshop).values() if own in texts)
    others = len(bus_texts) - 1
    assert others >= 1, bus_texts

    phone = board_for(new_context(**PHONE), url, voter)
    view = phone.get_by_role("region", name="Vote")
    theme = view.locator("li.vote-theme").filter(has=phone.get_by_text(own, exact=True))
    notes = theme.locator("details.theme-notes")
    expect(notes.locator("summary")).to_have_text(f"{len(bus_texts)} notes")
    notes.locator("summary").tap()
    expect(notes.locator("li")).to_have_text([own])
    expect(notes.locator("p")).to_have_text(f"{others} notes of other groups")

    command(live_server, token, "sharing.set", shared=True)
    expect(notes.locator("li")).to_have_count(len(bus_texts))
    assert set(notes.locator("li").all_inner_texts()) == bus_texts
    expect(notes.locator("p")).to_have_count(0)


def test_a_board_ended_in_the_vote_phase_keeps_no_vote_view(
    live_server: LiveServer, new_context: NewContext
) -> None:
    url = live_server.url
    workshop = workshop_with_notes(url)
    token = workshop["facilitator_token"]
    command(live_server, token, "themes.run", themes=2)
    command(live_server, token, "phase.set", phase="vote")
    phone = board_for(new_context(**PHONE), url, join(url, workshop["code"], name="Eino"))
    view = phone.get_by_role("region", name="Vote")
    expect(view.locator("li.vote-theme")).to_have_count(2)
    deleted = httpx.delete(
        f"{url}/api/workshops/{workshop['id']}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert deleted.status_code == 204
    expect(phone.get_by_role("alert")).to_contain_text("This workshop has been deleted.")
    expect(phone.locator("#vote-view")).to_be_hidden()
    expect(phone.get_by_role("button", name="Add dot")).to_have_count(0)


# ---- 3. publishing the summary ------------------------------------------------------------------


def test_a_theme_another_participant_voted_on_survives_a_rerun_on_every_screen(
    live_server: LiveServer, new_context: NewContext
) -> None:
    """Themes with votes are kept by a re-run for all groups; the boards used to drop those
    without the viewer's own dots, on the spot and again on every reload."""
    url = live_server.url
    workshop = workshop_with_notes(url)
    token = workshop["facilitator_token"]
    group = workshop["groups"][0]["id"]
    command(live_server, token, "themes.run", group_id=group, themes=2)
    command(live_server, token, "voting.set", dots=2)
    command(live_server, token, "phase.set", phase="vote")
    bus_theme = next(
        t for t in summary_json(url, workshop)["prompts"][0]["themes"] if "ussi" in t["label"]
    )
    voter = join(url, workshop["code"], name="Eino")
    command(live_server, voter["participant_token"], "vote.cast", theme_id=bus_theme["id"])

    phone = board_for(new_context(**PHONE), url, join(url, workshop["code"], name="Saga"))
    voted = phone.locator(f'li.vote-theme[data-theme-id="{bus_theme["id"]}"]')
    expect(voted).to_have_count(1)
    command(live_server, token, "themes.run", themes=2)  # all groups: the voted theme stays
    dash = dashboard(new_context(viewport={"width": 1280, "height": 900}), url, workshop)
    expect(dash.locator(f'li.theme-card[data-theme-id="{bus_theme["id"]}"]')).to_have_count(1)
    expect(voted).to_have_count(1)
    phone.reload()
    expect(voted).to_have_count(1)


def test_theme_cards_follow_a_deletion_and_tell_a_mistake_next_to_its_field(
    live_server: LiveServer, new_context: NewContext
) -> None:
    url = live_server.url
    workshop = workshop_with_notes(url)
    command(live_server, workshop["facilitator_token"], "phase.set", phase="review")
    command(live_server, workshop["facilitator_token"], "themes.run", themes=2)
    dash = dashboard(new_context(viewport={"width": 1280, "height": 900}), url, workshop)
    themes_found(dash)
    size = card(dash, BUS[1]).locator(".theme-size")
    expect(size).to_have_text(f"{len(BUS)} notes")
    note = next(n for n in summary_json(url, workshop)["notes"] if n["text"] == BUS[0])
    command(live_server, workshop["author"]["participant_token"], "note.delete", note_id=note["id"])
    expect(size).to_have_text(f"{len(BUS) - 1} notes")

    # A mistake in a card's form is told next to its field, not at the top of the themes.
    name = card(dash, MIND[0]).get_by_label("Name of the new theme")
    expect(name).to_have_accessible_description(re.compile("^Tick the notes"))  # visible hint
    name.fill("Jonot")
    card(dash, MIND[0]).get_by_role("button", name="Split into a new theme").click()
    expect(name).to_be_focused()
    expect(name).to_have_accessible_description(
        re.compile("Tick the notes.*Select some, but not all")
    )
    expect(card(dash, MIND[0]).locator(".form-error")).to_be_visible()

    # A note arriving while the facilitator selects notes to split leaves the focus there.
    box = note_in(card(dash, MIND[1]), MIND[1]).get_by_role("checkbox")
    box.focus()
    box.press("Space")
    command(
        live_server,
        workshop["author"]["participant_token"],
        "note.add",
        prompt_id=workshop["prompts"][0]["id"],
        text="Uusi muistiinpano tulee",
    )
    expect(dash.locator("#review").get_by_text("Uusi muistiinpano tulee")).to_be_visible()
    expect(box).to_be_focused()
    expect(box).to_be_checked()

    # So is a number of themes out of range.
    count = dash.get_by_label("Number of themes (optional)")
    count.fill("99")
    dash.get_by_role("button", name="Find themes for all prompts").click()
    expect(count).to_be_focused()
    expect(count).to_have_accessible_description("Give a whole number from 1 to 50.")


def test_published_summary_reaches_the_participant_escaped(
    live_server: LiveServer, new_context: NewContext
) -> None:
    url = live_server.url
    evil = "<img src=x onerror=alert(1)> Bussi <b>lakko</b>"
    workshop = workshop_with_notes(url)
    token = workshop["facilitator_token"]
    command(live_server, token, "themes.run", themes=2)
    command(live_server, token, "phase.set", phase="review")
    dash = dashboard(new_context(viewport={"width": 1280, "height": 900}), url, workshop)
    themes_found(dash)
    bus = card(dash, BUS[0])
    bus.get_by_role("button", name="Rename").click()
    dash.get_by_label("Name of the theme").fill(evil)
    dash.get_by_label("Name of the theme").press("Enter")
    expect(bus.locator("h4")).to_have_text(evil)
    command(live_server, token, "phase.set", phase="vote")

    voter = join(url, workshop["code"], name="Eino")
    phone = board_for(new_context(**PHONE), url, voter)
    phone.get_by_role("region", name="Vote").locator("li.vote-theme").filter(
        has_text="lakko"
    ).get_by_role("button", name="Add dot").tap()
    expect(card(dash, BUS[0]).locator(".theme-votes")).to_have_text("1 vote")

    # A follow-up action from the dashboard.
    bus.locator("summary", has_text="Add action").click()
    bus.get_by_label("What will be done").fill("Kimppakyydit <script>")
    bus.get_by_label("Owner organisation").fill("TE-palvelut")
    bus.get_by_label("Due date").fill("2026-12-31")
    bus.get_by_role("button", name="Add action").click()
    expect(bus.locator(".action-list")).to_contain_text("Kimppakyydit <script> – TE-palvelut")
    # What and who are marked with the workshop's language, "by <date>" is the page's.
    expect(bus.locator('.action-list span[lang="en"]')).to_have_text(
        "Kimppakyydit <script> – TE-palvelut"
    )

    dash.locator(".stepper .step[data-phase=summary]").click()
    summary = phone.get_by_role("region", name="Summary")
    expect(summary).to_be_hidden()
    dash.get_by_label("Publish summary to participants").check()
    expect(summary).to_be_visible()
    expect(phone.locator("#announcer")).to_have_text("The summary is ready.")
    theme = summary.locator(".summary-theme").filter(has_text="lakko").first
    expect(theme.locator("h4")).to_have_text(evil)  # shown as text, never as markup
    expect(theme).to_contain_text("1 vote")
    expect(theme).to_contain_text("Kimppakyydit <script>")
    expect(summary.locator("img, b, script")).to_have_count(0)
    # The chart's words stay legible on the phone (at least 10 CSS px tall).
    heights = summary.locator("figure.chart svg text").evaluate_all(
        "texts => texts.map(t => t.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 10, heights
    # The focus was lost with the vote view (the summary phase came first, with nothing to
    # show): the summary that comes later catches it.
    expect(phone.locator("#summary-heading")).to_be_focused()

    dash.get_by_label("Publish summary to participants").uncheck()
    expect(summary).to_be_hidden()
    link = dash.get_by_role("link", name="Open the summary page")
    assert link.get_attribute("href") == (
        f"/d/{workshop['id']}/summary?token={workshop['facilitator_token']}"
    )
    href = dash.get_by_role("link", name="Markdown").get_attribute("href") or ""
    download = httpx.get(url + href, timeout=10)
    assert download.status_code == 200 and "Kimppakyydit" in download.text


# ---- 4. drag and drop with the mouse ------------------------------------------------------------


def test_drag_and_drop_moves_a_note(live_server: LiveServer, new_context: NewContext) -> None:
    url = live_server.url
    workshop = workshop_with_notes(url)
    command(live_server, workshop["facilitator_token"], "themes.run", themes=2)
    command(live_server, workshop["facilitator_token"], "phase.set", phase="review")
    context = new_context(viewport={"width": 1280, "height": 1000})
    page = dashboard(context, url, workshop)
    second = dashboard(context, url, workshop)  # a co-facilitator's screen follows live
    themes_found(page)
    page.bring_to_front()
    page.locator("#review .theme-prompt").scroll_into_view_if_needed()  # source and target in view
    note_in(card(page, BUS[0]), BUS[2]).locator(".note-text").drag_to(
        card(page, MIND[0]).locator("h4")
    )
    expect(note_in(card(page, MIND[0]), BUS[2])).to_be_visible()
    expect(card(page, BUS[0]).locator(".theme-size")).to_have_text("2 notes")
    expect(note_in(card(second, MIND[0]), BUS[2])).to_be_visible()

    note_in(card(page, MIND[0]), MIND[2]).locator(".note-text").drag_to(
        page.locator("[data-unsorted-for] h4")
    )
    expect(note_in(page.locator("[data-unsorted-for]"), MIND[2])).to_be_visible()
    # The screen moves the note at once; the server's copy follows when the command commits.
    deadline = time.monotonic() + 5
    while (themes := server_themes(url, workshop))[""] != {MIND[2]} and time.monotonic() < deadline:
        time.sleep(0.1)
    assert themes[""] == {MIND[2]}
    assert BUS[2] in next(notes for notes in themes.values() if MIND[0] in notes)
