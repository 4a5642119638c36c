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


async def sweep(talkoot: Talkoot, days: int) -> None:
    """Delete the workshops unchanged for `days` days. A failure (a full disk, say) is logged,
    and the next sweep tries again: it stops neither the server's start nor later sweeps."""
    cutoff = iso_time(datetime.now(UTC) - timedelta(days=days))
    try:
        deleted = await talkoot.delete_unchanged_since(cutoff)
    except Exception:
        log.exception("the retention sweep failed")
        return
    if deleted:
        log.info("deleted %d workshop(s) unchanged for %d days", deleted, days)


async def sweep_hourly(talkoot: Talkoot, days: int) -> None:
    """Sweep once an hour until cancelled."""
    while True:
        await asyncio.sleep(SWEEP_INTERVAL_SECONDS)
        await sweep(talkoot, days)
