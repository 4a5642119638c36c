"""Themes, edits, votes and actions over the realtime protocol, with real clients."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import sqlite3

import httpx
import pytest

from tests.helpers import connect, create_workshop, join, new_cid, replay_for
from tests.test_themes_api import MENTAL_HEALTH, TRANSPORT


@pytest.fixture
async def room(live_server):
    """A workshop with 12 notes on prompt 1 and one on prompt 2, a facilitator and two people."""
    created = create_workshop(live_server.url)
    people = [join(live_server.url, created["code"]) for _ in range(2)]
    clients = {"facilitator": await connect(live_server.ws_url, created["facilitator_token"])}
    for index, person in enumerate(people):
        clients[f"p{index}"] = await connect(live_server.ws_url, person["participant_token"])
    first, second = (p["id"] for p in created["prompts"])
    for text in TRANSPORT + MENTAL_HEALTH:
        await clients["p0"].command("note.add", prompt_id=first, text=text)
    await clients["p1"].command("note.add", prompt_id=second, text="Toinen kysymys")
    yield {"created": created, "people": people, "clients": clients, "prompts": (first, second)}
    for client in clients.values():
        await client.close()


async def run_analysis(facilitator, prompt_id, k=2):
    ack = await facilitator.command("themes.run", prompt_id=prompt_id, themes=k)
    assert ack["type"] == "ack", ack
    replaced = await facilitator.receive_until("themes.replaced", prompt_id=prompt_id)
    return replaced["themes"]


async def test_an_analysis_sent_again_while_it_runs_clusters_once(room, live_server):
    """A dashboard sends a command again when its ack is late, on the same connection and on
    a new one after reconnecting; a long analysis used to cluster every note once per copy."""
    facilitator = room["clients"]["facilitator"]
    reconnected = await connect(live_server.ws_url, room["created"]["facilitator_token"])
    frame = {"type": "themes.run", "cid": new_cid(), "prompt_id": room["prompts"][0], "themes": 2}
    for client in (facilitator, facilitator, reconnected):
        await client.send(frame)
    seen = []  # every facilitator screen is told when a clustering starts
    while not seen or seen[-1]["type"] not in {"ack", "error"}:
        seen.append(await reconnected.receive())
    acks = [seen[-1]] + [await facilitator.receive_until("ack") for _ in range(2)]
    with contextlib.suppress(TimeoutError):
        while True:
            seen.append(await reconnected.receive(timeout=0.5))
    await reconnected.close()
    assert [ack["type"] for ack in acks] == ["ack"] * 3
    assert len({ack["seq"] for ack in acks}) == 1
    starts = [m for m in seen if m["type"] == "themes.progress" and m["stage"] == "clustering"]
    assert len(starts) == 1


async def test_analysis_reaches_every_screen_without_note_text(room):
    facilitator, participant = room["clients"]["facilitator"], room["clients"]["p1"]
    themes = await run_analysis(facilitator, room["prompts"][0])
    assert len(themes) == 2
    assert sorted(n for t in themes for n in t["note_ids"]) == sorted(
        {n for t in themes for n in t["note_ids"]}
    )
    seen = await participant.receive_until("themes.replaced")
    assert [t["id"] for t in seen["themes"]] == [t["id"] for t in themes]
    assert "Bussit" not in json.dumps(seen)


async def test_only_the_facilitator_edits_themes(room):
    themes = await run_analysis(room["clients"]["facilitator"], room["prompts"][0])
    participant = room["clients"]["p0"]
    for kind, fields in (
        ("theme.rename", {"label": "x"}),
        ("theme.delete", {}),
        ("themes.run", {}),
        ("theme.merge", {"into_id": themes[1]["id"]}),
    ):
        refused = await participant.command(kind, theme_id=themes[0]["id"], **fields)
        assert refused["code"] == "forbidden", kind


async def test_edits_are_events_and_survive_a_rerun(room):
    facilitator = room["clients"]["facilitator"]
    first, second = room["prompts"]
    themes = await run_analysis(facilitator, first)
    kept, other = themes
    renamed = await facilitator.command("theme.rename", theme_id=kept["id"], label="Liikenne")
    assert renamed["type"] == "ack"
    updated = await facilitator.receive_until("theme.updated")
    assert updated["theme"]["label"] == "Liikenne" and updated["theme"]["edited"] is True

    moved_note = other["note_ids"][0]
    await facilitator.command("note.move", note_id=moved_note, theme_id=kept["id"])
    out_note = other["note_ids"][1]
    await facilitator.command("note.move", note_id=out_note, theme_id=None)
    again = await run_analysis(facilitator, first, k=1)
    by_id = {t["id"]: t for t in again}
    assert by_id[kept["id"]]["label"] == "Liikenne"
    assert moved_note in by_id[kept["id"]]["note_ids"]
    # The theme a note left is touched and kept too; the moved-out note, analysed afresh
    # alone, makes no theme of one: it stays unsorted.
    assert set(by_id) == {kept["id"], other["id"]}
    assert out_note not in {n for t in again for n in t["note_ids"]}

    await room["clients"]["p1"].command("note.add", prompt_id=second, text="Toinen ajatus")
    other_prompt = await run_analysis(facilitator, second, k=1)  # a theme needs two notes
    refused = await facilitator.command(
        "theme.merge", theme_id=other_prompt[0]["id"], into_id=kept["id"]
    )
    assert refused["code"] == "invalid"


async def test_merge_and_split(room):
    facilitator = room["clients"]["facilitator"]
    a, b = await run_analysis(facilitator, room["prompts"][0])
    await facilitator.command("theme.merge", theme_id=b["id"], into_id=a["id"])
    removed = await facilitator.receive_until("theme.removed")
    assert removed["theme_id"] == b["id"]
    merged = (await facilitator.receive_until("theme.updated"))["theme"]
    assert sorted(merged["note_ids"]) == sorted(a["note_ids"] + b["note_ids"])
    split_off = merged["note_ids"][:3]
    ack = await facilitator.command(
        "theme.split", theme_id=a["id"], note_ids=split_off, label="Uusi teema"
    )
    assert ack["type"] == "ack"
    first = (await facilitator.receive_until("theme.updated"))["theme"]
    second = (await facilitator.receive_until("theme.updated"))["theme"]
    assert second["label"] == "Uusi teema" and second["note_ids"] == sorted(split_off)
    assert not set(first["note_ids"]) & set(split_off)
    everything = await facilitator.command(
        "theme.split", theme_id=a["id"], note_ids=first["note_ids"], label="Kaikki"
    )
    assert everything["code"] == "invalid"


async def test_dots_cannot_be_overspent_even_by_replaying_frames(room, live_server):
    facilitator, voter, other = (room["clients"][k] for k in ("facilitator", "p0", "p1"))
    themes = await run_analysis(facilitator, room["prompts"][0])
    early = await voter.command("vote.cast", theme_id=themes[0]["id"])
    assert early["code"] == "not_voting"
    await facilitator.command("voting.set", dots=2)
    await facilitator.command("phase.set", phase="vote")
    cid = new_cid()
    first = await voter.command("vote.cast", cid=cid, theme_id=themes[0]["id"])
    assert first["votes"] == {str(themes[0]["id"]): 1}  # the voter's dots, as stored
    for _ in range(3):  # the same frame again and again changes nothing, its ack included
        assert await voter.command("vote.cast", cid=cid, theme_id=themes[0]["id"]) == first
    second = await voter.command("vote.cast", theme_id=themes[0]["id"])
    assert second["votes"] == {str(themes[0]["id"]): 2}
    over = await voter.command("vote.cast", theme_id=themes[1]["id"])
    assert over["code"] == "no_dots_left"
    total = await facilitator.receive_until("votes.changed", theme_id=themes[0]["id"], votes=2)
    assert total["votes"] == 2
    await other.assert_silent(
        ignore=(
            "phase.changed",
            "posting.changed",
            "voting.changed",
            "themes.replaced",
            "note.added",
        )
    )
    retracted = await voter.command("vote.retract", theme_id=themes[0]["id"])
    assert retracted["votes"] == {str(themes[0]["id"]): 1}
    assert (await voter.command("vote.cast", theme_id=themes[1]["id"]))["type"] == "ack"
    fresh = await connect(live_server.ws_url, room["created"]["facilitator_token"])
    assert fresh.welcome["votes"] == {str(themes[0]["id"]): 1, str(themes[1]["id"]): 1}
    await fresh.close()
    # The voter has spent 2 dots on the prompt: fewer would leave them over the limit.
    assert (await facilitator.command("voting.set", dots=1))["code"] == "dots_spent"
    assert (await facilitator.command("voting.set", dots=3))["type"] == "ack"
    assert (await facilitator.command("voting.set", dots=2))["type"] == "ack"


async def test_actions_by_the_facilitator_and_when_allowed_by_participants(room):
    facilitator, participant = room["clients"]["facilitator"], room["clients"]["p0"]
    theme = (await run_analysis(facilitator, room["prompts"][0]))[0]
    fields = {
        "theme_id": theme["id"],
        "what": "Kimppakyytikokeilu",
        "owner": "Lohjan kaupunki",
        "due": "2026-12-31",
    }
    assert (await participant.command("action.add", **fields))["code"] == "forbidden"
    for bad_date in ("31.12.", "2026-02-30", "2026-13-01"):  # the last two look like dates
        refused = await facilitator.command("action.add", **{**fields, "due": bad_date})
        assert refused["code"] == "invalid", bad_date
    await facilitator.command("action.add", **fields)
    added = await participant.receive_until("action.added")
    assert added["action"]["owner"] == "Lohjan kaupunki"
    await facilitator.command("actions.allow", allowed=True)
    own = await participant.command("action.add", **{**fields, "what": "Oma ehdotus"})
    assert own["type"] == "ack"
    mine = await participant.receive_until("action.added")
    assert mine["action"]["what"] == "Oma ehdotus"
    removed = await participant.command("action.delete", action_id=mine["action"]["id"])
    assert removed["type"] == "ack"
    foreign = await participant.command("action.delete", action_id=added["action"]["id"])
    assert foreign["code"] == "forbidden"


async def test_a_removed_action_leaves_neither_the_replay_nor_the_log(room, live_server):
    facilitator = room["clients"]["facilitator"]
    theme = (await run_analysis(facilitator, room["prompts"][0]))[0]
    for what in ("Kimppakyydit", "Loukkaava teksti"):
        await facilitator.command("action.add", theme_id=theme["id"], what=what, owner="Lohja")
        added = await facilitator.receive_until("action.added")
    await facilitator.command("action.delete", action_id=added["action"]["id"])
    replay = await replay_for(live_server.ws_url, room["people"][0]["participant_token"])
    replayed = [m["action"] for m in replay if m["type"] == "action.added"]
    assert [(a["what"], a["owner"]) for a in replayed] == [("Kimppakyydit", "Lohja")]
    with sqlite3.connect(live_server.settings.db_path) as db:
        logged = db.execute(
            "select payload from events where type = 'action.added' and workshop_id = ?",
            [room["created"]["id"]],
        ).fetchall()
    assert len(logged) == 2
    assert not any("Kimppakyydit" in p or "Loukkaava" in p for (p,) in logged)


async def test_a_hidden_deleted_or_moved_note_takes_its_words_out_of_its_theme(room, live_server):
    facilitator, author = room["clients"]["facilitator"], room["clients"]["p0"]
    themes = await run_analysis(facilitator, room["prompts"][0])
    texts = {n["id"]: n["text"] for n in (await _notes(live_server, room))}
    words = {i: set(re.findall(r"[\w-]+", t.casefold())) for i, t in texts.items()}
    latest = {theme["id"]: theme for theme in themes}
    first, second = themes[0]["id"], themes[1]["id"]
    for theme_id, change in ((first, "hide"), (second, "delete"), (first, "move")):
        theme = latest[theme_id]
        # A note that alone gives its theme a keyword, as an abusive note would.
        alone = next(
            n
            for n in theme["note_ids"]
            for k in theme["keywords"]
            if k in words[n] and not any(k in words[o] for o in theme["note_ids"] if o != n)
        )
        if change == "hide":
            await facilitator.command("note.hide", note_id=alone, hidden=True)
        elif change == "delete":
            await author.command("note.delete", note_id=alone)
        else:  # into no theme, as the review's "Move to…" does
            await facilitator.command("note.move", note_id=alone, theme_id=None)
        updated = (await author.receive_until("theme.updated"))["theme"]
        while updated["id"] != theme_id:
            updated = (await author.receive_until("theme.updated"))["theme"]
        assert alone not in updated["note_ids"]
        left = set().union(*(words[n] for n in updated["note_ids"]))
        assert set(updated["keywords"]) <= left
        assert set(re.findall(r"[\w-]+", updated["label"].casefold())) <= left
        assert len(updated["keywords"]) < len(theme["keywords"])
        latest[theme_id] = updated


async def test_a_replay_shows_themes_as_they_are_now_and_the_log_keeps_no_labels(room, live_server):
    facilitator = room["clients"]["facilitator"]
    first, second = await run_analysis(facilitator, room["prompts"][0])
    await facilitator.command("theme.rename", theme_id=first["id"], label="Sopimaton nimi")
    await facilitator.command("theme.rename", theme_id=first["id"], label="Liikenne")
    await facilitator.command("theme.delete", theme_id=second["id"])
    replay = await replay_for(live_server.ws_url, room["people"][1]["participant_token"])
    assert "Sopimaton" not in json.dumps(replay) and second["label"] not in json.dumps(replay)
    shown = [t for m in replay if m["type"] == "themes.replaced" for t in m["themes"]]
    shown += [m["theme"] for m in replay if m["type"] == "theme.updated"]
    assert {t["label"] for t in shown} == {"Liikenne"}
    with sqlite3.connect(live_server.settings.db_path) as db:
        logged = db.execute(
            "select payload from events where workshop_id = ? and type like 'theme%'",
            [room["created"]["id"]],
        ).fetchall()
    assert logged and not any("Liikenne" in p or "Sopimaton" in p for (p,) in logged)


async def _notes(live_server, room):
    async with httpx.AsyncClient(base_url=live_server.url) as http:
        response = await http.get(
            f"/api/workshops/{room['created']['id']}/notes",
            headers={"Authorization": f"Bearer {room['created']['facilitator_token']}"},
        )
    return response.json()["notes"]


async def test_replay_rebuilds_the_review_state(room, live_server):
    facilitator = room["clients"]["facilitator"]
    a, b = await run_analysis(facilitator, room["prompts"][0])
    await facilitator.command("theme.rename", theme_id=a["id"], label="Liikenne")
    await facilitator.command("theme.merge", theme_id=b["id"], into_id=a["id"])
    await facilitator.command("summary.publish", published=True)
    late = await connect(live_server.ws_url, room["created"]["facilitator_token"])
    themes: dict[int, dict] = {}
    async with asyncio.timeout(5):
        while True:
            message = await late.receive()
            if message["type"] == "themes.replaced":
                themes = {t["id"]: t for t in message["themes"]}
            elif message["type"] == "theme.updated":
                themes[message["theme"]["id"]] = message["theme"]
            elif message["type"] == "theme.removed":
                themes.pop(message["theme_id"], None)  # a replay shows only what is left
            elif message["type"] == "summary.changed":
                break
    assert list(themes) == [a["id"]]
    assert themes[a["id"]]["label"] == "Liikenne"
    assert len(themes[a["id"]]["note_ids"]) == 12
    assert late.welcome["workshop"]["summary_published"] is True
    await late.close()


async def test_a_run_for_one_group_takes_its_notes_out_of_all_group_themes(room):
    facilitator = room["clients"]["facilitator"]
    prompt = room["prompts"][0]
    group = room["clients"]["p0"].welcome["group_id"]  # p0 wrote every note of the prompt
    whole = await run_analysis(facilitator, prompt)
    await facilitator.command("themes.run", prompt_id=prompt, group_id=group, themes=2)
    emptied = {(await facilitator.receive_until("theme.removed"))["theme_id"] for _ in whole}
    assert emptied == {t["id"] for t in whole}  # no notes left: no theme left
    per_group = await facilitator.receive_until("themes.replaced", group_id=group)
    mine = [t for t in per_group["themes"] if t["group_id"] == group]
    assert sorted(n for t in mine for n in t["note_ids"]) == sorted(
        n for t in whole for n in t["note_ids"]
    )


async def test_a_rerun_announces_every_theme_it_replaces(room):
    facilitator = room["clients"]["facilitator"]
    prompt = room["prompts"][0]
    group = room["created"]["groups"][0]["id"]
    await facilitator.command("themes.run", prompt_id=prompt, group_id=group, themes=2)
    per_group = await facilitator.receive_until("themes.replaced", group_id=group)
    assert per_group["themes"] and all(t["group_id"] == group for t in per_group["themes"])
    await facilitator.command("themes.run", prompt_id=prompt, themes=2)
    removed = {
        (await facilitator.receive_until("theme.removed"))["theme_id"] for _ in per_group["themes"]
    }
    assert removed == {t["id"] for t in per_group["themes"]}
    whole = await facilitator.receive_until("themes.replaced", group_id=None)
    assert not removed & {t["id"] for t in whole["themes"]}


async def test_asking_for_as_many_themes_as_notes_still_gives_themes(room):
    """A theme needs two notes: 12 themes of 12 notes used to leave every note unsorted and
    wipe the themes there were; the number asked for is capped at half the notes."""
    facilitator = room["clients"]["facilitator"]
    themes = await run_analysis(facilitator, room["prompts"][0], k=12)
    assert 2 <= len(themes) <= 6
    assert all(len(t["note_ids"]) >= 2 for t in themes)
