"""What a workshop summary holds: built from the store, rendered into every download format.

Everything here is plain data in display order, so each format only lays it out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property


@dataclass(frozen=True)
class NoteLine:
    id: int
    prompt_id: int
    group: str
    text: str
    author: str | None  # only when the participant chose to give a name
    theme_id: int | None
    theme_label: str | None
    created_at: str
    lang: str | None = None  # as Note.lang: set only when the text is clearly in one language


@dataclass(frozen=True)
class ActionLine:
    what: str
    owner: str | None  # the organisation or person who owns it
    due: str | None  # ISO date, e.g. "2026-12-31"


@dataclass(frozen=True)
class ThemeLine:
    id: int
    label: str
    keywords: list[str]
    size: int  # number of notes
    votes: int
    groups: list[str]  # the groups whose notes are in this theme, in workshop order
    representatives: list[str]  # two or three typical note texts
    actions: list[ActionLine] = field(default_factory=list)
    # A series comparison only: notes per workshop (in the order of WorkshopSummary.groups)
    # and how widely the workshops raised the theme: "common", "local" or "some", as the
    # series API says it (tables.spread_name writes it in the summary's language).
    counts: list[int] = field(default_factory=list)
    spread: str = ""


@dataclass(frozen=True)
class PromptSection:
    id: int
    text: str
    themes: list[ThemeLine]  # ordered by votes, then size, then label
    unsorted: list[NoteLine]  # notes of this prompt in no theme


@dataclass(frozen=True)
class WorkshopSummary:
    workshop_id: str
    title: str
    language: str  # "fi", "sv" or "en": the language of every heading in the download
    created_at: str
    generated_at: str
    groups: list[str]
    participant_count: int
    prompts: list[PromptSection]
    notes: list[NoteLine]  # every visible note, in prompt then creation order
    of_series: bool = False  # a series comparison: its "groups" are the workshops

    def language_of(self, text: str) -> str:
        """The language of a note's text, such as a theme's typical note, for marking it:
        the one stored with the note where its words made it clear, else the summary's."""
        return self._languages.get(text, self.language)

    @cached_property
    def _languages(self) -> dict[str, str]:
        return {line.text: line.lang for line in self.notes if line.lang}
