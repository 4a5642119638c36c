"""Write functions that change a workshop and append to its event log.

Each runs in the writer's transaction inside one savepoint (see db.py). run_command
makes every command idempotent: a cid seen before returns the first answer and
changes nothing. Note and action text lives only in its own table, never in the log,
so editing or deleting one leaves no copy of the old text in the log, and secure_delete
overwrites the old row. SQLite's write-ahead file may hold the old page until its frames
are reused; deleting a whole workshop truncates that file too (Database.scrub).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from analysis.text import clear_language
from workshop import events as ev
from workshop.errors import TalkootError, forbidden, not_found, unauthorized
from workshop.models import Note, Principal
from workshop.store import NOTE_COLUMNS, NOTE_FROM, SQL_NOW, now_iso

Change = Callable[[sqlite3.Connection], list[ev.Event]]

# The most notes one workshop holds (hidden ones too): what the analysis is measured for, and a
# bound on the log every new connection is sent, whoever floods it (docs/api.md).
MAX_NOTES = 10_000


@dataclass(frozen=True)
class CommandResult:
    seq: int
    events: list[ev.Event] = field(default_factory=list)
    note: dict[str, Any] | None = None  # the note the command made or changed, as sent
    duplicate: bool = False
    votes: dict[str, int] | None = None  # after a vote: the voter's dots per theme id
    vote_prompts: dict[str, int] | None = None  # and the prompt of each of those themes


def run_command(
    conn: sqlite3.Connection, principal: Principal, cid: str, change: Change
) -> CommandResult:
    """Apply change once per (principal, cid); a repeat returns the stored answer."""
    workshop_id = principal.workshop_id
    if not principal.is_facilitator:
        _require_present(conn, principal)
    if (repeat := repeated(conn, principal, cid)) is not None:
        return repeat
    events = change(conn)
    note = next((e.data["note"] for e in events if e.data.get("note")), None)
    seq = events[-1].seq if events else _last_seq(conn, workshop_id)
    conn.execute(
        "insert into commands (workshop_id, actor, cid, seq, note_id) values (?, ?, ?, ?, ?)",
        [workshop_id, principal.actor, cid, seq, note["id"] if note else None],
    )
    return CommandResult(seq, events, note)


def _require_present(conn: sqlite3.Connection, principal: Principal) -> None:
    """Refuse a removed participant's command, also one whose request or connection began
    before the removal: the token was checked then, the removal is checked here."""
    row = conn.execute(
        "select removed from participants where id = ?", [principal.participant_id]
    ).fetchone()
    if row is None or row["removed"]:
        raise unauthorized("the facilitator removed this participant")


def repeated(conn: sqlite3.Connection, principal: Principal, cid: str) -> CommandResult | None:
    """The stored answer to a command this principal already made with this cid, if any."""
    seen = conn.execute(
        "select seq, note_id from commands where workshop_id = ? and actor = ? and cid = ?",
        [principal.workshop_id, principal.actor, cid],
    ).fetchone()
    if seen is None:
        return None
    again = _load_note(conn, principal.workshop_id, seen["note_id"])
    return CommandResult(seen["seq"], note=again.to_dict() if again else None, duplicate=True)


# ---- notes --------------------------------------------------------------------


def add_note(principal: Principal, prompt_id: int, text: str) -> Change:
    """The hot path: seven statements a note, counting the command and the event.

    No RETURNING here: SQLite's RETURNING cost about 10 microseconds a statement, more
    than the insert itself, and everything the note holds is known already.
    """
    lang = clear_language(text)

    def change(conn: sqlite3.Connection) -> list[ev.Event]:
        if _require_open(conn, principal.workshop_id, prompt_id) >= MAX_NOTES:
            raise TalkootError("full", f"the workshop holds its limit of {MAX_NOTES:,} notes", 409)
        now = now_iso()
        inserted = conn.execute(
            "insert into notes (workshop_id, prompt_id, group_id, participant_id, text,"
            " created_at, updated_at, lang) values (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                principal.workshop_id,
                prompt_id,
                principal.group_id,
                principal.participant_id,
                text,
                now,
                now,
                lang,
            ],
        )
        assert inserted.lastrowid is not None and principal.group_id is not None
        note = Note(
            id=inserted.lastrowid,
            prompt_id=prompt_id,
            group_id=principal.group_id,
            participant_id=principal.participant_id,
            author=principal.name,
            text=text,
            hidden=False,
            votes=0,
            created_at=now,
            updated_at=now,
            lang=lang,
        )
        return [_note_event(conn, principal.workshop_id, ev.NOTE_ADDED, note)]

    return change


def edit_note(principal: Principal, note_id: int, text: str) -> Change:
    lang = clear_language(text)

    def change(conn: sqlite3.Connection) -> list[ev.Event]:
        _require_open(conn, principal.workshop_id)
        before = _own_note(conn, principal, note_id)
        conn.execute(
            "update notes set text = ?, updated_at = ?, lang = ? where id = ?",
            [text, now_iso(), lang, note_id],
        )
        note = _reload(conn, principal.workshop_id, note_id)
        event = _note_event(conn, principal.workshop_id, ev.NOTE_UPDATED, note)
        if before.text != text:
            event.removed_texts = (before.text,)
        return [event]

    return change


def delete_note(principal: Principal, note_id: int) -> Change:
    def change(conn: sqlite3.Connection) -> list[ev.Event]:
        note = _own_note(conn, principal, note_id)
        conn.execute("delete from notes where id = ?", [note_id])
        # Nothing may point at the deleted note any longer. Ids are not given again (migration
        # 11), but before it SQLite gave the highest one to the next note, in any workshop,
        # and a replay or a repeated cid would have shown that note in its place.
        for table in ("events", "commands"):
            conn.execute(
                f"update {table} set note_id = null where workshop_id = ? and note_id = ?",
                [principal.workshop_id, note_id],
            )
        data = {"note_id": note_id, "prompt_id": note.prompt_id}
        event = append_event(conn, principal.workshop_id, ev.NOTE_DELETED, data, note.group_id)
        event.removed_texts = (note.text,)
        return [event]

    return change


def hide_note(principal: Principal, note_id: int, hidden: bool) -> Change:
    def change(conn: sqlite3.Connection) -> list[ev.Event]:
        note = _note_in_workshop(conn, principal.workshop_id, note_id)
        if note.hidden == hidden:
            return []
        conn.execute("update notes set hidden = ? where id = ?", [int(hidden), note_id])
        note = _reload(conn, principal.workshop_id, note_id)
        return [_note_event(conn, principal.workshop_id, ev.NOTE_HIDDEN, note, hidden=hidden)]

    return change


def remove_participant(
    principal: Principal,
    participant_id: int,
    take_away: Callable[[int], Change],
    erase_rest: Change | None = None,
) -> Change:
    """Close a participant's token and take each of their notes away with `take_away` (hide
    or delete: only shown notes are hidden). `erase_rest` then removes the rest of what is
    theirs. Removing one already removed changes nothing more (two screens may both ask)."""

    def change(conn: sqlite3.Connection) -> list[ev.Event]:
        found = conn.execute(
            "select removed from participants where id = ? and workshop_id = ?",
            [participant_id, principal.workshop_id],
        ).fetchone()
        if found is None:
            raise not_found("participant")
        conn.execute("update participants set removed = 1 where id = ?", [participant_id])
        shown_only = "" if erase_rest else " and hidden = 0"
        theirs = conn.execute(
            f"select id from notes where participant_id = ?{shown_only} order by id",
            [participant_id],
        ).fetchall()
        events = [event for (note_id,) in theirs for event in take_away(note_id)(conn)]
        if erase_rest:
            events += erase_rest(conn)
        if not found["removed"]:  # every facilitator screen, now and on replay, knows it
            data = {"participant_id": participant_id}
            kind = ev.PARTICIPANT_REMOVED
            events.append(
                append_event(conn, principal.workshop_id, kind, data, facilitator_only=True)
            )
        return events

    return change


def _note_event(
    conn: sqlite3.Connection, workshop_id: str, kind: str, note: Note, **extra: Any
) -> ev.Event:
    """Log a note event without its text (replay reads the note itself), send it with it."""
    stored = {"note_id": note.id, **extra, "note": None}
    event = append_event(conn, workshop_id, kind, stored, note.group_id, note.id)
    event.data["note"] = note.to_dict()
    return event


# ---- workshop state (facilitator) ------------------------------------------------


# column -> (event type, its field, how the stored value is shown)
WORKSHOP_SETTINGS: dict[str, tuple[str, str, Callable[[Any], Any]]] = {
    "phase": (ev.PHASE_CHANGED, "phase", str),
    "locked": (ev.POSTING_CHANGED, "locked", bool),
    "shared": (ev.SHARING_CHANGED, "shared", bool),
    "dots": (ev.VOTING_CHANGED, "dots", int),
    "participant_actions": (ev.ACTIONS_ALLOWED, "allowed", bool),
    "summary_published": (ev.SUMMARY_CHANGED, "published", bool),
}


def set_workshop_setting(principal: Principal, column: str, value: Any) -> Change:
    """Change one workshop-wide setting; an unchanged value appends no event."""
    kind, field_name, shown = WORKSHOP_SETTINGS[column]

    def change(conn: sqlite3.Connection) -> list[ev.Event]:
        current = conn.execute(
            f"select {column} from workshops where id = ?", [principal.workshop_id]
        ).fetchone()[0]
        if current == value:
            return []
        conn.execute(
            f"update workshops set {column} = ? where id = ?", [value, principal.workshop_id]
        )
        return [append_event(conn, principal.workshop_id, kind, {field_name: shown(value)})]

    return change


# Switches that bring another with them. A published summary shows every group's themes and
# notes to all, so publishing shares the results, and turning sharing off withdraws it.
_FOLLOWS = {("summary_published", 1): ("shared", 1), ("shared", 0): ("summary_published", 0)}


def set_switch(principal: Principal, column: str, value: int) -> Change:
    """Turn a workshop-wide switch on or off, and what follows from it (_FOLLOWS)."""
    first = set_workshop_setting(principal, column, value)
    follow = _FOLLOWS.get((column, value))

    def change(conn: sqlite3.Connection) -> list[ev.Event]:
        events = first(conn)
        if follow is not None:
            events += set_workshop_setting(principal, *follow)(conn)
        return events

    return change


# Posting as a phase leaves it: notes are written while ideating, and votes and the summary
# need notes that hold still (no new ones, no edits under votes already cast). The lobby and
# review keep posting as it was; the facilitator may switch it by hand in any phase.
_LOCKED_AFTER_ENTERING = {"ideate": 0, "vote": 1, "summary": 1}


def set_phase(principal: Principal, phase: str) -> Change:
    """Move to a phase, opening or locking posting as that phase needs. The timer, kept for one
    phase's work, stops: "Time is up" stayed on every screen through every later phase."""
    set_phase_only = set_workshop_setting(principal, "phase", phase)

    def change(conn: sqlite3.Connection) -> list[ev.Event]:
        events = set_phase_only(conn)
        if events and phase in _LOCKED_AFTER_ENTERING:
            lock = set_workshop_setting(principal, "locked", _LOCKED_AFTER_ENTERING[phase])
            events += lock(conn)
        if events and _timer_set(conn, principal.workshop_id):
            events += set_timer(principal, None, None)(conn)
        return events

    return change


def _timer_set(conn: sqlite3.Connection, workshop_id: str) -> bool:
    seconds = conn.execute("select timer_seconds from workshops where id = ?", [workshop_id])
    running: bool = seconds.fetchone()[0] is not None
    return running


def set_timer(principal: Principal, ends_at: int | None, seconds: int | None) -> Change:
    def change(conn: sqlite3.Connection) -> list[ev.Event]:
        conn.execute(
            "update workshops set timer_ends_at = ?, timer_seconds = ? where id = ?",
            [ends_at, seconds, principal.workshop_id],
        )
        timer = {"ends_at": ends_at, "seconds": seconds}
        return [append_event(conn, principal.workshop_id, ev.TIMER_CHANGED, {"timer": timer})]

    return change


# ---- helpers ---------------------------------------------------------------------


def append_event(
    conn: sqlite3.Connection,
    workshop_id: str,
    kind: str,
    data: dict[str, Any],
    group_id: int | None = None,
    note_id: int | None = None,
    facilitator_only: bool = False,
) -> ev.Event:
    """Give the event the workshop's next seq and store it in the log.

    A select and an update: together cheaper than one update ... returning.
    """
    last_seq, shared = conn.execute(
        "select last_seq, shared from workshops where id = ?", [workshop_id]
    ).fetchone()
    seq = last_seq + 1
    conn.execute("update workshops set last_seq = ? where id = ?", [seq, workshop_id])
    conn.execute(
        "insert into events (workshop_id, seq, type, group_id, note_id, shared, facilitator_only,"
        f" payload, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, {SQL_NOW})",
        [
            workshop_id,
            seq,
            kind,
            group_id,
            note_id,
            int(shared),
            int(facilitator_only),
            ev.dumps(data),
        ],
    )
    return ev.Event(workshop_id, seq, kind, dict(data), group_id, bool(shared), facilitator_only)


def _last_seq(conn: sqlite3.Connection, workshop_id: str) -> int:
    return int(
        conn.execute("select last_seq from workshops where id = ?", [workshop_id]).fetchone()[0]
    )


def _load_note(conn: sqlite3.Connection, workshop_id: str, note_id: int | None) -> Note | None:
    if note_id is None:
        return None
    row = conn.execute(
        f"select {NOTE_COLUMNS} from {NOTE_FROM} where n.id = ? and n.workshop_id = ?",
        [note_id, workshop_id],
    )
    found = row.fetchone()
    return Note.from_row(found) if found else None


def _reload(conn: sqlite3.Connection, workshop_id: str, note_id: int) -> Note:
    note = _load_note(conn, workshop_id, note_id)
    assert note is not None, "a note changed in this transaction exists"
    return note


def _note_in_workshop(conn: sqlite3.Connection, workshop_id: str, note_id: int) -> Note:
    note = _load_note(conn, workshop_id, note_id)
    if note is None:
        raise not_found("note")
    return note


def _own_note(conn: sqlite3.Connection, principal: Principal, note_id: int) -> Note:
    note = _note_in_workshop(conn, principal.workshop_id, note_id)
    if not principal.is_facilitator and note.participant_id != principal.participant_id:
        raise forbidden("only the author may change this note")
    return note


def _require_open(conn: sqlite3.Connection, workshop_id: str, prompt_id: int | None = None) -> int:
    """The workshop exists and takes notes (and, when given, the prompt is one of its own).
    Returns how many notes it holds."""
    row = conn.execute(
        "select locked, note_count,"
        " exists(select 1 from prompts where id = ? and workshop_id = w.id) as ok"
        " from workshops w where w.id = ?",
        [prompt_id, workshop_id],
    ).fetchone()
    if row is None:
        raise not_found("workshop")
    if row["locked"]:
        raise TalkootError("locked", "the facilitator has locked posting for now", 409)
    if prompt_id is not None and not row["ok"]:
        raise not_found("prompt")
    return int(row["note_count"])
