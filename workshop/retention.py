"""Workshops deleted by themselves once the organisation's retention period has passed.

With TALKOOT_RETENTION_DAYS set, a workshop goes that many days after its last change (a
note, an edit, a phase change: its last logged event), at the server's start and then once an
hour, exactly as "Delete the workshop" deletes it (docs/privacy.md, "Retention").
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from workshop.service import Talkoot
from workshop.store import iso_time

SWEEP_INTERVAL_SECONDS = 3600

log = logging.getLogger("talkoot")


async def sweep(talkoot: Talkoot, days: int) -> int:
    """Delete the workshops unchanged for `days` days; returns how many went."""
    cutoff = iso_time(datetime.now(UTC) - timedelta(days=days))
    deleted = await talkoot.delete_unchanged_since(cutoff)
    if deleted:
        log.info("deleted %d workshop(s) unchanged for %d days", deleted, days)
    return deleted


async def sweep_hourly(talkoot: Talkoot, days: int) -> None:
    """Sweep once an hour until cancelled; a failed sweep is logged and tried again."""
    while True:
        await asyncio.sleep(SWEEP_INTERVAL_SECONDS)
        try:
            await sweep(talkoot, days)
        except Exception:  # a full disk, say: the next hour tries again
            log.exception("the retention sweep failed")
