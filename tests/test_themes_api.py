"""POST /api/workshops/{id}/themes against a real server."""

from __future__ import annotations

import asyncio
import time

import httpx
import psutil
import pytest

from tests.helpers import create_workshop, join, sync_command, sync_hello, theme_workers
from workshop import theming

TRANSPORT = [
    "Bussit eivät kulje aamuvuoroon",
    "Julkinen liikenne puuttuu kokonaan iltaisin",
    "Kimppakyydit työmatkoille auttaisivat",
    "Bussiyhteydet kaupunkiin ovat harvassa",
    "Kollektivtrafiken går inte på morgonen",
    "Työmatkat ovat liian pitkiä ilman autoa",
]
MENTAL_HEALTH = [
    "Mielenterveyspalveluihin on pitkät jonot",
    "Matalan kynnyksen mielenterveystukea tarvitaan",
    "Psykologille pääsee vasta kuukausien päästä",
    "Långa köer till mentalvården",
    "Terapiaan pääsy kestää liian kauan",
    "Ahdistus ja masennus estävät työnhaun",
]


def post_notes(base: str, workshop: dict, texts: list[str], prompt_index: int = 0) -> list[int]:
    person = join(base, workshop["code"])
    headers = {"Authorization": f"Bearer {person['participant_token']}"}
    url = f"{base}/api/workshops/{workshop['id']}/notes"
    prompt_id = workshop["prompts"][prompt_index]["id"]
    return [
        httpx.post(
            url, json={"prompt_id": prompt_id, "text": t, "cid": f"c{i}"}, headers=headers
        ).json()["id"]
        for i, t in enumerate(texts)
    ]


@pytest.mark.model
def test_themes_group_the_notes_of_a_prompt(server_factory):
    live = server_factory(theme_backend="semantic")
    workshop = create_workshop(live.url)
    ids = post_notes(live.url, workshop, TRANSPORT + MENTAL_HEALTH)
    other_prompt = post_notes(live.url, workshop, ["Toisen kysymyksen ajatus", "Ja toinen"], 1)
    auth = {"Authorization": f"Bearer {workshop['facilitator_token']}"}
    url = f"{live.url}/api/workshops/{workshop['id']}/themes"
    body = {"prompt_id": workshop["prompts"][0]["id"], "themes": 2}
    themes = httpx.post(url, json=body, headers=auth, timeout=60).json()["themes"]
    assert len(themes) == 2
    assert all(set(t) >= {"id", "label", "keywords", "note_ids"} for t in themes)
    grouped = [set(t["note_ids"]) for t in themes]
    assert not grouped[0] & grouped[1]
    assert set().union(*grouped) <= set(ids)
    transport, mental = set(ids[:6]), set(ids[6:])
    best = max(len(g & transport) + len(g2 & mental) for g, g2 in (grouped, grouped[::-1]))
    assert best >= 10, themes
    assert other_prompt[0] not in set().union(*grouped)
    # Without a prompt every prompt is analysed on its own; re-running replaces, ids move on.
    again = httpx.post(url, headers=auth, timeout=60).json()["themes"]
    assert {t["prompt_id"] for t in again} == {p["id"] for p in workshop["prompts"]}
    assert min(t["id"] for t in again) > max(t["id"] for t in themes)


def worker_processes(started_before: set[psutil.Process]) -> list[psutil.Process]:
    """Theme workers of this test process (its servers run in threads) started since."""
    return [p for p in theme_workers(psutil.Process()) if p not in started_before]


@pytest.mark.model
def test_the_semantic_worker_starts_with_the_server_not_with_the_first_note(server_factory):
    """Loading the model takes seconds of CPU: spent while the server is idle, not live."""
    before = set(psutil.Process().children())
    server_factory()  # the lexical backend needs no worker until themes are asked for
    time.sleep(1)
    assert worker_processes(before) == []
    server_factory(theme_backend="semantic")
    deadline = time.monotonic() + 20
    while not worker_processes(before) and time.monotonic() < deadline:
        time.sleep(0.1)
    workers = worker_processes(before)
    assert len(workers) == 1, "no theme worker started before any note"
    deadline = time.monotonic() + 20
    while workers[0].nice() != 19 and time.monotonic() < deadline:  # its initializer's first step
        time.sleep(0.1)
    assert workers[0].nice() == 19


@pytest.mark.model
def test_a_theme_worker_that_died_is_replaced(server_factory):
    """An out-of-memory kill or a crash of the worker must not end the themes for good."""
    before = set(psutil.Process().children())
    live = server_factory(theme_backend="semantic")
    workshop = create_workshop(live.url)
    post_notes(live.url, workshop, TRANSPORT + MENTAL_HEALTH)
    deadline = time.monotonic() + 20
    while not worker_processes(before) and time.monotonic() < deadline:
        time.sleep(0.1)
    (worker,) = worker_processes(before)
    worker.kill()
    worker.wait(10)
    auth = {"Authorization": f"Bearer {workshop['facilitator_token']}"}
    url = f"{live.url}/api/workshops/{workshop['id']}/themes"
    body = {"prompt_id": workshop["prompts"][0]["id"], "themes": 2}
    answer = httpx.post(url, json=body, headers=auth, timeout=60)
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["themes"]) == 2
    assert len(worker_processes(before | {worker})) == 1  # a new worker in its place


def cached_in_worker(texts: list[str]) -> list[bool]:
    """Runs in the theme worker (imported there by name): which texts its cache holds."""
    return [theming._embedder.cached(text) for text in texts]


def worker_cache(live, texts: list[str]) -> list[bool]:
    """Ask the live server's theme worker, on the server's own event loop."""
    worker = live.server.config.app.state.talkoot.theming
    loop = worker._embedding.get_loop()
    call = worker._run(cached_in_worker, texts)
    return asyncio.run_coroutine_threadsafe(call, loop).result(timeout=60)


def wait_for_cache(live, texts: list[str], expected: list[bool]) -> None:
    deadline = time.monotonic() + 60
    while (found := worker_cache(live, texts)) != expected and time.monotonic() < deadline:
        time.sleep(0.2)
    assert found == expected


@pytest.mark.model
def test_deleted_and_edited_note_texts_leave_the_worker_cache(server_factory):
    """The worker keeps each note's text as its vector's key; a removed text must go too."""
    live = server_factory(theme_backend="semantic")
    workshop = create_workshop(live.url)
    author = join(live.url, workshop["code"])["participant_token"]
    prompt_id = workshop["prompts"][0]["id"]
    texts = ["Kirjoitin väärään paikkaan", *TRANSPORT[:3], "Bussit kulkevat nyt iltaisin"]
    with sync_hello(live.ws_url, author) as ws:
        ids = [
            sync_command(ws, "note.add", prompt_id=prompt_id, text=text)["note"]["id"]
            for text in texts[:4]
        ]
        # Deleted while still waiting to be embedded (before the notes after it): never is.
        sync_command(ws, "note.delete", note_id=ids[0])
        wait_for_cache(live, texts, [False, True, True, True, False])
        sync_command(ws, "note.delete", note_id=ids[1])
        sync_command(ws, "note.edit", note_id=ids[2], text=texts[4])
    wait_for_cache(live, texts, [False, False, False, True, True])
    facilitator = {"Authorization": f"Bearer {workshop['facilitator_token']}"}
    httpx.delete(f"{live.url}/api/workshops/{workshop['id']}", headers=facilitator)
    wait_for_cache(live, texts, [False, False, False, False, False])


def test_themes_are_for_the_facilitator_with_sane_input(live_server):
    workshop = create_workshop(live_server.url)
    person = join(live_server.url, workshop["code"])
    url = f"{live_server.url}/api/workshops/{workshop['id']}/themes"
    facilitator = {"Authorization": f"Bearer {workshop['facilitator_token']}"}
    participant = {"Authorization": f"Bearer {person['participant_token']}"}
    assert httpx.post(url, json={}, headers=participant).status_code == 403
    assert httpx.post(url, json={}).status_code == 401
    assert httpx.post(url, json={"themes": 0}, headers=facilitator).status_code == 400
    assert httpx.post(url, json={"themes": "3"}, headers=facilitator).status_code == 400
    assert httpx.post(url, json={"prompt_id": 10**6}, headers=facilitator).status_code == 404
    empty = httpx.post(url, json={}, headers=facilitator)
    assert empty.status_code == 200 and empty.json() == {"themes": []}


def test_a_lone_note_makes_no_theme(live_server):
    """A theme needs two notes: one note under a prompt stays unsorted, whatever k is asked."""
    workshop = create_workshop(live_server.url)
    post_notes(live_server.url, workshop, ["Bussit eivät kulje aamuvuoroon"])
    url = f"{live_server.url}/api/workshops/{workshop['id']}/themes"
    auth = {"Authorization": f"Bearer {workshop['facilitator_token']}"}
    prompt_id = workshop["prompts"][0]["id"]
    for body in ({"prompt_id": prompt_id}, {"prompt_id": prompt_id, "themes": 1}):
        answer = httpx.post(url, json=body, headers=auth, timeout=60)
        assert answer.status_code == 200 and answer.json() == {"themes": []}
