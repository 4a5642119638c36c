"""Small clients for tests: create a workshop, join it, talk over the WebSocket."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import uuid
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import psutil
import websockets
from websockets.asyncio.client import ClientConnection
from websockets.sync.client import ClientConnection as SyncConnection
from websockets.sync.client import connect as sync_connect

from workshop import store
from workshop.models import Principal

RECEIVE_TIMEOUT = 5.0


def create_workshop(base_url: str, **fields: Any) -> dict[str, Any]:
    body = {
        "title": "Työpaja",
        "language": "fi",
        "prompts": ["Vahvuudet", "Puutteet"],
        "groups": ["Lohja", "Karkkila"],
        **fields,
    }
    response = httpx.post(f"{base_url}/api/workshops", json=body, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def join(base_url: str, code: str, **fields: Any) -> dict[str, Any]:
    response = httpx.post(f"{base_url}/api/join", json={"code": code, **fields}, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def new_cid() -> str:
    return uuid.uuid4().hex


@dataclass
class LiveClient:
    """A websockets client that has said hello.

    Messages skipped while waiting for an ack are kept and returned by later receives.
    """

    ws: ClientConnection
    welcome: dict[str, Any]
    skipped: deque[dict[str, Any]] = field(default_factory=deque)

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(message))

    async def receive(self, timeout: float = RECEIVE_TIMEOUT) -> dict[str, Any]:
        if self.skipped:
            return self.skipped.popleft()
        return json.loads(await asyncio.wait_for(self.ws.recv(), timeout))

    async def receive_until(
        self, wanted: str, timeout: float = RECEIVE_TIMEOUT, **match: Any
    ) -> dict[str, Any]:
        """Skip other messages until one of type `wanted` (and matching fields) arrives."""
        async with asyncio.timeout(timeout):
            while True:
                message = await self.receive(timeout)
                if message["type"] == wanted and all(message.get(k) == v for k, v in match.items()):
                    return message

    async def command(self, kind: str, **fields: Any) -> dict[str, Any]:
        """Send a command and return its ack or error."""
        cid = fields.pop("cid", None) or new_cid()
        await self.send({"type": kind, "cid": cid, **fields})
        async with asyncio.timeout(RECEIVE_TIMEOUT):
            while True:
                message = json.loads(await self.ws.recv())
                if message["type"] in {"ack", "error"} and message.get("cid") == cid:
                    return message
                self.skipped.append(message)

    async def assert_silent(
        self, seconds: float = 0.3, ignore: tuple[str, ...] = ("presence",)
    ) -> None:
        """Nothing but the ignored types arrives within `seconds`."""
        try:
            async with asyncio.timeout(seconds):
                while True:
                    message = await self.receive(seconds)
                    assert message["type"] in ignore, f"unexpected message {message}"
        except TimeoutError:
            return

    async def close(self) -> None:
        await self.ws.close()


async def connect(ws_url: str, token: str, since: int = 0, **options: Any) -> LiveClient:
    ws = await websockets.connect(ws_url, **options)
    await ws.send(json.dumps({"type": "hello", "token": token, "since": since}))
    welcome = json.loads(await asyncio.wait_for(ws.recv(), RECEIVE_TIMEOUT))
    assert welcome["type"] == "welcome", welcome
    return LiveClient(ws, welcome)


async def replay_for(ws_url: str, token: str) -> list[dict[str, Any]]:
    """Everything a new connection with since=0 receives before the server answers a ping: the
    server reads frames only once it has sent the whole replay (live.js waits the same way)."""
    client = await connect(ws_url, token)
    received = []
    try:
        await client.send({"type": "ping"})
        while (message := await client.receive())["type"] != "pong":
            received.append(message)
    finally:
        await client.close()
    return received


# ---- the same from plain (non-async) tests, such as the browser tests -------------------------


@contextmanager
def sync_hello(ws_url: str, token: str) -> Iterator[SyncConnection]:
    with sync_connect(ws_url) as ws:
        ws.send(json.dumps({"type": "hello", "token": token, "since": 0}))
        assert json.loads(ws.recv(timeout=RECEIVE_TIMEOUT))["type"] == "welcome"
        yield ws


def sync_command(ws: SyncConnection, kind: str, **fields: Any) -> dict[str, Any]:
    """Send a command and return its ack; fail on an error."""
    cid = new_cid()
    ws.send(json.dumps({"type": kind, "cid": cid, **fields}))
    while True:
        message = json.loads(ws.recv(timeout=RECEIVE_TIMEOUT))
        if message.get("cid") == cid:
            assert message["type"] == "ack", message
            return message


def theme_workers(parent: psutil.Process) -> list[psutil.Process]:
    """parent's theme worker processes, once they run Python (multiprocessing's resource
    tracker is no worker)."""
    workers = []
    for child in parent.children():
        try:
            if "spawn_main" in " ".join(child.cmdline()):
                workers.append(child)
        except psutil.NoSuchProcess:
            pass
    return workers


# ---- the store directly, for tests of write functions ---------------------------------------


def workshop_with_participant(
    conn: sqlite3.Connection, workshop_id: str, name: str
) -> tuple[int, Principal]:
    """A one-prompt workshop and a participant in it: (the prompt's id, the participant)."""
    _, prompts, _ = store.insert_workshop(
        conn,
        workshop_id=workshop_id,
        new_code=lambda: f"{workshop_id.upper()}BC234",
        title="Paja",
        language="fi",
        token_hash=f"facilitator-{workshop_id}",
        prompt_texts=["Ideat?"],
        group_names=["Lohja"],
        group_choice=False,
    )
    pid, gid = store.insert_participant(conn, workshop_id, None, name, f"token-{workshop_id}")
    return prompts[0].id, Principal(workshop_id, "participant", pid, gid, name)
