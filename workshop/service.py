"""What Talkoot does, independent of transport: HTTP views and the WebSocket call this.

Every method takes an authenticated Principal (or a public input such as a
join code), validates, writes through the single writer, and publishes the
resulting events through the hub only after they are committed.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from workshop import commands, store, theme_commands, vote_commands
from workshop import events as ev
from workshop import validation as check
from workshop.db import Database
from workshop.errors import TalkootError, forbidden, invalid, not_found, unauthorized
from workshop.hub import Hub
from workshop.models import LANGUAGES, PHASES, Principal, Workshop
from workshop.presence import Presence
from workshop.prompt_templates import numbered_groups, template_prompts
from workshop.security import (
    RateLimiter,
    hash_token,
    new_join_code,
    new_token,
    new_workshop_id,
    normalise_code,
    same_secret,
)
from workshop.settings import Settings
from workshop.theming import Theming

TITLE_MAX = 200
PROMPT_MAX = 300
GROUP_NAME_MAX = 80
NAME_MAX = 60
HELLOS_PER_MINUTE = 30  # new live connections per token, after a burst of
HELLO_BURST = 10  # (a phone on a bad connection reconnects a few times in a row)
TIMER_MAX_SECONDS = 4 * 60 * 60


def facilitator_only(principal: Principal) -> None:
    if not principal.is_facilitator:
        raise forbidden("only the facilitator may do that")


@dataclass(frozen=True)
class CreatedWorkshop:
    workshop_id: str
    code: str
    facilitator_token: str
    prompts: list[dict[str, Any]]
    groups: list[dict[str, Any]]


class Talkoot:
    def __init__(self, settings: Settings, db: Database, hub: Hub, theming: Theming):
        self.settings = settings
        self.db = db
        self.hub = hub
        self.theming = theming
        self.note_limit = RateLimiter(settings.notes_per_minute)
        self.join_limit = RateLimiter(settings.joins_per_minute_per_ip)
        self.bad_code_limit = RateLimiter(settings.bad_codes_per_minute_per_ip)
        self.create_limit = RateLimiter(60)
        # Each new connection replays the workshop's log to it: a token reconnecting in a loop
        # made the server replay thousands of events a second. Phones back off far below this.
        self.hello_limit = RateLimiter(HELLOS_PER_MINUTE, burst=HELLO_BURST)
        self.presence = Presence(db, hub)

    # ---- identity ----------------------------------------------------------------

    async def authenticate(self, token: str | None) -> Principal:
        if not token:
            raise unauthorized()
        principal = await store.principal_for_token_hash(self.db, hash_token(token))
        if principal is None:
            raise unauthorized("unknown token")
        return principal

    @staticmethod
    def authorize(principal: Principal, workshop_id: str, *, facilitator: bool = False) -> None:
        """A token opens only its own workshop, and facilitator routes only for facilitators."""
        if principal.workshop_id != workshop_id:
            raise not_found("workshop")
        if facilitator and not principal.is_facilitator:
            raise forbidden("only the facilitator may do that")

    async def dashboard_workshop(self, workshop_id: str, token: str | None) -> Workshop:
        """The workshop a dashboard link opens; any link that is not its facilitator's is
        refused alike, without telling an unknown token from another workshop's."""
        try:
            self.authorize(await self.authenticate(token), workshop_id, facilitator=True)
        except TalkootError:
            raise TalkootError("forbidden", "This dashboard link is not valid.", 403) from None
        return await self.workshop(workshop_id)

    def check_organiser(self, token: str | None) -> None:
        key = self.settings.organiser_key
        if key is not None and (token is None or not same_secret(token, key)):
            raise unauthorized("creating a workshop needs the organiser key")

    # ---- workshops -----------------------------------------------------------------

    async def create_workshop(self, body: dict[str, Any], client_ip: str) -> CreatedWorkshop:
        if not self.create_limit.allow(client_ip):
            raise TalkootError("rate_limited", "too many workshops created; wait a minute", 429)
        title = check.text_field(body.get("title"), "title", TITLE_MAX)
        language = check.choice(body.get("language", "fi"), "language", LANGUAGES)
        prompt_texts = self._prompt_texts(body, language)
        group_names = self._group_names(body.get("groups", 1), language)
        group_choice = check.flag(body.get("group_choice", False), "group_choice")
        token, workshop_id = new_token(), new_workshop_id()
        code, prompts, groups = await self.db.write(
            lambda conn: store.insert_workshop(
                conn,
                workshop_id=workshop_id,
                new_code=new_join_code,
                title=str(title),
                language=language,
                token_hash=hash_token(token),
                prompt_texts=prompt_texts,
                group_names=group_names,
                group_choice=group_choice,
            )
        )
        return CreatedWorkshop(
            workshop_id, code, token, [p.to_dict() for p in prompts], [g.to_dict() for g in groups]
        )

    def _prompt_texts(self, body: dict[str, Any], language: str) -> list[str]:
        template = body.get("template")
        if template is not None and "prompts" not in body:
            texts = template_prompts(str(template), language)
            if texts is None:
                raise invalid(f"unknown prompt template {template!r}")
            return texts
        raw = body.get("prompts")
        if not isinstance(raw, list) or not 1 <= len(raw) <= self.settings.max_prompts:
            raise invalid(f"prompts must be a list of 1 to {self.settings.max_prompts} texts")
        return [str(check.text_field(text, "prompt", PROMPT_MAX)) for text in raw]

    def _group_names(self, raw: Any, language: str) -> list[str]:
        limit = self.settings.max_groups
        if isinstance(raw, int) and not isinstance(raw, bool):
            if not 1 <= raw <= limit:
                raise invalid(f"groups must be between 1 and {limit}")
            return numbered_groups(raw, language)
        if not isinstance(raw, list) or not 1 <= len(raw) <= limit:
            raise invalid(f"groups must be a number or a list of 1 to {limit} names")
        names = [str(check.text_field(name, "group name", GROUP_NAME_MAX)) for name in raw]
        if len({name.casefold() for name in names}) != len(names):
            raise invalid("group names must be different from each other")
        return names

    async def delete_workshop(self, principal: Principal, workshop_id: str) -> None:
        self.authorize(principal, workshop_id, facilitator=True)
        await self._delete(workshop_id, lambda conn: store.delete_workshop(conn, workshop_id))
        await self.db.scrub()

    async def delete_unchanged_since(self, cutoff: str) -> int:
        """Delete every workshop not changed since cutoff (the retention period's start), as
        its facilitator would, unless a screen is open on it; returns how many went."""
        deleted = 0
        for workshop_id in await store.workshops_unchanged_since(self.db, cutoff):
            if self.hub.is_watched(workshop_id):
                continue  # someone is looking at it: in use, even without changes
            unchanged = partial(
                store.delete_workshop_unchanged_since, workshop_id=workshop_id, cutoff=cutoff
            )
            deleted += await self._delete(workshop_id, unchanged)
        if deleted:
            await self.db.scrub()
        return deleted

    async def _delete(
        self, workshop_id: str, delete: Callable[[sqlite3.Connection], list[str] | None]
    ) -> bool:
        """Run `delete` (which returns the workshop's note texts, or None if it kept it), then
        close the workshop's screens and forget its texts; whether it went."""
        texts = await self.db.write(delete)
        if texts is None:
            return False
        self.hub.close_workshop(workshop_id)
        self.theming.forget(texts)
        return True

    async def workshop(self, workshop_id: str) -> Workshop:
        found = await store.get_workshop(self.db, workshop_id)
        if found is None:
            raise not_found("workshop")
        return found

    async def state(self, principal: Principal) -> dict[str, Any]:
        """Everything a screen needs to draw itself before events start arriving."""
        workshop = await self.workshop(principal.workshop_id)
        return {
            "id": workshop.id,
            "title": workshop.title,
            "language": workshop.language,
            "code": workshop.code,
            "phase": workshop.phase,
            "locked": workshop.locked,
            "shared": workshop.shared,
            "group_choice": workshop.group_choice,
            "timer": workshop.timer_dict(),
            "last_seq": workshop.last_seq,
            "dots": workshop.dots,
            "participant_actions": workshop.participant_actions,
            "summary_published": workshop.summary_published,
            "prompts": [p.to_dict() for p in await store.prompts(self.db, workshop.id)],
            "groups": [g.to_dict() for g in await store.groups(self.db, workshop.id)],
        }

    # ---- joining ---------------------------------------------------------------------

    async def join(self, body: dict[str, Any], client_ip: str) -> dict[str, Any]:
        if not self.join_limit.allow(client_ip):
            raise TalkootError("rate_limited", "too many joins from this address; wait", 429)
        raw_code = body.get("code")
        if not isinstance(raw_code, str) or not raw_code.strip():
            raise invalid("code is required")
        workshop = await self.workshop_for_code(raw_code, client_ip)
        if workshop is None:
            raise not_found("workshop with that code")
        name = check.text_field(body.get("name"), "name", NAME_MAX, required=False)
        group_id = await self.group_in_workshop(workshop.id, body.get("group_id"))
        token = new_token()
        participant_id, group_id = await self.db.write(
            lambda conn: store.insert_participant(
                conn, workshop.id, group_id, name, hash_token(token)
            )
        )
        self.presence.schedule(workshop.id)
        return {
            "participant_id": participant_id,
            "participant_token": token,
            "workshop_id": workshop.id,
            "group_id": group_id,
        }

    async def workshop_for_code(self, raw_code: str, client_ip: str) -> Workshop | None:
        """The workshop with this join code, or None. Every page and call that looks a code up
        comes here: wrong codes count against the client's address, and once it has tried too
        many, no code is looked up for it (else a right code would still answer and the limit
        would not slow guessing)."""
        if self.bad_code_limit.exhausted(client_ip):
            raise TalkootError("rate_limited", "too many wrong codes; wait a minute", 429)
        workshop = await store.workshop_by_code(self.db, normalise_code(raw_code))
        if workshop is None:
            self.bad_code_limit.allow(client_ip)  # count the wrong code
        return workshop

    async def group_in_workshop(self, workshop_id: str, raw: Any) -> int | None:
        """The group id given (None when none is), refused unless it is this workshop's."""
        if raw is None:
            return None
        group_id = check.positive_id(raw, "group_id")
        if group_id not in {g.id for g in await store.groups(self.db, workshop_id)}:
            raise not_found("group")
        return group_id

    async def votes_for(self, principal: Principal) -> tuple[dict[str, int], dict[str, int]]:
        """(votes, vote_prompts) as the welcome and vote acks carry them. Votes: every theme's
        total for a facilitator, a participant's own dots per theme. Vote prompts: the prompt
        of each theme a participant put dots on, so that dots on a theme no longer shown to
        them (results unshared since) still count against that prompt."""
        if principal.is_facilitator:
            totals = await store.vote_totals(self.db, principal.workshop_id)
            return {str(theme_id): n for theme_id, n in totals.items()}, {}
        own = await store.votes_of(self.db, int(principal.participant_id or 0))
        votes = {str(theme_id): n for theme_id, _, n in own}
        return votes, {str(theme_id): prompt_id for theme_id, prompt_id, _ in own}

    async def close(self) -> None:
        self.presence.close()

    # ---- notes ------------------------------------------------------------------------

    async def notes(self, principal: Principal, workshop_id: str) -> list[dict[str, Any]]:
        self.authorize(principal, workshop_id, facilitator=True)
        return [n.to_dict() for n in await store.notes(self.db, workshop_id, principal)]

    async def add_note(self, principal: Principal, body: dict[str, Any]) -> commands.CommandResult:
        if principal.is_facilitator:
            raise forbidden("notes are posted by participants")
        cid = check.cid(body.get("cid"))
        prompt_id = check.positive_id(body.get("prompt_id"), "prompt_id")
        text = check.note_text(body.get("text"), self.settings.note_max_chars)
        change = commands.add_note(principal, prompt_id, text)
        return await self._run_note_write(principal, cid, change)

    async def edit_note(self, principal: Principal, body: dict[str, Any]) -> commands.CommandResult:
        if principal.is_facilitator:
            raise forbidden("only the author may edit a note")
        cid = check.cid(body.get("cid"))
        note_id = check.positive_id(body.get("note_id"), "note_id")
        text = check.note_text(body.get("text"), self.settings.note_max_chars)
        change = commands.edit_note(principal, note_id, text)
        return await self._run_note_write(principal, cid, change)

    async def _run_note_write(
        self, principal: Principal, cid: str, change: commands.Change
    ) -> commands.CommandResult:
        """Posting and editing share one per-participant limit: each is a row in the log. A
        cid sent again (a phone retrying after a lost ack) is answered even past the limit,
        and neither it nor a refused write (posting locked, another's note) uses the limit."""
        if not self.note_limit.allow(principal.participant_id):
            repeat = await self.db.write(lambda conn: commands.repeated(conn, principal, cid))
            if repeat is None:
                raise TalkootError("rate_limited", "too many notes in a minute; slow down", 429)
            return repeat
        try:
            result = await self.run(principal, cid, change)
        except TalkootError:
            self.note_limit.refund(principal.participant_id)
            raise
        if result.duplicate:
            self.note_limit.refund(principal.participant_id)
        return result

    async def delete_note(
        self, principal: Principal, body: dict[str, Any]
    ) -> commands.CommandResult:
        cid = check.cid(body.get("cid"))
        note_id = check.positive_id(body.get("note_id"), "note_id")
        change = theme_commands.leaving_its_theme(
            principal, note_id, commands.delete_note(principal, note_id)
        )
        return await self.run(principal, cid, change)

    async def hide_note(self, principal: Principal, body: dict[str, Any]) -> commands.CommandResult:
        facilitator_only(principal)
        cid = check.cid(body.get("cid"))
        note_id = check.positive_id(body.get("note_id"), "note_id")
        hidden = check.flag(body.get("hidden", True), "hidden")
        change = commands.hide_note(principal, note_id, hidden)
        if hidden:
            change = theme_commands.leaving_its_theme(principal, note_id, change)
        return await self.run(principal, cid, change)

    async def was_removed(self, principal: Principal) -> bool:
        """Whether the facilitator has removed this participant since their token was read."""
        if principal.is_facilitator:
            return False
        return await store.participant_removed(self.db, int(principal.participant_id or 0))

    async def remove_participant(
        self, principal: Principal, body: dict[str, Any]
    ) -> commands.CommandResult:
        """Stop a disruptive participant in one step: every note of theirs hidden, their link
        closed. They may join again with the code, as anyone may; posting can be locked.
        With `erase`, an erasure request: their notes, dots, actions and name are deleted."""
        facilitator_only(principal)
        cid = check.cid(body.get("cid"))
        participant_id = check.positive_id(body.get("participant_id"), "participant_id")
        erasing = check.flag(body.get("erase", False), "erase")

        def taking_away(note_id: int) -> commands.Change:
            if erasing:
                take = commands.delete_note(principal, note_id)
            else:
                take = commands.hide_note(principal, note_id, True)
            return theme_commands.leaving_its_theme(principal, note_id, take)

        erase_rest = None
        if erasing:
            erase_rest = vote_commands.erase_name_dots_and_actions(principal, participant_id)
        change = commands.remove_participant(principal, participant_id, taking_away, erase_rest)
        result = await self.run(principal, cid, change)
        removed = Principal(principal.workshop_id, "participant", participant_id).actor
        self.hub.close_actor(principal.workshop_id, removed, "removed by the facilitator")
        self.presence.schedule(principal.workshop_id)
        if erasing:
            await self.db.scrub()  # may wait: their connections are closed first
        return result

    # ---- steering (facilitator) ----------------------------------------------------------

    async def set_phase(self, principal: Principal, body: dict[str, Any]) -> commands.CommandResult:
        facilitator_only(principal)
        phase = check.choice(body.get("phase"), "phase", PHASES)
        change = commands.set_phase(principal, phase)
        return await self.run(principal, check.cid(body.get("cid")), change)

    async def set_flag(
        self, principal: Principal, body: dict[str, Any], field: str, column: str
    ) -> commands.CommandResult:
        """A facilitator's on/off switch for the whole workshop: `field` true or false."""
        facilitator_only(principal)
        value = int(check.flag(body.get(field), field))
        change = commands.set_switch(principal, column, value)
        return await self.run(principal, check.cid(body.get("cid")), change)

    async def set_locked(
        self, principal: Principal, body: dict[str, Any]
    ) -> commands.CommandResult:
        return await self.set_flag(principal, body, "locked", "locked")

    async def set_shared(
        self, principal: Principal, body: dict[str, Any]
    ) -> commands.CommandResult:
        return await self.set_flag(principal, body, "shared", "shared")

    async def set_timer(self, principal: Principal, body: dict[str, Any]) -> commands.CommandResult:
        """Start a countdown of `seconds`, or stop it with seconds 0 or null."""
        facilitator_only(principal)
        seconds = body.get("seconds")
        if seconds in (None, 0):
            ends_at, seconds = None, None
        else:
            seconds = check.whole_number(seconds, "seconds", TIMER_MAX_SECONDS)
            ends_at = int(time.time() * 1000) + seconds * 1000
        change = commands.set_timer(principal, ends_at, seconds)
        return await self.run(principal, check.cid(body.get("cid")), change)

    # ---- plumbing ------------------------------------------------------------------------

    async def run(
        self, principal: Principal, cid: str, change: commands.Change
    ) -> commands.CommandResult:
        """Commit the change once per cid, then publish its events in commit order."""
        return await self.db.write(
            lambda conn: commands.run_command(conn, principal, cid, change),
            on_commit=self._committed,
        )

    def _committed(self, result: commands.CommandResult) -> None:
        self.hub.publish(result.events)
        self.theming.notice(
            [e.data["note"]["text"] for e in result.events if e.type in ev.NOTE_TEXT_EVENTS]
        )
        self.theming.forget([text for e in result.events for text in e.removed_texts])
