"""Themes for a workshop's notes, computed in a worker process of lower priority.

Embedding a note costs milliseconds of CPU; on the event loop's machine that
time would come out of realtime delivery. So one worker process, started in the
first calm moment after start-up and reniced, owns the embedding model (loading
it costs seconds of CPU, better spent before any workshop is live than when its
first note comes in): it embeds new notes in the calm moments between commands,
at most half of one core (queue bounded: a note it had no time for is embedded
when themes are asked for), and clusters on request. The web process never
imports the analysis libraries.

Nice 19, not SCHED_IDLE: an idle-class worker never ran while other work kept
both cores busy, so the clustering a facilitator was waiting for never came.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from workshop.models import Note
from workshop.theme_commands import ThemeDraft

log = logging.getLogger("talkoot.themes")

NICENESS = 19  # realtime delivery comes first
EMBED_BATCH = 4
# On two cores a busy embedding model slowed delivery and phase changes even at the
# lowest priority. So the worker embeds only once the workshops have been calm (no
# command committed) for CALM_SECONDS, and then at most EMBED_DUTY of the time.
CALM_SECONDS = 0.5
EMBED_DUTY = 0.5
EMBED_QUEUE_LIMIT = 5000
DraftTuple = tuple[str, list[str], list[int], list[int]]
T = TypeVar("T")


class Theming:
    def __init__(self, backend: str):
        self.backend = backend
        self._pool: ProcessPoolExecutor | None = None
        self._pending: list[str] = []  # texts to embed, oldest first
        self._arrived = asyncio.Event()  # set while _pending holds texts
        self._embedding: asyncio.Task[None] | None = None
        self._forgetting: set[asyncio.Task[None]] = set()
        self._last_commit = 0.0

    async def __aenter__(self) -> Theming:
        if self.backend != "lexical":
            self._last_commit = asyncio.get_running_loop().time()
            self._embedding = asyncio.create_task(self._embed_loop())
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._embedding is not None:
            self._embedding.cancel()
            await asyncio.gather(self._embedding, return_exceptions=True)
        await asyncio.gather(*self._forgetting, return_exceptions=True)
        if self._pool is not None:
            await asyncio.to_thread(self._pool.shutdown, wait=True, cancel_futures=True)

    def _worker(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=start_worker,
                initargs=(self.backend, os.getpid()),
            )
        return self._pool

    def notice(self, new_texts: list[str]) -> None:
        """A command was committed: embed these new note texts once things are calm."""
        if self.backend == "lexical":
            return
        self._last_commit = asyncio.get_running_loop().time()
        room = EMBED_QUEUE_LIMIT - len(self._pending)  # if full: embedded when themes are asked
        self._pending.extend(new_texts[:room])
        if self._pending:
            self._arrived.set()

    def forget(self, texts: list[str]) -> None:
        """Notes were deleted or edited: their old texts leave the queue and the worker's
        cache, which would otherwise keep them until evicted (docs/privacy.md)."""
        if self.backend == "lexical" or not texts:
            return
        gone = set(texts)
        self._pending = [text for text in self._pending if text not in gone]
        if not self._pending:
            self._arrived.clear()
        if self._pool is not None:  # no worker yet: nothing is cached
            task = asyncio.create_task(self._forget(texts))
            self._forgetting.add(task)
            task.add_done_callback(self._forgetting.discard)

    async def _calm(self) -> None:
        """Return once no command has been committed for CALM_SECONDS."""
        loop = asyncio.get_running_loop()
        while (quiet := loop.time() - self._last_commit) < CALM_SECONDS:
            await asyncio.sleep(CALM_SECONDS - quiet)

    async def _embed_loop(self) -> None:
        loop = asyncio.get_running_loop()
        # Nothing to embed: starts the worker, which loads the model, in the first calm
        # moment after start-up rather than when the first workshop's notes come in.
        await self._calm()
        await self._embed([])
        while True:
            await self._arrived.wait()
            await self._calm()
            # Taken and handed to the worker with no await in between: a forget() that comes
            # later is queued behind this batch in the worker, so it cannot be undone by it.
            batch, self._pending = self._pending[:EMBED_BATCH], self._pending[EMBED_BATCH:]
            if not self._pending:
                self._arrived.clear()
            if not batch:  # all forgotten while waiting for calm
                continue
            started = loop.time()
            await self._embed(batch)
            await asyncio.sleep((loop.time() - started) * (1 - EMBED_DUTY) / EMBED_DUTY)

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        """fn(*args) in the worker. A worker that died (killed, out of memory) is replaced
        and the call made once more: otherwise every later call would fail as well."""
        try:
            return await self._call(fn, *args)
        except BrokenProcessPool:
            log.warning("the theme worker died; starting a new one")
            return await self._call(fn, *args)

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        starting = self._pool is None
        pool = self._worker()
        try:
            # A new pool starts its process with its first call: only then is Ctrl+C set aside.
            with _sigint_ignored() if starting else contextlib.nullcontext():
                future = asyncio.get_running_loop().run_in_executor(pool, fn, *args)
            return await future
        except BrokenProcessPool:
            if self._pool is pool:  # not replaced yet by a concurrent call
                pool.shutdown(wait=False)
                self._pool = None
            raise

    async def _embed(self, texts: list[str]) -> None:
        try:
            await self._run(embed_in_worker, texts)
        except Exception:
            log.exception("embedding %d notes failed; they are embedded on demand", len(texts))

    async def _forget(self, texts: list[str]) -> None:
        try:
            await self._run(forget_in_worker, texts)
        except Exception:
            log.exception("forgetting %d note texts failed", len(texts))

    async def cluster(self, prompt_id: int, notes: list[Note], k: int | None) -> list[ThemeDraft]:
        """Themes of these notes; notes that fit no theme are left out."""
        if not notes:
            return []
        texts = [note.text for note in notes]
        found = await self._run(summarize_in_worker, texts, k)
        return [
            ThemeDraft(
                prompt_id,
                label,
                keywords,
                [notes[i].id for i in indices],
                [notes[i].id for i in representatives],
            )
            for label, keywords, indices, representatives in found
        ]


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """A process started inside ignores SIGINT from its first instruction (an ignored signal
    stays ignored across exec, and Python then installs no KeyboardInterrupt handler).

    Ctrl+C reaches the whole process group. A worker still importing its libraries used to
    die of it with a traceback; now the server alone stops, and shuts the worker down. The
    price: a Ctrl+C in the few milliseconds a worker takes to start (once, unless it dies) is
    lost (blocking the signal instead does not help: the child's mask is reset). Only the
    main thread may change handlers; elsewhere (tests) start_worker's SIG_IGN has to do.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


# ---- in the worker process --------------------------------------------------------------

_embedder: Any = None


def start_worker(backend: str, server_pid: int) -> None:
    """One thread for the model (set before it loads), lower priority, then load it."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.nice(NICENESS)
    # Ctrl+C reaches the whole process group; the server then shuts this worker down
    # in order instead of finding it gone mid-call (see _sigint_ignored).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=exit_with_parent, args=(server_pid,), daemon=True).start()
    from analysis.embed import get_embedder

    global _embedder
    _embedder = get_embedder(backend)
    if _embedder.fallback_reason:
        log.warning("themes use the lexical backend: %s", _embedder.fallback_reason)


def exit_with_parent(parent: int) -> None:
    """A server killed outright cannot stop its worker: the worker notices and stops itself."""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


def embed_in_worker(texts: list[str]) -> None:
    _embedder.embed(texts)


def forget_in_worker(texts: list[str]) -> None:
    _embedder.forget(texts)


def summarize_in_worker(texts: list[str], k: int | None) -> list[DraftTuple]:
    from analysis.summarize import summarize_themes

    result = summarize_themes(texts, k=k, embedder=_embedder)
    return [
        (t.label, list(t.keywords), list(t.indices), list(t.representatives)) for t in result.themes
    ]
