"""Every wire message of the realtime protocol, and who may see each event.

Logged events (below) are replayed from the log; the other messages (welcome, snapshots,
presence, analysis progress, pong, acks, errors) are built by the functions at the end.

Stored events carry the group they belong to (None = the whole workshop) and
whether the workshop's results were shared when they happened. A participant
sees workshop-wide events, their own group's, and other groups' only when shared:
live, when the event happens; on replay, now (store.events_since).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import orjson

from workshop.models import Principal

# Event types written to the log.
NOTE_ADDED = "note.added"
NOTE_UPDATED = "note.updated"
NOTE_DELETED = "note.deleted"
NOTE_HIDDEN = "note.hidden"
PHASE_CHANGED = "phase.changed"
TIMER_CHANGED = "timer.changed"
POSTING_CHANGED = "posting.changed"
SHARING_CHANGED = "sharing.changed"
THEMES_REPLACED = "themes.replaced"
THEME_UPDATED = "theme.updated"
THEME_REMOVED = "theme.removed"
VOTES_CHANGED = "votes.changed"
ACTION_ADDED = "action.added"
ACTION_REMOVED = "action.removed"
VOTING_CHANGED = "voting.changed"
ACTIONS_ALLOWED = "actions.allowed"
SUMMARY_CHANGED = "summary.changed"
PARTICIPANT_REMOVED = "participant.removed"  # facilitator screens only

NOTE_TEXT_EVENTS = frozenset({NOTE_ADDED, NOTE_UPDATED})  # events that carry a note's text


def dumps(message: dict[str, Any]) -> str:
    """Compact JSON text, non-ASCII as it is."""
    return orjson.dumps(message).decode()


@dataclass
class Event:
    """One entry of a workshop's event log, as published to the hub."""

    workshop_id: str
    seq: int
    type: str
    data: dict[str, Any]
    group_id: int | None = None
    shared: bool = False
    facilitator_only: bool = False
    # Note texts this change removed (deleted, or replaced by an edit): never sent, only
    # used to drop them from the theme worker's cache.
    removed_texts: tuple[str, ...] = ()
    _rendered: dict[str, str | None] = field(default_factory=dict, repr=False)

    def visible_to(self, viewer: Principal) -> bool:
        if viewer.is_facilitator:
            return True
        if self.facilitator_only:
            return False
        if self.group_id is None or self.shared:
            return True
        return self.group_id == viewer.group_id

    def message_for(self, viewer: Principal) -> str | None:
        """The JSON text this viewer receives, or None; rendered once per role."""
        if not self.visible_to(viewer):
            return None
        if viewer.role not in self._rendered:
            self._rendered[viewer.role] = self._render(viewer.is_facilitator)
        return self._rendered[viewer.role]

    def _render(self, for_facilitator: bool) -> str | None:
        data = self.data
        note = data.get("note")
        if not for_facilitator and note is not None:
            if self.type in NOTE_TEXT_EVENTS and note["hidden"]:
                return None
            if self.type == NOTE_HIDDEN and (data.get("hidden") or note["hidden"]):
                data = {key: value for key, value in data.items() if key != "note"}
        return dumps({"type": self.type, "seq": self.seq, **data})


# ---- messages that are not in the log ------------------------------------------------------


def welcome(
    principal: Principal, state: dict[str, Any], votes: dict[str, int], vote_prompts: dict[str, int]
) -> str:
    """The first message of a connection: who the client is, the workshop now, its dots."""
    state = dict(state)
    return dumps(
        {
            "type": "welcome",
            "seq": state.pop("last_seq"),
            "role": principal.role,
            "participant_id": principal.participant_id,
            "group_id": principal.group_id,
            "name": principal.name,
            "server_time": int(time.time() * 1000),
            "workshop": state,
            "votes": votes,
            "vote_prompts": vote_prompts,
        }
    )


def notes_snapshot(notes: list[dict[str, Any]]) -> str:
    return dumps({"type": "notes.snapshot", "notes": notes})


def themes_snapshot(themes: list[dict[str, Any]], actions: list[dict[str, Any]]) -> str:
    return dumps({"type": "themes.snapshot", "themes": themes, "actions": actions})


def presence(groups: list[dict[str, int]]) -> str:
    """Per group: participants joined and online now (facilitator screens only)."""
    return dumps({"type": "presence", "groups": groups})


def themes_progress(prompt_id: int | None, stage: str, notes: int) -> str:
    return dumps(
        {"type": "themes.progress", "prompt_id": prompt_id, "stage": stage, "notes": notes}
    )


PONG = dumps({"type": "pong"})


def ack(cid: str, seq: int, **extra: Any) -> str:
    return dumps({"type": "ack", "cid": cid, "seq": seq, **extra})


def error(code: str, message: str, cid: str | None = None) -> str:
    body: dict[str, Any] = {"type": "error", "code": code, "message": message}
    if cid is not None:
        body["cid"] = cid
    return dumps(body)
