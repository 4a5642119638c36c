"""All SQL behind one Database: concurrent readers and a single batching writer.

Writes are plain functions of a sqlite3 connection, queued for one writer. The
writer takes everything queued, runs it as one transaction (a savepoint per job
so one failure spoils nothing else) and commits once: one fsync for many notes.

The jobs' statements run on the event loop itself; only the commit, which waits
for the disk, runs on the writer thread. A statement takes microseconds, but
sqlite3 lets go of the GIL around each one, and when the jobs ran on the thread
every statement meant a GIL handoff between two busy threads. On the loop, a lone
writer's note costs the server 342-347 instead of 369-415 us of CPU
(docs/performance.md, session 4); the loop waits while a batch's statements run.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import aiosqlite

from workshop.errors import TalkootError
from workshop.migrations import migrate

T = TypeVar("T")
WriteFn = Callable[[sqlite3.Connection], T]

MAX_BATCH = 500


@dataclass
class Results:
    """Rows of one read query."""

    rows: list[sqlite3.Row]

    def first(self) -> sqlite3.Row | None:
        return self.rows[0] if self.rows else None

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


@dataclass
class _Job(Generic[T]):
    fn: WriteFn[T]
    future: asyncio.Future[T]
    on_commit: Callable[[T], None] | None = None
    outcome: tuple[bool, Any] = field(default=(False, None))


def _connect(path: Path, synchronous: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    _configure(conn, synchronous)
    return conn


def _configure(conn: sqlite3.Connection, synchronous: str) -> None:
    conn.row_factory = sqlite3.Row
    conn.execute("pragma journal_mode = wal")
    conn.execute(f"pragma synchronous = {synchronous}")
    conn.execute("pragma foreign_keys = on")
    conn.execute("pragma busy_timeout = 5000")
    conn.execute("pragma secure_delete = on")  # deleted rows are overwritten, not just unlinked


class Database:
    """Open with `async with Database(path) as db`; migrations run on open."""

    def __init__(self, path: Path, synchronous: str = "FULL", logger: logging.Logger | None = None):
        if synchronous not in {"FULL", "NORMAL", "EXTRA"}:
            raise ValueError(f"synchronous must be FULL, NORMAL or EXTRA, not {synchronous!r}")
        self.path = Path(path)
        self.synchronous = synchronous
        self.log = logger or logging.getLogger("talkoot.db")
        self._queue: asyncio.Queue[_Job[Any] | None] = asyncio.Queue()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="talkoot-writer")
        self._writer: sqlite3.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._writer_task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Database:
        loop = asyncio.get_running_loop()
        self._writer = await loop.run_in_executor(
            self._executor, _connect, self.path, self.synchronous
        )
        await loop.run_in_executor(self._executor, migrate, self._writer)
        self._reader = await aiosqlite.connect(self.path, isolation_level=None)
        await self._reader.execute("pragma foreign_keys = on")
        await self._reader.execute("pragma busy_timeout = 5000")  # only scrub() ever waits
        self._reader.row_factory = sqlite3.Row
        self._writer_task = asyncio.create_task(self._write_loop(), name="talkoot-writer")
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._queue.put(None)
        if self._writer_task is not None:
            await self._writer_task
        if self._reader is not None:
            await self._reader.close()
        if self._writer is not None:
            self._executor.submit(self._writer.close).result()
        self._executor.shutdown(wait=True)

    async def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Results:
        """Run one read query on the reader connection."""
        assert self._reader is not None, "database is not open"
        rows = await self._reader.execute_fetchall(sql, params)
        return Results(list(rows))

    async def scrub(self) -> None:
        """Copy the write-ahead log into the database file and empty it, after personal data
        was deleted: secure_delete overwrites deleted rows in the database file, but older
        copies of their pages stay in the -wal file until it is reused."""
        assert self._reader is not None, "database is not open"
        cursor = await self._reader.execute("pragma wal_checkpoint(TRUNCATE)")
        busy = (await cursor.fetchone() or (1,))[0]
        if busy:
            self.log.warning("the write-ahead log could not be emptied now; it will be reused")

    async def write(self, fn: WriteFn[T], on_commit: Callable[[T], None] | None = None) -> T:
        """Queue fn for the writer; return its result once its transaction has committed.

        on_commit runs on the event loop right after the commit, in commit order,
        before any caller resumes: the place to publish events in seq order.
        """
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        await self._queue.put(_Job(fn, future, on_commit))
        return await future

    async def _write_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            first = await self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while not self._queue.empty() and len(batch) < MAX_BATCH:
                job = self._queue.get_nowait()
                if job is None:
                    stop = True
                    break
                batch.append(job)
            try:
                self._run_jobs(batch)
                await loop.run_in_executor(self._executor, self._commit)
            except Exception as error:  # the transaction failed as a whole: nothing was stored
                self.log.exception("write batch of %d failed", len(batch))
                for job in batch:
                    job.outcome = (False, error)
            self._settle(batch)
            if stop:
                return

    def _run_jobs(self, batch: list[_Job[Any]]) -> None:
        """Open the batch's transaction and run every job in it, on the event loop."""
        conn = self._writer
        assert conn is not None
        conn.execute("begin immediate")
        try:
            for job in batch:
                job.outcome = _run_in_savepoint(conn, job.fn)
        except BaseException:
            conn.execute("rollback")
            raise

    def _commit(self) -> None:
        """On the writer thread: the commit waits for fsync."""
        conn = self._writer
        assert conn is not None
        try:
            conn.execute("commit")
        except BaseException:
            if conn.in_transaction:  # SQLite may have rolled back already (a full disk)
                conn.execute("rollback")
            raise

    def _settle(self, batch: list[_Job[Any]]) -> None:
        for job in batch:
            ok, value = job.outcome
            if not ok and isinstance(value, sqlite3.OperationalError):
                value = _unavailable(value)
            if ok and job.on_commit is not None:
                try:
                    job.on_commit(value)
                except Exception:
                    self.log.exception("on_commit callback failed")
            if job.future.done():
                continue
            if ok:
                job.future.set_result(value)
            else:
                job.future.set_exception(value)


def _unavailable(error: sqlite3.OperationalError) -> TalkootError:
    """A storage failure (a full disk, an I/O error) as an answer the client retries later:
    nothing was stored, and the writer goes on once the disk has room again."""
    return TalkootError("unavailable", f"the server cannot store changes now ({error})", 503)


def _run_in_savepoint(conn: sqlite3.Connection, fn: WriteFn[T]) -> tuple[bool, Any]:
    conn.execute("savepoint job")
    try:
        result = fn(conn)
    except Exception as error:
        conn.execute("rollback to job")
        conn.execute("release job")
        return (False, error)
    conn.execute("release job")
    return (True, result)
