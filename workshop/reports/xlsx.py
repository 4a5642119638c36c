"""Excel workbook: Themes, Notes and Actions sheets, ready to filter and forward."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from workshop import i18n
from workshop.reports import tables
from workshop.reports.model import WorkshopSummary

MAX_WIDTH = 60  # characters; longer text wraps instead of widening the column
_WRAP = Alignment(wrap_text=True, vertical="top")
_BOLD = Font(bold=True)
_FORMULA_STARTS = ("=", "+", "-", "@")  # what makes Excel read typed text as a formula


def _as_date(value: str) -> date | str:
    """ISO due dates become real Excel dates, so they sort and filter as dates."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        return value


def _clean(value: object) -> object:
    """Empty text as a blank cell; control characters Excel refuses are dropped."""
    if isinstance(value, str):
        return tables.printable(value) or None
    return value


def _fill(sheet: Worksheet, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Bold frozen header, autofilter, widths from content; text never becomes a formula."""
    widths = [len(h) for h in headers]
    # The header row takes the same path: a series' headers are workshop titles people wrote.
    for row_index, row in enumerate([headers, *rows], start=1):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_index, column=column, value=_clean(value))
            if isinstance(cell.value, str):
                cell.data_type = TYPE_STRING  # "=SUM(1,2)" in a note stays text,
                if cell.value.startswith(_FORMULA_STARTS):
                    cell.quotePrefix = True  # even once edited in Excel
                longest = max(len(part) for part in cell.value.split("\n"))
                widths[column - 1] = max(widths[column - 1], min(longest, MAX_WIDTH))
                if len(cell.value) > MAX_WIDTH or "\n" in cell.value:
                    cell.alignment = _WRAP
            elif isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
                widths[column - 1] = max(widths[column - 1], 16)
            elif isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
                widths[column - 1] = max(widths[column - 1], 10)
    for cell in sheet[1]:
        cell.font = _BOLD
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width + 2
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions


def render(summary: WorkshopSummary) -> bytes:
    book = Workbook()
    themes = book.active
    if summary.of_series:  # one column per workshop, to sort and chart in Excel
        themes.title = i18n.gettext("Comparison")
        _fill(themes, tables.comparison_headers(summary), tables.comparison_rows(summary))
    else:
        themes.title = i18n.gettext("Themes")
        _fill(
            themes,
            [i18n.gettext("Prompt"), *tables.theme_headers(summary)],
            ((s.text, *row) for s in summary.prompts for row in tables.theme_rows(summary, s)),
        )
    notes = book.create_sheet(i18n.gettext("Notes"))
    _fill(notes, tables.note_headers(summary), tables.note_rows(summary))
    if not summary.of_series:  # a series themes the notes afresh: no actions belong to it
        _fill(
            book.create_sheet(i18n.gettext("Actions")),
            tables.action_headers(),
            ((*row[:4], _as_date(row[4])) for row in tables.action_rows(summary)),
        )
    book.properties.title = tables.printable(summary.title)
    book.properties.creator = "Talkoot"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
