"""Themes for a workshop's notes: embed notes as they arrive, cluster on request.

The embedder loads in the background at start-up; notes are embedded by one
worker that takes whatever has queued up, so embedding never competes with the
event loop and costs the realtime path nothing but a queue append. Clustering
runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import logging

from analysis.embed import Embedder, get_embedder
from analysis.summarize import summarize_themes
from workshop.models import Note
from workshop.theme_commands import ThemeDraft

log = logging.getLogger("talkoot.themes")

EMBED_BATCH = 64


class Theming:
    """Owns the embedder and the background embedding worker."""

    def __init__(self, backend: str):
        self.backend = backend
        self._embedder: Embedder | None = None
        self._ready = asyncio.Event()
        self._pending: asyncio.Queue[str] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> Theming:
        self._tasks = [asyncio.create_task(self._load()), asyncio.create_task(self._embed_loop())]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _load(self) -> None:
        self._embedder = await asyncio.to_thread(get_embedder, self.backend)
        if self._embedder.fallback_reason:
            log.warning("themes use the lexical backend: %s", self._embedder.fallback_reason)
        self._ready.set()

    async def embedder(self) -> Embedder:
        await self._ready.wait()
        assert self._embedder is not None
        return self._embedder

    def notice(self, text: str) -> None:
        """A note was committed: embed it soon, off the event loop."""
        self._pending.put_nowait(text)

    async def _embed_loop(self) -> None:
        embedder = await self.embedder()
        while True:
            batch = [await self._pending.get()]
            while not self._pending.empty() and len(batch) < EMBED_BATCH:
                batch.append(self._pending.get_nowait())
            try:
                await asyncio.to_thread(embedder.embed, batch)
            except Exception:
                log.exception(
                    "embedding %d notes failed; they will be embedded on demand", len(batch)
                )

    async def cluster(self, prompt_id: int, notes: list[Note], k: int | None) -> list[ThemeDraft]:
        """Themes of one prompt's notes; notes that fit no theme are left out."""
        if not notes:
            return []
        embedder = await self.embedder()
        texts = [note.text for note in notes]
        result = await asyncio.to_thread(summarize_themes, texts, k=k, embedder=embedder)
        return [
            ThemeDraft(
                prompt_id,
                theme.label,
                list(theme.keywords),
                [notes[i].id for i in theme.indices],
                [notes[i].id for i in theme.representatives],
            )
            for theme in result.themes
        ]
