"""CSV of every note, shaped for Finnish Excel: UTF-8 with BOM, ';' separated, formula-safe."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from workshop.reports import tables
from workshop.reports.model import WorkshopSummary

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Prefix text that a spreadsheet would run as a formula with ' (OWASP CSV injection);
    times as Excel reads them in any locale (2026-11-23 09:15)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return "" if value is None else value


def render(summary: WorkshopSummary) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(tables.note_headers(summary))
    writer.writerows([neutralise(cell) for cell in row] for row in tables.note_rows(summary))
    return out.getvalue().encode("utf-8-sig")
