"""TurnWriter over a real loopback socket (a turn's first frame at once, the rest at its
end, order kept, close flushes), and the server writing every WebSocket through one."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from tests.helpers import connect, create_workshop, join
from workshop.wire import TurnWriter, TurnWritingWebSocketProtocol


class CountingTransport:
    """Passes every write to the real transport and remembers it."""

    def __init__(self, transport: asyncio.Transport):
        self.transport = transport
        self.writes: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.writes.append(data)
        self.transport.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.transport, name)


@contextlib.asynccontextmanager
async def loopback():
    """A real TCP connection on 127.0.0.1: a TurnWriter over the counted client side,
    and the server side's reader."""
    accepted: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()

    async def on_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await accepted.put((reader, writer))

    server = await asyncio.start_server(on_client, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_connection(asyncio.Protocol, "127.0.0.1", port)
    counted = CountingTransport(transport)
    reader, server_side = await accepted.get()
    try:
        yield TurnWriter(counted, loop), counted, reader
    finally:
        transport.close()
        server_side.close()
        server.close()
        await server.wait_closed()


async def test_the_first_frame_of_a_turn_goes_at_once_the_rest_together_at_its_end():
    async with loopback() as (writer, counted, reader):
        for frame in (b"ack;", b"note.added;", b"presence;"):
            writer.write(frame)
        assert counted.writes == [b"ack;"]  # a broadcast's single frame waits for nothing
        await asyncio.sleep(0)
        assert counted.writes == [b"ack;", b"note.added;presence;"]
        assert await reader.readexactly(24) == b"ack;note.added;presence;"


async def test_each_turn_starts_afresh():
    async with loopback() as (writer, counted, reader):
        writer.write(b"one;")
        await asyncio.sleep(0)
        writer.write(b"two;")
        writer.write(b"three;")
        await asyncio.sleep(0)
        writer.write(b"four;")
        assert counted.writes == [b"one;", b"two;", b"three;", b"four;"]
        assert await reader.readexactly(19) == b"one;two;three;four;"


async def test_close_sends_what_is_pending_first():
    async with loopback() as (writer, counted, reader):
        writer.write(b"error;")
        writer.write(b"close-frame;")
        writer.write(b"bye;")
        writer.close()
        assert await reader.read() == b"error;close-frame;bye;"  # then end of stream
        await asyncio.sleep(0)  # the turn's end finds nothing left to send
        assert counted.writes == [b"error;", b"close-frame;bye;"]


async def test_frames_left_when_the_transport_closes_are_dropped():
    async with loopback() as (writer, counted, reader):
        writer.write(b"first;")
        writer.write(b"late;")
        counted.transport.close()  # e.g. the peer went away and uvicorn closed the transport
        await asyncio.sleep(0)
        assert counted.writes == [b"first;"]
        assert writer.is_closing()  # everything else is the real transport's
        assert await reader.read() == b"first;"


async def test_the_server_writes_each_connection_through_a_turn_writer(live_server):
    workshop = create_workshop(live_server.url)
    person = join(live_server.url, workshop["code"], name="Aino")
    client = await connect(live_server.ws_url, person["participant_token"])
    try:
        served = [
            connection
            for connection in live_server.server.server_state.connections
            if isinstance(connection, TurnWritingWebSocketProtocol)
        ]
        assert len(served) == 1 and isinstance(served[0].transport, TurnWriter)
        prompt_id = workshop["prompts"][0]["id"]
        ack = await client.command("note.add", prompt_id=prompt_id, text="Hei")
        added = await client.receive_until("note.added")
        assert ack["type"] == "ack"
        assert (added["seq"], added["note"]["text"]) == (ack["seq"], "Hei")
    finally:
        await client.close()
