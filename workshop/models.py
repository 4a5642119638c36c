"""Rows as frozen dataclasses: what the store returns and the services pass on."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

PHASES = ("lobby", "ideate", "review", "vote", "summary")
LANGUAGES = ("fi", "sv", "en")


@dataclass(frozen=True)
class Prompt:
    id: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text}


@dataclass(frozen=True)
class Group:
    id: int
    name: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name}


@dataclass(frozen=True)
class Workshop:
    id: str
    code: str
    title: str
    language: str
    phase: str
    locked: bool
    shared: bool
    group_choice: bool
    timer_ends_at: int | None
    timer_seconds: int | None
    last_seq: int
    dots: int
    participant_actions: bool
    summary_published: bool

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Workshop:
        return cls(
            id=row["id"],
            code=row["code"],
            title=row["title"],
            language=row["language"],
            phase=row["phase"],
            locked=bool(row["locked"]),
            shared=bool(row["shared"]),
            group_choice=bool(row["group_choice"]),
            timer_ends_at=row["timer_ends_at"],
            timer_seconds=row["timer_seconds"],
            last_seq=row["last_seq"],
            dots=row["dots"],
            participant_actions=bool(row["participant_actions"]),
            summary_published=bool(row["summary_published"]),
        )

    def timer_dict(self) -> dict[str, Any]:
        return {"ends_at": self.timer_ends_at, "seconds": self.timer_seconds}


@dataclass(frozen=True)
class Note:
    id: int
    prompt_id: int
    group_id: int
    participant_id: int | None
    author: str | None
    text: str
    hidden: bool
    votes: int
    created_at: str
    updated_at: str
    lang: str | None  # "fi", "sv" or "en" when the text clearly is; else the workshop's

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Note:
        return cls(
            id=row["id"],
            prompt_id=row["prompt_id"],
            group_id=row["group_id"],
            participant_id=row["participant_id"],
            author=row["author"],
            text=row["text"],
            hidden=bool(row["hidden"]),
            votes=row["votes"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            lang=row["lang"],
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "prompt_id": self.prompt_id,
            "group_id": self.group_id,
            "participant_id": self.participant_id,
            "author": self.author,
            "text": self.text,
            "hidden": self.hidden,
            "votes": self.votes,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "lang": self.lang,
        }


@dataclass(frozen=True)
class Principal:
    """Who a token belongs to: the facilitator of a workshop, or one participant."""

    workshop_id: str
    role: str  # "facilitator" or "participant"
    participant_id: int | None = None
    group_id: int | None = None
    name: str | None = None

    @property
    def is_facilitator(self) -> bool:
        return self.role == "facilitator"

    @property
    def actor(self) -> str:
        """The namespace in which this principal's command ids must be unique."""
        return "f" if self.is_facilitator else f"p{self.participant_id}"
