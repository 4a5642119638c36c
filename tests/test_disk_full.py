"""A full disk: refused as `unavailable` (try later), nothing half-stored, the server goes on."""

from __future__ import annotations

import resource

import httpx

from tests.conftest import free_port
from tests.helpers import connect, create_workshop, join
from tests.test_crash import start_server_process


async def test_a_full_disk_is_refused_as_unavailable_and_the_server_goes_on(tmp_path):
    port = free_port()
    process = start_server_process(tmp_path / "talkoot.db", port)
    url, ws_url = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}/ws"
    try:
        created = create_workshop(url)
        prompt = created["prompts"][0]["id"]
        client = await connect(ws_url, join(url, created["code"])["participant_token"])
        assert (await client.command("note.add", prompt_id=prompt, text="ennen"))["type"] == "ack"
        # No file of the server may grow any more: what a full disk does to SQLite.
        largest = max(path.stat().st_size for path in tmp_path.glob("talkoot.db*"))
        _, hard = resource.prlimit(process.pid, resource.RLIMIT_FSIZE)
        resource.prlimit(process.pid, resource.RLIMIT_FSIZE, (largest, hard))
        answers = []
        for n in range(40):
            answers.append(
                await client.command("note.add", prompt_id=prompt, text=f"{n} " + "x" * 400)
            )
            if answers[-1]["type"] == "error":
                break
        refused = answers[-1]
        assert (refused["type"], refused["code"]) == ("error", "unavailable"), refused
        await client.send({"type": "ping"})
        await client.receive_until("pong")  # the connection stays open
        resource.prlimit(process.pid, resource.RLIMIT_FSIZE, (hard, hard))  # room again
        after = await client.command("note.add", prompt_id=prompt, text="jälkeen")
        assert after["type"] == "ack", after
        await client.close()
        stored = httpx.get(
            f"{url}/api/workshops/{created['id']}/notes",
            headers={"Authorization": f"Bearer {created['facilitator_token']}"},
        ).json()["notes"]
        acked = ["ennen", *(a["note"]["text"] for a in answers if a["type"] == "ack"), "jälkeen"]
        assert [note["text"] for note in stored] == acked  # every ack stored, the refusal not
    finally:
        process.kill()
        process.wait()
