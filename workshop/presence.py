"""Who has joined each group and who is online: the facilitator's head count, live."""

from __future__ import annotations

import asyncio

from workshop import events as ev
from workshop import store
from workshop.db import Database
from workshop.hub import Hub

# Joins and disconnects in a burst collapse into one presence update per interval.
PRESENCE_INTERVAL_SECONDS = 0.5


class Presence:
    def __init__(self, db: Database, hub: Hub):
        self.db = db
        self.hub = hub
        self._pending: dict[str, asyncio.Task[None]] = {}

    async def message(self, workshop_id: str) -> str:
        """The presence message: who has joined each group and who is online now."""
        joined = await store.joined_per_group(self.db, workshop_id)
        online = self.hub.online_per_group(workshop_id)
        groups = await store.groups(self.db, workshop_id)
        return ev.presence(
            [
                {"id": g.id, "joined": joined.get(g.id, 0), "online": online.get(g.id, 0)}
                for g in groups
            ]
        )

    def schedule(self, workshop_id: str) -> None:
        """Tell facilitator screens the live head count soon, once per burst of changes."""
        if workshop_id not in self._pending:
            self._pending[workshop_id] = asyncio.create_task(self._send_later(workshop_id))

    async def _send_later(self, workshop_id: str) -> None:
        try:
            await asyncio.sleep(PRESENCE_INTERVAL_SECONDS)
            self.hub.send_to_facilitators(workshop_id, await self.message(workshop_id))
        finally:
            del self._pending[workshop_id]

    def close(self) -> None:
        for task in list(self._pending.values()):
            task.cancel()
