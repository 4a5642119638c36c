"""kill -9 the server while 50 clients post: no acknowledged note is lost, none doubled."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
import pytest
from websockets.exceptions import ConnectionClosed

from tests.conftest import free_port
from tests.helpers import LiveClient, connect, create_workshop, join

CLIENTS = 50
NOTES_EACH = 20
KILL_AFTER_ACKS = 300

pytestmark = pytest.mark.slow


def start_server_process(db_path: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TALKOOT_NOTES_PER_MINUTE": "10000", "TALKOOT_SYNCHRONOUS": "FULL"}
    with open(db_path.with_suffix(".log"), "ab") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "workshop.cli",
                "serve",
                "--port",
                str(port),
                "--db",
                str(db_path),
            ],
            env=env,
            stdout=log,
            stderr=log,
        )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not come up")


@dataclass
class Poster:
    """One participant with an outbox of notes, each with its own cid."""

    token: str
    outbox: list[tuple[str, str]]
    acked: set[str] = field(default_factory=set)

    def unacked(self) -> list[tuple[str, str]]:
        return [(cid, text) for cid, text in self.outbox if cid not in self.acked]

    async def post_all(self, ws_url: str, prompt_id: int, acks: Counter[str]) -> None:
        """Send the outbox in order until it is empty or the connection dies."""
        try:
            client: LiveClient = await connect(ws_url, self.token)
        except (OSError, ConnectionClosed):
            return
        try:
            for cid, text in self.unacked():
                answer = await client.command("note.add", cid=cid, prompt_id=prompt_id, text=text)
                assert answer["type"] == "ack", answer
                self.acked.add(cid)
                acks["total"] += 1
        except (ConnectionClosed, OSError, TimeoutError):
            return
        finally:
            await client.ws.close()


async def kill_after(process: subprocess.Popen[bytes], acks: Counter[str]) -> list[psutil.Process]:
    """kill -9 the server mid-stream; return the worker processes it had then."""
    while acks["total"] < KILL_AFTER_ACKS:
        await asyncio.sleep(0.005)
    workers = psutil.Process(process.pid).children(recursive=True)
    os.kill(process.pid, signal.SIGKILL)
    return workers


async def test_acknowledged_notes_survive_kill_9(tmp_path):
    db_path, port = tmp_path / "crash.db", free_port()
    base, ws_url = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}/ws"
    process = start_server_process(db_path, port)
    try:
        created = create_workshop(base, groups=5)
        prompt_id = created["prompts"][0]["id"]
        posters = [
            Poster(
                join(base, created["code"])["participant_token"],
                [(f"c{i}-{n}", f"client {i} note {n}") for n in range(NOTES_EACH)],
            )
            for i in range(CLIENTS)
        ]
        acks: Counter[str] = Counter()
        killer = asyncio.create_task(kill_after(process, acks))
        await asyncio.gather(*(p.post_all(ws_url, prompt_id, acks) for p in posters))
        workers = await killer
        process.wait(timeout=10)
        assert workers, "the server had started its theme worker (notes are embedded on arrival)"
        _, alive = psutil.wait_procs(workers, timeout=10)
        assert alive == [], "the theme worker outlived its server"
        acked_before_crash = {cid for p in posters for cid in p.acked}
        assert KILL_AFTER_ACKS <= len(acked_before_crash) < CLIENTS * NOTES_EACH

        process = start_server_process(db_path, port)
        auth = {"Authorization": f"Bearer {created['facilitator_token']}"}
        survived = httpx.get(f"{base}/api/workshops/{created['id']}/notes", headers=auth).json()
        texts_after_restart = {n["text"] for n in survived["notes"]}
        expected = {text for p in posters for cid, text in p.outbox if cid in p.acked}
        assert expected <= texts_after_restart

        # Every client reconnects and sends what its outbox still holds, with the same cids.
        await asyncio.gather(*(p.post_all(ws_url, prompt_id, acks) for p in posters))
        final = httpx.get(f"{base}/api/workshops/{created['id']}/notes", headers=auth).json()
        texts = [n["text"] for n in final["notes"]]
        assert len(texts) == len(set(texts)) == CLIENTS * NOTES_EACH
        assert set(texts) == {text for p in posters for _, text in p.outbox}
    finally:
        process.kill()
        process.wait(timeout=10)
