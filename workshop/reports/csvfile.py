"""CSV of every note, shaped for Finnish Excel: UTF-8 with BOM, ';' separated, formula-safe."""

from __future__ import annotations

import csv
import io

from workshop.reports import tables
from workshop.reports.model import WorkshopSummary

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Prefix text that a spreadsheet would run as a formula with ' (OWASP CSV injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return "" if value is None else value


def render(summary: WorkshopSummary) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(tables.note_headers())
    writer.writerows([neutralise(cell) for cell in row] for row in tables.note_rows(summary))
    return out.getvalue().encode("utf-8-sig")
