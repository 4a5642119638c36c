"""Domain queries: small functions of raw, parameterised SQL returning models.

Reads are async and go through Database.execute. Writes are plain functions of
a sqlite3 connection that Database.write runs inside the writer's transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from workshop.db import Database
from workshop.events import NOTE_HIDDEN, THEME_UPDATED, THEMES_REPLACED, Event
from workshop.models import Group, Note, Principal, Prompt, Workshop

NOTE_COLUMNS = """
    n.id, n.prompt_id, n.group_id, n.participant_id, p.name as author, n.text,
    n.hidden, n.votes, n.created_at, n.updated_at, n.lang
"""
NOTE_FROM = "notes n left join participants p on p.id = n.participant_id"
ACTION_FIELDS = ("id", "theme_id", "what", "owner", "due", "participant_id")  # as events show one
_ACTION_COLUMNS = ", ".join(f"a.{column} as action_{column}" for column in ACTION_FIELDS)


def now_iso() -> str:
    return iso_time(datetime.now(UTC))


def iso_time(moment: datetime) -> str:
    """A UTC time as every stored timestamp is written: 2026-11-22T06:38:44.001Z."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# The same format as now_iso, stamped by SQLite itself: an event row needs no Python call.
SQL_NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"


# ---- reads -----------------------------------------------------------------


async def principal_for_token_hash(db: Database, token_hash: str) -> Principal | None:
    row = (
        await db.execute("select id from workshops where facilitator_token_hash = ?", [token_hash])
    ).first()
    if row is not None:
        return Principal(workshop_id=row["id"], role="facilitator")
    row = (
        await db.execute(
            "select id, workshop_id, group_id, name from participants"
            " where token_hash = ? and removed = 0",
            [token_hash],
        )
    ).first()
    if row is None:
        return None
    return Principal(
        workshop_id=row["workshop_id"],
        role="participant",
        participant_id=row["id"],
        group_id=row["group_id"],
        name=row["name"],
    )


async def get_workshop(db: Database, workshop_id: str) -> Workshop | None:
    row = (await db.execute("select * from workshops where id = ?", [workshop_id])).first()
    return Workshop.from_row(row) if row else None


async def workshop_by_code(db: Database, code: str) -> Workshop | None:
    row = (await db.execute("select * from workshops where code = ?", [code])).first()
    return Workshop.from_row(row) if row else None


async def prompts(db: Database, workshop_id: str) -> list[Prompt]:
    rows = await db.execute(
        "select id, text from prompts where workshop_id = ? order by position", [workshop_id]
    )
    return [Prompt(row["id"], row["text"]) for row in rows]


async def groups(db: Database, workshop_id: str) -> list[Group]:
    rows = await db.execute(
        "select id, name from workshop_groups where workshop_id = ? order by position",
        [workshop_id],
    )
    return [Group(row["id"], row["name"]) for row in rows]


async def participant_removed(db: Database, participant_id: int) -> bool:
    row = (
        await db.execute("select removed from participants where id = ?", [participant_id])
    ).first()
    return row is None or bool(row["removed"])


async def joined_per_group(db: Database, workshop_id: str) -> dict[int, int]:
    rows = await db.execute(
        "select group_id, count(*) as n from participants where workshop_id = ? and removed = 0"
        " group by group_id",
        [workshop_id],
    )
    return {row["group_id"]: row["n"] for row in rows}


async def participant_count(db: Database, workshop_ids: list[str]) -> int:
    """Everyone who joined any of these workshops (one query for a whole series)."""
    if not workshop_ids:
        return 0
    marks = ", ".join("?" * len(workshop_ids))
    sql = f"select count(*) as n from participants where workshop_id in ({marks}) and removed = 0"
    first = (await db.execute(sql, workshop_ids)).first()
    return int(first["n"]) if first else 0


async def notes(db: Database, workshop_id: str, viewer: Principal) -> list[Note]:
    """The notes this viewer may see, oldest first."""
    sql = f"select {NOTE_COLUMNS} from {NOTE_FROM} where n.workshop_id = ?"
    params: list[Any] = [workshop_id]
    if not viewer.is_facilitator:
        sql += " and n.hidden = 0"
        if not (await is_shared(db, workshop_id)):
            sql += " and n.group_id = ?"
            params.append(viewer.group_id)
    rows = await db.execute(sql + " order by n.id", params)
    return [Note.from_row(row) for row in rows]


async def visible_notes(db: Database, workshop_id: str) -> list[Note]:
    """Every note the facilitator has not hidden, oldest first: what summaries and series
    compare."""
    rows = await db.execute(
        f"select {NOTE_COLUMNS} from {NOTE_FROM} where n.workshop_id = ? and n.hidden = 0"
        " order by n.id",
        [workshop_id],
    )
    return [Note.from_row(row) for row in rows]


async def events_since(
    db: Database, workshop_id: str, since: int, viewer: Principal
) -> list[Event]:
    """The log after `since` as this viewer may see it, with its content as it is now.

    The log keeps ids, not text: notes, actions and themes come from their own tables,
    so text that was since edited, hidden, renamed or deleted is not replayed. Other
    groups' events are replayed only while results are shared now, whatever the
    sharing was when they happened.
    """
    sql = f"""
        select e.seq, e.type, e.group_id, e.shared, e.facilitator_only, e.payload, {NOTE_COLUMNS},
            {_ACTION_COLUMNS}
        from events e
        left join notes n on n.id = e.note_id and n.workshop_id = e.workshop_id
        left join participants p on p.id = n.participant_id
        left join actions a on e.type = 'action.added'
            and a.id = json_extract(e.payload, '$.action_id') and a.workshop_id = e.workshop_id
        where e.workshop_id = ? and e.seq > ?
    """
    params: list[Any] = [workshop_id, since]
    shared_now = await is_shared(db, workshop_id)
    if not viewer.is_facilitator:
        sql += " and e.facilitator_only = 0"
        if not shared_now:
            sql += " and (e.group_id is null or e.group_id = ?)"
            params.append(viewer.group_id)
    rows = list(await db.execute(sql + " order by e.seq", params))
    themes_now: dict[int, dict[str, Any]] = {}
    if any(row["type"] in (THEMES_REPLACED, THEME_UPDATED) for row in rows):
        themes_now = {t["id"]: shown_theme(t) for t in await themes(db, workshop_id)}
    replayed = []
    for row in rows:
        data = _content_now(row, themes_now)
        if data is not None:  # None: what the event was about is gone
            replayed.append(
                Event(
                    workshop_id,
                    row["seq"],
                    row["type"],
                    data,
                    row["group_id"],
                    shared_now,
                    bool(row["facilitator_only"]),
                )
            )
    return replayed


def _content_now(row: sqlite3.Row, themes_now: dict[int, dict[str, Any]]) -> dict[str, Any] | None:
    """A logged event's data with the note, action or themes it names as they are now."""
    data: dict[str, Any] = json.loads(row["payload"])
    if "note" in data:
        if row["id"] is None:
            return None
        data["note"] = Note.from_row(row).to_dict()
        if row["type"] == NOTE_HIDDEN:  # an old un-hide must not show a note hidden again
            data["hidden"] = data["note"]["hidden"]
    elif "action" in data:
        if row["action_id"] is None:
            return None
        data["action"] = {column: row[f"action_{column}"] for column in ACTION_FIELDS}
    elif row["type"] == THEMES_REPLACED:
        data["themes"] = [themes_now[t] for t in data["theme_ids"] if t in themes_now]
    elif row["type"] == THEME_UPDATED:
        if data["theme_id"] not in themes_now:
            return None
        data["theme"] = themes_now[data["theme_id"]]
    return data


def shown_theme(theme: dict[str, Any]) -> dict[str, Any]:
    """A theme as events show it (the representatives are for downloads only)."""
    return {key: value for key, value in theme.items() if key != "representatives"}


async def is_shared(db: Database, workshop_id: str) -> bool:
    row = (await db.execute("select shared from workshops where id = ?", [workshop_id])).first()
    return bool(row and row["shared"])


# ---- writes (run by Database.write inside its batch transaction) ------------


def insert_workshop(
    conn: sqlite3.Connection,
    *,
    workshop_id: str,
    new_code: Callable[[], str],
    title: str,
    language: str,
    token_hash: str,
    prompt_texts: list[str],
    group_names: list[str],
    group_choice: bool,
) -> tuple[str, list[Prompt], list[Group]]:
    """Insert a workshop under a join code no other workshop has; return the code too."""
    code = new_code()
    while conn.execute("select 1 from workshops where code = ?", [code]).fetchone():
        code = new_code()
    conn.execute(
        "insert into workshops (id, code, title, language, facilitator_token_hash,"
        " group_choice, created_at) values (?, ?, ?, ?, ?, ?, ?)",
        [workshop_id, code, title, language, token_hash, int(group_choice), now_iso()],
    )
    prompts_out = [
        Prompt(_insert_returning_id(conn, "prompts", workshop_id, position, text), text)
        for position, text in enumerate(prompt_texts)
    ]
    groups_out = [
        Group(_insert_returning_id(conn, "workshop_groups", workshop_id, position, name), name)
        for position, name in enumerate(group_names)
    ]
    return code, prompts_out, groups_out


def _insert_returning_id(
    conn: sqlite3.Connection, table: str, workshop_id: str, position: int, text: str
) -> int:
    column = "text" if table == "prompts" else "name"
    row = conn.execute(
        f"insert into {table} (workshop_id, position, {column}) values (?, ?, ?) returning id",
        [workshop_id, position, text],
    ).fetchone()
    return int(row["id"])


def insert_participant(
    conn: sqlite3.Connection,
    workshop_id: str,
    group_id: int | None,
    name: str | None,
    token_hash: str,
) -> tuple[int, int]:
    """Add a participant to the chosen group, or to the smallest one; return (id, group id)."""
    if group_id is None:
        group_id = _smallest_group(conn, workshop_id)
    row = conn.execute(
        "insert into participants (workshop_id, group_id, name, token_hash, created_at)"
        " values (?, ?, ?, ?, ?) returning id",
        [workshop_id, group_id, name, token_hash, now_iso()],
    ).fetchone()
    return int(row["id"]), group_id


def _smallest_group(conn: sqlite3.Connection, workshop_id: str) -> int:
    row = conn.execute(
        """
        select g.id from workshop_groups g
        left join participants p on p.group_id = g.id and p.removed = 0
        where g.workshop_id = ?
        group by g.id order by count(p.id), g.position limit 1
        """,
        [workshop_id],
    ).fetchone()
    return int(row["id"])


# A workshop's (as w) last change: its last event, or the last join (joins log no event), or,
# with neither, its creation.
LAST_CHANGE = """max(
    coalesce((select e.created_at from events e where e.workshop_id = w.id and e.seq = w.last_seq),
             w.created_at),
    coalesce((select max(p.created_at) from participants p where p.workshop_id = w.id),
             w.created_at))"""


async def workshops_unchanged_since(db: Database, cutoff: str) -> list[str]:
    rows = await db.execute(f"select w.id from workshops w where {LAST_CHANGE} < ?", [cutoff])
    return [row["id"] for row in rows]


def delete_workshop_unchanged_since(
    conn: sqlite3.Connection, workshop_id: str, cutoff: str
) -> list[str] | None:
    """delete_workshop, unless it changed since cutoff (checked in the same write: a note
    queued after the candidates were read keeps the workshop); None when it was kept."""
    unchanged = conn.execute(
        f"select 1 from workshops w where w.id = ? and {LAST_CHANGE} < ?", [workshop_id, cutoff]
    ).fetchone()
    return delete_workshop(conn, workshop_id) if unchanged else None


def delete_workshop(conn: sqlite3.Connection, workshop_id: str) -> list[str]:
    """Delete a workshop; foreign keys cascade to every note, participant and event of it.
    Returns the texts of the notes it had."""
    rows = conn.execute("select text from notes where workshop_id = ?", [workshop_id])
    texts = [row["text"] for row in rows]
    conn.execute("delete from workshops where id = ?", [workshop_id])
    return texts


# ---- themes, votes and actions -------------------------------------------------------

# A theme (as t) somebody renamed, merged, split, moved notes of, voted on or gave actions:
# a new analysis keeps it and its notes; the analysis may replace or drop the others.
TOUCHED_THEME = """(t.edited = 1
    or exists (select 1 from votes v where v.theme_id = t.id)
    or exists (select 1 from actions a where a.theme_id = t.id))"""
UNTOUCHED_THEME = f"not {TOUCHED_THEME}"


async def notes_to_theme(db: Database, workshop_id: str, group_id: int | None) -> list[Note]:
    """Visible notes (of one group, or all) that no person-edited theme holds yet."""
    sql = f"""
        select {NOTE_COLUMNS} from {NOTE_FROM}
        where n.workshop_id = ? and n.hidden = 0
        and n.id not in (select tn.note_id from theme_notes tn join themes t on t.id = tn.theme_id
                         where t.workshop_id = ? and {TOUCHED_THEME})
    """
    params: list[Any] = [workshop_id, workshop_id]
    if group_id is not None:
        sql += " and n.group_id = ?"
        params.append(group_id)
    return [Note.from_row(row) for row in await db.execute(sql + " order by n.id", params)]


async def themes(db: Database, workshop_id: str) -> list[dict[str, Any]]:
    """Every theme of the workshop with its note ids, in prompt and display order."""
    rows = await db.execute(
        """
        select t.id, t.prompt_id, t.group_id, t.label, t.keywords, t.representatives, t.edited,
               (select group_concat(note_id) from theme_notes where theme_id = t.id) as note_ids
        from themes t join prompts p on p.id = t.prompt_id
        where t.workshop_id = ? order by p.position, t.position, t.id
        """,
        [workshop_id],
    )
    return [
        {
            "id": row["id"],
            "prompt_id": row["prompt_id"],
            "group_id": row["group_id"],
            "label": row["label"],
            "keywords": json.loads(row["keywords"]),
            "representatives": json.loads(row["representatives"]),
            "edited": bool(row["edited"]),
            "note_ids": sorted(int(n) for n in (row["note_ids"] or "").split(",") if n),
        }
        for row in rows
    ]


async def vote_totals(db: Database, workshop_id: str) -> dict[int, int]:
    rows = await db.execute(
        "select theme_id, count(*) as n from votes where workshop_id = ? group by theme_id",
        [workshop_id],
    )
    return {row["theme_id"]: row["n"] for row in rows}


async def votes_of(db: Database, participant_id: int) -> list[tuple[int, int, int]]:
    """(theme id, its prompt id, dots) of each theme this participant put dots on."""
    rows = await db.execute(
        "select theme_id, prompt_id, count(*) as n from votes where participant_id = ?"
        " group by theme_id, prompt_id",
        [participant_id],
    )
    return [(row["theme_id"], row["prompt_id"], row["n"]) for row in rows]


async def actions(db: Database, workshop_id: str) -> list[dict[str, Any]]:
    rows = await db.execute(
        f"select {', '.join(ACTION_FIELDS)} from actions where workshop_id = ? order by id",
        [workshop_id],
    )
    return [dict(row) for row in rows]


async def created_at(db: Database, workshop_id: str) -> str:
    row = (await db.execute("select created_at from workshops where id = ?", [workshop_id])).first()
    return str(row["created_at"]) if row else ""
