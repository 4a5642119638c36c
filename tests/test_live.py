"""The realtime protocol against a real uvicorn with real websockets clients."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

import httpx
import pytest
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.helpers import LiveClient, connect, create_workshop, join, new_cid, replay_for
from workshop.models import Principal
from workshop.service import HELLO_BURST, Talkoot


@pytest.fixture
def workshop(live_server):
    """A workshop with two groups: Aino and Bertil in Lohja, Cecilia in Karkkila."""
    created = create_workshop(live_server.url)
    lohja, karkkila = (g["id"] for g in created["groups"])
    people = {
        "aino": join(live_server.url, created["code"], name="Aino", group_id=lohja),
        "bertil": join(live_server.url, created["code"], group_id=lohja),
        "cecilia": join(live_server.url, created["code"], name="Cecilia", group_id=karkkila),
    }
    return {**created, "people": people, "prompt": created["prompts"][0]["id"]}


async def open_all(live_server, workshop) -> dict[str, LiveClient]:
    clients = {"facilitator": await connect(live_server.ws_url, workshop["facilitator_token"])}
    for name, person in workshop["people"].items():
        clients[name] = await connect(live_server.ws_url, person["participant_token"])
    return clients


async def close_all(clients: dict[str, LiveClient]) -> None:
    for client in clients.values():
        await client.close()


async def test_group_isolation_until_shared(live_server, workshop):
    clients = await open_all(live_server, workshop)
    try:
        ack = await clients["aino"].command(
            "note.add", prompt_id=workshop["prompt"], text="Lohjan idea"
        )
        assert ack["type"] == "ack"
        for who in ("aino", "bertil", "facilitator"):
            added = await clients[who].receive_until("note.added")
            assert added["note"]["text"] == "Lohjan idea"
            assert added["seq"] == ack["seq"]
        # Cecilia's own later note reaches her; Aino's earlier one never did.
        await clients["cecilia"].command("note.add", prompt_id=workshop["prompt"], text="Karkkila")
        own = await clients["cecilia"].receive_until("note.added")
        assert own["note"]["text"] == "Karkkila"
        await clients["cecilia"].assert_silent()

        await clients["facilitator"].command("sharing.set", shared=True)
        changed = await clients["cecilia"].receive_until("sharing.changed")
        assert changed["shared"] is True
        snapshot = await clients["cecilia"].receive_until("notes.snapshot")
        assert {n["text"] for n in snapshot["notes"]} == {"Lohjan idea", "Karkkila"}
        await clients["bertil"].command("note.add", prompt_id=workshop["prompt"], text="jaettu")
        shared_note = await clients["cecilia"].receive_until("note.added")
        assert shared_note["note"]["text"] == "jaettu"
    finally:
        await close_all(clients)


async def test_a_late_participant_gets_earlier_notes_of_other_groups_once_shared(
    live_server, workshop
):
    aino = await connect(live_server.ws_url, workshop["people"]["aino"]["participant_token"])
    await aino.command("note.add", prompt_id=workshop["prompt"], text="ennen jakoa")
    await aino.close()
    facilitator = await connect(live_server.ws_url, workshop["facilitator_token"])
    await facilitator.command("sharing.set", shared=True)
    await facilitator.close()
    cecilia = await connect(live_server.ws_url, workshop["people"]["cecilia"]["participant_token"])
    try:
        snapshot = await cecilia.receive_until("notes.snapshot")
        assert [n["text"] for n in snapshot["notes"]] == ["ennen jakoa"]
    finally:
        await cecilia.close()


async def test_facilitator_sees_every_group(live_server, workshop):
    clients = await open_all(live_server, workshop)
    try:
        for who in ("aino", "cecilia"):
            await clients[who].command("note.add", prompt_id=workshop["prompt"], text=f"from {who}")
        seen = [
            (await clients["facilitator"].receive_until("note.added"))["note"] for _ in range(2)
        ]
        assert {n["text"] for n in seen} == {"from aino", "from cecilia"}
        assert len({n["group_id"] for n in seen}) == 2
    finally:
        await close_all(clients)


async def test_replay_after_reconnect_from_since(live_server, workshop):
    aino_token = workshop["people"]["aino"]["participant_token"]
    bertil = await connect(live_server.ws_url, workshop["people"]["bertil"]["participant_token"])
    first = await bertil.command("note.add", prompt_id=workshop["prompt"], text="ennen")
    aino = await connect(live_server.ws_url, aino_token)
    replayed = await aino.receive_until("note.added")
    assert replayed["note"]["text"] == "ennen"
    await aino.close()
    # While Aino is away: a new note, an edit of the old one, a phase change.
    second = await bertil.command("note.add", prompt_id=workshop["prompt"], text="poissa ollessa")
    await bertil.command("note.edit", note_id=first["note"]["id"], text="ennen (muokattu)")
    await bertil.close()
    facilitator = await connect(live_server.ws_url, workshop["facilitator_token"])
    await facilitator.command("phase.set", phase="ideate")
    await facilitator.close()

    aino = await connect(live_server.ws_url, aino_token, since=first["seq"])
    try:
        missed = [await aino.receive() for _ in range(3)]
        assert [m["type"] for m in missed] == ["note.added", "note.updated", "phase.changed"]
        assert missed[0]["note"]["id"] == second["note"]["id"]
        assert missed[1]["note"]["text"] == "ennen (muokattu)"
        assert [m["seq"] for m in missed] == sorted(m["seq"] for m in missed)
        assert all(m["seq"] > first["seq"] for m in missed)
        assert aino.welcome["seq"] == missed[-1]["seq"]
        await aino.assert_silent()
    finally:
        await aino.close()


async def test_same_cid_twice_makes_one_note(live_server, workshop):
    aino = await connect(live_server.ws_url, workshop["people"]["aino"]["participant_token"])
    try:
        cid = new_cid()
        first = await aino.command("note.add", cid=cid, prompt_id=workshop["prompt"], text="kerran")
        again = await aino.command("note.add", cid=cid, prompt_id=workshop["prompt"], text="toisen")
        assert again == first
        # The same cid over HTTP is the same command too.
        response = httpx.post(
            f"{live_server.url}/api/workshops/{workshop['id']}/notes",
            json={"cid": cid, "prompt_id": workshop["prompt"], "text": "http"},
            headers={"Authorization": f"Bearer {workshop['people']['aino']['participant_token']}"},
        )
        assert response.status_code == 200
        assert response.json()["id"] == first["note"]["id"]
        notes = httpx.get(
            f"{live_server.url}/api/workshops/{workshop['id']}/notes",
            headers={"Authorization": f"Bearer {workshop['facilitator_token']}"},
        ).json()["notes"]
        assert [n["text"] for n in notes] == ["kerran"]
    finally:
        await aino.close()


async def test_token_of_one_workshop_opens_nothing_in_another(live_server, workshop):
    other = create_workshop(live_server.url, title="Toinen")
    intruder = workshop["people"]["aino"]["participant_token"]
    facilitator = workshop["facilitator_token"]
    with httpx.Client(base_url=live_server.url) as http:
        for token in (intruder, facilitator):
            auth = {"Authorization": f"Bearer {token}"}
            assert http.get(f"/api/workshops/{other['id']}/notes", headers=auth).status_code == 404
            assert http.get(f"/api/workshops/{other['id']}", headers=auth).status_code == 404
            assert http.delete(f"/api/workshops/{other['id']}", headers=auth).status_code == 404
            posted = http.post(
                f"/api/workshops/{other['id']}/notes",
                headers=auth,
                json={"cid": "x", "prompt_id": other["prompts"][0]["id"], "text": "x"},
            )
            assert posted.status_code == 404
        assert http.get(f"/d/{other['id']}", params={"token": facilitator}).status_code == 403
    aino = await connect(live_server.ws_url, intruder)
    try:
        assert aino.welcome["workshop"]["id"] == workshop["id"]
        error = await aino.command("note.add", prompt_id=other["prompts"][0]["id"], text="x")
        assert error["code"] == "not_found"
    finally:
        await aino.close()
    outsider = await connect(live_server.ws_url, other["facilitator_token"])
    try:
        await outsider.assert_silent()
    finally:
        await outsider.close()


BAD_FRAMES = [
    ("not json", "bad_json"),
    ("[1, 2]", "bad_message"),
    # A lone surrogate cannot be stored as UTF-8; it used to close the connection with 1011.
    ('{"type": "note.add", "cid": "s", "prompt_id": 1, "text": "\\ud800"}', "bad_json"),
    ('{"type": "ping", "n": NaN}', "bad_json"),
    (json.dumps({"type": "note.fly", "cid": "a"}), "unknown_type"),
    (json.dumps({"cid": "b"}), "unknown_type"),
    (json.dumps({"type": "note.add", "cid": "c"}), "invalid"),
    (json.dumps({"type": "note.add", "cid": "d", "prompt_id": "1", "text": "x"}), "invalid"),
    (json.dumps({"type": "note.add", "cid": 5, "prompt_id": 1, "text": "x"}), "invalid"),
    (json.dumps({"type": "note.add", "cid": "e", "prompt_id": 1, "text": ["x"]}), "invalid"),
    # Past SQLite's integers: these used to end the connection with 1011.
    (json.dumps({"type": "note.add", "cid": "i", "prompt_id": 2**63, "text": "x"}), "invalid"),
    (json.dumps({"type": "note.edit", "cid": "j", "note_id": 2**63, "text": "x"}), "invalid"),
    (
        json.dumps({"type": "note.add", "cid": "f", "prompt_id": 1, "text": "x" * 1_000_000}),
        "too_large",
    ),
    (json.dumps({"type": "phase.set", "cid": "g", "phase": "party"}), "forbidden"),
    (json.dumps({"type": "hello", "token": "x"}), "already_greeted"),
]


async def test_bad_frames_each_get_an_error_and_change_nothing(live_server, workshop):
    aino = await connect(live_server.ws_url, workshop["people"]["aino"]["participant_token"])
    try:
        for frame, code in BAD_FRAMES:
            await aino.ws.send(frame)
            answer = await aino.receive()
            assert answer["type"] == "error", frame[:60]
            assert answer["code"] == code, frame[:60]
        await aino.ws.send(b"\x00\x01binary")
        assert (await aino.receive())["code"] == "bad_frame"
        long_note = await aino.command("note.add", prompt_id=workshop["prompt"], text="y" * 501)
        assert long_note["code"] == "too_long"
        blank = await aino.command("note.add", prompt_id=workshop["prompt"], text="  \n ")
        assert blank["code"] == "empty"
        # The connection and the server are still healthy, and nothing was stored.
        await aino.send({"type": "ping"})
        assert (await aino.receive())["type"] == "pong"
        ok = await aino.command("note.add", prompt_id=workshop["prompt"], text="y" * 500)
        assert ok["type"] == "ack"
        notes = httpx.get(
            f"{live_server.url}/api/workshops/{workshop['id']}/notes",
            headers={"Authorization": f"Bearer {workshop['facilitator_token']}"},
        )
        assert [len(n["text"]) for n in notes.json()["notes"]] == [500]
    finally:
        await aino.close()
    assert httpx.get(f"{live_server.url}/healthz").json() == {"ok": True}


async def test_a_frame_beyond_the_limit_closes_with_1009(server_factory):
    live = server_factory(ws_max_frame_bytes=4096)
    created = create_workshop(live.url)
    client = await connect(live.ws_url, created["facilitator_token"])
    await client.ws.send("x" * 10_000)
    with pytest.raises(ConnectionClosed) as closed:
        await client.receive_until("never")  # a presence message may come first
    assert closed.value.rcvd.code == 1009
    assert httpx.get(f"{live.url}/healthz").status_code == 200


async def test_hello_is_checked(live_server, workshop, monkeypatch):
    token = workshop["facilitator_token"]
    monkeypatch.setattr("workshop.live.HELLO_TIMEOUT_SECONDS", 0.5)  # the server runs in-process
    for hello, code, close_code in (
        (json.dumps({"type": "hello", "token": "nonsense", "since": 0}), "unauthorized", 1008),
        (json.dumps({"type": "note.add", "cid": "x"}), "hello_first", 1008),
        (json.dumps({"type": "hello", "token": token, "since": -1}), "invalid", 1008),
        (json.dumps({"type": "hello", "token": token, "since": 2**63}), "invalid", 1008),
        (json.dumps({"type": "hello", "token": token}).encode(), "bad_frame", 1003),
        (None, "hello_timeout", 1013),  # try again: 1008 would make the client forget it all
    ):
        async with websockets.connect(live_server.ws_url) as ws:
            if hello is not None:
                await ws.send(hello)
            error = json.loads(await ws.recv())
            assert (error["type"], error["code"]) == ("error", code)
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
            assert closed.value.rcvd.code == close_code
    assert httpx.get(f"{live_server.url}/healthz").status_code == 200


async def test_origin_is_checked(live_server, workshop):
    with pytest.raises(InvalidStatus) as refused:
        await websockets.connect(live_server.ws_url, origin="http://evil.example")
    assert refused.value.response.status_code == 403
    assert json.loads(refused.value.response.body)["error"]["code"] == "forbidden"
    own = f"http://127.0.0.1:{live_server.port}"
    client = await connect(live_server.ws_url, workshop["facilitator_token"], origin=own)
    await client.close()


async def test_with_a_public_address_only_its_origin_may_connect(server_factory):
    """Otherwise a rebound name matches itself: Host and Origin both say evil.example."""
    live = server_factory(public_url="https://Talkoot.example.fi:443/")  # as a person typed it
    created = create_workshop(live.url)
    token = created["facilitator_token"]
    client = await connect(live.ws_url, token, origin="https://talkoot.example.fi")
    await client.close()
    for origin, host in (
        ("http://evil.example:8080", "evil.example:8080"),
        (f"http://127.0.0.1:{live.port}", None),
    ):
        headers = {"Host": host} if host else None
        with pytest.raises(InvalidStatus) as refused:
            await websockets.connect(live.ws_url, origin=origin, additional_headers=headers)
        assert refused.value.response.status_code == 403


async def test_moderation_hides_a_note_from_participants(live_server, workshop):
    clients = await open_all(live_server, workshop)
    try:
        posted = await clients["aino"].command(
            "note.add", prompt_id=workshop["prompt"], text="asiaton"
        )
        note_id = posted["note"]["id"]
        await clients["bertil"].receive_until("note.added")
        await clients["facilitator"].command("note.hide", note_id=note_id, hidden=True)
        hidden = await clients["bertil"].receive_until("note.hidden")
        assert hidden == {
            "type": "note.hidden",
            "seq": hidden["seq"],
            "note_id": note_id,
            "hidden": True,
        }
        facilitator_view = await clients["facilitator"].receive_until("note.hidden")
        assert facilitator_view["note"]["text"] == "asiaton"
        late = await connect(live_server.ws_url, workshop["people"]["bertil"]["participant_token"])
        replay = [await late.receive()]
        assert "asiaton" not in json.dumps(replay)
        assert replay[0]["type"] == "note.hidden"
        await late.close()
    finally:
        await close_all(clients)


async def test_removing_a_participant_hides_their_notes_and_closes_their_link(
    live_server, workshop
):
    clients = await open_all(live_server, workshop)
    aino = workshop["people"]["aino"]
    try:
        posted = [
            await clients["aino"].command("note.add", prompt_id=workshop["prompt"], text=text)
            for text in ("roskaa", "lisää roskaa")
        ]
        kept = await clients["bertil"].command(
            "note.add", prompt_id=workshop["prompt"], text="hyvä"
        )
        refused = await clients["bertil"].command(
            "participant.remove", participant_id=aino["participant_id"]
        )
        assert refused["code"] == "forbidden"
        removed = await clients["facilitator"].command(
            "participant.remove", participant_id=aino["participant_id"]
        )
        assert removed["type"] == "ack"
        hidden = [await clients["bertil"].receive_until("note.hidden") for _ in posted]
        assert sorted(m["note_id"] for m in hidden) == sorted(p["note"]["id"] for p in posted)
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await clients["aino"].receive()
        assert closed.value.rcvd.code == 1008  # the board offers to join again
        notes_url = f"{live_server.url}/api/workshops/{workshop['id']}/notes"
        refused = httpx.post(
            notes_url,
            json={"prompt_id": workshop["prompt"], "text": "vielä", "cid": "after"},
            headers={"Authorization": f"Bearer {aino['participant_token']}"},
        )
        assert refused.status_code == 401
        listed = httpx.get(
            notes_url, headers={"Authorization": f"Bearer {workshop['facilitator_token']}"}
        ).json()["notes"]
        assert {n["text"]: n["hidden"] for n in listed} == {
            "roskaa": True,
            "lisää roskaa": True,
            kept["note"]["text"]: False,
        }
        async with asyncio.timeout(5):  # Bertil alone has joined Lohja now
            joined = 2
            while joined != 1:
                presence = await clients["facilitator"].receive_until("presence")
                joined = {g["id"]: g["joined"] for g in presence["groups"]}[aino["group_id"]]
        again = await clients["facilitator"].command(
            "participant.remove", participant_id=aino["participant_id"]
        )
        assert again["type"] == "ack"  # a second screen asking too changes nothing more
        # Facilitator screens learn it, now and on replay (once); participants never do.
        facilitator_replay = await replay_for(live_server.ws_url, workshop["facilitator_token"])
        told = [m for m in facilitator_replay if m["type"] == "participant.removed"]
        assert told == [
            {
                "type": "participant.removed",
                "seq": told[0]["seq"],
                "participant_id": aino["participant_id"],
            }
        ]
        bertil_replay = await replay_for(
            live_server.ws_url, workshop["people"]["bertil"]["participant_token"]
        )
        assert not [m for m in bertil_replay if m["type"] == "participant.removed"]
        other = create_workshop(live_server.url)
        stranger = join(live_server.url, other["code"])
        foreign = await clients["facilitator"].command(
            "participant.remove", participant_id=stranger["participant_id"]
        )
        assert foreign["code"] == "not_found"
        newcomer = join(live_server.url, workshop["code"])  # the removed count for no group
        assert newcomer["group_id"] == aino["group_id"]
    finally:
        await close_all(clients)


async def test_erasing_a_participant_deletes_their_notes_dots_actions_and_name(
    live_server, workshop
):
    """An erasure request (GDPR art. 17): everything the participant left in the workshop goes,
    from the screens and from the disk; everyone else's stays."""
    clients = await open_all(live_server, workshop)
    aino = workshop["people"]["aino"]
    secret = "Ainon arkaluonteinen muistiinpano bussista"
    facilitator = clients["facilitator"]
    try:
        for who, text in (("aino", secret), ("aino", "bussi myöhässä"), ("bertil", "bussi hyvä")):
            await clients[who].command("note.add", prompt_id=workshop["prompt"], text=text)
        await clients["bertil"].command("note.add", prompt_id=workshop["prompt"], text="kahvi")
        found = await facilitator.command("themes.run", themes=2)
        assert found["type"] == "ack"
        themes = (await clients["aino"].receive_until("themes.replaced"))["themes"]
        assert (await facilitator.command("phase.set", phase="vote"))["type"] == "ack"
        assert (await facilitator.command("actions.allow", allowed=True))["type"] == "ack"
        theme_id = themes[0]["id"]
        assert (await clients["aino"].command("vote.cast", theme_id=theme_id))["type"] == "ack"
        added = await clients["aino"].command("action.add", theme_id=theme_id, what="Ainon idea")
        assert added["type"] == "ack"

        erased = await facilitator.command(
            "participant.remove", participant_id=aino["participant_id"], erase=True
        )
        assert erased["type"] == "ack"
        deleted = [await clients["bertil"].receive_until("note.deleted") for _ in range(2)]
        assert all(m.keys() == {"type", "seq", "note_id", "prompt_id"} for m in deleted)
        await clients["bertil"].receive_until("action.removed")
        await facilitator.receive_until("votes.changed", theme_id=theme_id, votes=1)  # the cast
        await facilitator.receive_until("votes.changed", theme_id=theme_id, votes=0)
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await clients["aino"].receive()
        assert closed.value.rcvd.code == 1008
        headers = {"Authorization": f"Bearer {workshop['facilitator_token']}"}
        base = f"{live_server.url}/api/workshops/{workshop['id']}"
        notes = httpx.get(f"{base}/notes", headers=headers).json()["notes"]
        assert sorted(n["text"] for n in notes) == ["bussi hyvä", "kahvi"]
        summary = httpx.get(f"{base}/summary", params={"format": "json"}, headers=headers).text
        assert "Aino" not in summary and "Ainon idea" not in summary and secret not in summary
        db_path = live_server.settings.db_path
        for path in (db_path, db_path.with_name(db_path.name + "-wal")):
            if path.exists():
                assert secret.encode() not in path.read_bytes(), path.name
        facilitator_replay = await replay_for(live_server.ws_url, workshop["facilitator_token"])
        assert secret not in json.dumps(facilitator_replay)
        assert [m["type"] for m in facilitator_replay].count("participant.removed") == 1
        flag = await facilitator.command(
            "participant.remove", participant_id=aino["participant_id"], erase="yes"
        )
        assert flag["code"] == "invalid"
    finally:
        await close_all(clients)


async def test_a_participant_removed_while_saying_hello_is_closed_not_welcomed(
    server_factory, monkeypatch
):
    """The token is read before the connection subscribes; a removal in between must not
    leave a subscribed connection that close_actor never saw."""
    live = server_factory()
    created = create_workshop(live.url)
    person = join(live.url, created["code"])
    stale = Principal(created["id"], "participant", person["participant_id"], person["group_id"])
    facilitator = await connect(live.ws_url, created["facilitator_token"])
    removed = await facilitator.command("participant.remove", participant_id=stale.participant_id)
    assert removed["type"] == "ack"
    await facilitator.close()

    async def read_before_the_removal(self, token):
        return stale

    monkeypatch.setattr(Talkoot, "authenticate", read_before_the_removal)
    async with websockets.connect(live.ws_url) as ws:
        await ws.send(json.dumps({"type": "hello", "token": person["participant_token"]}))
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                assert json.loads(await ws.recv())["type"] != "welcome"
        assert closed.value.rcvd.code == 1008


async def test_removing_a_participant_mid_flood_logs_no_server_error(server_factory, caplog):
    """Acks still due when the removal closed the connection used to end in a traceback."""
    live = server_factory()
    created = create_workshop(live.url)
    person = join(live.url, created["code"])
    facilitator = await connect(live.ws_url, created["facilitator_token"])
    troll = await connect(live.ws_url, person["participant_token"])
    prompt = created["prompts"][0]["id"]
    with caplog.at_level(logging.ERROR):
        for i in range(40):
            await troll.send(
                {"type": "note.add", "cid": f"spam{i}", "prompt_id": prompt, "text": f"spam {i}"}
            )
        await troll.receive_until("ack")
        await facilitator.command("participant.remove", participant_id=person["participant_id"])
        with pytest.raises(ConnectionClosed):
            while True:
                await troll.receive()
        await asyncio.sleep(0.5)  # the server finishes with the connection
    await facilitator.close()
    assert not [r for r in caplog.records if "live connection failed" in r.getMessage()]


async def test_a_note_hidden_again_is_not_replayed_with_its_text(live_server, workshop):
    aino = await connect(live_server.ws_url, workshop["people"]["aino"]["participant_token"])
    posted = await aino.command("note.add", prompt_id=workshop["prompt"], text="asiaton taas")
    await aino.close()
    facilitator = await connect(live_server.ws_url, workshop["facilitator_token"])
    for hidden in (True, False, True):
        await facilitator.command("note.hide", note_id=posted["note"]["id"], hidden=hidden)
    await facilitator.close()
    bertil = await connect(live_server.ws_url, workshop["people"]["bertil"]["participant_token"])
    try:
        replay = [await bertil.receive() for _ in range(3)]
        assert "asiaton" not in json.dumps(replay)
        assert [(m["type"], m["hidden"]) for m in replay] == [("note.hidden", True)] * 3
        await bertil.assert_silent()
    finally:
        await bertil.close()


async def test_unsharing_stops_the_replay_of_other_groups(live_server, workshop):
    aino = await connect(live_server.ws_url, workshop["people"]["aino"]["participant_token"])
    facilitator = await connect(live_server.ws_url, workshop["facilitator_token"])
    await facilitator.command("sharing.set", shared=True)
    posted = await aino.command("note.add", prompt_id=workshop["prompt"], text="jaettuna")
    await facilitator.command("sharing.set", shared=False)
    await aino.command("note.edit", note_id=posted["note"]["id"], text="vain Lohjalle")
    await aino.close()
    await facilitator.close()
    cecilia = await connect(live_server.ws_url, workshop["people"]["cecilia"]["participant_token"])
    try:
        assert cecilia.welcome["workshop"]["shared"] is False
        replay = [await cecilia.receive() for _ in range(2)]
        assert [m["type"] for m in replay] == ["sharing.changed", "sharing.changed"]
        await cecilia.assert_silent()
    finally:
        await cecilia.close()


async def test_a_groups_themes_stay_in_the_group_until_shared(live_server, workshop):
    clients = await open_all(live_server, workshop)
    try:
        for text in ("Bussit kulkevat harvoin", "Junat myöhässä", "Kimppakyydit puuttuvat"):
            await clients["aino"].command("note.add", prompt_id=workshop["prompt"], text=text)
        lohja = workshop["people"]["aino"]["group_id"]
        facilitator = clients["facilitator"]
        ran = await facilitator.command("themes.run", prompt_id=workshop["prompt"], group_id=lohja)
        assert ran["type"] == "ack", ran
        theme = (await clients["bertil"].receive_until("themes.replaced"))["themes"][0]
        await facilitator.command("theme.rename", theme_id=theme["id"], label="Liikenne")
        await facilitator.command("phase.set", phase="vote")
        seen = [await clients["cecilia"].receive() for _ in range(2)]
        assert [m["type"] for m in seen] == ["phase.changed", "posting.changed"]  # no themes
        await clients["cecilia"].assert_silent()
        refused = await clients["cecilia"].command("vote.cast", theme_id=theme["id"])
        assert refused["code"] == "not_found"
        assert (await clients["bertil"].command("vote.cast", theme_id=theme["id"]))["type"] == "ack"

        await facilitator.command("sharing.set", shared=True)
        snapshot = await clients["cecilia"].receive_until("themes.snapshot")
        assert [(t["id"], t["label"]) for t in snapshot["themes"]] == [(theme["id"], "Liikenne")]
        voted = await clients["cecilia"].command("vote.cast", theme_id=theme["id"])
        assert voted["type"] == "ack"
        assert voted["vote_prompts"] == {str(theme["id"]): workshop["prompt"]}
        late = await connect(live_server.ws_url, workshop["people"]["cecilia"]["participant_token"])
        renamed = await late.receive_until("theme.updated")
        assert renamed["theme"]["label"] == "Liikenne"
        await late.close()
    finally:
        await close_all(clients)


async def test_group_runs_thin_all_group_themes_and_two_groups_themes_do_not_merge(
    live_server, workshop
):
    clients = await open_all(live_server, workshop)
    prompt = workshop["prompt"]
    try:
        for text in ("Bussit Lohjalla myöhässä", "Junat Lohjalla myöhässä", "Lohjalla ei kyytejä"):
            await clients["aino"].command("note.add", prompt_id=prompt, text=text)
        for text in ("Bussit Karkkilassa harvassa", "Karkkilassa bussit harvassa"):
            await clients["cecilia"].command("note.add", prompt_id=prompt, text=text)
        facilitator = clients["facilitator"]
        await facilitator.command("themes.run", prompt_id=prompt, themes=1)
        whole = (await facilitator.receive_until("themes.replaced"))["themes"][0]
        assert "lohjalla" in whole["keywords"]
        lohja = workshop["people"]["aino"]["group_id"]
        await facilitator.command("themes.run", prompt_id=prompt, group_id=lohja, themes=1)
        thinned = (await facilitator.receive_until("theme.updated"))["theme"]
        assert thinned["id"] == whole["id"] and len(thinned["note_ids"]) == 2
        ours = (await facilitator.receive_until("themes.replaced", group_id=lohja))["themes"]
        karkkila = workshop["people"]["cecilia"]["group_id"]
        await facilitator.command("themes.run", prompt_id=prompt, group_id=karkkila, themes=1)
        theirs = (await facilitator.receive_until("themes.replaced", group_id=karkkila))["themes"]
        merge = {"theme_id": theirs[0]["id"], "into_id": ours[0]["id"]}
        refused = await facilitator.command("theme.merge", **merge)
        assert refused["code"] == "invalid"  # two groups' themes stay apart
        left = {"bussit", "karkkilassa", "harvassa"}
        assert thinned["keywords"] and set(thinned["keywords"]) <= left
        assert set(thinned["label"].split(", ")) <= left
    finally:
        await close_all(clients)


async def test_a_deleted_notes_id_and_cid_show_nothing_of_a_later_note(live_server, workshop):
    """SQLite gave the highest id again after it was deleted, even to another workshop's note;
    ids no longer come round (AUTOINCREMENT), and a repeated cid still shows nothing new."""
    aino = await connect(live_server.ws_url, workshop["people"]["aino"]["participant_token"])
    cid = new_cid()
    posted = await aino.command("note.add", cid=cid, prompt_id=workshop["prompt"], text="oma")
    await aino.command("note.delete", note_id=posted["note"]["id"])
    await aino.close()
    other = create_workshop(live_server.url)
    stranger = join(live_server.url, other["code"])
    response = httpx.post(
        f"{live_server.url}/api/workshops/{other['id']}/notes",
        json={"prompt_id": other["prompts"][0]["id"], "text": "toisen pajan salaisuus", "cid": cid},
        headers={"Authorization": f"Bearer {stranger['participant_token']}"},
    )
    assert response.json()["id"] > posted["note"]["id"]  # not the deleted note's id
    replay = await replay_for(live_server.ws_url, workshop["people"]["bertil"]["participant_token"])
    assert "salaisuus" not in json.dumps(replay)
    again = await connect(live_server.ws_url, workshop["people"]["aino"]["participant_token"])
    try:
        resent = await again.command("note.add", cid=cid, prompt_id=workshop["prompt"], text="oma")
        assert "salaisuus" not in json.dumps(resent) and "note" not in resent
    finally:
        await again.close()


async def test_a_hide_sent_late_for_a_deleted_note_hides_no_other_note(live_server, workshop):
    """A dashboard offline queued "hide" for a note its author then deleted; someone posted
    meanwhile. The hide arriving at last must not land on the new note."""
    clients = await open_all(live_server, workshop)
    try:
        rude = await clients["aino"].command(
            "note.add", prompt_id=workshop["prompt"], text="asiaton"
        )
        await clients["aino"].command("note.delete", note_id=rude["note"]["id"])
        innocent = await clients["bertil"].command(
            "note.add", prompt_id=workshop["prompt"], text="asiallinen"
        )
        late = await clients["facilitator"].command(
            "note.hide", note_id=rude["note"]["id"], hidden=True
        )
        assert late["code"] == "not_found"
        listed = httpx.get(
            f"{live_server.url}/api/workshops/{workshop['id']}/notes",
            headers={"Authorization": f"Bearer {workshop['facilitator_token']}"},
        ).json()["notes"]
        assert [(n["id"], n["hidden"]) for n in listed] == [(innocent["note"]["id"], False)]
    finally:
        await close_all(clients)


async def test_a_theme_left_with_one_note_by_hiding_is_no_theme(live_server, workshop):
    clients = await open_all(live_server, workshop)
    prompt = workshop["prompt"]
    try:
        texts = ("Bussit myöhässä aamulla", "Bussit myöhässä illalla")
        texts += ("Mielenterveys jonot pitkät", "Mielenterveys jonot kasvavat")
        for text in texts:
            await clients["aino"].command("note.add", prompt_id=prompt, text=text)
        facilitator = clients["facilitator"]
        await facilitator.command("themes.run", prompt_id=prompt, themes=2)
        themes = (await facilitator.receive_until("themes.replaced"))["themes"]
        pair = next(t for t in themes if len(t["note_ids"]) == 2)
        await facilitator.command("note.hide", note_id=pair["note_ids"][0], hidden=True)
        removed = await clients["bertil"].receive_until("theme.removed")
        assert removed["theme_id"] == pair["id"]  # its other note is unsorted now
    finally:
        await close_all(clients)


async def test_only_the_author_edits_and_deletes(live_server, workshop):
    clients = await open_all(live_server, workshop)
    try:
        posted = await clients["aino"].command("note.add", prompt_id=workshop["prompt"], text="oma")
        note_id = posted["note"]["id"]
        refused = await clients["bertil"].command("note.edit", note_id=note_id, text="vieras")
        assert refused["code"] == "forbidden"
        assert (await clients["bertil"].command("note.delete", note_id=note_id))[
            "code"
        ] == "forbidden"
        edited = await clients["aino"].command("note.edit", note_id=note_id, text="oma, korjattu")
        assert edited["note"]["text"] == "oma, korjattu"
        assert edited["note"]["lang"] is None  # nothing in it tells a language for sure
        edited = await clients["aino"].command(
            "note.edit", note_id=note_id, text="Vi behöver mer stöd"
        )
        assert edited["note"]["lang"] == "sv"  # marked for screen readers, on a Finnish board
        await clients["aino"].command("note.delete", note_id=note_id)
        deleted = await clients["bertil"].receive_until("note.deleted")
        assert deleted["note_id"] == note_id
    finally:
        await close_all(clients)


async def test_phase_timer_and_lock_reach_everyone(live_server, workshop):
    clients = await open_all(live_server, workshop)
    try:
        facilitator = clients["facilitator"]
        await facilitator.command("phase.set", phase="ideate")
        await facilitator.command("timer.set", seconds=300)
        await facilitator.command("posting.set", locked=True)
        for who in ("aino", "bertil", "cecilia"):
            assert (await clients[who].receive_until("phase.changed"))["phase"] == "ideate"
            timer = (await clients[who].receive_until("timer.changed"))["timer"]
            assert timer["seconds"] == 300 and timer["ends_at"] > 0
            assert (await clients[who].receive_until("posting.changed"))["locked"] is True
        refused = await clients["aino"].command("note.add", prompt_id=workshop["prompt"], text="x")
        assert refused["code"] == "locked"
        denied = await clients["aino"].command("phase.set", phase="vote")
        assert denied["code"] == "forbidden"
        # The next phase stops the timer: "Time is up" stayed on every screen ever after.
        await facilitator.command("phase.set", phase="review")
        stopped = (await clients["cecilia"].receive_until("timer.changed"))["timer"]
        assert stopped == {"ends_at": None, "seconds": None}
        await facilitator.command("phase.set", phase="vote")  # no timer: nothing to stop
        await clients["cecilia"].receive_until("phase.changed", phase="vote")
        await clients["cecilia"].assert_silent(ignore=("presence", "posting.changed"))
    finally:
        await close_all(clients)


async def test_voting_and_the_summary_lock_posting_and_ideating_opens_it(live_server, workshop):
    aino = await connect(live_server.ws_url, workshop["people"]["aino"]["participant_token"])
    facilitator = await connect(live_server.ws_url, workshop["facilitator_token"])
    prompt = workshop["prompt"]
    try:
        posted = await aino.command("note.add", prompt_id=prompt, text="aulassa")
        assert posted["type"] == "ack"  # the lobby takes early notes
        await facilitator.command("phase.set", phase="vote")
        assert (await aino.receive_until("posting.changed"))["locked"] is True
        await facilitator.command("phase.set", phase="summary")
        late = {"prompt_id": prompt, "text": "myöhässä"}
        edit = {"note_id": posted["note"]["id"], "text": "muutettu äänien jälkeen"}
        for kind, fields in (("note.add", late), ("note.edit", edit)):
            assert (await aino.command(kind, **fields))["code"] == "locked", kind
        await facilitator.command("posting.set", locked=False)  # by hand, in any phase
        assert (await aino.receive_until("posting.changed"))["locked"] is False
        assert (await aino.command("note.add", **late))["type"] == "ack"
        await facilitator.command("posting.set", locked=True)
        await facilitator.command("phase.set", phase="ideate")
        opened = [await aino.receive_until("posting.changed") for _ in range(2)]
        assert [m["locked"] for m in opened] == [True, False]
        assert (await aino.command("note.add", prompt_id=prompt, text="uusi"))["type"] == "ack"
    finally:
        await aino.close()
        await facilitator.close()


async def test_deleting_a_workshop_closes_its_connections(live_server, workshop):
    aino = await connect(live_server.ws_url, workshop["people"]["aino"]["participant_token"])
    response = httpx.delete(
        f"{live_server.url}/api/workshops/{workshop['id']}",
        headers={"Authorization": f"Bearer {workshop['facilitator_token']}"},
        timeout=30,  # the deletion scrubs the database files: slow on a loaded machine
    )
    assert response.status_code == 204
    with pytest.raises(ConnectionClosed) as closed:
        await aino.receive_until("never")
    assert closed.value.rcvd.code == 4404
    gone = httpx.get(
        f"{live_server.url}/api/workshops/{workshop['id']}/notes",
        headers={"Authorization": f"Bearer {workshop['facilitator_token']}"},
    )
    assert gone.status_code == 401


async def test_notes_posted_and_edited_per_minute_are_limited(server_factory):
    live = server_factory(notes_per_minute=4)
    created = create_workshop(live.url)
    person = join(live.url, created["code"])
    client = await connect(live.ws_url, person["participant_token"])
    try:
        prompt = created["prompts"][0]["id"]
        posted = [await client.command("note.add", prompt_id=prompt, text=f"n{i}") for i in (1, 2)]
        note_id = posted[0]["note"]["id"]
        edits = [await client.command("note.edit", note_id=note_id, text=f"e{i}") for i in (1, 2)]
        answers = [*posted, *edits, await client.command("note.edit", note_id=note_id, text="x")]
        assert [a["type"] for a in answers] == ["ack", "ack", "ack", "ack", "error"]
        assert answers[-1]["code"] == "rate_limited"
        late = await client.command("note.add", prompt_id=prompt, text="n3")
        assert late["code"] == "rate_limited"
        # A phone retrying a note whose ack it lost still gets the ack, past the limit.
        again = await client.command("note.add", prompt_id=prompt, text="n2", cid="retry-me")
        assert again["code"] == "rate_limited"  # never stored: still refused
        first_cid = posted[1]["cid"]
        retried = await client.command("note.add", prompt_id=prompt, text="n2", cid=first_cid)
        assert retried == posted[1]
    finally:
        await client.close()


async def test_refused_note_writes_do_not_use_the_limit(server_factory):
    """Thirty posts refused while posting was locked left the participant rate-limited for a
    minute after the facilitator opened posting again."""
    live = server_factory(notes_per_minute=3)
    created = create_workshop(live.url)
    person = join(live.url, created["code"])
    facilitator = await connect(live.ws_url, created["facilitator_token"])
    client = await connect(live.ws_url, person["participant_token"])
    try:
        prompt = created["prompts"][0]["id"]
        assert (await facilitator.command("posting.set", locked=True))["type"] == "ack"
        for i in range(5):
            refused = await client.command("note.add", prompt_id=prompt, text=f"n{i}")
            assert refused["code"] == "locked"
        assert (await facilitator.command("posting.set", locked=False))["type"] == "ack"
        posted = await client.command("note.add", prompt_id=prompt, text="auki")
        assert posted["type"] == "ack"
        for _ in range(3):  # the same cid again is answered without using the limit either
            assert (
                await client.command("note.add", prompt_id=prompt, text="auki", cid=posted["cid"])
            )["type"] == "ack"
        second = await client.command("note.add", prompt_id=prompt, text="toinen")
        third = await client.command("note.add", prompt_id=prompt, text="kolmas")
        assert [second["type"], third["type"]] == ["ack", "ack"]
        over = await client.command("note.add", prompt_id=prompt, text="neljäs")
        assert over["code"] == "rate_limited"
    finally:
        await client.close()
        await facilitator.close()


async def test_a_token_reconnecting_in_a_loop_is_told_to_wait(live_server, workshop):
    """Every new connection replays the log: a loop of hellos made the server replay thousands
    of events a second and slowed every workshop on it."""
    token = workshop["people"]["cecilia"]["participant_token"]
    for _ in range(HELLO_BURST):
        client = await connect(live_server.ws_url, token)
        await client.close()
    async with websockets.connect(live_server.ws_url) as late:
        await late.send(json.dumps({"type": "hello", "token": token, "since": 0}))
        assert json.loads(await late.recv())["code"] == "rate_limited"
        with pytest.raises(ConnectionClosed) as closed:
            await late.recv()
        assert closed.value.rcvd.code == 1013  # try again later: the board backs off and does
    other = await connect(live_server.ws_url, workshop["people"]["aino"]["participant_token"])
    await other.close()  # other people are not held up


async def test_one_token_may_hold_only_a_few_connections(live_server, workshop, monkeypatch):
    monkeypatch.setattr("workshop.live.MAX_CONNECTIONS_PER_TOKEN", 2)  # the server is in-process
    token = workshop["people"]["aino"]["participant_token"]
    first, second = [await connect(live_server.ws_url, token) for _ in range(2)]
    try:
        async with websockets.connect(live_server.ws_url) as third:
            await third.send(json.dumps({"type": "hello", "token": token, "since": 0}))
            assert json.loads(await third.recv())["code"] == "too_many_connections"
            with pytest.raises(ConnectionClosed) as closed:
                await third.recv()
            assert closed.value.rcvd.code == 1013  # try again later: the client reconnects
        other = await connect(live_server.ws_url, workshop["people"]["bertil"]["participant_token"])
        await other.close()
        await second.close()
        await asyncio.sleep(0.2)  # the server notices the close
        again = await connect(live_server.ws_url, token)
        await again.close()
    finally:
        await first.close()


async def test_presence_counts_people_per_group(live_server, workshop):
    """Aino on her phone and her laptop is one person online, not two."""
    facilitator = await connect(live_server.ws_url, workshop["facilitator_token"])
    aino_token = workshop["people"]["aino"]["participant_token"]
    phone = await connect(live_server.ws_url, aino_token)
    laptop = await connect(live_server.ws_url, aino_token)
    group = workshop["people"]["aino"]["group_id"]
    try:
        # Both are subscribed once welcomed; the last update of the burst is the count.
        presence = await facilitator.receive_until("presence")
        with contextlib.suppress(TimeoutError):
            while True:
                presence = await facilitator.receive_until("presence", timeout=1.5)
        online = {g["id"]: g["online"] for g in presence["groups"]}
        joined = {g["id"]: g["joined"] for g in presence["groups"]}
        assert online[group] == 1
        assert sorted(joined.values()) == [1, 2]
    finally:
        await phone.close()
        await laptop.close()
        await facilitator.close()
