"""uvicorn's WebSocket protocol, with the frames that follow a loop turn's first one joined.

A dashboard gets every group's notes, several per event-loop turn under load, and each
frame used to be its own socket write: a system call that on loopback also runs the
receiver's TCP path. Now a turn's first frame to a connection goes out at once (a
broadcast, one frame each, waits for nothing) and the rest go out in one write when the
turn ends. At full fan-out that cut the server's CPU per note by 13-33 % in back-to-back
runs (docs/performance.md). Joining every frame of a turn, the first one included, saved
a little more but held each broadcast frame until all had been sent, which raised the
phase change's median delivery.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol


class TurnWriter:
    """Stands in for a transport: the first frame of a loop turn goes out at once, the
    frames that follow it in the same turn go out together when the turn ends.

    So a broadcast (one frame to each connection) waits for nothing, and a dashboard
    taking many notes in one turn gets them in two writes. Everything but write and
    close is the real transport's (flow control included: the transport still
    pauses the protocol when its buffer fills).
    """

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop):
        self._transport = transport
        self._loop = loop
        self._in_turn = False
        self._pending: list[bytes] = []

    def write(self, data: bytes) -> None:
        if self._in_turn:
            self._pending.append(data)
            return
        self._in_turn = True
        self._loop.call_soon(self._end_turn)
        self._transport.write(data)

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def _end_turn(self) -> None:
        self._in_turn = False
        self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        data = b"".join(self._pending)
        self._pending.clear()
        if not self._transport.is_closing():
            self._transport.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class TurnWritingWebSocketProtocol(WebSocketsSansIOProtocol):
    """What `uvicorn --ws websockets-sansio` runs, writing through a TurnWriter."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        # A TurnWriter is not a Transport subclass; it forwards whatever it does not override.
        self.transport = TurnWriter(self.transport, self.loop)  # type: ignore[assignment]
