"""Theme labels against notes that leave (hidden, deleted, erased): the write functions on a
real SQLite database, composed as the service composes them."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.helpers import workshop_with_participant
from workshop import commands, theme_commands
from workshop.migrations import migrate
from workshop.models import Principal

TEXTS = ["Virtanen kiusaa bussissa", "Bussissa on ahdasta", "Bussissa on kylmä aamulla"]


@pytest.fixture
def conn(tmp_path: Path):
    db = sqlite3.connect(tmp_path / "themes.db", isolation_level=None)
    db.row_factory = sqlite3.Row
    migrate(db)
    db.execute("begin")
    yield db
    db.execute("rollback")
    db.close()


def notes_of(conn: sqlite3.Connection) -> tuple[Principal, int, list[int]]:
    prompt_id, aino = workshop_with_participant(conn, "w", "Aino")
    ids = []
    for number, text in enumerate(TEXTS):
        added = commands.run_command(
            conn, aino, f"n{number}", commands.add_note(aino, prompt_id, text)
        )
        assert added.note is not None
        ids.append(added.note["id"])
    return aino, prompt_id, ids


def analysed(conn: sqlite3.Connection, prompt_id: int, note_ids: list[int]) -> int:
    """One theme as the analysis would label it, whose first word only the first note has."""
    facilitator = Principal("w", "facilitator")
    draft = theme_commands.ThemeDraft(
        prompt_id, "Virtanen, bussissa", ["virtanen", "bussissa"], note_ids, note_ids[:2]
    )
    change = theme_commands.apply_analysis(facilitator, prompt_id, None, [draft])
    commands.run_command(conn, facilitator, f"run{len(note_ids)}", change)
    return int(conn.execute("select max(id) from themes").fetchone()[0])


def delete_first_note(conn: sqlite3.Connection, note_id: int) -> None:
    facilitator = Principal("w", "facilitator")
    delete = commands.delete_note(facilitator, note_id)
    change = theme_commands.leaving_its_theme(facilitator, note_id, delete)
    commands.run_command(conn, facilitator, f"del{note_id}", change)


def theme(conn: sqlite3.Connection, theme_id: int) -> sqlite3.Row:
    row: sqlite3.Row = conn.execute("select * from themes where id = ?", [theme_id]).fetchone()
    return row


def test_an_analysis_label_loses_a_deleted_notes_words_even_after_an_edit(conn):
    """A merge or an action marks a theme edited; its label is still the analysis's, and an
    erased person's words ("Virtanen") must leave it with their note."""
    _, prompt_id, ids = notes_of(conn)
    theme_id = analysed(conn, prompt_id, ids)
    conn.execute("update themes set edited = 1 where id = ?", [theme_id])  # as a merge does
    delete_first_note(conn, ids[0])
    after = theme(conn, theme_id)
    assert after["label"] == "bussissa"
    assert json.loads(after["keywords"]) == ["bussissa"]
    assert json.loads(after["representatives"]) == [ids[1]]


def test_a_label_a_person_gave_stays_as_they_wrote_it(conn):
    _, prompt_id, ids = notes_of(conn)
    theme_id = analysed(conn, prompt_id, ids)
    facilitator = Principal("w", "facilitator")
    rename = theme_commands.rename_theme(facilitator, theme_id, "Virtasen kiusaaminen")
    commands.run_command(conn, facilitator, "rename", rename)
    delete_first_note(conn, ids[0])
    assert theme(conn, theme_id)["label"] == "Virtasen kiusaaminen"


def test_an_analysis_that_read_a_note_since_deleted_brings_none_of_its_words(conn):
    """The analysis reads texts before its write; a deletion (an erasure) may come in between."""
    _, prompt_id, ids = notes_of(conn)
    delete_first_note(conn, ids[0])  # after the texts were read, before the themes are stored
    theme_id = analysed(conn, prompt_id, ids)
    after = theme(conn, theme_id)
    assert "virtanen" not in after["label"].casefold()
    assert json.loads(after["keywords"]) == ["bussissa"]
    assert json.loads(after["representatives"]) == [ids[1]]
