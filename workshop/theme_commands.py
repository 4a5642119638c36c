"""Write functions for themes: store an analysis, and a facilitator's edits.

A note belongs to one theme at most. Themes a person has touched (renamed,
merged, split, moved notes in or out, voted on, given actions) are marked
edited and survive a re-run of the analysis: human work is never thrown away.
Theme events carry no note text, only note ids, and go to the theme's group (all
groups for a workshop-wide theme), like the notes they were made from.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from analysis.choices import MIN_THEME_NOTES
from workshop import events as ev
from workshop.commands import Change, append_event
from workshop.errors import invalid, not_found
from workshop.models import Principal
from workshop.store import UNTOUCHED_THEME, now_iso
from workshop.theme_words import words_still_present
from workshop.vote_commands import votes_event


@dataclass(frozen=True)
class ThemeDraft:
    prompt_id: int
    label: str
    keywords: list[str]
    note_ids: list[int]
    representatives: list[int]


def theme_payload(conn: sqlite3.Connection, theme_id: int) -> dict[str, Any]:
    row = conn.execute(
        "select id, prompt_id, group_id, label, keywords, edited from themes where id = ?",
        [theme_id],
    ).fetchone()
    note_ids = [
        r[0]
        for r in conn.execute(
            "select note_id from theme_notes where theme_id = ? order by note_id", [theme_id]
        )
    ]
    return {
        "id": row["id"],
        "prompt_id": row["prompt_id"],
        "group_id": row["group_id"],
        "label": row["label"],
        "keywords": json.loads(row["keywords"]),
        "note_ids": note_ids,
        "edited": bool(row["edited"]),
    }


def themes_in_scope(
    conn: sqlite3.Connection, workshop_id: str, prompt_id: int, group_id: int | None
) -> list[int]:
    return [
        r[0]
        for r in conn.execute(
            "select id from themes where workshop_id = ? and prompt_id = ? and group_id is ?"
            " order by position, id",
            [workshop_id, prompt_id, group_id],
        )
    ]


def apply_analysis(
    principal: Principal, prompt_id: int, group_id: int | None, drafts: list[ThemeDraft]
) -> Change:
    """Replace the untouched themes of a prompt (and group) with a fresh analysis."""
    workshop_id = principal.workshop_id

    def change(conn: sqlite3.Connection) -> list[ev.Event]:
        removed, thinned = _forget_untouched(conn, workshop_id, prompt_id, group_id)
        events = [_removed(conn, principal, t, prompt_id, group) for t, group in removed]
        events += [_after_losing_notes(conn, principal, t) for t in thinned]
        position = len(themes_in_scope(conn, workshop_id, prompt_id, group_id))
        for offset, draft in enumerate(drafts):
            theme_id = _insert_theme(
                conn,
                workshop_id,
                prompt_id,
                group_id,
                position + offset,
                draft.label,
                draft.keywords,
                draft.representatives,
            )
            conn.executemany(
                "insert or ignore into theme_notes (theme_id, note_id)"
                " select ?, id from notes where id = ? and workshop_id = ? and hidden = 0",
                [(theme_id, note_id, workshop_id) for note_id in draft.note_ids],
            )
            # The analysis read the texts before this write: words of notes hidden, deleted or
            # erased meanwhile must not come in with it.
            _keep_words_still_present(conn, _theme_row(conn, workshop_id, theme_id))
        themes = [
            theme_payload(conn, t) for t in themes_in_scope(conn, workshop_id, prompt_id, group_id)
        ]
        stored = {  # the log keeps ids; a replay reads the themes as they are then
            "prompt_id": prompt_id,
            "group_id": group_id,
            "theme_ids": [t["id"] for t in themes],
            "themes": None,
        }
        replaced = append_event(conn, workshop_id, ev.THEMES_REPLACED, stored, group_id)
        replaced.data["themes"] = themes
        return [*events, replaced]

    return change


def _forget_untouched(
    conn: sqlite3.Connection, workshop_id: str, prompt_id: int, group_id: int | None
) -> tuple[list[tuple[int, int | None]], list[int]]:
    """Drop the untouched themes a re-run replaces; return ((removed id, its group) pairs,
    thinned ids).

    A run for all groups replaces every untouched theme of the prompt. A run for
    one group replaces that group's, and takes the group's notes out of untouched
    all-group themes ("thinned"): they are analysed on their own now.
    """
    untouched = conn.execute(
        "select t.id, t.group_id from themes t where t.workshop_id = ? and t.prompt_id = ?"
        f" and {UNTOUCHED_THEME}",
        [workshop_id, prompt_id],
    ).fetchall()
    removed = [(t, group) for t, group in untouched if group_id is None or group == group_id]
    conn.executemany("delete from themes where id = ?", [(t,) for t, _ in removed])
    shared = [t for t, group in untouched if group is None]
    if group_id is None or not shared:
        return removed, []
    marks = ", ".join("?" * len(shared))
    taken = {
        theme_id
        for (theme_id,) in conn.execute(
            f"delete from theme_notes where theme_id in ({marks})"
            " and note_id in (select id from notes where group_id = ?) returning theme_id",
            [*shared, group_id],
        )
    }
    thinned = [t for t in shared if t in taken]
    return removed, thinned


def _insert_theme(
    conn: sqlite3.Connection,
    workshop_id: str,
    prompt_id: int,
    group_id: int | None,
    position: int,
    label: str,
    keywords: list[str],
    representatives: list[int],
    named: bool = False,
) -> int:
    """A new theme; `named` when a person gave its label (which is then also an edit)."""
    return int(
        conn.execute(
            "insert into themes (workshop_id, prompt_id, group_id, position, label, keywords,"
            " representatives, edited, named, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " returning id",
            [
                workshop_id,
                prompt_id,
                group_id,
                position,
                label,
                json.dumps(keywords),
                json.dumps(representatives),
                int(named),
                int(named),
                now_iso(),
            ],
        ).fetchone()[0]
    )


# ---- a facilitator's edits ---------------------------------------------------------


def rename_theme(principal: Principal, theme_id: int, label: str) -> Change:
    def change(conn: sqlite3.Connection) -> list[ev.Event]:
        _theme_row(conn, principal.workshop_id, theme_id)
        conn.execute(
            "update themes set label = ?, edited = 1, named = 1 where id = ?", [label, theme_id]
        )
        return [_updated(conn, principal, theme_id)]

    return change


def merge_themes(principal: Principal, theme_id: int, into_id: int) -> Change:
    """Move everything of theme_id (notes, votes, actions) into into_id and drop it."""

    def change(conn: sqlite3.Connection) -> list[ev.Event]:
        if theme_id == into_id:
            raise invalid("a theme cannot be merged into itself")
        source = _theme_row(conn, principal.workshop_id, theme_id)
        target = _theme_row(conn, principal.workshop_id, into_id)
        if source["prompt_id"] != target["prompt_id"]:
            raise invalid("only themes of the same prompt can be merged")
        groups = {source["group_id"], target["group_id"]} - {None}
        if len(groups) > 1:  # its votes and actions would land where their group cannot see
            raise invalid("themes of two different groups cannot be merged")
        for table in ("theme_notes", "votes", "actions"):
            conn.execute(f"update {table} set theme_id = ? where theme_id = ?", [into_id, theme_id])
        conn.execute("delete from themes where id = ?", [theme_id])
        conn.execute("update themes set edited = 1 where id = ?", [into_id])
        return [
            _removed(conn, principal, theme_id, source["prompt_id"], source["group_id"], into_id),
            _updated(conn, principal, into_id),
            votes_event(conn, principal, into_id),
        ]

    return change


def split_theme(principal: Principal, theme_id: int, note_ids: list[int], label: str) -> Change:
    """Move some of a theme's notes into a new theme of their own."""

    def change(conn: sqlite3.Connection) -> list[ev.Event]:
        source = _theme_row(conn, principal.workshop_id, theme_id)
        current = set(theme_payload(conn, theme_id)["note_ids"])
        if not set(note_ids) <= current or not 0 < len(set(note_ids)) < len(current):
            raise invalid("split off some, not all, of the theme's own notes")
        new_id = _insert_theme(
            conn,
            principal.workshop_id,
            source["prompt_id"],
            source["group_id"],
            source["position"],
            label,
            [],
            [],
            named=True,
        )
        conn.executemany(
            "update theme_notes set theme_id = ? where note_id = ?",
            [(new_id, note_id) for note_id in note_ids],
        )
        conn.execute("update themes set edited = 1 where id = ?", [theme_id])
        return [_updated(conn, principal, theme_id), _updated(conn, principal, new_id)]

    return change


def move_note(principal: Principal, note_id: int, theme_id: int | None) -> Change:
    """Put a note into another theme of its prompt, or (theme_id None) into no theme."""

    def change(conn: sqlite3.Connection) -> list[ev.Event]:
        note = conn.execute(
            "select prompt_id from notes where id = ? and workshop_id = ?",
            [note_id, principal.workshop_id],
        ).fetchone()
        if note is None:
            raise not_found("note")
        if (
            theme_id is not None
            and _theme_row(conn, principal.workshop_id, theme_id)["prompt_id"] != note["prompt_id"]
        ):
            raise invalid("a note can move only to a theme of its own prompt")
        old = conn.execute(
            "select theme_id from theme_notes where note_id = ?", [note_id]
        ).fetchone()
        conn.execute("delete from theme_notes where note_id = ?", [note_id])
        if old is not None and old[0] != theme_id:  # its words leave the theme with it
            _keep_words_still_present(conn, _theme_row(conn, principal.workshop_id, old[0]))
        if theme_id is not None:
            conn.execute(
                "insert into theme_notes (theme_id, note_id) values (?, ?)", [theme_id, note_id]
            )
        touched = {t for t in (old[0] if old else None, theme_id) if t is not None}
        conn.executemany("update themes set edited = 1 where id = ?", [(t,) for t in touched])
        return [_updated(conn, principal, t) for t in sorted(touched)]

    return change


def delete_theme(principal: Principal, theme_id: int) -> Change:
    """Drop a theme; its notes become unsorted, its votes and actions go with it."""

    def change(conn: sqlite3.Connection) -> list[ev.Event]:
        row = _theme_row(conn, principal.workshop_id, theme_id)
        conn.execute("delete from themes where id = ?", [theme_id])
        return [_removed(conn, principal, theme_id, row["prompt_id"], row["group_id"])]

    return change


def leaving_its_theme(principal: Principal, note_id: int, then: Change) -> Change:
    """`then` (hiding or deleting a note), after the note has left its theme together with the
    words only it gave the theme: a hidden or deleted note's words must not stay in the label
    and keywords that screens and summaries show."""

    def change(conn: sqlite3.Connection) -> list[ev.Event]:
        row = conn.execute(
            "select tn.theme_id from theme_notes tn join notes n on n.id = tn.note_id"
            " where tn.note_id = ? and n.workshop_id = ?",
            [note_id, principal.workshop_id],
        ).fetchone()
        events = []
        if row is not None:
            conn.execute("delete from theme_notes where note_id = ?", [note_id])
            events.append(_after_losing_notes(conn, principal, row["theme_id"]))
        return events + then(conn)

    return change


def _after_losing_notes(conn: sqlite3.Connection, principal: Principal, theme_id: int) -> ev.Event:
    """A theme some notes left (hidden, deleted, or taken by a group's own run): words only they
    gave it leave its label and keywords, and an untouched theme of fewer than two notes is no
    theme at all (its last note becomes unsorted), as in a fresh analysis."""
    theme = _theme_row(conn, principal.workshop_id, theme_id)
    left = conn.execute(
        "select count(*) from theme_notes where theme_id = ?", [theme_id]
    ).fetchone()[0]
    untouched = conn.execute(
        f"select exists(select 1 from themes t where t.id = ? and {UNTOUCHED_THEME})", [theme_id]
    ).fetchone()[0]
    if left < MIN_THEME_NOTES and untouched:
        conn.execute("delete from themes where id = ?", [theme_id])
        return _removed(conn, principal, theme_id, theme["prompt_id"], theme["group_id"])
    _keep_words_still_present(conn, theme)
    return _updated(conn, principal, theme_id)


def _keep_words_still_present(conn: sqlite3.Connection, theme: sqlite3.Row) -> None:
    """Drop keywords (and, unless a person named the theme, label words) that no visible note
    of the theme contains any longer, and representatives that are no longer its notes."""
    theme_id = theme["id"]
    visible = conn.execute(
        "select n.id, n.text from theme_notes tn join notes n on n.id = tn.note_id"
        " where tn.theme_id = ? and n.hidden = 0 order by n.id",
        [theme_id],
    ).fetchall()
    label, keywords = words_still_present(
        theme["label"], json.loads(theme["keywords"]), [r["text"] for r in visible], theme["named"]
    )
    ids = {r["id"] for r in visible}
    representatives = [n for n in json.loads(theme["representatives"]) if n in ids]
    conn.execute(
        "update themes set label = ?, keywords = ?, representatives = ? where id = ?",
        [label, json.dumps(keywords), json.dumps(representatives), theme_id],
    )


# ---- helpers ------------------------------------------------------------------------


def _theme_row(conn: sqlite3.Connection, workshop_id: str, theme_id: int) -> sqlite3.Row:
    row: sqlite3.Row | None = conn.execute(
        "select * from themes where id = ? and workshop_id = ?", [theme_id, workshop_id]
    ).fetchone()
    if row is None:
        raise not_found("theme")
    return row


def _updated(conn: sqlite3.Connection, principal: Principal, theme_id: int) -> ev.Event:
    theme = theme_payload(conn, theme_id)
    stored = {"theme_id": theme_id, "theme": None}  # a replay reads the theme as it is then
    event = append_event(conn, principal.workshop_id, ev.THEME_UPDATED, stored, theme["group_id"])
    event.data["theme"] = theme
    return event


def _removed(
    conn: sqlite3.Connection,
    principal: Principal,
    theme_id: int,
    prompt_id: int,
    group_id: int | None,
    into_id: int | None = None,
) -> ev.Event:
    data: dict[str, Any] = {"theme_id": theme_id, "prompt_id": prompt_id}
    if into_id is not None:
        # A merge: clients move the theme's actions (and a participant their dots) along.
        data["into_id"] = into_id
    return append_event(conn, principal.workshop_id, ev.THEME_REMOVED, data, group_id)
