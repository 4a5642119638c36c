"""The WebSocket endpoint: hello, replay, then a receiver and a sender per connection.

The receiver handles one command at a time through a dispatch table; the
sender drains this connection's hub queue. Both run under one TaskGroup, and
the subscription is always removed in `finally`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from starlette.responses import JSONResponse
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from workshop import events as ev
from workshop import store
from workshop import validation as check
from workshop.commands import CommandResult
from workshop.errors import TalkootError, forbidden
from workshop.hub import CLOSE_REMOVED, CLOSE_TRY_AGAIN_LATER, Close, Subscription
from workshop.models import Principal
from workshop.review_service import Review
from workshop.security import RateLimiter
from workshop.service import Talkoot

log = logging.getLogger("talkoot.live")

HELLO_TIMEOUT_SECONDS = 10
MAX_FRAME_CHARS = 64 * 1024
CLOSE_POLICY = 1008
CLOSE_BAD_DATA = 1003
CLOSE_CRASH = 1011
CLOSE_GOING_AWAY = 1001
# 1008 tells a client its token is no good (it forgets its session); a hello that came late
# on a stalling network, or a connection too many, only needs another try.
_REFUSAL_CLOSE_CODES = {
    "bad_frame": CLOSE_BAD_DATA,
    "hello_timeout": CLOSE_TRY_AGAIN_LATER,
    "too_many_connections": CLOSE_TRY_AGAIN_LATER,
    "rate_limited": CLOSE_TRY_AGAIN_LATER,
}
# Tabs and screens one person or the facilitator may keep open; each holds a queue of up to
# 1,000 messages, so without a limit one token could make the server hold any number.
MAX_CONNECTIONS_PER_TOKEN = 10

Handler = Callable[[Principal, dict[str, Any]], Awaitable[CommandResult]]


def command_table(talkoot: Talkoot, review: Review) -> dict[str, Handler]:
    """Every command a client may send, by its "type"."""
    return {
        "note.add": talkoot.add_note,
        "note.edit": talkoot.edit_note,
        "note.delete": talkoot.delete_note,
        "note.hide": talkoot.hide_note,
        "participant.remove": talkoot.remove_participant,
        "phase.set": talkoot.set_phase,
        "timer.set": talkoot.set_timer,
        "posting.set": talkoot.set_locked,
        "sharing.set": talkoot.set_shared,
        "themes.run": review.run_analysis,
        "theme.rename": review.rename_theme,
        "theme.merge": review.merge_themes,
        "theme.split": review.split_theme,
        "theme.delete": review.delete_theme,
        "note.move": review.move_note,
        "vote.cast": review.cast_vote,
        "vote.retract": review.retract_vote,
        "voting.set": review.set_dots,
        "actions.allow": review.allow_actions,
        "action.add": review.add_action,
        "action.delete": review.delete_action,
        "summary.publish": review.publish_summary,
    }


def origin_allowed(websocket: WebSocket, public_url: str | None) -> bool:
    """No Origin (a non-browser client) or the server's own origin; nothing else. With a
    public address set, only that: the Host header is the browser's to name, so a site whose
    name an attacker points at this server (DNS rebinding) would match it."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True
    if public_url:
        wanted = _origin_of(public_url)
        return wanted is not None and _origin_of(origin) == wanted
    parts = urlsplit(origin)
    return parts.scheme in {"http", "https"} and parts.netloc == websocket.headers.get("host")


def _origin_of(url: str) -> tuple[str, str, int | None] | None:
    """Scheme, host and port as a browser's Origin header compares them: case does not
    matter and a default port is no port ("https://Talkoot.fi:443/" is "https://talkoot.fi")."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"} or not parts.hostname:
        return None
    default = {"http": 80, "https": 443}[scheme]
    return scheme, parts.hostname.lower(), None if port in (None, default) else port


async def live_endpoint(websocket: WebSocket) -> None:
    talkoot: Talkoot = websocket.app.state.talkoot
    if not origin_allowed(websocket, talkoot.settings.public_url):
        refused = forbidden("this page's origin may not open the live connection")
        await websocket.send_denial_response(JSONResponse(refused.to_dict(), refused.status))
        return
    await websocket.accept()
    try:
        principal, since = await _hello(websocket, talkoot)
    except TalkootError as problem:
        await _refuse(websocket, problem)
        return
    except TimeoutError:
        late = f"no hello within {HELLO_TIMEOUT_SECONDS} seconds"
        await _refuse(websocket, TalkootError("hello_timeout", late))
        return
    except WebSocketDisconnect:
        return
    if not talkoot.hello_limit.allow((principal.workshop_id, principal.actor)):
        often = "too many new connections in a minute; try again later"
        await _refuse(websocket, TalkootError("rate_limited", often))
        return
    if talkoot.hub.connections(principal) >= MAX_CONNECTIONS_PER_TOKEN:
        busy = f"at most {MAX_CONNECTIONS_PER_TOKEN} connections per token; try again later"
        await _refuse(websocket, TalkootError("too_many_connections", busy))
        return
    commands = websocket.app.state.commands
    await LiveConnection(websocket, talkoot, commands, principal).run(since)


async def _refuse(websocket: WebSocket, problem: TalkootError) -> None:
    """Say why a connection is turned away before its welcome, then close it: 1003 for a
    binary frame, 1013 (try again later) for a late hello, one connection too many or too many
    in a minute, else 1008 (for good)."""
    code = _REFUSAL_CLOSE_CODES.get(problem.code, CLOSE_POLICY)
    with contextlib.suppress(RuntimeError, WebSocketDisconnect, ConnectionError):
        await websocket.send_text(ev.error(problem.code, problem.message))
        await websocket.close(code, problem.message[:100])


async def _hello(websocket: WebSocket, talkoot: Talkoot) -> tuple[Principal, int]:
    frame = await asyncio.wait_for(websocket.receive(), HELLO_TIMEOUT_SECONDS)
    if frame["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(frame.get("code", 1000))
    if frame.get("text") is None:
        raise TalkootError("bad_frame", "only text frames are understood")
    message = _parse(frame["text"])
    if message.get("type") != "hello":
        raise TalkootError("hello_first", "the first message must be a hello")
    since = message.get("since", 0)
    whole = isinstance(since, int) and not isinstance(since, bool)
    if not whole or not 0 <= since <= check.MAX_WHOLE_NUMBER:
        raise TalkootError("invalid", "since must be a whole number of 0 or more")
    token = message.get("token")
    return await talkoot.authenticate(token if isinstance(token, str) else None), since


def _parse(raw: str) -> dict[str, Any]:
    if len(raw) > MAX_FRAME_CHARS:
        raise TalkootError("too_large", f"a message may be at most {MAX_FRAME_CHARS} characters")
    message = check.parse_json(raw, "the message")
    if not isinstance(message, dict):
        raise TalkootError("bad_message", "the message must be a JSON object")
    return message


class LiveConnection:
    def __init__(
        self,
        websocket: WebSocket,
        talkoot: Talkoot,
        commands: dict[str, Handler],
        principal: Principal,
    ):
        self.websocket = websocket
        self.talkoot = talkoot
        self.commands = commands
        self.principal = principal
        self.frame_limit = RateLimiter(
            talkoot.settings.frames_per_second,
            per=1.0,
            burst=2 * talkoot.settings.frames_per_second,
        )
        self.last_seq = 0

    async def run(self, since: int) -> None:
        hub = self.talkoot.hub
        workshop_id = self.principal.workshop_id
        subscription = hub.subscribe(workshop_id, self.principal)
        try:
            if await self.talkoot.was_removed(self.principal):  # while it was saying hello
                await self._close(CLOSE_REMOVED, "removed by the facilitator")
                return
            await self._welcome(since)
            self.talkoot.presence.schedule(workshop_id)
            async with asyncio.TaskGroup() as tasks:
                sender = tasks.create_task(self._send_loop(subscription))
                await self._receive_loop()
                sender.cancel()
        except* (WebSocketDisconnect, ConnectionError):
            pass
        except* Exception:
            log.exception("live connection failed")
            await self._close(CLOSE_CRASH, "server error")
        finally:
            hub.unsubscribe(subscription)
            self.talkoot.presence.schedule(workshop_id)

    async def _welcome(self, since: int) -> None:
        talkoot, principal = self.talkoot, self.principal
        state = await talkoot.state(principal)
        replay = await store.events_since(talkoot.db, principal.workshop_id, since, principal)
        votes, vote_prompts = await talkoot.votes_for(principal)
        await self._send(ev.welcome(principal, state, votes, vote_prompts))
        for event in replay:
            await self._send_event(event)
        if state["shared"]:
            # Notes other groups posted before sharing began are in no replayable event.
            await self._send_shared_results()
        if principal.is_facilitator:
            await self._send(await talkoot.presence.message(principal.workshop_id))

    async def _receive_loop(self) -> None:
        while True:
            message = await self.websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            await self._handle_frame(message.get("text"))

    async def _handle_frame(self, raw: str | None) -> None:
        cid = None
        try:
            if raw is None:
                raise TalkootError("bad_frame", "only text frames are understood")
            if not self.frame_limit.allow(None):
                raise TalkootError("rate_limited", "too many messages; slow down")
            message = _parse(raw)
            cid = message.get("cid") if isinstance(message.get("cid"), str) else None
            await self._dispatch(message, cid)
        except TalkootError as problem:
            await self._send(ev.error(problem.code, problem.message, cid))

    async def _dispatch(self, message: dict[str, Any], cid: str | None) -> None:
        kind = message.get("type")
        if kind == "ping":
            await self._send(ev.PONG)
            return
        if kind == "hello":
            raise TalkootError("already_greeted", "this connection has already said hello")
        handler = self.commands.get(kind) if isinstance(kind, str) else None
        if handler is None:
            raise TalkootError("unknown_type", f"unknown message type {str(kind)[:40]!r}")
        result = await handler(self.principal, message)
        extra = {"note": result.note, "votes": result.votes, "vote_prompts": result.vote_prompts}
        answer = {key: value for key, value in extra.items() if value is not None}
        await self._send(ev.ack(str(cid), result.seq, **answer))

    async def _send_loop(self, subscription: Subscription) -> None:
        while True:
            item = await subscription.queue.get()
            if isinstance(item, Close):
                await self._close(item.code, item.reason)
                return
            if isinstance(item, ev.Event):
                await self._send_event(item)
                if item.type == ev.SHARING_CHANGED and item.data["shared"]:
                    await self._send_shared_results()
            else:
                await self._send(item)

    async def _send_event(self, event: ev.Event) -> None:
        """Send each logged event once: replay and live delivery may overlap."""
        if event.seq <= self.last_seq:
            return
        message = event.message_for(self.principal)
        self.last_seq = event.seq
        if message is not None:
            await self._send(message)

    async def _send_shared_results(self) -> None:
        """Once results are shared, what other groups wrote before: their notes, and the themes
        and actions made from them (all of a workshop's, now that every group may see them)."""
        if self.principal.is_facilitator:
            return
        db, workshop_id = self.talkoot.db, self.principal.workshop_id
        if not await store.is_shared(db, workshop_id):  # unshared again since: nothing to send
            return
        notes = await store.notes(db, workshop_id, self.principal)
        await self._send(ev.notes_snapshot([n.to_dict() for n in notes]))
        themes = [store.shown_theme(t) for t in await store.themes(db, workshop_id)]
        actions = await store.actions(db, workshop_id)
        await self._send(ev.themes_snapshot(themes, actions))

    async def _send(self, text: str) -> None:
        """No lock: an ASGI send writes its whole frame at once, so the receive loop's
        acks and the sender's events never interleave on the wire. Once the sender has closed
        the connection (a removal, a slow client) an ack still due ends the connection
        quietly."""
        if self.websocket.application_state == WebSocketState.DISCONNECTED:
            raise WebSocketDisconnect(CLOSE_GOING_AWAY)
        await self.websocket.send_text(text)

    async def _close(self, code: int, reason: str) -> None:
        if self.websocket.application_state != WebSocketState.DISCONNECTED:
            with contextlib.suppress(RuntimeError, WebSocketDisconnect, ConnectionError):
                await self.websocket.close(code, reason)
