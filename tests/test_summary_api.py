"""Summary downloads, the summary page and series, end to end against a real server."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from analysis.text import clear_language
from tests.helpers import connect, create_workshop, join
from tests.test_themes_api import MENTAL_HEALTH, TRANSPORT
from workshop import i18n
from workshop.models import Note
from workshop.series_service import Comparison, _workshop_names, comparison_summary
from workshop.series_store import SeriesRecord, SeriesWorkshop


@pytest.fixture
async def finished(live_server):
    """A workshop after review and voting: two themes, votes, an action, one named author."""
    created = create_workshop(live_server.url, title="Länsi-Uusimaa: työ")
    facilitator = await connect(live_server.ws_url, created["facilitator_token"])
    named = join(live_server.url, created["code"], name="Máret Ŋuolja")
    voter = await connect(live_server.ws_url, named["participant_token"])
    prompt = created["prompts"][0]["id"]
    for text in TRANSPORT + MENTAL_HEALTH:
        await voter.command("note.add", prompt_id=prompt, text=text)
    await facilitator.command("themes.run", prompt_id=prompt, themes=2)
    themes = (await facilitator.receive_until("themes.replaced"))["themes"]
    await facilitator.command("theme.rename", theme_id=themes[0]["id"], label="<b>Liikenne</b>")
    await facilitator.command("phase.set", phase="vote")
    await voter.command("vote.cast", theme_id=themes[1]["id"])
    await facilitator.command(
        "action.add", theme_id=themes[1]["id"], what="Kimppakyydit", owner="Lohja", due="2026-12-31"
    )
    await voter.close()
    await facilitator.close()
    return {**created, "participant": named, "themes": themes}


def get(live_server, workshop, fmt, token):
    return httpx.get(
        f"{live_server.url}/api/workshops/{workshop['id']}/summary",
        params={"format": fmt},
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )


async def test_every_download_opens_in_the_library_that_reads_it(live_server, finished):
    token = finished["facilitator_token"]
    answers = {
        fmt: get(live_server, finished, fmt, token)
        for fmt in ("md", "csv", "json", "docx", "xlsx", "pdf")
    }
    assert {fmt: a.status_code for fmt, a in answers.items()} == dict.fromkeys(answers, 200)
    assert all("attachment" in a.headers["content-disposition"] for a in answers.values())

    data = json.loads(answers["json"].content)
    assert data["title"] == "Länsi-Uusimaa: työ"
    section = data["prompts"][0]
    assert sum(t["size"] for t in section["themes"]) + len(section["unsorted"]) == 12
    assert [t["votes"] for t in section["themes"]] == [1, 0]
    assert section["themes"][0]["actions"][0]["what"] == "Kimppakyydit"

    rows = list(csv.reader(io.StringIO(answers["csv"].content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 13
    assert "Máret Ŋuolja" in {cell for row in rows for cell in row}

    assert r"\<b\>Liikenne\</b\>" in answers["md"].text
    document = Document(io.BytesIO(answers["docx"].content))
    cells = {cell.text for table in document.tables for row in table.rows for cell in row.cells}
    assert "<b>Liikenne</b>" in cells
    workbook = load_workbook(io.BytesIO(answers["xlsx"].content))
    assert len(workbook.sheetnames) == 3
    pdf_text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(answers["pdf"].content)).pages
    )
    assert "Kimppakyydit" in pdf_text


async def test_a_theme_emptied_of_notes_keeps_its_votes_and_actions_in_every_download(
    live_server, finished
):
    voted = finished["themes"][1]  # holds the vote and the action
    facilitator = await connect(live_server.ws_url, finished["facilitator_token"])
    for note_id in voted["note_ids"]:
        assert (await facilitator.command("note.move", note_id=note_id, theme_id=None))[
            "type"
        ] == "ack"
    await facilitator.close()
    token = finished["facilitator_token"]
    section = json.loads(get(live_server, finished, "json", token).content)["prompts"][0]
    emptied = next(t for t in section["themes"] if t["id"] == voted["id"])
    assert (emptied["size"], emptied["votes"]) == (0, 1)
    assert emptied["actions"][0]["what"] == "Kimppakyydit"
    for fmt in ("md", "csv", "docx", "xlsx", "pdf", "html"):
        assert get(live_server, finished, fmt, token).status_code == 200, fmt
    assert "Kimppakyydit" in get(live_server, finished, "md", token).text


async def test_the_summary_marks_notes_written_in_another_language(live_server):
    """WCAG 3.1.2: a screen reader reads a Swedish note in a Finnish workshop in Swedish."""
    created = create_workshop(live_server.url, language="en")
    person = join(live_server.url, created["code"])
    client = await connect(live_server.ws_url, person["participant_token"])
    prompt = created["prompts"][0]["id"]
    for text in ("Vi behöver mer stöd för nyanlända", "Bussit eivät kulje", "Lohja"):
        await client.command("note.add", prompt_id=prompt, text=text)
    await client.close()
    fragment = get(live_server, created, "html", created["facilitator_token"]).text
    assert '<li lang="sv">Vi behöver mer stöd för nyanlända</li>' in fragment
    assert '<li lang="fi">Bussit eivät kulje</li>' in fragment
    assert '<li lang="en">Lohja</li>' in fragment  # nothing clear: the workshop's language
    document = get(live_server, created, "json", created["facilitator_token"]).json()
    assert [note["lang"] for note in document["notes"]] == ["sv", "fi", None]


async def test_participants_see_the_summary_only_when_published_and_shared(live_server, finished):
    participant = finished["participant"]["participant_token"]
    assert get(live_server, finished, "html", participant).status_code == 403
    facilitator = await connect(live_server.ws_url, finished["facilitator_token"])
    # The summary holds every group's notes: publishing it shares the results too.
    published = await facilitator.command("summary.publish", published=True)
    assert (await facilitator.receive_until("sharing.changed"))["shared"] is True
    assert published["type"] == "ack"
    fragment = get(live_server, finished, "html", participant)
    assert fragment.status_code == 200
    assert "&lt;b&gt;Liikenne&lt;/b&gt;" in fragment.text
    assert "<b>Liikenne" not in fragment.text
    assert "<svg" in fragment.text
    assert "31.12.2026" in fragment.text  # the workshop's language writes the date
    # The board shows it under its h2 "Summary": prompts are h3, themes h4, actions h5.
    assert '<h3 id="summary-prompt-' in fragment.text and "<h2" not in fragment.text
    assert "<h4 " in fragment.text and "<h5>" in fragment.text
    # Turning sharing off withdraws the summary from participants again.
    await facilitator.command("sharing.set", shared=False)
    assert (await facilitator.receive_until("summary.changed"))["published"] is False
    assert get(live_server, finished, "html", participant).status_code == 403
    await facilitator.close()


def test_summary_page_and_bad_requests(live_server, finished):
    token = finished["facilitator_token"]
    page = httpx.get(f"{live_server.url}/d/{finished['id']}/summary", params={"token": token})
    assert '<h2 id="summary-prompt-' in page.text  # under the page's h1
    assert page.status_code == 200
    assert "Kimppakyydit" in page.text and "format=docx" in page.text
    assert f'href="/d/{finished["id"]}?token={token}"' in page.text  # back to the dashboard
    assert get(live_server, finished, "exe", token).json()["error"]["code"] == "invalid"
    assert get(live_server, finished, "md", "forged").status_code == 401
    other = create_workshop(live_server.url)
    assert get(live_server, finished, "md", other["facilitator_token"]).status_code == 404
    by_query = httpx.get(
        f"{live_server.url}/api/workshops/{finished['id']}/summary",
        params={"format": "md", "token": token},
    )
    assert by_query.status_code == 200


async def test_a_series_compares_workshops(live_server):
    first = create_workshop(live_server.url, title="Lohja")
    second = create_workshop(live_server.url, title="Karkkila")
    for workshop, texts in ((first, TRANSPORT + MENTAL_HEALTH), (second, MENTAL_HEALTH)):
        person = join(live_server.url, workshop["code"])
        client = await connect(live_server.ws_url, person["participant_token"])
        for text in texts:
            await client.command("note.add", prompt_id=workshop["prompts"][0]["id"], text=text)
        await client.close()
    members = [
        {"id": w["id"], "facilitator_token": w["facilitator_token"]} for w in (first, second)
    ]
    url = f"{live_server.url}/api/series"
    forged = [{**members[0], "facilitator_token": second["facilitator_token"]}]
    assert httpx.post(url, json={"title": "TEKO", "workshops": forged}).status_code == 403
    created = httpx.post(url, json={"title": "TEKO syksy", "workshops": members})
    assert created.status_code == 201
    series = created.json()
    auth = {"Authorization": f"Bearer {series['token']}"}
    compared = httpx.get(
        f"{url}/{series['id']}/themes", params={"themes": 2}, headers=auth, timeout=60
    ).json()
    assert [w["title"] for w in compared["workshops"]] == ["Lohja", "Karkkila"]
    assert sum(t["total"] for t in compared["themes"]) <= 18
    assert {t["spread"] for t in compared["themes"]} <= {"common", "local", "some"}
    assert any(t["counts"][first["id"]] and t["counts"][second["id"]] for t in compared["themes"])
    page = httpx.get(series["url"] + "&lang=en", timeout=60)
    assert page.status_code == 200 and "Karkkila" in page.text
    # The table's name is a paragraph above the region that scrolls on a phone, not a caption
    # that scrolls away with the table.
    assert '<table class="series-table" aria-labelledby="series-table-caption">' in page.text
    assert '<p id="series-table-caption">' in page.text and "<caption" not in page.text
    # Finnish workshops on an English page: a screen reader reads their words in Finnish.
    assert '<th scope="col" lang="fi">Karkkila</th>' in page.text
    labels = page.text.count('class="theme-label"')
    assert labels and page.text.count('class="theme-label" lang="fi"') == labels
    download = httpx.get(
        f"{url}/{series['id']}/summary",
        params={"format": "xlsx", "themes": 2},
        headers=auth,
        timeout=60,
    )
    assert download.status_code == 200
    markdown = httpx.get(
        f"{url}/{series['id']}/summary", params={"format": "md", "themes": 2}, headers=auth
    ).text
    assert "2 osallistujaa · 2 työpajaa" in markdown  # one participant in each workshop
    document = httpx.get(
        f"{url}/{series['id']}/summary", params={"format": "json", "themes": 2}, headers=auth
    ).json()
    assert document["of_series"] and document["workshop_id"] == series["id"]
    made = datetime.fromisoformat(document["created_at"])  # when the series was made
    assert timedelta(0) <= datetime.now(UTC) - made < timedelta(minutes=5)
    assert document["groups"] == ["Lohja", "Karkkila"]
    for bad in ("0", "²", "9" * 30):  # "²" passes str.isdigit but not int()
        answer = httpx.get(f"{url}/{series['id']}/themes", params={"themes": bad}, headers=auth)
        assert (answer.status_code, answer.json()["error"]["code"]) == (400, "invalid")
    assert httpx.get(f"{url}/{series['id']}/themes").status_code == 401
    assert (
        httpx.get(
            f"{url}/{series['id']}/themes",
            headers={"Authorization": f"Bearer {first['facilitator_token']}"},
        ).status_code
        == 401
    )


def test_links_use_the_public_address_behind_a_proxy(server_factory):
    """TALKOOT_PUBLIC_URL names the address people reach; the loopback one is the proxy's."""
    live = server_factory(public_url="https://talkoot.example.fi")
    workshop = create_workshop(live.url)
    assert workshop["join_url"].startswith("https://talkoot.example.fi/j/")
    assert workshop["dashboard_url"].startswith("https://talkoot.example.fi/d/")
    member = {"id": workshop["id"], "facilitator_token": workshop["facilitator_token"]}
    series = httpx.post(f"{live.url}/api/series", json={"title": "TEKO", "workshops": [member]})
    assert series.json()["url"].startswith("https://talkoot.example.fi/series/")


def test_a_series_tells_apart_workshops_with_the_same_title(live_server):
    """Two "TEKO Lohja" workshops were two identical columns in the comparison."""
    workshops = [create_workshop(live_server.url, title="TEKO Lohja") for _ in range(2)]
    members = [{"id": w["id"], "facilitator_token": w["facilitator_token"]} for w in workshops]
    series = httpx.post(
        f"{live_server.url}/api/series", json={"title": "TEKO", "workshops": members}
    ).json()
    summary = httpx.get(
        f"{live_server.url}/api/series/{series['id']}/summary",
        params={"format": "json"},
        headers={"Authorization": f"Bearer {series['token']}"},
        timeout=60,
    ).json()
    assert summary["groups"] == ["TEKO Lohja #1", "TEKO Lohja #2"]  # created the same day


def test_workshops_of_a_series_are_named_by_title_then_date_then_place():
    i18n.use_language("fi")
    workshops = [
        SeriesWorkshop("a", "TEKO Lohja", "fi", "2026-10-20T08:00:00.000Z"),
        SeriesWorkshop("b", "TEKO Lohja", "fi", "2026-11-20T08:00:00.000Z"),
        SeriesWorkshop("c", "Karkkila", "fi", "2026-11-20T08:00:00.000Z"),
        SeriesWorkshop("d", "Vihti", "fi", "2026-11-21T08:00:00.000Z"),
        SeriesWorkshop("e", "Vihti", "fi", "2026-11-21T09:00:00.000Z"),
    ]
    assert list(_workshop_names(workshops).values()) == [
        "TEKO Lohja (20. lokakuuta 2026)",
        "TEKO Lohja (20. marraskuuta 2026)",
        "Karkkila",
        "Vihti #4",
        "Vihti #5",
    ]


def test_a_series_notes_are_read_in_their_own_workshops_language_where_words_do_not_tell():
    made = "2026-11-20T08:00:00.000Z"
    workshops = [
        SeriesWorkshop("a", "Lohja", "fi", made),
        SeriesWorkshop("b", "Raseborg", "sv", made),
    ]
    notes = [
        Note(i, 1, 1, None, None, text, False, 0, made, made, clear_language(text))
        for i, text in enumerate(["Palkkatuki", "Lönesubvention", "Vi behöver mer stöd"], 1)
    ]
    series = SeriesRecord("s", "TEKO", made)
    comparison = Comparison(series, workshops, [], notes, {1: "a", 2: "b", 3: "a"}, 2)
    summary = comparison_summary(comparison, "fi")
    assert [note.lang for note in summary.notes] == ["fi", "sv", "sv"]
    # A theme's typical notes are texts: the series page and its downloads find them so.
    assert comparison.language_of("Lönesubvention") == "sv"
    assert summary.language_of("Lönesubvention") == "sv"


def test_an_organiser_makes_a_series_from_dashboard_links(live_server):
    first = create_workshop(live_server.url, title="Lohja")
    second = create_workshop(live_server.url, title="Raasepori")
    links = f"{first['dashboard_url']}\n  {second['dashboard_url']}  \n"
    with httpx.Client(base_url=live_server.url) as browser:
        assert browser.get("/series/new?lang=en").status_code == 200
        made = browser.post("/series?lang=en", data={"title": "TEKO syksy", "links": links})
        assert made.status_code == 303
        page = browser.get(made.headers["location"])
        assert page.status_code == 200
        assert "Lohja" in page.text and "Raasepori" in page.text
        forged = links.replace(first["facilitator_token"], second["facilitator_token"])
        refused = browser.post("/series?lang=en", data={"title": "T", "links": forged})
        assert refused.status_code == 403
        assert re.search(r'<textarea id="series-links"[^>]*aria-invalid="true"', refused.text)
        untitled = browser.post("/series?lang=en", data={"title": " ", "links": links})
        assert untitled.status_code == 400
        assert re.search(r'<input id="series-title"[^>]*aria-invalid="true"', untitled.text)


def test_a_series_stays_bounded_however_many_calls_add_to_it(live_server, monkeypatch):
    """Every view of a series clusters all of its notes again."""
    monkeypatch.setattr("workshop.series_service.MAX_WORKSHOPS", 2)  # the server is in-process
    first, second, third = (create_workshop(live_server.url) for _ in range(3))
    member = {
        w["id"]: {"id": w["id"], "facilitator_token": w["facilitator_token"]}
        for w in (first, second, third)
    }
    url = f"{live_server.url}/api/series"
    series = httpx.post(url, json={"title": "S", "workshops": [member[first["id"]]]}).json()
    auth = {"Authorization": f"Bearer {series['token']}"}
    more = f"{url}/{series['id']}/workshops"
    assert (
        httpx.post(more, json={"workshops": [member[second["id"]]]}, headers=auth).status_code
        == 204
    )
    again = httpx.post(more, json={"workshops": [member[first["id"]]]}, headers=auth)
    assert again.status_code == 204  # already in it: still two
    over = httpx.post(more, json={"workshops": [member[third["id"]]]}, headers=auth)
    assert (over.status_code, over.json()["error"]["code"]) == (400, "invalid")
    compared = httpx.get(f"{url}/{series['id']}/themes", headers=auth, timeout=60).json()
    assert [w["id"] for w in compared["workshops"]] == [first["id"], second["id"]]
