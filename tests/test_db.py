"""The Database: migrations, the batching writer, and isolation of failing jobs."""

from __future__ import annotations

import asyncio
import json
import sqlite3

import pytest

from tests.helpers import workshop_with_participant
from workshop import commands, store
from workshop.db import Database
from workshop.errors import TalkootError
from workshop.migrations import MIGRATIONS, migrate
from workshop.models import Note, Principal


async def test_migrations_run_once_and_record_the_version(tmp_path):
    path = tmp_path / "m.db"
    for _ in range(2):
        async with Database(path) as db:
            version = (await db.execute("pragma user_version")).first()[0]
            assert version == len(MIGRATIONS)
            mode = (await db.execute("pragma journal_mode")).first()[0]
            assert mode == "wal"


# Workshop 'w' with prompt 1, group 5 and participant 9, in SQL that every schema version takes.
OLD_WORKSHOP = """
    insert into workshops (id, code, title, language, facilitator_token_hash, created_at)
        values ('w', 'C', 't', 'fi', 'h', 'now');
    insert into prompts (id, workshop_id, position, text) values (1, 'w', 0, 'p');
    insert into workshop_groups (id, workshop_id, position, name) values (5, 'w', 0, 'A');
    insert into participants (id, workshop_id, group_id, name, token_hash, created_at)
        values (9, 'w', 5, 'A', 't', 'now');
"""


def old_database(path, before: str) -> sqlite3.Connection:
    """A database made by the migrations that came before the one whose SQL has these words."""
    conn = sqlite3.connect(path)
    index = next(i for i, script in enumerate(MIGRATIONS) if before in script)
    for number, script in enumerate(MIGRATIONS[:index], start=1):
        conn.executescript(f"{script}; pragma user_version = {number};")
    return conn


def test_the_log_forgets_the_text_of_actions_and_themes_logged_before_it_kept_ids(tmp_path):
    conn = old_database(tmp_path / "old.db", "Action text lives only in the actions table")
    conn.execute(
        "insert into workshops (id, code, title, language, facilitator_token_hash,"
        " created_at) values ('w', 'C', 't', 'fi', 'h', 'now')"
    )
    theme = {"id": 3, "label": "Salainen", "keywords": ["salainen"], "note_ids": [1]}
    old = {
        "action.added": {"action": {"id": 7, "theme_id": 3, "what": "Salainen", "owner": "X"}},
        "theme.updated": {"theme": theme},
        "themes.replaced": {"prompt_id": 2, "group_id": None, "themes": [theme, {"id": 4}]},
    }
    for seq, (kind, payload) in enumerate(old.items(), start=1):
        conn.execute(
            "insert into events (workshop_id, seq, type, payload, created_at)"
            " values ('w', ?, ?, ?, 'now')",
            [seq, kind, json.dumps(payload)],
        )
    migrate(conn)
    payloads = [json.loads(p) for (p,) in conn.execute("select payload from events order by seq")]
    assert payloads == [
        {"action_id": 7, "action": None},
        {"theme_id": 3, "theme": None},
        {"prompt_id": 2, "group_id": None, "theme_ids": [3, 4], "themes": None},
    ]
    conn.close()


def test_theme_and_action_events_logged_without_a_group_get_their_themes_group(tmp_path):
    conn = old_database(tmp_path / "old.db", "Theme and action events logged before they")
    conn.executescript(
        """
        insert into workshops (id, code, title, language, facilitator_token_hash, created_at)
            values ('w', 'C', 't', 'fi', 'h', 'now');
        insert into prompts (id, workshop_id, position, text) values (1, 'w', 0, 'p');
        insert into workshop_groups (id, workshop_id, position, name) values (5, 'w', 0, 'A');
        insert into themes (id, workshop_id, prompt_id, group_id, position, label, keywords,
            created_at) values (3, 'w', 1, 5, 0, 'l', '[]', 'now');
        insert into actions (id, workshop_id, theme_id, what, created_at)
            values (7, 'w', 3, 'x', 'now');
        """
    )
    payloads = [
        ("themes.replaced", {"prompt_id": 1, "group_id": 5, "theme_ids": [3], "themes": None}),
        ("theme.updated", {"theme_id": 3, "theme": None}),
        ("action.added", {"action_id": 7, "action": None}),
        ("theme.removed", {"theme_id": 99, "prompt_id": 1}),  # deleted: stays workshop-wide
    ]
    for seq, (kind, payload) in enumerate(payloads, start=1):
        conn.execute(
            "insert into events (workshop_id, seq, type, payload, created_at)"
            " values ('w', ?, ?, ?, 'now')",
            [seq, kind, json.dumps(payload)],
        )
    migrate(conn)
    groups = [g for (g,) in conn.execute("select group_id from events order by seq")]
    assert groups == [5, 5, 5, None]
    conn.close()


def test_a_summary_published_before_publishing_shared_results_is_shared_now(tmp_path):
    conn = old_database(tmp_path / "old.db", "Publishing the summary now shares the results")
    conn.executescript(
        """
        insert into workshops (id, code, title, language, facilitator_token_hash, created_at,
            summary_published, shared) values ('p', 'P', 't', 'fi', 'h', 'now', 1, 0);
        insert into workshops (id, code, title, language, facilitator_token_hash, created_at,
            summary_published, shared) values ('u', 'U', 't', 'fi', 'h2', 'now', 0, 0);
        """
    )
    migrate(conn)
    shared = dict(conn.execute("select id, shared from workshops order by id"))
    assert shared == {"p": 1, "u": 0}
    conn.close()


async def test_queued_writes_commit_together_in_order(tmp_path):
    async with Database(tmp_path / "w.db") as db:
        await db.write(lambda c: c.execute("create table t (n integer)"))
        committed: list[int] = []

        def insert(n: int):
            return lambda c: c.execute("insert into t values (?)", [n]).rowcount

        results = await asyncio.gather(
            *(db.write(insert(n), on_commit=lambda _, n=n: committed.append(n)) for n in range(200))
        )
        assert results == [1] * 200
        assert committed == list(range(200))
        rows = await db.execute("select n from t order by rowid")
        assert [r["n"] for r in rows] == list(range(200))


async def test_a_failing_job_spoils_nothing_else_in_its_batch(tmp_path):
    async with Database(tmp_path / "f.db") as db:
        await db.write(lambda c: c.execute("create table t (n integer unique)"))

        def insert_twice(c: sqlite3.Connection) -> None:
            c.execute("insert into t values (99)")
            c.execute("insert into t values (1)")  # collides with the first job: fails

        outcomes = await asyncio.gather(
            db.write(lambda c: c.execute("insert into t values (1)")),
            db.write(insert_twice),
            db.write(lambda c: c.execute("insert into t values (2)")),
            return_exceptions=True,
        )
        assert isinstance(outcomes[1], sqlite3.IntegrityError)
        rows = await db.execute("select n from t order by n")
        assert [r["n"] for r in rows] == [1, 2]  # 99 was rolled back with its job


def test_synchronous_mode_is_checked(tmp_path):
    with pytest.raises(ValueError, match="synchronous"):
        Database(tmp_path / "x.db", synchronous="OFF")


async def test_a_join_code_already_taken_is_never_given_twice(tmp_path):
    codes = iter(["AAAAAA", "AAAAAA", "BBBBBB"])
    async with Database(tmp_path / "c.db") as db:
        given = [
            (
                await db.write(
                    lambda c, n=n: store.insert_workshop(
                        c,
                        workshop_id=f"w{n}",
                        new_code=lambda: next(codes),
                        title="T",
                        language="fi",
                        token_hash=f"h{n}",
                        prompt_texts=["p"],
                        group_names=["g"],
                        group_choice=False,
                    )
                )
            )[0]
            for n in range(2)
        ]
    assert given == ["AAAAAA", "BBBBBB"]


async def test_a_failing_commit_fails_its_whole_batch_and_the_writer_goes_on(tmp_path):
    async with Database(tmp_path / "c.db") as db:
        await db.write(lambda c: c.execute("create table parent (id integer primary key)"))
        await db.write(
            lambda c: c.execute(
                "create table child (parent_id integer references parent(id)"
                " deferrable initially deferred)"
            )
        )
        committed: list[object] = []
        # A deferred foreign key is checked only at commit: the jobs succeed, the commit fails.
        outcomes = await asyncio.gather(
            db.write(lambda c: c.execute("insert into parent values (1)"), committed.append),
            db.write(lambda c: c.execute("insert into child values (7)"), committed.append),
            return_exceptions=True,
        )
        assert all(isinstance(o, sqlite3.IntegrityError) for o in outcomes), outcomes
        assert committed == []
        assert (await db.execute("select count(*) from parent")).first()[0] == 0

        await db.write(lambda c: c.execute("insert into parent values (2)"))
        assert [r["id"] for r in await db.execute("select id from parent")] == [2]


async def test_a_removed_participants_command_is_refused_though_it_began_before(tmp_path):
    """The token was checked when the request or connection began; a command still in flight
    when the facilitator removes its author must not slip in."""
    async with Database(tmp_path / "removed.db") as db:
        prompt_id, made = await db.write(lambda conn: workshop_with_participant(conn, "w", "Troll"))
        pid = int(made.participant_id or 0)
        troll = await store.principal_for_token_hash(db, "token-w")  # read before the removal
        assert troll == made
        facilitator = Principal("w", "facilitator")
        hide = lambda note_id: commands.hide_note(facilitator, note_id, True)  # noqa: E731
        remove = commands.remove_participant(facilitator, pid, hide)
        await db.write(lambda conn: commands.run_command(conn, facilitator, "r1", remove))
        late = commands.add_note(troll, prompt_id, "vielä yksi")
        with pytest.raises(TalkootError) as refused:
            await db.write(lambda conn: commands.run_command(conn, troll, "n1", late))
        assert refused.value.code == "unauthorized"
        assert (await db.execute("select count(*) from notes")).first()[0] == 0
        assert await store.principal_for_token_hash(db, "token-w") is None


def test_a_workshop_takes_notes_up_to_its_limit_counting_every_way_in_and_out(tmp_path):
    conn = sqlite3.connect(tmp_path / "full.db", isolation_level=None)
    conn.row_factory = sqlite3.Row
    migrate(conn)
    conn.execute("begin")
    prompt_id, aino = workshop_with_participant(conn, "w", "Aino")
    facilitator = Principal("w", "facilitator")

    def add(cid: str) -> commands.CommandResult:
        return commands.run_command(conn, aino, cid, commands.add_note(aino, prompt_id, cid))

    for number in range(commands.MAX_NOTES):
        add(f"n{number}")
    hidden = commands.hide_note(facilitator, 1, True)  # hidden notes still count
    commands.run_command(conn, facilitator, "h1", hidden)
    with pytest.raises(TalkootError) as refused:
        add("one-too-many")
    assert refused.value.code == "full"
    assert refused.value.status == 409
    stored = conn.execute("select count(*) from notes").fetchone()[0]
    assert stored == commands.MAX_NOTES  # the refusal left nothing behind

    commands.run_command(conn, aino, "d1", commands.delete_note(aino, 2))
    add("fits-again")  # a deletion makes room
    with pytest.raises(TalkootError):
        add("full-again")
    conn.execute("commit")

    # Another workshop is not affected by this one's count.
    conn.execute("begin")
    other_prompt_id, eino = workshop_with_participant(conn, "x", "Eino")
    commands.run_command(conn, eino, "e1", commands.add_note(eino, other_prompt_id, "oma"))
    counts = dict(conn.execute("select id, note_count from workshops"))
    assert counts == {"w": commands.MAX_NOTES, "x": 1}
    conn.execute("commit")
    conn.close()


def test_a_workshops_notes_are_counted_when_the_count_comes_in(tmp_path):
    conn = old_database(tmp_path / "old.db", "How many notes a workshop holds")
    conn.executescript(
        """
        insert into workshops (id, code, title, language, facilitator_token_hash, created_at)
            values ('w', 'C', 't', 'fi', 'h', 'now'), ('e', 'E', 't', 'fi', 'h2', 'now');
        insert into prompts (id, workshop_id, position, text) values (1, 'w', 0, 'p');
        insert into workshop_groups (id, workshop_id, position, name) values (5, 'w', 0, 'A');
        insert into participants (id, workshop_id, group_id, name, token_hash, created_at)
            values (9, 'w', 5, 'A', 't', 'now');
        insert into notes (workshop_id, prompt_id, group_id, participant_id, text, hidden,
            created_at, updated_at)
            values ('w', 1, 5, 9, 'yksi', 0, 'now', 'now'),
                   ('w', 1, 5, 9, 'kaksi', 1, 'now', 'now');
        """
    )
    migrate(conn)
    assert dict(conn.execute("select id, note_count from workshops")) == {"w": 2, "e": 0}
    conn.close()


def test_notes_stored_before_their_language_was_kept_read_as_the_workshops(tmp_path):
    conn = old_database(tmp_path / "old.db", "The language a note is clearly written in")
    conn.executescript(OLD_WORKSHOP)
    conn.execute(
        "insert into notes (workshop_id, prompt_id, group_id, participant_id, text, created_at,"
        " updated_at) values ('w', 1, 5, 9, 'Vi behöver mer stöd', 'now', 'now')"
    )
    migrate(conn)
    conn.row_factory = sqlite3.Row
    row = conn.execute(f"select {store.NOTE_COLUMNS} from {store.NOTE_FROM}").fetchone()
    note = Note.from_row(row)
    assert (note.text, note.lang) == ("Vi behöver mer stöd", None)
    assert note.to_dict()["lang"] is None
    conn.close()


def test_a_deleted_notes_id_is_never_given_to_another_note(tmp_path):
    """A hide queued on an offline dashboard for a deleted note hid the next new note, which
    SQLite had given the same id."""
    conn = sqlite3.connect(tmp_path / "ids.db", isolation_level=None)
    conn.row_factory = sqlite3.Row
    migrate(conn)
    conn.execute("begin")
    prompt_id, aino = workshop_with_participant(conn, "w", "Aino")
    posted = commands.run_command(conn, aino, "a", commands.add_note(aino, prompt_id, "poistuva"))
    deleted_id = posted.note["id"] if posted.note else 0
    commands.run_command(conn, aino, "d", commands.delete_note(aino, deleted_id))
    again = commands.run_command(conn, aino, "b", commands.add_note(aino, prompt_id, "uusi"))
    conn.execute("commit")
    assert again.note and again.note["id"] > deleted_id
    conn.close()


def test_rebuilding_the_notes_table_keeps_every_note_and_what_refers_to_it(tmp_path):
    conn = old_database(tmp_path / "old.db", "A note's id is never given again")
    conn.executescript(
        OLD_WORKSHOP
        + """
        insert into notes (id, workshop_id, prompt_id, group_id, participant_id, text,
            created_at, updated_at)
            values (1, 'w', 1, 5, 9, 'yksi', 'now', 'now'),
                   (2, 'w', 1, 5, 9, 'kaksi', 'now', 'now');
        insert into themes (id, workshop_id, prompt_id, position, label, keywords, created_at)
            values (3, 'w', 1, 0, 'l', '[]', 'now');
        insert into theme_notes (note_id, theme_id) values (1, 3), (2, 3);
        """
    )
    conn.commit()
    migrate(conn)
    assert conn.execute("pragma foreign_keys").fetchone()[0] == 0  # as this connection had it
    assert conn.execute("select id, text from notes order by id").fetchall() == [
        (1, "yksi"),
        (2, "kaksi"),
    ]
    assert conn.execute("select count(*) from theme_notes").fetchone()[0] == 2  # no cascade
    assert conn.execute("select note_count from workshops").fetchone()[0] == 2  # triggers kept
    conn.execute("pragma foreign_keys = on")
    conn.execute("delete from notes where id = 2")
    conn.execute(
        "insert into notes (workshop_id, prompt_id, group_id, participant_id, text, created_at,"
        " updated_at) values ('w', 1, 5, 9, 'kolme', 'now', 'now')"
    )
    assert conn.execute("select max(id) from notes").fetchone()[0] == 3
    assert conn.execute("select count(*) from theme_notes").fetchone()[0] == 1  # cascades again
    conn.close()


def test_notes_number_on_from_the_highest_id_the_log_names(tmp_path):
    """Migration 11 numbered on from the highest note left; one deleted above it could come
    round once more. The log's note.deleted events remember it."""
    conn = old_database(tmp_path / "old.db", "A theme a person named")
    conn.executescript(
        OLD_WORKSHOP
        + """
        insert into notes (id, workshop_id, prompt_id, group_id, participant_id, text,
            created_at, updated_at) values (2, 'w', 1, 5, 9, 'kaksi', 'now', 'now');
        insert into events (workshop_id, seq, type, payload, created_at)
            values ('w', 1, 'note.deleted', '{"note_id": 30, "prompt_id": 1}', 'now');
        update sqlite_sequence set seq = 2 where name = 'notes';
        """
    )
    conn.commit()
    migrate(conn)
    conn.execute(
        "insert into notes (workshop_id, prompt_id, group_id, participant_id, text, created_at,"
        " updated_at) values ('w', 1, 5, 9, 'uusi', 'now', 'now')"
    )
    assert conn.execute("select max(id) from notes").fetchone()[0] == 31
    conn.close()


def test_a_failing_migration_leaves_nothing_behind(tmp_path, monkeypatch):
    conn = sqlite3.connect(tmp_path / "failing.db", isolation_level=None)
    conn.execute("pragma foreign_keys = on")
    migrate(conn)
    broken = MIGRATIONS + ["create table half_done (x); select no_such_column from workshops"]
    monkeypatch.setattr("workshop.migrations.MIGRATIONS", broken)
    with pytest.raises(sqlite3.OperationalError):
        migrate(conn)
    assert not conn.in_transaction
    assert conn.execute("pragma user_version").fetchone()[0] == len(MIGRATIONS)
    assert conn.execute("pragma foreign_keys").fetchone()[0] == 1  # on again
    tables = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
    assert "half_done" not in tables
    conn.close()
