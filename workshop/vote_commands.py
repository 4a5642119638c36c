"""Write functions for dot voting and follow-up actions.

Dots are counted inside the write transaction, so no sequence or repetition
of frames lets a participant spend more than the facilitator gave them.
"""

from __future__ import annotations

import sqlite3

from workshop import events as ev
from workshop.commands import Change, append_event, set_workshop_setting
from workshop.errors import TalkootError, forbidden, not_found
from workshop.models import Principal
from workshop.store import ACTION_FIELDS, now_iso


def votes_event(conn: sqlite3.Connection, principal: Principal, theme_id: int) -> ev.Event:
    """The live total of one theme, for facilitator screens only."""
    total = conn.execute("select count(*) from votes where theme_id = ?", [theme_id]).fetchone()[0]
    return append_event(
        conn,
        principal.workshop_id,
        ev.VOTES_CHANGED,
        {"theme_id": theme_id, "votes": total},
        facilitator_only=True,
    )


def set_dots(principal: Principal, dots: int) -> Change:
    """The dots each participant gets per prompt. Lowering them below what someone has
    already spent on a prompt is refused: those votes would stand over the new limit."""
    setting = set_workshop_setting(principal, "dots", dots)

    def change(conn: sqlite3.Connection) -> list[ev.Event]:
        most = conn.execute(
            "select coalesce(max(spent), 0) from (select count(*) as spent from votes"
            " where workshop_id = ? group by participant_id, prompt_id)",
            [principal.workshop_id],
        ).fetchone()[0]
        if dots < most:
            raise TalkootError(
                "dots_spent", f"someone has already spent {most} dots on a prompt", 409
            )
        return setting(conn)

    return change


def cast_vote(principal: Principal, theme_id: int) -> Change:
    def change(conn: sqlite3.Connection) -> list[ev.Event]:
        workshop = _voting_workshop(conn, principal.workshop_id)
        prompt_id, _ = _visible_theme(conn, principal, theme_id)
        spent = conn.execute(
            "select count(*) from votes where participant_id = ? and prompt_id = ?",
            [principal.participant_id, prompt_id],
        ).fetchone()[0]
        if spent >= workshop["dots"]:
            raise TalkootError(
                "no_dots_left", f"all {workshop['dots']} dots of this prompt are spent", 409
            )
        conn.execute(
            "insert into votes (workshop_id, participant_id, prompt_id, theme_id, created_at)"
            " values (?, ?, ?, ?, ?)",
            [principal.workshop_id, principal.participant_id, prompt_id, theme_id, now_iso()],
        )
        return [votes_event(conn, principal, theme_id)]

    return change


def retract_vote(principal: Principal, theme_id: int) -> Change:
    def change(conn: sqlite3.Connection) -> list[ev.Event]:
        _voting_workshop(conn, principal.workshop_id)
        own = conn.execute(
            "select id from votes where participant_id = ? and theme_id = ? limit 1",
            [principal.participant_id, theme_id],
        ).fetchone()
        if own is None:
            raise not_found("your vote on that theme")
        conn.execute("delete from votes where id = ?", [own["id"]])
        return [votes_event(conn, principal, theme_id)]

    return change


def add_action(
    principal: Principal, theme_id: int, what: str, owner: str | None, due: str | None
) -> Change:
    def change(conn: sqlite3.Connection) -> list[ev.Event]:
        if not principal.is_facilitator and not _participants_may_add_actions(conn, principal):
            raise forbidden("the facilitator has not opened actions to participants")
        _, group_id = _visible_theme(conn, principal, theme_id)
        row = conn.execute(
            "insert into actions (workshop_id, theme_id, what, owner, due, participant_id,"
            f" created_at) values (?, ?, ?, ?, ?, ?, ?) returning {', '.join(ACTION_FIELDS)}",
            [
                principal.workshop_id,
                theme_id,
                what,
                owner,
                due,
                principal.participant_id,
                now_iso(),
            ],
        ).fetchone()
        conn.execute("update themes set edited = 1 where id = ?", [theme_id])
        stored = {"action_id": row["id"], "action": None}  # replay reads the action itself
        event = append_event(conn, principal.workshop_id, ev.ACTION_ADDED, stored, group_id)
        event.data["action"] = dict(row)
        return [event]

    return change


def delete_action(principal: Principal, action_id: int) -> Change:
    def change(conn: sqlite3.Connection) -> list[ev.Event]:
        row = conn.execute(
            "select a.*, t.group_id from actions a join themes t on t.id = a.theme_id"
            " where a.id = ? and a.workshop_id = ?",
            [action_id, principal.workshop_id],
        ).fetchone()
        if row is None:
            raise not_found("action")
        if not principal.is_facilitator and row["participant_id"] != principal.participant_id:
            raise forbidden("only the facilitator or whoever added it may remove an action")
        conn.execute("delete from actions where id = ?", [action_id])
        data = {"action_id": action_id, "theme_id": row["theme_id"]}
        return [append_event(conn, principal.workshop_id, ev.ACTION_REMOVED, data, row["group_id"])]

    return change


def erase_name_dots_and_actions(principal: Principal, participant_id: int) -> Change:
    """A participant's name, dots and the actions they added go: the part of an erasure that
    is not notes (commands.remove_participant deletes those)."""

    def change(conn: sqlite3.Connection) -> list[ev.Event]:
        conn.execute("update participants set name = null where id = ?", [participant_id])
        actions = conn.execute(
            "select id from actions where participant_id = ? order by id", [participant_id]
        ).fetchall()
        events = [e for (action_id,) in actions for e in delete_action(principal, action_id)(conn)]
        voted = conn.execute(
            "delete from votes where participant_id = ? returning theme_id", [participant_id]
        ).fetchall()
        for theme_id in sorted({row["theme_id"] for row in voted}):
            events.append(votes_event(conn, principal, theme_id))
        return events

    return change


def _voting_workshop(conn: sqlite3.Connection, workshop_id: str) -> sqlite3.Row:
    row: sqlite3.Row | None = conn.execute(
        "select phase, dots from workshops where id = ?", [workshop_id]
    ).fetchone()
    if row is None:
        raise not_found("workshop")
    if row["phase"] != "vote":
        raise TalkootError("not_voting", "voting is open only in the vote phase", 409)
    return row


def _visible_theme(
    conn: sqlite3.Connection, principal: Principal, theme_id: int
) -> tuple[int, int | None]:
    """(prompt id, group id) of a theme this person can see: a participant sees workshop-wide
    themes and their own group's, and other groups' only while results are shared."""
    row = conn.execute(
        "select t.prompt_id, t.group_id, w.shared from themes t join workshops w"
        " on w.id = t.workshop_id where t.id = ? and t.workshop_id = ?",
        [theme_id, principal.workshop_id],
    ).fetchone()
    visible = row is not None and (
        principal.is_facilitator
        or row["group_id"] in (None, principal.group_id)
        or bool(row["shared"])
    )
    if not visible:
        raise not_found("theme")
    return int(row["prompt_id"]), row["group_id"]


def _participants_may_add_actions(conn: sqlite3.Connection, principal: Principal) -> bool:
    row = conn.execute(
        "select participant_actions from workshops where id = ?", [principal.workshop_id]
    ).fetchone()
    return bool(row and row["participant_actions"])
