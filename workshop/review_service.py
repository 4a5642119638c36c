"""Review, vote and summary: themes from the analysis, a facilitator's edits, dots, actions.

Uses the same path as every other command: validate, write once per cid through
Talkoot.run, publish after commit.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from dataclasses import replace
from datetime import date
from typing import Any

from workshop import events as ev
from workshop import store
from workshop import theme_commands as themes
from workshop import validation as check
from workshop import vote_commands as votes
from workshop.commands import Change, CommandResult, repeated
from workshop.errors import invalid, not_found
from workshop.models import Principal
from workshop.service import Talkoot, facilitator_only

MAX_THEMES = 50
LABEL_MAX = 80
ACTION_MAX = 300
OWNER_MAX = 120
MAX_DOTS = 20
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _is_calendar_date(text: str) -> bool:
    """YYYY-MM-DD of a day that exists: the pattern alone lets 2026-02-30 through."""
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return bool(ISO_DATE.match(text))


class Review:
    def __init__(self, talkoot: Talkoot):
        self.talkoot = talkoot
        # Analyses under way by (workshop, actor, cid): the same command again joins its run.
        self._analyses: dict[tuple[str, str, str], asyncio.Future[CommandResult]] = {}

    # ---- analysis -------------------------------------------------------------------

    async def run_analysis(self, principal: Principal, body: dict[str, Any]) -> CommandResult:
        """Cluster one prompt's notes, or each prompt's, for all groups or one group, once per
        cid. A dashboard sends a command again when its ack is late (after 15 s, and on
        reconnecting), and an analysis of thousands of notes can take longer than that: each
        copy used to cluster every note again."""
        facilitator_only(principal)
        cid = check.cid(body.get("cid") or uuid.uuid4().hex)
        key = (principal.workshop_id, principal.actor, cid)
        if key not in self._analyses:
            analysis = asyncio.ensure_future(self._analyse(principal, cid, body))
            analysis.add_done_callback(lambda _: self._analyses.pop(key, None))
            self._analyses[key] = analysis
        # Shielded: a copy's connection closing must not stop the run the others wait for.
        return await asyncio.shield(self._analyses[key])

    async def _analyse(self, principal: Principal, cid: str, body: dict[str, Any]) -> CommandResult:
        talkoot, workshop_id = self.talkoot, principal.workshop_id
        # A copy of a finished run: its stored answer, read where the run's write committed.
        done = await talkoot.db.write(lambda conn: repeated(conn, principal, cid))
        if done is not None:
            return done
        k = self._theme_count(body.get("themes"))
        prompt_ids = await self._prompt_scope(workshop_id, body.get("prompt_id"))
        group_id = await talkoot.group_in_workshop(workshop_id, body.get("group_id"))
        notes = await store.notes_to_theme(talkoot.db, workshop_id, group_id)
        changes: list[Change] = []
        for prompt_id in prompt_ids:
            mine = [n for n in notes if n.prompt_id == prompt_id]
            self._progress(workshop_id, prompt_id, "clustering", len(mine))
            drafts = await talkoot.theming.cluster(prompt_id, mine, k)
            changes.append(themes.apply_analysis(principal, prompt_id, group_id, drafts))
        result = await talkoot.run(
            principal, cid, lambda conn: [event for change in changes for event in change(conn)]
        )
        self._progress(workshop_id, None, "done", len(notes))
        return result

    def _progress(self, workshop_id: str, prompt_id: int | None, stage: str, notes: int) -> None:
        message = ev.themes_progress(prompt_id, stage, notes)
        self.talkoot.hub.send_to_facilitators(workshop_id, message)

    @staticmethod
    def _theme_count(raw: Any) -> int | None:
        return None if raw is None else check.whole_number(raw, "themes", MAX_THEMES)

    async def _prompt_scope(self, workshop_id: str, raw: Any) -> list[int]:
        prompt_ids = [p.id for p in await store.prompts(self.talkoot.db, workshop_id)]
        if raw is None:
            return prompt_ids
        chosen = check.positive_id(raw, "prompt_id")
        if chosen not in prompt_ids:
            raise not_found("prompt")
        return [chosen]

    # ---- edits (facilitator) ------------------------------------------------------------

    async def rename_theme(self, principal: Principal, body: dict[str, Any]) -> CommandResult:
        facilitator_only(principal)
        label = str(check.text_field(body.get("label"), "label", LABEL_MAX))
        theme_id = check.positive_id(body.get("theme_id"), "theme_id")
        return await self._run(principal, body, themes.rename_theme(principal, theme_id, label))

    async def merge_themes(self, principal: Principal, body: dict[str, Any]) -> CommandResult:
        facilitator_only(principal)
        theme_id = check.positive_id(body.get("theme_id"), "theme_id")
        into_id = check.positive_id(body.get("into_id"), "into_id")
        return await self._run(principal, body, themes.merge_themes(principal, theme_id, into_id))

    async def split_theme(self, principal: Principal, body: dict[str, Any]) -> CommandResult:
        facilitator_only(principal)
        theme_id = check.positive_id(body.get("theme_id"), "theme_id")
        raw_ids = body.get("note_ids")
        if not isinstance(raw_ids, list) or not raw_ids:
            raise invalid("note_ids must be a list of the notes to split off")
        note_ids = [check.positive_id(n, "note_ids") for n in raw_ids]
        label = str(check.text_field(body.get("label"), "label", LABEL_MAX))
        change = themes.split_theme(principal, theme_id, note_ids, label)
        return await self._run(principal, body, change)

    async def move_note(self, principal: Principal, body: dict[str, Any]) -> CommandResult:
        facilitator_only(principal)
        note_id = check.positive_id(body.get("note_id"), "note_id")
        raw_theme = body.get("theme_id")
        theme_id = None if raw_theme is None else check.positive_id(raw_theme, "theme_id")
        return await self._run(principal, body, themes.move_note(principal, note_id, theme_id))

    async def delete_theme(self, principal: Principal, body: dict[str, Any]) -> CommandResult:
        facilitator_only(principal)
        theme_id = check.positive_id(body.get("theme_id"), "theme_id")
        return await self._run(principal, body, themes.delete_theme(principal, theme_id))

    # ---- voting, actions, publishing ------------------------------------------------------

    async def cast_vote(self, principal: Principal, body: dict[str, Any]) -> CommandResult:
        self._participant_only(principal)
        theme_id = check.positive_id(body.get("theme_id"), "theme_id")
        return await self._vote(principal, body, votes.cast_vote(principal, theme_id))

    async def retract_vote(self, principal: Principal, body: dict[str, Any]) -> CommandResult:
        self._participant_only(principal)
        theme_id = check.positive_id(body.get("theme_id"), "theme_id")
        return await self._vote(principal, body, votes.retract_vote(principal, theme_id))

    async def _vote(
        self, principal: Principal, body: dict[str, Any], change: Change
    ) -> CommandResult:
        """Answer with the voter's dots as stored, so that a repeated cid (an outbox sent
        again after its ack was lost) cannot make the phone count a dot twice."""
        result = await self._run(principal, body, change)
        votes, vote_prompts = await self.talkoot.votes_for(principal)
        return replace(result, votes=votes, vote_prompts=vote_prompts)

    async def set_dots(self, principal: Principal, body: dict[str, Any]) -> CommandResult:
        facilitator_only(principal)
        dots = check.whole_number(body.get("dots"), "dots", MAX_DOTS)
        return await self._run(principal, body, votes.set_dots(principal, dots))

    async def allow_actions(self, principal: Principal, body: dict[str, Any]) -> CommandResult:
        return await self.talkoot.set_flag(principal, body, "allowed", "participant_actions")

    async def publish_summary(self, principal: Principal, body: dict[str, Any]) -> CommandResult:
        return await self.talkoot.set_flag(principal, body, "published", "summary_published")

    async def add_action(self, principal: Principal, body: dict[str, Any]) -> CommandResult:
        theme_id = check.positive_id(body.get("theme_id"), "theme_id")
        what = str(check.text_field(body.get("what"), "what", ACTION_MAX))
        owner = check.text_field(body.get("owner"), "owner", OWNER_MAX, required=False)
        due = check.text_field(body.get("due"), "due", 10, required=False)
        if due is not None and not _is_calendar_date(due):
            raise invalid("due must be a date as YYYY-MM-DD")
        change = votes.add_action(principal, theme_id, what, owner, due)
        return await self._run(principal, body, change)

    async def delete_action(self, principal: Principal, body: dict[str, Any]) -> CommandResult:
        action_id = check.positive_id(body.get("action_id"), "action_id")
        return await self._run(principal, body, votes.delete_action(principal, action_id))

    # ---- plumbing ------------------------------------------------------------------------

    async def _run(
        self, principal: Principal, body: dict[str, Any], change: Change
    ) -> CommandResult:
        return await self.talkoot.run(principal, check.cid(body.get("cid")), change)

    @staticmethod
    def _participant_only(principal: Principal) -> None:
        if principal.is_facilitator:
            raise invalid("votes are cast by participants")
