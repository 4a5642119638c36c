"""The schema as SQL text, versioned by PRAGMA user_version. Append only."""

from __future__ import annotations

import sqlite3

MIGRATIONS: list[str] = [
    """
    create table workshops (
        id text primary key,
        code text not null unique,
        title text not null,
        language text not null,
        facilitator_token_hash text not null unique,
        phase text not null default 'lobby',
        locked integer not null default 0,
        shared integer not null default 0,
        group_choice integer not null default 0,
        timer_ends_at integer,
        timer_seconds integer,
        last_seq integer not null default 0,
        created_at text not null
    );
    create table prompts (
        id integer primary key,
        workshop_id text not null references workshops(id) on delete cascade,
        position integer not null,
        text text not null
    );
    create index prompts_by_workshop on prompts(workshop_id);
    create table workshop_groups (
        id integer primary key,
        workshop_id text not null references workshops(id) on delete cascade,
        position integer not null,
        name text not null
    );
    create index groups_by_workshop on workshop_groups(workshop_id);
    create table participants (
        id integer primary key,
        workshop_id text not null references workshops(id) on delete cascade,
        group_id integer not null references workshop_groups(id) on delete cascade,
        name text,
        token_hash text not null unique,
        created_at text not null
    );
    create index participants_by_workshop on participants(workshop_id, group_id);
    create table notes (
        id integer primary key,
        workshop_id text not null references workshops(id) on delete cascade,
        prompt_id integer not null references prompts(id) on delete cascade,
        group_id integer not null references workshop_groups(id) on delete cascade,
        participant_id integer references participants(id) on delete cascade,
        text text not null,
        hidden integer not null default 0,
        votes integer not null default 0,
        created_at text not null,
        updated_at text not null
    );
    create index notes_by_workshop on notes(workshop_id, prompt_id);
    -- One row per acknowledged command: re-sending a cid returns the stored answer.
    create table commands (
        workshop_id text not null references workshops(id) on delete cascade,
        actor text not null,
        cid text not null,
        seq integer not null,
        note_id integer,
        primary key (workshop_id, actor, cid)
    ) without rowid;
    -- The append-only event log that reconnecting clients replay from.
    create table events (
        workshop_id text not null references workshops(id) on delete cascade,
        seq integer not null,
        type text not null,
        group_id integer,
        note_id integer,
        shared integer not null default 0,
        payload text not null,
        created_at text not null,
        primary key (workshop_id, seq)
    ) without rowid;
    """,
    """
    -- autoincrement: an old theme id held by a client never names a new theme.
    create table themes (
        id integer primary key autoincrement,
        workshop_id text not null references workshops(id) on delete cascade,
        prompt_id integer not null references prompts(id) on delete cascade,
        position integer not null,
        label text not null,
        keywords text not null,
        created_at text not null
    );
    create index themes_by_workshop on themes(workshop_id, prompt_id);
    create table theme_notes (
        theme_id integer not null references themes(id) on delete cascade,
        note_id integer not null references notes(id) on delete cascade,
        primary key (note_id, theme_id)
    ) without rowid;
    create index theme_notes_by_theme on theme_notes(theme_id);
    """,
    """
    alter table workshops add column dots integer not null default 3;
    alter table workshops add column participant_actions integer not null default 0;
    alter table workshops add column summary_published integer not null default 0;
    -- A theme a person renamed, merged, split or moved notes in survives re-analysis.
    alter table themes add column edited integer not null default 0;
    -- Note ids of the two or three notes closest to the theme's centre, as JSON.
    alter table themes add column representatives text not null default '[]';
    alter table themes add column group_id integer references workshop_groups(id)
        on delete cascade;
    alter table events add column facilitator_only integer not null default 0;
    create table votes (
        id integer primary key,
        workshop_id text not null references workshops(id) on delete cascade,
        participant_id integer not null references participants(id) on delete cascade,
        prompt_id integer not null references prompts(id) on delete cascade,
        theme_id integer not null references themes(id) on delete cascade,
        created_at text not null
    );
    create index votes_by_participant on votes(participant_id, prompt_id);
    create index votes_by_theme on votes(theme_id);
    create table actions (
        id integer primary key autoincrement,
        workshop_id text not null references workshops(id) on delete cascade,
        theme_id integer not null references themes(id) on delete cascade,
        what text not null,
        owner text,
        due text,
        participant_id integer references participants(id) on delete set null,
        created_at text not null
    );
    create index actions_by_theme on actions(theme_id);
    -- A note belongs to one theme at most.
    create unique index theme_notes_one_theme on theme_notes(note_id);
    """,
    """
    -- A series groups workshops (one per region, say) so that their themes can be compared.
    create table series (
        id text primary key,
        title text not null,
        token_hash text not null unique,
        created_at text not null
    );
    create table series_workshops (
        series_id text not null references series(id) on delete cascade,
        workshop_id text not null references workshops(id) on delete cascade,
        position integer not null,
        primary key (series_id, workshop_id)
    ) without rowid;
    """,
    """
    -- Action text lives only in the actions table, as note text lives in notes: the log
    -- keeps the action's id, so a removed action's words leave the database with it.
    update events set payload = json_object('action_id', json_extract(payload, '$.action.id'),
        'action', json('null'))
    where type = 'action.added';
    """,
    """
    -- Theme labels and keywords live only in the themes table too: a renamed theme, or one
    -- whose words left with a hidden note, keeps no old label in the log.
    update events set payload = json_object('theme_id', json_extract(payload, '$.theme.id'),
        'theme', json('null'))
    where type = 'theme.updated';
    update events set payload = json_object(
        'prompt_id', json_extract(payload, '$.prompt_id'),
        'group_id', json_extract(payload, '$.group_id'),
        'theme_ids', json((select json_group_array(json_extract(value, '$.id'))
                           from json_each(events.payload, '$.themes'))),
        'themes', json('null'))
    where type = 'themes.replaced';
    """,
    """
    -- Theme and action events logged before they carried their theme's group get it now, so
    -- a replay keeps a group's themes and actions with that group until results are shared.
    update events set group_id = json_extract(payload, '$.group_id')
    where type = 'themes.replaced';
    update events set group_id = (select t.group_id from themes t
                                  where t.id = json_extract(events.payload, '$.theme_id'))
    where type in ('theme.updated', 'theme.removed', 'action.removed');
    update events set group_id = (select t.group_id from actions a
                                  join themes t on t.id = a.theme_id
                                  where a.id = json_extract(events.payload, '$.action_id'))
    where type = 'action.added';
    """,
    """
    -- Publishing the summary now shares the results (it holds every group's notes), and a
    -- participant reads it only while both hold: a summary published before, unshared, stays
    -- readable by sharing.
    update workshops set shared = 1 where summary_published = 1;
    """,
    """
    -- A participant the facilitator removed: their token opens nothing any more, and they no
    -- longer count as having joined. Their notes stay, hidden.
    alter table participants add column removed integer not null default 0;
    """,
    """
    -- How many notes a workshop holds (hidden ones too), kept by triggers so that every way in
    -- and out counts; a workshop takes at most commands.MAX_NOTES.
    alter table workshops add column note_count integer not null default 0;
    update workshops set note_count = (select count(*) from notes where workshop_id = workshops.id);
    create trigger notes_counted_in after insert on notes begin
        update workshops set note_count = note_count + 1 where id = new.workshop_id;
    end;
    create trigger notes_counted_out after delete on notes begin
        update workshops set note_count = note_count - 1 where id = old.workshop_id;
    end;
    """,
    """
    -- A note's id is never given again (AUTOINCREMENT). SQLite gave the highest deleted id to
    -- the next note, so a command queued for a deleted note (a facilitator's "hide", sent when
    -- an offline dashboard came back) hid someone else's new note.
    create table notes_numbered (
        id integer primary key autoincrement,
        workshop_id text not null references workshops(id) on delete cascade,
        prompt_id integer not null references prompts(id) on delete cascade,
        group_id integer not null references workshop_groups(id) on delete cascade,
        participant_id integer references participants(id) on delete cascade,
        text text not null,
        hidden integer not null default 0,
        votes integer not null default 0,
        created_at text not null,
        updated_at text not null
    );
    insert into notes_numbered select id, workshop_id, prompt_id, group_id, participant_id, text,
        hidden, votes, created_at, updated_at from notes;
    drop table notes;
    alter table notes_numbered rename to notes;
    -- The index and triggers went with the old table: made again as migrations 1 and 10 made
    -- them (migrations are append-only, so the SQL is repeated).
    create index notes_by_workshop on notes(workshop_id, prompt_id);
    create trigger notes_counted_in after insert on notes begin
        update workshops set note_count = note_count + 1 where id = new.workshop_id;
    end;
    create trigger notes_counted_out after delete on notes begin
        update workshops set note_count = note_count - 1 where id = old.workshop_id;
    end;
    """,
    """
    -- A theme a person named (renamed, or split off under a name) keeps the label they wrote.
    -- Any other label is the analysis's and loses the words of notes that leave the theme
    -- (hidden, deleted, erased), even after a merge or an action marked the theme edited.
    -- Themes from before cannot be told apart: an edited one counts as named.
    alter table themes add column named integer not null default 0;
    update themes set named = edited;
    -- Migration 11 numbered notes on from the highest note left; a higher one deleted before
    -- could come round once more. Number on from the highest note any event or command names.
    insert into sqlite_sequence (name, seq)
        select 'notes', 0 where not exists (select 1 from sqlite_sequence where name = 'notes');
    update sqlite_sequence set seq = max(
        seq,
        coalesce((select max(id) from notes), 0),
        coalesce((select max(json_extract(payload, '$.note_id')) from events), 0),
        coalesce((select max(note_id) from commands), 0)
    ) where name = 'notes';
    """,
    """
    -- The language a note is clearly written in (fi, sv, en; analysis.text.clear_language),
    -- so that screens mark it (lang="") for screen readers. Null: as the workshop's. Notes
    -- from before stay null.
    alter table notes add column lang text;
    """,
]


def migrate(conn: sqlite3.Connection) -> int:
    """Apply every migration newer than the database's user_version; return the new version.

    Foreign keys are off meanwhile, as SQLite's way to rebuild a table asks: dropping the old
    table would otherwise delete, through `on delete cascade`, the rows that refer to it.
    They are checked before each migration commits.
    """
    version = conn.execute("pragma user_version").fetchone()[0]
    enforced = conn.execute("pragma foreign_keys").fetchone()[0]
    conn.execute("pragma foreign_keys = off")  # only outside a transaction does it take effect
    try:
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            conn.executescript(f"begin immediate; {script}; pragma user_version = {number};")
            broken = conn.execute("pragma foreign_key_check").fetchall()
            if broken:
                raise sqlite3.IntegrityError(f"migration {number} broke foreign keys: {broken[:3]}")
            conn.execute("commit")
    except Exception:
        if conn.in_transaction:  # nothing of the failed migration stays
            conn.execute("rollback")
        raise
    finally:
        conn.execute(f"pragma foreign_keys = {'on' if enforced else 'off'}")
    return len(MIGRATIONS)
