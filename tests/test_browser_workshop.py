"""The browser side end to end: real Chromium (Playwright, sync API) against a real server.

Facilitator and participants each get their own browser context, i.e. their own storage,
like separate devices. Every check waits with Playwright's auto-retrying expect().
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Locator, Page, WebSocketRoute, expect

# no_script_errors is an autouse fixture: importing it is what makes it apply here.
from tests.browser import (  # noqa: F401
    PHONE,
    NewContext,
    api_notes,
    board_for,
    board_note,
    dots_stored,
    expect_connected,
    no_script_errors,
    open_page,
    page_weight,
    post,
    prompt_section,
    send_as,
    workshop_in_vote_phase,
)
from tests.conftest import LiveServer
from tests.helpers import create_workshop, join

pytestmark = pytest.mark.browser

expect.set_options(timeout=5000)


def dash_column(page: Page, prompt_id: int, group_id: int) -> Locator:
    return page.locator(f'ul.notes[data-prompt-id="{prompt_id}"][data-group-id="{group_id}"]')


def group_id(workshop: dict[str, Any], name: str) -> int:
    return int(next(g["id"] for g in workshop["groups"] if g["name"] == name))


def seconds_shown(text: str) -> int:
    minutes, seconds = text.split(":")
    return int(minutes) * 60 + int(seconds)


# ---- 1. creating a workshop ------------------------------------------------------------------


def test_facilitator_creates_workshop_from_the_landing_page(
    live_server: LiveServer, new_context: NewContext
) -> None:
    page = open_page(
        new_context(viewport={"width": 320, "height": 640}), f"{live_server.url}/?lang=en"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 320  # no sideways scrolling
    # The template's prompts can be read whole on the phone: no field hides part of its text.
    prompt_fields = page.locator("#prompt-list textarea")
    expect(prompt_fields).to_have_count(3)
    clipped = prompt_fields.evaluate_all(
        "fields => fields.filter(f => f.scrollHeight > f.clientHeight).map(f => f.value)"
    )
    assert clipped == []
    page.set_viewport_size({"width": 1280, "height": 900})

    # Submitting without a title: the error sits next to the field and gets the focus.
    page.get_by_role("button", name="Create the workshop").click()
    title = page.get_by_label("Title")
    expect(title).to_be_focused()
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#title-error")).to_have_text("Give the workshop a title.")
    assert "title-error" in (title.get_attribute("aria-describedby") or "")

    title.fill("TEKO Lohja")
    page.get_by_label("Language of the workshop").select_option("fi")
    page.get_by_label("Template: information, interpretation, action").check()
    expect(page.get_by_label("Prompt 1", exact=True)).to_have_value(
        "Tieto: mitä tiedämme tilanteesta?"
    )
    page.get_by_label("Prompt 3", exact=True).fill("Toiminta:\nmitä teemme  ensi viikolla?")
    page.get_by_label("Group names").fill("Lohja, Karkkila")
    page.get_by_label("Participants choose their group").check()
    page.get_by_role("button", name="Create the workshop").click()

    page.wait_for_url(re.compile(r"/d/[\w-]+\?token="))
    code = page.locator("#join-code")
    expect(code).to_have_text(re.compile(r"^[0-9A-Z]{4,10}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("TEKO Lohja")
    expect(page.locator("#connection")).to_be_empty()
    page.wait_for_function(
        "() => document.querySelector('img.qr').naturalWidth > 0"
    )  # the QR renders
    page.get_by_role("button", name="Show QR code large").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    expect(page.get_by_role("dialog").get_by_role("img")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(page.get_by_role("button", name="Show QR code large")).to_be_focused()

    workshop_id = page.url.split("/d/")[1].split("?")[0]
    token = page.url.split("token=")[1].split("&")[0]
    stored = page.evaluate("JSON.stringify(Object.assign({}, localStorage))")
    assert token not in stored  # the secret lives in the dashboard link only
    state = httpx.get(
        f"{live_server.url}/api/workshops/{workshop_id}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ).json()
    assert state["code"] == code.inner_text()
    assert state["language"] == "fi" and state["group_choice"] is True
    assert [g["name"] for g in state["groups"]] == ["Lohja", "Karkkila"]
    assert [p["text"] for p in state["prompts"]] == [
        "Tieto: mitä tiedämme tilanteesta?",
        "Tulkinta: mitä se tarkoittaa meille?",
        "Toiminta: mitä teemme ensi viikolla?",  # a prompt is one line: its spaces collapsed
    ]


# ---- 2 and 3. live notes per group, phase and timer ---------------------------------------------


def test_notes_reach_their_group_and_the_dashboard_only(
    live_server: LiveServer, new_context: NewContext, artifacts_dir: Path
) -> None:
    url = live_server.url
    workshop = create_workshop(
        url,
        title="Verkostopaja",
        language="en",
        prompts=["Strengths?", "Gaps?"],
        groups=["Lohja", "Karkkila"],
        group_choice=True,
    )
    lohja, karkkila = group_id(workshop, "Lohja"), group_id(workshop, "Karkkila")
    first_prompt = workshop["prompts"][0]["id"]
    dash = open_page(new_context(), workshop["dashboard_url"] + "&lang=en")
    expect(dash.locator("#connection")).to_be_empty()

    # Aino joins on a phone through the join page and picks Lohja.
    aino = open_page(new_context(**PHONE), f"{url}/j/{workshop['code'].lower()}?lang=en")
    aino.get_by_label("Your name (optional)").fill("Aino")
    aino.get_by_label("Lohja").check()
    aino.get_by_role("button", name="Join the workshop").tap()
    aino.wait_for_url(f"**/w/{workshop['id']}")
    expect_connected(aino)
    expect(aino.locator("#group-line")).to_have_text("Your group: Lohja")
    weight = page_weight(aino)
    assert 20_000 < weight <= 60_000, f"the board loads {weight} bytes of HTML, CSS and JS"

    # Kalle joins through the join page too and picks Karkkila; Bea is joined through the API.
    kalle = open_page(new_context(), f"{url}/j/{workshop['code']}?lang=en")
    kalle.get_by_label("Karkkila").check()
    kalle.get_by_role("button", name="Join the workshop").click()
    kalle.wait_for_url(f"**/w/{workshop['id']}")
    expect_connected(kalle)
    bea = board_for(new_context(), url, join(url, workshop["code"], group_id=lohja, name="Bea"))

    presence = dash.locator("#presence")
    expect(presence.locator(f'[data-group-id="{lohja}"]')).to_contain_text("2 online, 2 joined")
    expect(presence.locator(f'[data-group-id="{karkkila}"]')).to_contain_text("1 online, 1 joined")

    post(aino, "Strengths?", "Lohja: job coaches know employers", tap=True)
    for page in (aino, bea):
        expect(board_note(page, "Lohja: job coaches know employers")).to_have_count(1)
    expect(board_note(bea, "Lohja: job coaches know employers")).to_contain_text("Aino")
    expect(dash_column(dash, first_prompt, lohja)).to_contain_text(
        "Lohja: job coaches know employers"
    )
    # Incoming notes are announced at most once in 5 s, together.
    expect(bea.locator("#announcer")).to_have_text("New note from Lohja", timeout=10000)

    post(kalle, "Strengths?", "Karkkila: short distances")
    expect(board_note(kalle, "Karkkila: short distances")).to_have_count(1)
    expect(dash_column(dash, first_prompt, karkkila)).to_contain_text("Karkkila: short distances")

    # A later Lohja note reaches Lohja; events arrive in order, so Karkkila's note
    # would be here by now if it were (wrongly) sent to Lohja.
    post(bea, "Gaps?", "Lohja: no evening courses")
    for page in (aino, bea):
        expect(board_note(page, "Lohja: no evening courses")).to_have_count(1)
        expect(page.get_by_text("Karkkila: short distances")).to_have_count(0)
    # A Finnish note on an English board is marked so, for screen readers (WCAG 3.1.2).
    finnish = "Karkkila: bussit eivät kulje iltaisin"
    post(kalle, "Gaps?", finnish)
    expect(board_note(kalle, finnish).locator(".note-text")).to_have_attribute("lang", "fi")
    expect(dash.locator(".note-text", has_text=finnish)).to_have_attribute("lang", "fi")
    expect(board_note(kalle, "Karkkila: short distances").locator(".note-text")).to_have_attribute(
        "lang", "en"
    )
    for text in ("Lohja: job coaches know employers", "Lohja: no evening courses"):
        expect(kalle.get_by_text(text)).to_have_count(0)
    expect(aino.get_by_text(finnish)).to_have_count(0)
    expect(dash.locator("#note-total")).to_have_text("4 notes")
    assert len(api_notes(url, workshop)) == 4

    # Aino edits and deletes her own note; only her own notes offer that.
    expect(board_note(aino, "Lohja: no evening courses").get_by_role("button")).to_have_count(0)
    note_id = board_note(aino, "Lohja: job coaches know employers").get_attribute("data-note-id")
    own = aino.locator(f'li[data-note-id="{note_id}"]')
    own.get_by_role("button", name="Edit").tap()
    own.get_by_label("Edit your note").fill("   ")
    own.get_by_role("button", name="Save").tap()  # an empty edit is said, next to the field
    expect(own.get_by_label("Edit your note")).to_have_attribute("aria-invalid", "true")
    expect(own.get_by_label("Edit your note")).to_have_accessible_description(
        "Write something first."
    )
    own.get_by_label("Edit your note").fill("Lohja: job coaches know local employers")
    own.get_by_role("button", name="Save").tap()
    expect(board_note(bea, "Lohja: job coaches know local employers")).to_have_count(1)
    expect(dash_column(dash, first_prompt, lohja)).to_contain_text(
        "Lohja: job coaches know local employers"
    )
    edited = board_note(aino, "Lohja: job coaches know local employers")
    edited.get_by_role("button", name="Delete").tap()
    edited.get_by_role("button", name="Really delete?").tap()
    expect(board_note(bea, "Lohja: job coaches know local employers")).to_have_count(0)
    expect(board_note(aino, "Lohja: job coaches know local employers")).to_have_count(0)
    expect(dash.locator("#note-total")).to_have_text("3 notes")

    # Back on the join page, this device is offered its earlier place.
    again = open_page(aino.context, f"{url}/j/{workshop['code']}")
    expect(again.get_by_role("link", name="Continue as before")).to_have_attribute(
        "href", f"/w/{workshop['id']}"
    )
    again.close()

    # The phase and a timer set on the dashboard reach everyone.
    dash.get_by_role("button", name="Ideas").click()
    expect(dash.get_by_role("button", name="Ideas")).to_have_attribute("aria-current", "step")
    for page in (aino, kalle):
        expect(page.locator("#phase-name")).to_have_text("Ideas")
        expect(page.locator("#phase-help")).to_have_text(
            "Write your ideas, one short note at a time."
        )
    dash.get_by_label("Minutes").fill("2")
    dash.get_by_role("button", name="Start timer").click()
    timer = aino.locator("#timer-value")
    expect(timer).to_be_visible()
    expect(timer).to_have_text(re.compile(r"^[12]:\d\d$"))
    first = seconds_shown(timer.inner_text())
    assert 110 <= first <= 120
    expect(timer).not_to_have_text(timer.inner_text(), timeout=3000)
    assert seconds_shown(timer.inner_text()) < first
    expect(kalle.locator("#timer-value")).to_have_text(re.compile(r"^[12]:\d\d$"))
    aino.screenshot(path=str(artifacts_dir / "board-phone.png"), full_page=True)
    dash.screenshot(path=str(artifacts_dir / "dashboard.png"), full_page=True)

    dash.get_by_role("button", name="Stop timer").click()
    expect(aino.locator("#timer")).to_be_hidden()
    aino.set_viewport_size({"width": 320, "height": 640})
    assert aino.evaluate("document.documentElement.scrollWidth") <= 320


# ---- 4. offline and back ----------------------------------------------------------------------


def test_note_written_offline_is_sent_once_when_back_online(
    live_server: LiveServer, new_context: NewContext
) -> None:
    url = live_server.url
    workshop = create_workshop(
        url, title="Offline", language="en", prompts=["Strengths?"], groups=["Lohja", "Karkkila"]
    )
    lohja = group_id(workshop, "Lohja")
    dash = open_page(new_context(), workshop["dashboard_url"] + "&lang=en")
    phone = new_context(**PHONE)
    aino = board_for(phone, url, join(url, workshop["code"], group_id=lohja, name="Aino"))
    bea = board_for(new_context(), url, join(url, workshop["code"], group_id=lohja, name="Bea"))
    lohja_presence = dash.locator(f'#presence [data-group-id="{lohja}"]')
    expect(lohja_presence).to_contain_text("2 online")

    phone.set_offline(True)
    expect(aino.locator("#connection")).to_contain_text("You are offline")
    expect(aino.get_by_role("status").filter(has_text="You are offline")).to_be_visible()
    # The server has seen the socket close: the dashboard counts one Lohja device fewer.
    expect(lohja_presence).to_contain_text("1 online")

    text = "Written in the basement"
    post(aino, "Strengths?", text, tap=True)
    pending = board_note(aino, text)
    expect(pending).to_have_class(re.compile(r"\bpending\b"))
    expect(pending).to_contain_text("Waiting to send")
    outbox = aino.evaluate(
        "Object.keys(localStorage).filter(k => k.startsWith('talkoot:outbox:'))"
        ".map(k => JSON.parse(localStorage.getItem(k))).flat()"
    )
    assert [(e["type"], e["text"]) for e in outbox] == [("note.add", text)]
    expect(board_note(bea, text)).to_have_count(0)

    phone.set_offline(False)
    expect(aino.locator("#connection")).to_be_empty(timeout=10000)
    expect(board_note(aino, text)).not_to_have_class(re.compile(r"\bpending\b"))
    expect(board_note(aino, text)).to_have_count(1)
    expect(board_note(bea, text)).to_have_count(1)
    expect(dash.locator("ul.notes").get_by_text(text)).to_have_count(1)
    expect(lohja_presence).to_contain_text("2 online")
    assert [n["text"] for n in api_notes(url, workshop)] == [text]
    assert (
        aino.evaluate(
            "Object.keys(localStorage).filter(k => k.startsWith('talkoot:outbox:'))"
            ".map(k => JSON.parse(localStorage.getItem(k))).flat().length"
        )
        == 0
    )

    # Written offline, but posting was paused meanwhile: the note waits until posting opens.
    phone.set_offline(True)
    expect(aino.locator("#connection")).to_contain_text("You are offline")
    post(aino, "Strengths?", "Waits for the lock", tap=True)
    dash.get_by_role("button", name="Pause posting").click()
    expect(dash.locator("#posting-state")).to_have_text("Posting is paused.")
    phone.set_offline(False)
    held = board_note(aino, "Waits for the lock")
    expect(held).to_contain_text("Waiting – posting is paused", timeout=10000)
    expect(prompt_section(aino, "Strengths?").get_by_role("button", name="Post")).to_be_disabled()
    dash.get_by_role("button", name="Open posting").click()
    expect(held).not_to_have_class(re.compile(r"\bpending\b"))
    expect(board_note(bea, "Waits for the lock")).to_have_count(1)
    assert sorted(n["text"] for n in api_notes(url, workshop)) == sorted(
        [text, "Waits for the lock"]
    )

    # An edit waiting offline is read in the workshop's language, not in the old text's.
    post(aino, "Strengths?", "Vi behöver mer stöd", tap=True)
    swedish = board_note(aino, "Vi behöver mer stöd")
    expect(swedish).not_to_have_class(re.compile(r"\bpending\b"))
    expect(swedish.locator(".note-text")).to_have_attribute("lang", "sv")
    phone.set_offline(True)
    expect(aino.locator("#connection")).to_contain_text("You are offline")
    swedish.get_by_role("button", name="Edit").tap()
    aino.get_by_label("Edit your note").fill("Bussit eivät kulje")
    aino.get_by_role("button", name="Save").tap()
    expect(board_note(aino, "Bussit eivät kulje").locator(".note-text")).to_have_attribute(
        "lang", "en"
    )
    phone.set_offline(False)
    expect(board_note(aino, "Bussit eivät kulje").locator(".note-text")).to_have_attribute(
        "lang", "fi", timeout=10000
    )


@pytest.mark.parametrize("lang", ["fi", "sv"])  # longer words than English
def test_the_board_loads_at_most_60_kb_in_finnish_and_swedish(
    live_server: LiveServer, new_context: NewContext, lang: str
) -> None:
    workshop = create_workshop(live_server.url, language=lang)
    joined = join(live_server.url, workshop["code"], name="Aino")
    weight = page_weight(board_for(new_context(**PHONE), live_server.url, joined, lang))
    assert 20_000 < weight <= 60_000, f"the {lang} board loads {weight} bytes of HTML, CSS and JS"


# ---- 5. moderation, sharing, escaping, deletion ------------------------------------------


def test_hiding_sharing_and_escaping(live_server: LiveServer, new_context: NewContext) -> None:
    url = live_server.url
    workshop = create_workshop(
        url,
        title="Paja <b>bold</b>",
        language="en",
        prompts=["Strengths?"],
        groups=["Lohja", "Karkkila"],
    )
    lohja, karkkila = group_id(workshop, "Lohja"), group_id(workshop, "Karkkila")
    dash = open_page(new_context(), workshop["dashboard_url"] + "&lang=en")
    aino = board_for(
        new_context(), url, join(url, workshop["code"], group_id=lohja, name="<i>Aino</i>")
    )
    bea = board_for(new_context(), url, join(url, workshop["code"], group_id=lohja))
    kalle = board_for(new_context(**PHONE), url, join(url, workshop["code"], group_id=karkkila))
    expect(aino.get_by_role("heading", level=1)).to_have_text("Paja <b>bold</b>")

    nasty = "<b>bold</b> <script>window.pwned = 1</script> <img src=x onerror=window.pwned=2>"
    post(aino, "Strengths?", nasty)
    for page in (aino, bea, dash):
        note = page.locator("li.note").filter(has_text="window.pwned = 1")
        expect(note.locator(".note-text")).to_have_text(nasty)
        expect(note.locator("b, script, img, i")).to_have_count(0)
        assert page.evaluate("window.pwned") is None
    expect(board_note(bea, nasty)).to_contain_text("<i>Aino</i>")

    post(kalle, "Strengths?", "Karkkila idea")
    expect(dash.locator("ul.notes").get_by_text("Karkkila idea")).to_have_count(1)

    # Hiding: gone for the participants, dimmed and labelled on the dashboard.
    dash_note = dash.locator("li.note").filter(has_text="window.pwned = 1")
    dash_note.get_by_role("button", name="Hide").click()
    expect(dash_note).to_have_class(re.compile(r"\bis-hidden\b"))
    expect(dash_note.locator(".hidden-badge")).to_have_text("Hidden")
    for page in (aino, bea):
        expect(page.locator("li.note").filter(has_text="window.pwned = 1")).to_have_count(0)

    # Sharing: everyone sees every group's notes, marked with the group's name.
    dash.get_by_label("Share all groups' results with participants").check()
    shared = board_note(aino, "Karkkila idea")
    expect(shared.locator(".group-tag")).to_have_text("Karkkila")
    expect(board_note(bea, "Karkkila idea")).to_have_count(1)
    expect(kalle.locator("li.note").filter(has_text="window.pwned = 1")).to_have_count(
        0
    )  # still hidden
    dash_note.get_by_role("button", name="Show again").click()
    expect(dash_note).not_to_have_class(re.compile(r"\bis-hidden\b"))
    expect(board_note(kalle, nasty).locator(".group-tag")).to_have_text("Lohja")
    expect(board_note(aino, nasty)).to_have_count(1)

    dash.get_by_label("Share all groups' results with participants").uncheck()
    expect(board_note(aino, "Karkkila idea")).to_have_count(0)
    expect(board_note(kalle, nasty)).to_have_count(0)
    expect(board_note(kalle, "Karkkila idea")).to_have_count(1)

    # Locking posting disables the form with an explanation.
    dash.get_by_role("button", name="Pause posting").click()
    section = prompt_section(kalle, "Strengths?")
    expect(section.get_by_role("button", name="Post")).to_be_disabled()
    expect(section.get_by_text("Posting is paused by the facilitator.")).to_be_visible()
    dash.get_by_role("button", name="Open posting").click()
    expect(section.get_by_role("button", name="Post")).to_be_enabled()

    # The dashboard deletes the workshop after a confirmation; every board ends with a message
    # (close code 4404).
    auth = {"Authorization": f"Bearer {workshop['facilitator_token']}"}
    delete = dash.get_by_role("button", name="Delete the workshop")
    deletions: list[str] = []
    dash.on(
        "request",
        lambda request: deletions.append(request.url) if request.method == "DELETE" else None,
    )
    dash.once("dialog", lambda dialog: dialog.dismiss())
    delete.click()
    dash.wait_for_timeout(300)  # time for a request the page might still send
    assert deletions == []  # a cancelled confirmation sends nothing
    state = httpx.get(f"{url}/api/workshops/{workshop['id']}/notes", timeout=10, headers=auth)
    assert state.status_code == 200
    dash.once("dialog", lambda dialog: dialog.accept())
    delete.click()
    expect(kalle.get_by_role("alert")).to_contain_text("This workshop has been deleted.")
    expect(dash.get_by_role("alert")).to_contain_text("This workshop has been deleted.")
    expect(dash.locator("#join-code")).to_be_hidden()  # no code, QR, notes or controls left
    expect(dash.get_by_text("Karkkila idea")).to_be_hidden()
    expect(dash.get_by_role("button", name="Delete the workshop")).to_be_hidden()
    expect(dash.locator(".dash-title h1")).to_be_focused()  # not lost on <body>
    gone = httpx.get(f"{url}/api/workshops/{workshop['id']}/notes", timeout=10, headers=auth)
    assert gone.status_code in (401, 404)


# ---- 6. a lost ack and a reload while disconnected ---------------------------------------


class FlakySocket:
    """Routes a context's WebSocket through Playwright, as a phone on a poor network sees it:
    refused while `blocked`; the first ack that `lose` matches is swallowed and the
    connection cut. Every ack that does arrive is kept in `delivered`."""

    def __init__(self, context: BrowserContext, lose: Callable[[dict[str, Any]], bool]) -> None:
        self.blocked = False
        self.swallowed: list[str] = []
        self.delivered: list[dict[str, Any]] = []
        self._lose = lose
        context.route_web_socket(re.compile(r"/ws$"), self._handle)

    def _handle(self, ws: WebSocketRoute) -> None:
        if self.blocked:
            ws.close(code=1011, reason="test: no network")
            return
        server = ws.connect_to_server()

        def from_server(message: str | bytes) -> None:
            data = json.loads(message) if isinstance(message, str) else {}
            if data.get("type") == "ack":
                if not self.swallowed and self._lose(data):
                    self.swallowed.append(data["cid"])
                    ws.close(code=4000, reason="test: ack lost")
                    return
                self.delivered.append(data)
            ws.send(message)

        server.on_message(from_server)
        ws.on_message(lambda message: server.send(message))


def test_dashboard_changes_made_offline_are_sent_after_a_reload(
    live_server: LiveServer, new_context: NewContext
) -> None:
    """The offline banner promises the changes will be sent: a reload used to drop them."""
    url = live_server.url
    workshop = create_workshop(url, language="en", prompts=["Ideas?"], groups=1)
    context = new_context()
    socket = FlakySocket(context, lose=lambda data: False)
    dash = open_page(context, workshop["dashboard_url"] + "&lang=en")
    expect(dash.locator("#connection")).to_be_empty()
    socket.blocked = True
    context.set_offline(True)
    expect(dash.locator("#connection")).to_contain_text("Offline")
    dash.get_by_role("button", name="Pause posting").click()
    context.set_offline(False)  # the page loads again; its socket stays refused
    dash.reload()
    expect(dash.get_by_role("button", name="Pause posting")).to_be_visible()  # not sent yet
    socket.blocked = False
    expect(dash.get_by_role("button", name="Open posting")).to_be_visible(timeout=20000)
    aino = join(url, workshop["code"], name="Aino")
    refused = httpx.post(
        f"{url}/api/workshops/{workshop['id']}/notes",
        json={"prompt_id": workshop["prompts"][0]["id"], "text": "x", "cid": "c1"},
        headers={"Authorization": f"Bearer {aino['participant_token']}"},
        timeout=10,
    )
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "locked"


def test_dashboard_changes_queued_over_an_hour_ago_are_not_sent(
    live_server: LiveServer, new_context: NewContext
) -> None:
    """A change left in the dashboard's queue days ago (a phase that reopens posting) would
    land whenever the dashboard was opened again."""
    url = live_server.url
    workshop = create_workshop(url, language="en", prompts=["Ideas?"], groups=1)
    key = f"talkoot:outbox:dashboard:{workshop['id']}"
    old = {"type": "posting.set", "locked": True, "cid": "old-change", "at": 0}
    context = new_context()
    context.add_init_script(
        f"localStorage.setItem({json.dumps(key)}, {json.dumps(json.dumps([old]))});"
    )
    dash = open_page(context, workshop["dashboard_url"] + "&lang=en")
    expect(dash.locator("#connection")).to_be_empty()
    dash.wait_for_timeout(1000)
    expect(dash.get_by_role("button", name="Pause posting")).to_be_visible()  # never sent
    assert dash.evaluate(f"localStorage.getItem({json.dumps(key)})") == "[]"


def test_a_note_queued_in_a_tab_that_closed_is_sent_by_the_other_tab(
    live_server: LiveServer, new_context: NewContext
) -> None:
    """Two tabs of one participant share the outbox; the connected one used to leave what the
    other queued in storage until it happened to reconnect."""
    url = live_server.url
    workshop = create_workshop(url, language="en", prompts=["Ideas?"], groups=1)
    person = join(url, workshop["code"], name="Aino")
    context = new_context(**PHONE)
    first = board_for(context, url, person)
    # The second tab has no connection: it draws the board from the copy the first one keeps.
    cached = "Object.keys(localStorage).some((k) => k.startsWith('talkoot:board:'))"
    for _ in range(50):
        if first.evaluate(cached):
            break
        first.wait_for_timeout(100)
    second = context.new_page()
    second.route_web_socket(re.compile(r"/ws$"), lambda ws: ws.close(code=1011, reason="test"))
    second.goto(f"{url}/w/{workshop['id']}?lang=en")
    post(second, "Ideas?", "typed in the second tab")
    expect(board_note(second, "typed in the second tab")).to_contain_text("Waiting to send")
    # An open tab sends its own: the other takes over only what waited 15 s.
    first.wait_for_timeout(1500)
    assert api_notes(url, workshop) == []
    second.close()
    expect(board_note(first, "typed in the second tab")).to_have_count(1, timeout=25000)
    assert [n["text"] for n in api_notes(url, workshop)] == ["typed in the second tab"]


def test_a_second_note_of_the_same_text_shows_as_waiting_until_stored(
    live_server: LiveServer, new_context: NewContext
) -> None:
    """The same text twice: while the second is sent but unanswered, the board showed one note,
    taking the first for the arrived copy of the second."""
    url = live_server.url
    workshop = create_workshop(url, language="en", prompts=["Ideas?"], groups=1)
    context = new_context(**PHONE)
    adds: list[str] = []

    def route(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()

        def to_server(message: str | bytes) -> None:
            if isinstance(message, str) and json.loads(message).get("type") == "note.add":
                adds.append(message)
                if len(adds) == 2:
                    return  # the second post is lost on the way
            server.send(message)

        ws.on_message(to_server)
        server.on_message(lambda message: ws.send(message))

    context.route_web_socket(re.compile(r"/ws$"), route)
    page = board_for(context, url, join(url, workshop["code"], name="Aino"))
    post(page, "Ideas?", "Yes")
    expect(board_note(page, "Yes")).to_have_count(1)
    expect(board_note(page, "Yes").first).not_to_contain_text("Waiting to send")
    post(page, "Ideas?", "Yes")
    expect(board_note(page, "Yes")).to_have_count(2)
    expect(board_note(page, "Yes").nth(1)).to_contain_text("Waiting to send")
    assert len(api_notes(url, workshop)) == 1
    # Sent again after 15 s without an answer, it is stored once.
    expect(board_note(page, "Yes").nth(1)).not_to_contain_text("Waiting", timeout=25000)
    assert [n["text"] for n in api_notes(url, workshop)] == ["Yes", "Yes"]


def test_a_removed_participant_loses_their_notes_and_their_link(
    live_server: LiveServer, new_context: NewContext
) -> None:
    """A disruptive participant is stopped in one step from any of their hidden notes."""
    url = live_server.url
    workshop = create_workshop(url, title="Siivous", language="en", prompts=["Ideas?"], groups=1)
    troll = board_for(new_context(**PHONE), url, join(url, workshop["code"], name="Troll"))
    for text in ("spam one", "spam two"):
        post(troll, "Ideas?", text)
    dash = open_page(new_context(), workshop["dashboard_url"] + "&lang=en")
    dash.get_by_label("Minutes").fill("5")
    dash.get_by_role("button", name="Start timer").click()
    expect(troll.locator("#timer")).to_be_visible()
    prompt_section(troll, "Ideas?").get_by_label("Your note").fill("spam three, not posted")
    first = dash.locator("li.note").filter(has_text="spam one")
    expect(first.get_by_role("button", name="Remove the author")).to_have_count(0)  # not shown
    first.get_by_role("button", name="Hide").click()
    first.get_by_role("button", name="Remove the author").click()
    again = first.get_by_role("button", name=re.compile("^Press again: hide all their notes"))
    expect(again).to_be_focused()
    again.click()
    second = dash.locator("li.note").filter(has_text="spam two")
    expect(second).to_have_class(re.compile(r"\bis-hidden\b"))
    expect(dash.get_by_role("button", name="Remove the author")).to_have_count(0)
    dash.reload()  # the removal is in the log: a reloaded dashboard offers it no more
    expect(dash.locator("li.note.is-hidden")).to_have_count(2)
    expect(dash.get_by_role("button", name="Remove the author")).to_have_count(0)
    expect(troll.get_by_role("alert")).to_contain_text(
        "Your access to this workshop is no longer valid."
    )
    expect(troll.get_by_role("link", name="Join again")).to_have_attribute(
        "href", f"/j/{workshop['code']}"
    )
    # Nothing left to post or time with; the text typed but not posted is handed back.
    expect(troll.locator("#board-message .notice")).to_be_focused()  # not lost with the form
    expect(troll.locator("#prompts")).to_be_hidden()
    expect(troll.locator("#timer")).to_be_hidden()
    expect(troll.locator("#board-message ul.unsent li")).to_have_text(["spam three, not posted"])

    # An erasure request: the removed author's hidden notes offer to delete everything of theirs.
    erase = first.get_by_role("button", name="Erase the author's data")
    erase.click()
    confirm = first.get_by_role("button", name=re.compile("^Press again: delete all their notes"))
    expect(confirm).to_be_focused()
    confirm.click()
    expect(dash.locator("li.note")).to_have_count(0)
    expect(dash.locator("#announcer")).to_have_text(
        "The author's notes, dots, actions and name were deleted."
    )
    expect(dash.get_by_role("heading", name=re.compile("^Group 1"))).to_be_focused()
    assert api_notes(url, workshop) == []


def test_outbox_survives_reload_and_a_lost_ack_makes_no_duplicate(
    live_server: LiveServer, new_context: NewContext
) -> None:
    """The first ack of a note is swallowed and the connection cut, as when a phone loses the
    network at that moment; then the network is gone for a while, across a reload."""
    url = live_server.url
    workshop = create_workshop(url, title="Flaky", language="en", prompts=["Strengths?"], groups=1)
    context = new_context(**PHONE)
    route = FlakySocket(context, lose=lambda ack: bool(ack.get("note")))
    page = board_for(context, url, join(url, workshop["code"], name="Aino"))

    # The ack of this note never arrives; the client reconnects and sends it again, same cid.
    post(page, "Strengths?", "Sent once, acked twice", tap=True)
    expect(board_note(page, "Sent once, acked twice")).not_to_have_class(
        re.compile(r"\bpending\b"), timeout=10000
    )
    assert len(route.swallowed) == 1
    expect(board_note(page, "Sent once, acked twice")).to_have_count(1)
    assert [n["text"] for n in api_notes(url, workshop)] == ["Sent once, acked twice"]

    # No connection: the note waits in the outbox, also across a reload of the page.
    route.blocked = True
    page.evaluate("talkootBoard.live.drop()")
    expect(page.locator("#connection")).to_contain_text("You are offline")
    post(page, "Strengths?", "Written while cut off")
    expect(board_note(page, "Written while cut off")).to_contain_text("Waiting to send")
    page.reload()
    expect(board_note(page, "Written while cut off")).to_contain_text("Waiting to send")
    expect(page.locator("#connection")).to_contain_text("You are offline", timeout=10000)
    route.blocked = False
    expect(board_note(page, "Written while cut off")).not_to_have_class(
        re.compile(r"\bpending\b"), timeout=15000
    )
    expect(page.locator("li.note")).to_have_count(2)
    assert sorted(n["text"] for n in api_notes(url, workshop)) == [
        "Sent once, acked twice",
        "Written while cut off",
    ]


def test_a_note_typed_but_not_posted_survives_a_reload(
    live_server: LiveServer, new_context: NewContext
) -> None:
    """Phones reload tabs they put to sleep: half a note typed must not be lost with it."""
    url = live_server.url
    workshop = create_workshop(url, language="en", prompts=["Strengths?", "Gaps?"], groups=1)
    page = board_for(new_context(**PHONE), url, join(url, workshop["code"], name="Aino"))
    gaps = prompt_section(page, "Gaps?")
    gaps.get_by_label("Your note").fill("Buses stop at six, so")
    page.reload()
    expect_connected(page)
    expect(gaps.get_by_label("Your note")).to_have_value("Buses stop at six, so")
    expect(gaps.get_by_text("21/500 characters")).to_be_visible()
    expect(prompt_section(page, "Strengths?").get_by_label("Your note")).to_have_value("")
    note = "Buses stop at six, so evening shifts are out of reach"
    gaps.get_by_label("Your note").fill(note)
    gaps.get_by_role("button", name="Post").click()
    expect(board_note(page, note)).not_to_have_class(re.compile(r"\bpending\b"))
    page.reload()
    expect_connected(page)
    expect(board_note(page, note)).to_be_visible()
    expect(gaps.get_by_label("Your note")).to_have_value("")


def test_a_vote_whose_ack_was_lost_counts_one_dot(
    live_server: LiveServer, new_context: NewContext
) -> None:
    """The vote is stored but its ack is lost; after the reconnect the welcome already shows
    the dot and the re-sent vote's ack must not add it a second time."""
    url = live_server.url
    workshop, voter = workshop_in_vote_phase(live_server)
    context = new_context(**PHONE)
    route = FlakySocket(context, lose=lambda ack: "votes" in ack)
    page = board_for(context, url, voter)
    dots_left = page.locator("p.dots-left")
    expect(dots_left).to_have_text("2 of 2 dots left")

    page.get_by_role("button", name="Add dot").first.tap()
    for _ in range(100):  # the outbox re-sends the vote, same cid, once it has reconnected
        if any("votes" in ack for ack in route.delivered):
            break
        page.wait_for_timeout(100)
    resent = [ack["cid"] for ack in route.delivered if "votes" in ack]
    assert len(route.swallowed) == 1 and resent == route.swallowed
    expect(dots_left).to_have_text("1 of 2 dots left")
    assert dots_stored(url, workshop) == 1


# ---- the organiser key, and boards without a valid token -------------------------------


def test_organiser_key_is_asked_when_the_server_needs_it(
    server_factory: Callable[..., LiveServer], new_context: NewContext
) -> None:
    server = server_factory(organiser_key="sekret-key")
    page = open_page(new_context(), f"{server.url}/?lang=en")
    key = page.get_by_label("Organiser key")
    expect(key).to_be_hidden()
    page.get_by_label("Title").fill("Keyed")
    page.get_by_label("Group names").fill("Lohja")
    page.get_by_role("button", name="Create the workshop").click()
    expect(key).to_be_focused()
    expect(page.locator("#organiser-key-error")).to_have_text("Enter the organiser key.")
    key.fill("wrong")
    page.get_by_role("button", name="Create the workshop").click()
    expect(page.locator("#organiser-key-error")).to_have_text("The organiser key was not accepted.")
    key.fill("sekret-key")
    page.get_by_role("button", name="Create the workshop").click()
    page.wait_for_url(re.compile(r"/d/[\w-]+\?token="))
    expect(page.locator("#connection")).to_be_empty()


def test_a_wrong_code_puts_the_focus_on_the_code_with_its_error(
    live_server: LiveServer, new_context: NewContext
) -> None:
    page = open_page(new_context(), f"{live_server.url}/?lang=en")
    page.get_by_label("Workshop code").fill("ZZZ-999")
    page.get_by_role("button", name="Join", exact=True).click()
    code = page.get_by_label("Workshop code")
    expect(code).to_be_focused()
    expect(code).to_have_attribute("aria-invalid", "true")
    expect(code).to_have_accessible_description(re.compile("No workshop has the code ZZZ999"))


def test_board_without_a_valid_token_sends_people_to_join(
    live_server: LiveServer, new_context: NewContext
) -> None:
    url = live_server.url
    workshop = create_workshop(url, title="Tokens", language="en", groups=1)
    context = new_context()
    page = open_page(context, f"{url}/?lang=en")
    page.get_by_label("Workshop code").fill(
        f" {workshop['code'][:3].lower()}-{workshop['code'][3:]} "
    )
    page.get_by_role("button", name="Join", exact=True).click()
    page.wait_for_url(f"**/j/{workshop['code']}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tokens")

    page.goto(f"{url}/w/{workshop['id']}?lang=en")
    expect(page.get_by_role("alert")).to_contain_text(
        "You have not joined this workshop on this device."
    )
    expect(page.get_by_role("link", name="Join the workshop")).to_have_attribute("href", "/join")

    fake = {
        "participant_token": "not-a-real-token",
        "participant_id": 1,
        "group_id": 1,
        "workshop_id": workshop["id"],
    }
    key = f"talkoot:participant:{workshop['id']}"
    page.evaluate(f"localStorage.setItem({json.dumps(key)}, {json.dumps(json.dumps(fake))})")
    page.reload()
    expect(page.get_by_role("alert")).to_contain_text(
        "Your access to this workshop is no longer valid."
    )
    expect(page.get_by_role("link", name="Join again")).to_have_attribute("href", "/join")
    assert page.evaluate(f"localStorage.getItem({json.dumps(key)})") is None


def test_sharing_turned_on_while_offline_shows_earlier_notes(
    live_server: LiveServer, new_context: NewContext
) -> None:
    """Notes other groups posted before sharing began reach a board that was away then."""
    url = live_server.url
    workshop = create_workshop(url, title="Share later", language="en", prompts=["Strengths?"])
    lohja, karkkila = group_id(workshop, "Lohja"), group_id(workshop, "Karkkila")
    for group, text in ((lohja, "Lohja before"), (karkkila, "Karkkila before")):
        token = join(url, workshop["code"], group_id=group)["participant_token"]
        response = httpx.post(
            f"{url}/api/workshops/{workshop['id']}/notes",
            json={"prompt_id": workshop["prompts"][0]["id"], "text": text, "cid": f"c-{group}"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert response.status_code == 201
    dash = open_page(new_context(), workshop["dashboard_url"] + "&lang=en")
    phone = new_context(**PHONE)
    aino = board_for(phone, url, join(url, workshop["code"], group_id=lohja))
    expect(board_note(aino, "Lohja before")).to_have_count(1)
    expect(board_note(aino, "Karkkila before")).to_have_count(0)

    phone.set_offline(True)
    expect(aino.locator("#connection")).to_contain_text("You are offline")
    dash.get_by_label("Share all groups' results with participants").check()
    expect(dash.get_by_label("Share all groups' results with participants")).to_be_checked()
    phone.set_offline(False)
    expect(board_note(aino, "Karkkila before").locator(".group-tag")).to_have_text(
        "Karkkila", timeout=6000
    )
    expect(board_note(aino, "Lohja before")).to_have_count(1)


def test_a_board_that_has_seen_more_of_the_log_than_the_server_has_rebuilds(
    live_server: LiveServer, new_context: NewContext
) -> None:
    """After a restore from an older backup the server's log ends before what an open board
    has seen; the board used to skip every new event as seen until the log caught up."""
    url = live_server.url
    workshop = create_workshop(url, language="en", prompts=["Needs?"], groups=1)
    aino, bo = (join(url, workshop["code"], name=name) for name in ("Aino", "Bo"))
    page = board_for(new_context(**PHONE), url, aino)
    page.evaluate(
        "() => { const { live } = globalThis.talkootBoard; live.since = 1e6; live.drop(); }"
    )
    prompt = workshop["prompts"][0]["id"]
    send_as(
        live_server,
        bo["participant_token"],
        "note.add",
        prompt_id=prompt,
        text="Bussit kulkevat harvoin",
    )
    expect(board_note(page, "Bussit kulkevat harvoin")).to_have_count(1)


def test_two_tabs_of_one_participant_lose_no_note_written_offline(
    live_server: LiveServer, new_context: NewContext
) -> None:
    """Both tabs keep their outbox under one key; each used to overwrite the other's copy."""
    url = live_server.url
    workshop = create_workshop(url, language="en", prompts=["Needs?"], groups=1)
    phone = new_context(**PHONE)
    first = board_for(phone, url, join(url, workshop["code"], name="Aino"))
    second = open_page(phone, first.url)
    expect_connected(second)
    phone.set_offline(True)
    expect(second.locator("#connection")).to_contain_text("You are offline")
    post(first, "Needs?", "Written in the first tab")
    post(second, "Needs?", "Written in the second tab")
    post(first, "Needs?", "Again in the first tab")
    first.close()  # before it could send anything
    phone.set_offline(False)
    for text in ("Written in the first tab", "Written in the second tab", "Again in the first tab"):
        expect(board_note(second, text)).not_to_have_class(re.compile(r"\bpending\b"))
    stored = httpx.get(
        f"{url}/api/workshops/{workshop['id']}/notes",
        headers={"Authorization": f"Bearer {workshop['facilitator_token']}"},
    ).json()["notes"]
    assert sorted(n["text"] for n in stored) == [
        "Again in the first tab",
        "Written in the first tab",
        "Written in the second tab",
    ]


def test_notes_unsent_when_the_token_is_refused_are_shown_not_dropped(
    live_server: LiveServer, new_context: NewContext
) -> None:
    """A refused token ends the session (the database was restored without this participant,
    say); its notes still waiting in the outbox used to vanish with it."""
    url = live_server.url
    workshop = create_workshop(url, language="en", prompts=["Needs?"], groups=1)
    phone = new_context(**PHONE)
    page = board_for(phone, url, join(url, workshop["code"], name="Aino"))
    phone.set_offline(True)
    expect(page.locator("#connection")).to_contain_text("You are offline")
    post(page, "Needs?", "Never reached the server")
    page.evaluate("() => { globalThis.talkootBoard.live.token = 'refused'; }")
    phone.set_offline(False)
    message = page.locator("#board-message")
    expect(message).to_contain_text("Your access to this workshop is no longer valid.")
    expect(message.locator("ul.unsent li")).to_have_text(["Never reached the server"])


def test_a_note_with_a_broken_character_is_stored_not_stuck(
    live_server: LiveServer, new_context: NewContext
) -> None:
    """A lone surrogate (a broken paste) made the server refuse the frame before reading its
    cid, and the note stayed "Waiting to send" for ever."""
    url = live_server.url
    workshop = create_workshop(url, language="en", prompts=["Needs?"], groups=1)
    page = board_for(new_context(**PHONE), url, join(url, workshop["code"], name="Aino"))
    section = prompt_section(page, "Needs?")
    section.get_by_label("Your note").evaluate(
        "(field) => { field.value = 'Pasted \\ud83d text'; }"
    )
    section.get_by_role("button", name="Post").click()
    note = board_note(page, "Pasted \ufffd text")
    expect(note).not_to_have_class(re.compile(r"\bpending\b"))
