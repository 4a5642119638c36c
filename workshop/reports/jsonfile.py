"""The whole summary as JSON, for other tools and for re-importing later."""

from __future__ import annotations

import json
from dataclasses import asdict

from workshop.reports.model import WorkshopSummary

FORMAT_VERSION = 2  # bump when a field changes meaning or disappears (2: a theme's
# "spread" is "common", "local" or "some" instead of its translated name)


def render(summary: WorkshopSummary) -> bytes:
    document = {"format_version": FORMAT_VERSION, **asdict(summary)}
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
