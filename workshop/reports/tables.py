"""Table-shaped views of a summary, shared so csv, xlsx, docx, pdf and markdown never disagree."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from workshop import i18n
from workshop.reports.model import ActionLine, PromptSection, WorkshopSummary

DISPLAY_ZONE = "Europe/Helsinki"  # the workshops happen in Finland; timestamps are stored in UTC

# Control characters XML 1.0 (docx, xlsx) forbids and fonts have no glyph for (pdf)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")

ThemeRow = tuple[str, str, int, int | str, str]
NoteRow = tuple[object, ...]
ActionRow = tuple[str, str, str, str, str]


def theme_headers(summary: WorkshopSummary) -> list[str]:
    """Column names of theme_rows, in the summary's language."""
    if summary.of_series:
        last = [i18n.gettext("Spread"), i18n.gettext("Notes by workshop")]
    else:
        last = [i18n.gettext("Votes"), i18n.gettext("Groups")]
    return [i18n.gettext("Theme"), i18n.gettext("Keywords"), i18n.gettext("Notes"), *last]


def theme_rows(summary: WorkshopSummary, section: PromptSection) -> Iterator[ThemeRow]:
    """One row per theme of a prompt: label, keywords, notes, then votes and groups, or in a
    series how widely it spread and its notes per workshop ("Lohja 3, Karkkila 5")."""
    for theme in section.themes:
        keywords = ", ".join(theme.keywords)
        if summary.of_series:
            by_workshop = ", ".join(
                f"{name} {n}" for name, n in zip(summary.groups, theme.counts, strict=True) if n
            )
            yield theme.label, keywords, theme.size, spread_name(theme.spread), by_workshop
        else:
            yield theme.label, keywords, theme.size, theme.votes, ", ".join(theme.groups)


def comparison_rows(summary: WorkshopSummary) -> Iterator[tuple[object, ...]]:
    """A series' theme x workshop table: label, notes in each workshop, total, spread."""
    for section in summary.prompts:
        for theme in section.themes:
            yield (theme.label, *theme.counts, theme.size, spread_name(theme.spread))


# Spelled as the series page spells them; looked up when the summary's language is set.
_SPREAD_NAMES = {
    "common": lambda: i18n.gettext("Common"),
    "local": lambda: i18n.gettext("Local"),
    "some": lambda: i18n.gettext("Some workshops"),
}


def spread_name(spread: str) -> str:
    """How widely a series' workshops raised a theme, in the summary's language."""
    return _SPREAD_NAMES[spread]() if spread in _SPREAD_NAMES else spread


def comparison_headers(summary: WorkshopSummary) -> list[str]:
    return [
        i18n.gettext("Theme"),
        *summary.groups,
        i18n.gettext("Total"),
        i18n.gettext("Spread"),
    ]


def note_headers(summary: WorkshopSummary) -> list[str]:
    if summary.of_series:  # notes of many workshops' prompts, themed together, no votes
        return [
            i18n.gettext("Workshop"),
            i18n.gettext("Theme"),
            i18n.gettext("Note"),
            i18n.gettext("Author"),
            i18n.gettext("Created"),
        ]
    return [
        i18n.gettext("Prompt"),
        i18n.gettext("Group"),
        i18n.gettext("Theme"),
        i18n.gettext("Note"),
        i18n.gettext("Author"),
        i18n.gettext("Created"),
        i18n.gettext("Theme votes"),
    ]


def note_rows(summary: WorkshopSummary) -> Iterator[NoteRow]:
    """One row per note; author and theme are empty strings when there are none, and the time
    is Helsinki time to the minute."""
    prompts = {section.id: section.text for section in summary.prompts}
    votes = {theme.id: theme.votes for section in summary.prompts for theme in section.themes}
    for note in summary.notes:
        shared = (note.theme_label or "", note.text, note.author or "", local_time(note.created_at))
        if summary.of_series:
            yield (note.group, *shared)
        else:
            theme_votes = votes.get(note.theme_id) if note.theme_id is not None else None
            yield (prompts.get(note.prompt_id, ""), note.group, *shared, theme_votes)


def action_headers() -> list[str]:
    return [
        i18n.gettext("Prompt"),
        i18n.gettext("Theme"),
        i18n.gettext("Action"),
        i18n.gettext("Owner"),
        i18n.gettext("Due"),
    ]


def action_rows(summary: WorkshopSummary) -> Iterator[ActionRow]:
    for section in summary.prompts:
        for theme in section.themes:
            for action in theme.actions:
                yield section.text, theme.label, action.what, action.owner or "", action.due or ""


def action_text(action: ActionLine) -> str:
    """'What — owner, due date' for the prose formats."""
    extra = [part for part in (action.owner, action.due and display_date(action.due)) if part]
    return f"{action.what} — {', '.join(extra)}" if extra else action.what


def printable(text: str) -> str:
    """Text without the control characters the Office and PDF formats cannot hold."""
    return _CONTROL.sub("", text)


def helsinki_date(iso: str) -> date:
    """The Helsinki calendar date of a stored timestamp ('…Z') or plain ISO date; ValueError
    when it is neither."""
    return _in_helsinki(iso).date()


def local_time(iso: str) -> datetime | str:
    """A stored timestamp as Helsinki wall-clock time to the minute (naive, as spreadsheets
    want it); text that is no timestamp is kept as it is."""
    try:
        return _in_helsinki(iso).replace(second=0, microsecond=0)
    except ValueError:
        return iso


def _in_helsinki(iso: str) -> datetime:
    """Helsinki wall-clock time (naive) of a stored timestamp; a time without a zone is taken
    as it is, and so is any time where there is no tz database (Windows without tzdata)."""
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    if moment.tzinfo is not None:
        with contextlib.suppress(ZoneInfoNotFoundError):
            moment = moment.astimezone(ZoneInfo(DISPLAY_ZONE))
    return moment.replace(tzinfo=None)


def display_date(iso: str) -> str:
    """A date written the way the summary's language writes it (22. marraskuuta 2026); text
    that is no date (a due date stored before dates were checked) is shown as it is."""
    try:
        day = helsinki_date(iso)
    except ValueError:
        return iso
    return i18n.format_day(day, "long")


def meta_line(summary: WorkshopSummary) -> str:
    """The line under the title: date, participants, groups, notes."""
    people, groups, notes = summary.participant_count, len(summary.groups), len(summary.notes)
    if summary.of_series:
        places = i18n.ngettext("%(num)d workshop", "%(num)d workshops", groups) % {"num": groups}
    else:
        places = i18n.ngettext("%(n)d group", "%(n)d groups", groups) % {"n": groups}
    parts = [
        display_date(summary.generated_at),
        i18n.ngettext("%(n)d participant", "%(n)d participants", people) % {"n": people},
        places,
        i18n.ngettext("%(n)d note", "%(n)d notes", notes) % {"n": notes},
    ]
    return " · ".join(parts)


def unsorted_line(section: PromptSection) -> str | None:
    """'Notes without a theme: 3', or None when every note has a theme."""
    if not section.unsorted:
        return None
    return i18n.gettext("Notes without a theme: %(n)d") % {"n": len(section.unsorted)}
