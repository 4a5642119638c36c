"""Queries for series of workshops."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from workshop.db import Database
from workshop.store import now_iso


@dataclass(frozen=True)
class SeriesWorkshop:
    id: str
    title: str
    language: str
    created_at: str


@dataclass(frozen=True)
class SeriesRecord:
    id: str
    title: str
    created_at: str


async def series_for_token_hash(db: Database, token_hash: str) -> SeriesRecord | None:
    """The series a token opens, or None."""
    row = (
        await db.execute(
            "select id, title, created_at from series where token_hash = ?", [token_hash]
        )
    ).first()
    return SeriesRecord(row["id"], row["title"], row["created_at"]) if row else None


async def workshops_of(db: Database, series_id: str) -> list[SeriesWorkshop]:
    rows = await db.execute(
        "select w.id, w.title, w.language, w.created_at from series_workshops s"
        " join workshops w on w.id = s.workshop_id where s.series_id = ? order by s.position",
        [series_id],
    )
    return [
        SeriesWorkshop(row["id"], row["title"], row["language"], row["created_at"]) for row in rows
    ]


def insert_series(
    conn: sqlite3.Connection, series_id: str, title: str, token_hash: str, workshop_ids: list[str]
) -> None:
    conn.execute(
        "insert into series (id, title, token_hash, created_at) values (?, ?, ?, ?)",
        [series_id, title, token_hash, now_iso()],
    )
    add_workshops(conn, series_id, workshop_ids)


def member_ids(conn: sqlite3.Connection, series_id: str) -> list[str]:
    """The ids of a series' workshops, in their order."""
    rows = conn.execute(
        "select workshop_id from series_workshops where series_id = ? order by position",
        [series_id],
    )
    return [row[0] for row in rows]


def add_workshops(conn: sqlite3.Connection, series_id: str, workshop_ids: list[str]) -> None:
    """Append workshops to a series; one already in it stays where it is."""
    start = conn.execute(
        "select count(*) from series_workshops where series_id = ?", [series_id]
    ).fetchone()[0]
    conn.executemany(
        "insert or ignore into series_workshops (series_id, workshop_id, position)"
        " values (?, ?, ?)",
        [(series_id, wid, start + offset) for offset, wid in enumerate(workshop_ids)],
    )
