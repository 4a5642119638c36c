"""Build a WorkshopSummary from the store: the one input of every download and summary page."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from workshop import store
from workshop.db import Database
from workshop.errors import not_found
from workshop.models import Note
from workshop.reports.model import ActionLine, NoteLine, PromptSection, ThemeLine, WorkshopSummary

REPRESENTATIVES = 3


async def build_summary(db: Database, workshop_id: str) -> WorkshopSummary:
    workshop = await store.get_workshop(db, workshop_id)
    if workshop is None:
        raise not_found("workshop")
    group_names = {g.id: g.name for g in await store.groups(db, workshop_id)}
    notes = await store.visible_notes(db, workshop_id)
    themes = await store.themes(db, workshop_id)
    theme_of = {note_id: t for t in themes for note_id in t["note_ids"]}
    lines = [_note_line(n, group_names, theme_of.get(n.id)) for n in notes]
    votes = await store.vote_totals(db, workshop_id)
    actions: dict[int, list[ActionLine]] = defaultdict(list)
    for action in await store.actions(db, workshop_id):
        actions[action["theme_id"]].append(
            ActionLine(action["what"], action["owner"], action["due"])
        )
    sections = [
        _prompt_section(prompt.id, prompt.text, themes, lines, group_names, votes, actions)
        for prompt in await store.prompts(db, workshop_id)
    ]
    return WorkshopSummary(
        workshop_id=workshop.id,
        title=workshop.title,
        language=workshop.language,
        created_at=await store.created_at(db, workshop_id),
        generated_at=store.now_iso(),
        groups=list(group_names.values()),
        participant_count=await store.participant_count(db, [workshop_id]),
        prompts=sections,
        notes=lines,
    )


def _note_line(note: Note, group_names: dict[int, str], theme: dict[str, Any] | None) -> NoteLine:
    return NoteLine(
        id=note.id,
        prompt_id=note.prompt_id,
        group=group_names.get(note.group_id, ""),
        text=note.text,
        author=note.author,
        theme_id=theme["id"] if theme else None,
        theme_label=theme["label"] if theme else None,
        created_at=note.created_at,
        lang=note.lang,
    )


def _prompt_section(
    prompt_id: int,
    text: str,
    themes: list[dict[str, Any]],
    lines: list[NoteLine],
    group_names: dict[int, str],
    votes: dict[int, int],
    actions: dict[int, list[ActionLine]],
) -> PromptSection:
    mine = [line for line in lines if line.prompt_id == prompt_id]
    by_id = {line.id: line for line in mine}
    group_order = list(group_names.values())
    theme_lines = []
    for theme in (t for t in themes if t["prompt_id"] == prompt_id):
        members = [by_id[n] for n in theme["note_ids"] if n in by_id]
        if not members and not votes.get(theme["id"]) and not actions.get(theme["id"]):
            continue  # emptied by moves, deletions or hiding, and nobody acted on it
        groups = {line.group for line in members}
        theme_lines.append(
            ThemeLine(
                id=theme["id"],
                label=theme["label"],
                keywords=theme["keywords"],
                size=len(members),
                votes=votes.get(theme["id"], 0),
                groups=[g for g in group_order if g in groups],
                representatives=_representatives(theme["representatives"], members),
                actions=actions.get(theme["id"], []),
            )
        )
    theme_lines.sort(key=lambda t: (-t.votes, -t.size, t.label.casefold()))
    unsorted = [line for line in mine if line.theme_id is None]
    return PromptSection(prompt_id, text, theme_lines, unsorted)


def _representatives(chosen: list[int], members: list[NoteLine]) -> list[str]:
    """The analysis's choice of typical notes, topped up when edits moved some away."""
    member_ids = {line.id: line for line in members}
    picked = [member_ids[n] for n in chosen if n in member_ids]
    picked += [line for line in members if line not in picked]
    return [line.text for line in picked[:REPRESENTATIVES]]
