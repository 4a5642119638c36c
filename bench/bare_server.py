"""The baseline for bench/realtime.py: a bare Starlette broadcast server, no database.

It speaks just enough of Talkoot's WebSocket protocol (docs/api.md) for the same
benchmark client to drive it: a hello names the client's group (none for a
facilitator dashboard) and is answered with a welcome; `note.add` is broadcast as
`note.added` to the sender's group and the facilitators, then acked; `phase.set`
is broadcast as `phase.changed` to everyone, then acked. No auth, no storage, no
per-client queue: what is left is the cost of uvicorn, Starlette and JSON.

Run by the benchmark as `python bench/bare_server.py --port P`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

WS_MAX_FRAME_BYTES = 2 * 1024 * 1024  # as workshop/settings.py, so uvicorn is set up alike


class Rooms:
    """Who is connected: participants by group, facilitators apart."""

    def __init__(self) -> None:
        self.groups: dict[int, set[WebSocket]] = defaultdict(set)
        self.facilitators: set[WebSocket] = set()
        self.seq = 0

    def join(self, websocket: WebSocket, group_id: int | None) -> None:
        members = self.facilitators if group_id is None else self.groups[group_id]
        members.add(websocket)

    def leave(self, websocket: WebSocket, group_id: int | None) -> None:
        members = self.facilitators if group_id is None else self.groups[group_id]
        members.discard(websocket)

    def audience(self, group_id: int | None) -> list[WebSocket]:
        """A group and the facilitators; None: everyone."""
        if group_id is None:
            everyone = [ws for members in self.groups.values() for ws in members]
            return everyone + list(self.facilitators)
        return list(self.groups[group_id]) + list(self.facilitators)

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq


ROOMS = Rooms()


def dumps(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


def note_for(seq: int, group_id: int | None, message: dict[str, Any]) -> dict[str, Any]:
    """A note shaped like Talkoot's, so frames are of the same size."""
    stamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {
        "id": seq,
        "prompt_id": message.get("prompt_id"),
        "group_id": group_id,
        "participant_id": None,
        "author": None,
        "text": message.get("text"),
        "hidden": False,
        "votes": 0,
        "created_at": stamp,
        "updated_at": stamp,
    }


async def broadcast(group_id: int | None, text: str) -> None:
    for peer in ROOMS.audience(group_id):
        # A peer that is leaving fails to send; its own handler cleans up.
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, ConnectionError):
            await peer.send_text(text)


async def handle(websocket: WebSocket, group_id: int | None, message: dict[str, Any]) -> None:
    kind, cid = message.get("type"), message.get("cid")
    seq = ROOMS.next_seq()
    if kind == "note.add":
        note = note_for(seq, group_id, message)
        await broadcast(
            group_id, dumps({"type": "note.added", "seq": seq, "note_id": seq, "note": note})
        )
        await websocket.send_text(dumps({"type": "ack", "cid": cid, "seq": seq, "note": note}))
    elif kind == "phase.set":
        await broadcast(
            None, dumps({"type": "phase.changed", "seq": seq, "phase": message.get("phase")})
        )
        await websocket.send_text(dumps({"type": "ack", "cid": cid, "seq": seq}))
    else:
        await websocket.send_text(
            dumps(
                {
                    "type": "error",
                    "cid": cid,
                    "code": "unknown_type",
                    "message": "unknown message type",
                }
            )
        )


async def live(websocket: WebSocket) -> None:
    await websocket.accept()
    hello = json.loads(await websocket.receive_text())
    group_id = hello.get("group_id")
    role = "participant" if group_id is not None else "facilitator"
    await websocket.send_text(
        dumps({"type": "welcome", "seq": ROOMS.seq, "role": role, "group_id": group_id})
    )
    ROOMS.join(websocket, group_id)
    try:
        while True:
            await handle(websocket, group_id, json.loads(await websocket.receive_text()))
    except WebSocketDisconnect:
        pass
    finally:
        ROOMS.leave(websocket, group_id)


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"ok": True})


app = Starlette(routes=[Route("/healthz", healthz), WebSocketRoute("/ws", live)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    port = parser.parse_args().port
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        access_log=False,
        ws_max_size=WS_MAX_FRAME_BYTES,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
