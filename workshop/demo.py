"""`talkoot demo`: a workshop pre-filled with sample notes, created through the service."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from workshop.db import Database
from workshop.demo_notes import GROUPS, NOTES, TITLES
from workshop.hub import Hub
from workshop.service import Talkoot
from workshop.settings import Settings
from workshop.theming import Theming

LOCAL_ADDRESS = "demo"


def prepare_demo(settings: Settings, root_url: str, language: str) -> str:
    """Create the demo workshop in settings.db_path; return the lines to show the user."""
    return asyncio.run(_create(settings, root_url, language))


async def _create(settings: Settings, root_url: str, language: str) -> str:
    async with (
        Database(settings.db_path, settings.synchronous) as db,
        Theming("lexical") as theming,  # the demo's notes are embedded when the app serves them
    ):
        talkoot = Talkoot(settings, db, Hub(), theming)
        created = await talkoot.create_workshop(
            {
                "title": TITLES[language],
                "language": language,
                "template": "strengths-gaps-needs",
                "groups": GROUPS,
            },
            LOCAL_ADDRESS,
        )
        await _post_notes(talkoot, created.code, created.prompts, created.groups, language)
        await talkoot.close()
    return (
        f"Demo workshop {created.code}:\n"
        f"  dashboard: {root_url}/d/{created.workshop_id}?token={created.facilitator_token}\n"
        f"  join:      {root_url}/j/{created.code}"
    )


async def _post_notes(
    talkoot: Talkoot,
    code: str,
    prompts: list[dict[str, Any]],
    groups: list[dict[str, Any]],
    language: str,
) -> None:
    """One sample participant per group posts that group's notes."""
    posters = {}
    for index, group in enumerate(groups):
        joined = await talkoot.join({"code": code, "group_id": group["id"]}, LOCAL_ADDRESS)
        posters[index] = await talkoot.authenticate(joined["participant_token"])
    for prompt_index, group_index, text in NOTES[language]:
        body = {"cid": uuid.uuid4().hex, "prompt_id": prompts[prompt_index]["id"], "text": text}
        await talkoot.add_note(posters[group_index], body)
