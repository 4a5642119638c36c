"""Series: compare the themes of several workshops (one per region, say).

All notes of the series' workshops are clustered together; each theme then
counts its notes per workshop, which shows what is common and what is local.
Adding a workshop needs its facilitator token: a series never opens a workshop
its organiser could not open already.
"""

from __future__ import annotations

import math
import sqlite3
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from workshop import i18n, store
from workshop import series_store as series_db
from workshop import validation as check
from workshop.errors import forbidden, invalid, unauthorized
from workshop.models import Note
from workshop.reports import tables
from workshop.reports.model import NoteLine, PromptSection, ThemeLine, WorkshopSummary
from workshop.security import hash_token, new_token, new_workshop_id
from workshop.service import Talkoot

TITLE_MAX = 200
MAX_WORKSHOPS = 50


@dataclass(frozen=True)
class SeriesTheme:
    label: str
    keywords: list[str]
    counts: dict[str, int]  # workshop id -> notes
    representatives: list[str]
    note_ids: list[int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def spread(self, workshops: int) -> str:
        """ "common" where most workshops raised it, "local" where one did, else "some"."""
        present = sum(1 for n in self.counts.values() if n)
        if present == 1 and workshops > 1:
            return "local"
        return "common" if present >= max(2, math.ceil(workshops / 2)) else "some"


@dataclass(frozen=True)
class Comparison:
    series: series_db.SeriesRecord
    workshops: list[series_db.SeriesWorkshop]
    themes: list[SeriesTheme]
    notes: list[Note]
    workshop_of_note: dict[int, str]
    participant_count: int

    def note_language(self, note: Note) -> str:
        """Its own language where its words made it clear, else its workshop's: a series may
        hold Finnish and Swedish workshops."""
        return note.lang or self._written[self.workshop_of_note[note.id]]

    def language_of(self, text: str) -> str:
        """As note_language, for a note's text (a theme's typical notes are texts)."""
        return self._languages.get(text, "")

    @cached_property
    def _written(self) -> dict[str, str]:
        return {workshop.id: workshop.language for workshop in self.workshops}

    @cached_property
    def _languages(self) -> dict[str, str]:
        return {note.text: self.note_language(note) for note in self.notes}


class Series:
    def __init__(self, talkoot: Talkoot):
        self.talkoot = talkoot

    async def create(self, body: dict[str, Any], organiser_token: str | None) -> dict[str, Any]:
        self.talkoot.check_organiser(organiser_token)
        title = str(check.text_field(body.get("title"), "title", TITLE_MAX))
        workshop_ids = await self._owned_workshops(body.get("workshops"))
        series_id, token = new_workshop_id(), new_token()
        await self.talkoot.db.write(
            lambda conn: series_db.insert_series(
                conn, series_id, title, hash_token(token), workshop_ids
            )
        )
        return {"id": series_id, "token": token, "title": title, "workshop_ids": workshop_ids}

    async def add_workshops(self, series_id: str, token: str | None, body: dict[str, Any]) -> None:
        await self.authenticate(series_id, token)
        workshop_ids = await self._owned_workshops(body.get("workshops"))

        def add(conn: sqlite3.Connection) -> None:
            # Every view of a series clusters all its notes again: keep the whole series bounded.
            present = series_db.member_ids(conn, series_id)
            if len(set(present) | set(workshop_ids)) > MAX_WORKSHOPS:
                raise invalid(f"a series holds at most {MAX_WORKSHOPS} workshops")
            series_db.add_workshops(conn, series_id, workshop_ids)

        await self.talkoot.db.write(add)

    async def authenticate(self, series_id: str, token: str | None) -> series_db.SeriesRecord:
        """The series, when the token is this series' own."""
        found = await series_db.series_for_token_hash(self.talkoot.db, hash_token(token or ""))
        if found is None:
            raise unauthorized("a valid series token is needed")
        if found.id != series_id:
            raise forbidden("this token belongs to another series")
        return found

    async def _owned_workshops(self, raw: Any) -> list[str]:
        """Workshop ids from [{"id", "facilitator_token"}], each proved by its own token."""
        if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_WORKSHOPS:
            raise invalid(f"workshops must be a list of 1 to {MAX_WORKSHOPS} workshops")
        owned = []
        for item in raw:
            if not isinstance(item, dict):
                raise invalid('each workshop is {"id", "facilitator_token"}')
            principal = await self.talkoot.authenticate(item.get("facilitator_token"))
            if not principal.is_facilitator or principal.workshop_id != item.get("id"):
                raise forbidden("each workshop needs its own facilitator token")
            owned.append(principal.workshop_id)
        return list(dict.fromkeys(owned))

    async def compare(self, series: series_db.SeriesRecord, k: int | None) -> Comparison:
        db = self.talkoot.db
        workshops = await series_db.workshops_of(db, series.id)
        notes: list[Note] = []
        workshop_of_note: dict[int, str] = {}
        for workshop in workshops:
            for note in await store.visible_notes(db, workshop.id):
                notes.append(note)
                workshop_of_note[note.id] = workshop.id
        drafts = await self.talkoot.theming.cluster(0, notes, k)
        text_of = {note.id: note.text for note in notes}
        themes = [
            SeriesTheme(
                label=draft.label,
                keywords=draft.keywords,
                counts={
                    w.id: sum(1 for n in draft.note_ids if workshop_of_note[n] == w.id)
                    for w in workshops
                },
                representatives=[text_of[n] for n in draft.representatives],
                note_ids=draft.note_ids,
            )
            for draft in drafts
        ]
        themes.sort(key=lambda t: (-t.total, t.label.casefold()))
        people = await store.participant_count(db, [w.id for w in workshops])
        return Comparison(series, workshops, themes, notes, workshop_of_note, people)


def _workshop_names(workshops: list[series_db.SeriesWorkshop]) -> dict[str, str]:
    """Each workshop's title, told apart by its date where titles repeat (a "TEKO Lohja"
    workshop every month), or by its place in the series where the date repeats too."""
    titles = Counter(w.title for w in workshops)
    dated = {w.id: f"{w.title} ({tables.display_date(w.created_at)})" for w in workshops}
    dates = Counter(dated.values())
    names = {}
    for number, workshop in enumerate(workshops, start=1):
        if titles[workshop.title] == 1:
            names[workshop.id] = workshop.title
        elif dates[dated[workshop.id]] == 1:
            names[workshop.id] = dated[workshop.id]
        else:
            names[workshop.id] = f"{workshop.title} #{number}"
    return names


def comparison_summary(comparison: Comparison, language: str) -> WorkshopSummary:
    """The comparison as a summary, so it downloads in every summary format.

    Workshops stand where groups stand in a workshop's summary.
    """
    i18n.use_language(language)
    titles = _workshop_names(comparison.workshops)
    theme_of = {
        note_id: (number, theme.label)
        for number, theme in enumerate(comparison.themes, start=1)
        for note_id in theme.note_ids
    }
    notes = [
        NoteLine(
            id=note.id,
            prompt_id=0,
            group=titles[comparison.workshop_of_note[note.id]],
            text=note.text,
            author=note.author,
            theme_id=theme_of[note.id][0] if note.id in theme_of else None,
            theme_label=theme_of[note.id][1] if note.id in theme_of else None,
            created_at=note.created_at,
            lang=comparison.note_language(note),
        )
        for note in comparison.notes
    ]
    theme_lines = [
        ThemeLine(
            id=index + 1,
            label=theme.label,
            keywords=theme.keywords,
            size=theme.total,
            votes=0,
            groups=[titles[w] for w, n in theme.counts.items() if n],
            representatives=theme.representatives,
            counts=[theme.counts.get(w.id, 0) for w in comparison.workshops],
            spread=theme.spread(len(comparison.workshops)),
        )
        for index, theme in enumerate(comparison.themes)
    ]
    section = PromptSection(
        0,
        i18n.gettext("All notes of the series"),
        theme_lines,
        [line for line in notes if line.theme_id is None],
    )
    return WorkshopSummary(
        workshop_id=comparison.series.id,
        title=comparison.series.title,
        language=language,
        created_at=comparison.series.created_at,
        generated_at=store.now_iso(),
        groups=list(titles.values()),
        participant_count=comparison.participant_count,
        prompts=[section],
        notes=notes,
        of_series=True,
    )
