"""The HTTP API against a real server: contract shapes, validation, tokens, limits."""

from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.helpers import create_workshop, join


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_healthz(live_server):
    assert httpx.get(f"{live_server.url}/healthz").json() == {"ok": True}


def test_scripts_and_styles_are_gzipped_pages_are_not(live_server):
    """Compression saves a phone most of the bytes of the scripts; a page holds tokens beside
    user text, so it stays uncompressed (BREACH)."""
    static = Path(__file__).parent.parent / "static"
    with live_server.http() as http:
        for name in ("board.js", "app.css", "live.js"):
            answer = http.get(f"/static/{name}", headers={"Accept-Encoding": "gzip"})
            assert answer.headers["content-encoding"] == "gzip"
            assert int(answer.headers["content-length"]) < len((static / name).read_bytes()) / 2
            assert answer.content == (static / name).read_bytes()  # httpx decompressed it
            plain = http.get(f"/static/{name}", headers={"Accept-Encoding": "identity"})
            assert "content-encoding" not in plain.headers
            assert plain.content == (static / name).read_bytes()
        page = http.get("/", headers={"Accept-Encoding": "gzip"})
        assert page.status_code == 200 and "content-encoding" not in page.headers


def test_the_boards_service_worker_is_served_beside_them(live_server):
    """/w/sw.js is the worker (its scope is /w/, the boards), not a workshop called sw.js."""
    static = Path(__file__).parent.parent / "static"
    answer = httpx.get(f"{live_server.url}/w/sw.js")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/javascript")
    assert answer.headers["cache-control"] == "no-cache"  # a new worker is picked up at once
    assert answer.content == (static / "sw.js").read_bytes()


def test_create_answers_the_contract(live_server):
    created = create_workshop(live_server.url, groups=3, language="sv")
    assert set(created) >= {
        "id",
        "code",
        "facilitator_token",
        "join_url",
        "dashboard_url",
        "prompts",
        "groups",
    }
    assert created["join_url"] == f"{live_server.url}/j/{created['code']}"
    assert [g["name"] for g in created["groups"]] == ["Grupp 1", "Grupp 2", "Grupp 3"]
    assert [p["text"] for p in created["prompts"]] == ["Vahvuudet", "Puutteet"]
    dashboard = httpx.get(created["dashboard_url"])
    assert dashboard.status_code == 200
    assert "Työpaja" in dashboard.text


def test_create_from_a_template_in_the_workshop_language(live_server):
    body = {"title": "T", "language": "en", "template": "strengths-gaps-needs", "groups": 1}
    created = httpx.post(f"{live_server.url}/api/workshops", json=body).json()
    assert [p["text"].split(":")[0] for p in created["prompts"]] == ["Strengths", "Gaps", "Needs"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"title": "", "prompts": ["a"]}, "empty"),
        ({"title": "x" * 201, "prompts": ["a"]}, "too_long"),
        ({"title": "T", "language": "de", "prompts": ["a"]}, "invalid"),
        ({"title": "T", "prompts": []}, "invalid"),
        ({"title": "T", "prompts": "a"}, "invalid"),
        ({"title": "T", "prompts": [5]}, "invalid"),
        ({"title": "T", "prompts": ["a"], "groups": 0}, "invalid"),
        ({"title": "T", "prompts": ["a"], "groups": 101}, "invalid"),
        ({"title": "T", "prompts": ["a"], "groups": ["Lohja", "lohja"]}, "invalid"),
        ({"title": "T", "prompts": ["a"], "groups": True}, "invalid"),
        ({"title": "T", "template": "nonsense"}, "invalid"),
        ([1, 2], "bad_request"),
    ],
)
def test_bad_workshops_are_refused(live_server, body, code):
    response = httpx.post(f"{live_server.url}/api/workshops", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


def test_bad_bodies_get_json_errors(live_server):
    url = f"{live_server.url}/api/workshops"
    assert httpx.post(url, content=b"{not json").json()["error"]["code"] == "bad_json"
    assert httpx.post(url, content=b"\xff\xfe").json()["error"]["code"] == "bad_json"
    lone_surrogate = httpx.post(url, content=b'{"title": "\\ud800", "prompts": ["a"]}')
    assert (lone_surrogate.status_code, lone_surrogate.json()["error"]["code"]) == (400, "bad_json")
    huge = httpx.post(url, content=b"[" + b"1," * 40_000 + b"1]")
    assert (huge.status_code, huge.json()["error"]["code"]) == (413, "too_large")
    wrong_method = httpx.put(url, json={})
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["code"] == "method_not_allowed"
    assert httpx.get(f"{live_server.url}/api/nothing").json()["error"]["code"] == "not_found"


def _raw_request(live_server, head: str, body: bytes = b"") -> bytes:
    """Send a hand-made HTTP request and return what the server answers within 5 s."""
    with socket.create_connection(("127.0.0.1", live_server.port), timeout=5) as conn:
        conn.sendall(head.encode() + b"\r\n" + body)
        return conn.recv(4096)


def test_an_oversized_body_is_refused_without_reading_it(live_server):
    head = "POST /api/join HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
    declared = _raw_request(live_server, head + "Content-Length: 1000000000\r\n")
    assert declared.startswith(b"HTTP/1.1 413"), declared[:80]
    chunk = b"a" * 40_000
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(2))  # no end
    streamed = _raw_request(live_server, head + "Transfer-Encoding: chunked\r\n", chunked)
    assert streamed.startswith(b"HTTP/1.1 413"), streamed[:80]
    assert b'"too_large"' in declared + streamed


def test_whole_numbers_beyond_sqlite_are_invalid_not_a_crash(live_server):
    created = create_workshop(live_server.url)
    person = join(live_server.url, created["code"])
    answer = httpx.post(
        f"{live_server.url}/api/workshops/{created['id']}/notes",
        json={"prompt_id": 2**63, "text": "x", "cid": "c1"},
        headers=auth(person["participant_token"]),
    )
    assert (answer.status_code, answer.json()["error"]["code"]) == (400, "invalid")


def test_organiser_key_guards_creation(server_factory):
    live = server_factory(organiser_key="sekret")
    body = {"title": "T", "prompts": ["a"]}
    assert httpx.post(f"{live.url}/api/workshops", json=body).status_code == 401
    wrong = httpx.post(f"{live.url}/api/workshops", json=body, headers=auth("nope"))
    assert wrong.status_code == 401
    right = httpx.post(f"{live.url}/api/workshops", json=body, headers=auth("sekret"))
    assert right.status_code == 201


def test_join_balances_groups_and_honours_a_choice(live_server):
    created = create_workshop(live_server.url, groups=3)
    group_ids = [g["id"] for g in created["groups"]]
    placed = [join(live_server.url, created["code"])["group_id"] for _ in range(6)]
    assert sorted(placed) == sorted(group_ids * 2)
    chosen = join(live_server.url, f" {created['code'].lower()} ", group_id=group_ids[2])
    assert chosen["group_id"] == group_ids[2]
    assert chosen["workshop_id"] == created["id"]


def test_bad_joins_are_refused(live_server):
    created = create_workshop(live_server.url)
    url = f"{live_server.url}/api/join"
    assert httpx.post(url, json={"code": "ZZZZZZ"}).status_code == 404
    assert httpx.post(url, json={}).json()["error"]["code"] == "invalid"
    other = create_workshop(live_server.url)
    foreign_group = {"code": created["code"], "group_id": other["groups"][0]["id"]}
    assert httpx.post(url, json=foreign_group).status_code == 404
    too_long = httpx.post(url, json={"code": created["code"], "name": "x" * 61})
    assert too_long.json()["error"]["code"] == "too_long"


def test_a_whole_venue_joins_from_one_address_but_code_guessing_is_stopped(server_factory):
    live = server_factory()
    created = create_workshop(live.url, groups=20)

    with live.http() as http, ThreadPoolExecutor(4) as pool:
        statuses = list(
            pool.map(
                lambda _: http.post("/api/join", json={"code": created["code"]}).status_code,
                range(600),
            )
        )
        guesses = [
            http.post("/api/join", json={"code": f"AAAA{n:02d}"}).status_code for n in range(40)
        ]
    assert statuses.count(201) == 600
    assert guesses[:30] == [404] * 30
    assert set(guesses[30:]) == {429}


def test_join_codes_cannot_be_guessed_on_the_join_page_or_the_qr_code_either(server_factory):
    live = server_factory(bad_codes_per_minute_per_ip=6)
    created = create_workshop(live.url)
    with live.http() as http:
        assert http.get(f"/j/{created['code']}").status_code == 200  # right codes cost nothing
        pages = [http.get(f"/j/AAAA{n:02d}").status_code for n in range(3)]
        codes = [http.get(f"/qr/BBBB{n:02d}.svg").status_code for n in range(3)]
        assert pages + codes == [404] * 6
        # Out of tries: no code is looked up now, not even the right one, so guessing on
        # and telling 429 from 201 would find nothing.
        assert http.get("/j/CCCC00").status_code == 429
        assert http.get(f"/j/{created['code']}").status_code == 429
        assert http.get(f"/qr/{created['code']}.svg").status_code == 429
        assert http.post("/api/join", json={"code": created["code"]}).status_code == 429


def test_notes_over_http(live_server):
    created = create_workshop(live_server.url)
    person = join(live_server.url, created["code"], name="Aino")
    url = f"{live_server.url}/api/workshops/{created['id']}/notes"
    body = {"prompt_id": created["prompts"][0]["id"], "text": "  ääkköset <b>ok</b>  ", "cid": "n1"}
    first = httpx.post(url, json=body, headers=auth(person["participant_token"]))
    assert first.status_code == 201
    note = first.json()
    assert set(note) >= {
        "id",
        "prompt_id",
        "group_id",
        "participant_id",
        "text",
        "created_at",
        "votes",
    }
    assert note["text"] == "ääkköset <b>ok</b>"
    assert note["author"] == "Aino"
    again = httpx.post(
        url, json={**body, "text": "other"}, headers=auth(person["participant_token"])
    )
    assert (again.status_code, again.json()) == (200, note)
    invisible = "\u200b\u200d\u2060\u00a0"  # zero-width space, joiner, word joiner, nbsp
    for text, code in (("x" * 501, "too_long"), ("   ", "empty"), (invisible, "empty")):
        bad = httpx.post(
            url,
            json={**body, "cid": f"{code}{len(text)}", "text": text},
            headers=auth(person["participant_token"]),
        )
        assert bad.json()["error"]["code"] == code
    assert httpx.post(url, json=body).status_code == 401
    assert httpx.post(url, json=body, headers=auth("forged")).status_code == 401
    assert httpx.post(url, json=body, headers=auth(created["facilitator_token"])).status_code == 403
    assert httpx.get(url, headers=auth(person["participant_token"])).status_code == 403
    listed = httpx.get(url, headers=auth(created["facilitator_token"])).json()["notes"]
    assert listed == [note]
    newer_emoji = httpx.post(  # unassigned in this Python's Unicode version: still a note
        url,
        json={**body, "cid": "emoji", "text": "\U0001fa77"},
        headers=auth(person["participant_token"]),
    )
    assert newer_emoji.status_code == 201, newer_emoji.text
    pasted = httpx.post(  # Windows line ends, Word's Shift+Enter, a NUL and a bell
        url,
        json={**body, "cid": "pasted", "text": "eka\r\ntoka\x0bkolmas\x00\x07\tloppu"},
        headers=auth(person["participant_token"]),
    )
    assert pasted.json()["text"] == "eka\ntoka\nkolmas\tloppu"
    only_controls = httpx.post(
        url,
        json={**body, "cid": "controls", "text": "\x00\x07\x1b"},
        headers=auth(person["participant_token"]),
    )
    assert only_controls.json()["error"]["code"] == "empty"


def test_a_dashboard_opens_only_with_its_own_facilitators_link(live_server):
    created = create_workshop(live_server.url, title="Salainen suunnitelma")
    other = create_workshop(live_server.url)
    person = join(live_server.url, created["code"])
    with live_server.http() as http:
        assert (
            http.get(f"/d/{created['id']}?token={created['facilitator_token']}").status_code == 200
        )
        for token in ("", "forged", person["participant_token"], other["facilitator_token"]):
            refused = http.get(f"/d/{created['id']}?token={token}&lang=en")
            assert refused.status_code == 403
            assert "This link does not open this page." in refused.text
            assert "Salainen suunnitelma" not in refused.text


def test_delete_removes_everything(live_server):
    created = create_workshop(live_server.url)
    person = join(live_server.url, created["code"])
    url = f"{live_server.url}/api/workshops/{created['id']}"
    secret = "Minulla on todettu masennus (ei kenenkään muun tietoon)"
    httpx.post(
        f"{url}/notes",
        json={"prompt_id": created["prompts"][0]["id"], "text": secret, "cid": "1"},
        headers=auth(person["participant_token"]),
    )
    assert httpx.delete(url, headers=auth(person["participant_token"])).status_code == 403
    assert httpx.delete(url, headers=auth(created["facilitator_token"])).status_code == 204
    # Gone from the disk too: not left in freed pages nor in the write-ahead log.
    db_path = live_server.settings.db_path
    for path in (db_path, db_path.with_name(db_path.name + "-wal")):
        if path.exists():
            assert secret.encode() not in path.read_bytes(), path.name
    assert httpx.get(f"{url}/notes", headers=auth(created["facilitator_token"])).status_code == 401
    assert (
        httpx.post(f"{live_server.url}/api/join", json={"code": created["code"]}).status_code == 404
    )


def test_the_dashboard_says_who_sees_themes_of_all_groups(live_server):
    """Only where there are groups to keep apart: the hint describes the group choice."""
    for groups, hinted in ((["Lohja", "Karkkila"], True), (1, False)):
        created = create_workshop(live_server.url, groups=groups)
        page = httpx.get(
            f"{live_server.url}/d/{created['id']}",
            params={"token": created["facilitator_token"], "lang": "en"},
        ).text
        assert ('aria-describedby="themes-group-hint"' in page) is hinted
        assert ("shown to every participant" in page) is hinted


def test_the_accessibility_statement_says_when_it_was_reviewed_and_what_falls_short(
    server_factory,
):
    server = server_factory(accessibility_contact="saavutettavuus@example.fi")
    english = httpx.get(f"{server.url}/accessibility", params={"lang": "en"}).text
    assert "last reviewed on 23 Nov 2026" in english  # Act 306/2019 asks for the date
    assert "may be read aloud with the wrong pronunciation" in english
    assert 'href="mailto:saavutettavuus@example.fi"' in english
    finnish = httpx.get(f"{server.url}/accessibility", params={"lang": "fi"}).text
    assert "tarkistettu viimeksi 23.11.2026" in finnish


def test_the_vote_views_strings_come_apart_from_the_board(live_server):
    """The board's first load leaves out the vote and summary views' text (60 KB budget);
    static/vote_view.js fetches it in the board's language when those views first show."""
    created = create_workshop(live_server.url, language="fi")
    board = httpx.get(f"{live_server.url}/w/{created['id']}", params={"lang": "sv"}).text
    assert "Lägg till en prick" not in board and "Lisää piste" not in board
    for lang, add_dot in (("fi", "Lisää piste"), ("sv", "Lägg till en prick"), ("en", "Add dot")):
        answer = httpx.get(f"{live_server.url}/strings/results.json", params={"lang": lang})
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("application/json")
        assert answer.headers["vary"] == "Cookie, Accept-Language"  # what it falls back on
        strings = answer.json()
        assert strings["add_dot"] == add_dot
        assert len(strings["theme_notes"]) == 2 and "{n}" in strings["theme_notes"][1]
    odd = httpx.get(f"{live_server.url}/strings/results.json", params={"lang": "xx<script>"})
    assert odd.status_code == 200 and odd.json()["add_dot"]  # another language: the default
