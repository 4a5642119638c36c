"""Table-shaped views of a summary, shared so csv, xlsx, docx, pdf and markdown never disagree."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date

from workshop import i18n
from workshop.reports.model import ActionLine, PromptSection, WorkshopSummary

DISPLAY_ZONE = "Europe/Helsinki"  # the workshops happen in Finland; timestamps are stored in UTC

# Control characters XML 1.0 (docx, xlsx) forbids and fonts have no glyph for (pdf)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")

ThemeRow = tuple[str, str, int, int, str]
NoteRow = tuple[str, str, str, str, str, str, int | None]
ActionRow = tuple[str, str, str, str, str]


def theme_headers() -> list[str]:
    """Column names of theme_rows, in the summary's language."""
    return [
        i18n.gettext("Theme"),
        i18n.gettext("Keywords"),
        i18n.gettext("Notes"),
        i18n.gettext("Votes"),
        i18n.gettext("Groups"),
    ]


def theme_rows(section: PromptSection) -> Iterator[ThemeRow]:
    """One row per theme of a prompt: label, keywords, notes, votes, groups."""
    for theme in section.themes:
        keywords, groups = ", ".join(theme.keywords), ", ".join(theme.groups)
        yield theme.label, keywords, theme.size, theme.votes, groups


def note_headers() -> list[str]:
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
    """One row per note; author and theme are empty strings when there are none."""
    prompts = {section.id: section.text for section in summary.prompts}
    votes = {theme.id: theme.votes for section in summary.prompts for theme in section.themes}
    for note in summary.notes:
        yield (
            prompts.get(note.prompt_id, ""),
            note.group,
            note.theme_label or "",
            note.text,
            note.author or "",
            note.created_at,
            votes.get(note.theme_id) if note.theme_id is not None else None,
        )


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


def local_date(iso: str) -> date:
    """The Helsinki calendar date of a stored timestamp ('…Z') or plain ISO date; ValueError
    when it is neither."""
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        return moment.date()
    try:
        return moment.astimezone(ZoneInfo(DISPLAY_ZONE)).date()
    except ZoneInfoNotFoundError:  # no tz database (e.g. Windows without tzdata)
        return moment.date()


def display_date(iso: str) -> str:
    """A date written the way the summary's language writes it (22. marraskuuta 2026); text
    that is no date (a due date stored before dates were checked) is shown as it is."""
    try:
        day = local_date(iso)
    except ValueError:
        return iso
    return format_date(day, format="long", locale=i18n.current_language())


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
