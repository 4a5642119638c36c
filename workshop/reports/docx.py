"""Word report: what organisers edit and forward; the chart is a PNG with its text alternative."""

from __future__ import annotations

import contextlib
import functools
import io
from datetime import datetime

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from workshop import i18n
from workshop.reports import chart, tables
from workshop.reports.model import PromptSection, WorkshopSummary

_STYLES = ("Title", "Heading 1", "Heading 2", "Heading 3", "List Bullet")


clean = tables.printable  # python-docx refuses the whole document over one control character


def _paragraph(document: DocxDocument, text: str, style_id: str) -> None:
    """add_paragraph(text, style) re-scans every style per call; setting the id is O(1)."""
    document.add_paragraph(text)._p.style = style_id


def _chart(document: DocxDocument, section: PromptSection) -> None:
    """The chart pictures, described for screen readers by the same text as the SVG <desc>."""
    for figure in chart.pages(section):
        picture = document.add_picture(io.BytesIO(chart.png(figure)), width=Cm(16))
        doc_pr = picture._inline.docPr  # python-docx has no public API for alt text
        doc_pr.set("descr", clean(figure.description))
        doc_pr.set("title", clean(figure.title))


def _theme_table(document: DocxDocument, summary: WorkshopSummary, section: PromptSection) -> None:
    headers = tables.theme_headers(summary)
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(header).bold = True
    for row in tables.theme_rows(summary, section):
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = clean(str(value))
            if isinstance(value, int):
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT


def render(summary: WorkshopSummary) -> bytes:
    document = Document()
    document.styles["Normal"].font.size = Pt(10.5)
    document.core_properties.title = clean(summary.title)
    document.core_properties.author = "Talkoot"
    with contextlib.suppress(ValueError):  # the summary's own date, so output is reproducible
        created = datetime.fromisoformat(summary.generated_at.replace("Z", "+00:00"))
        document.core_properties.created = document.core_properties.modified = created
    style = {name: document.styles[name].style_id for name in _STYLES}
    add = functools.partial(_paragraph, document)
    add(clean(summary.title), style["Title"])
    document.add_paragraph(tables.meta_line(summary))
    for section in summary.prompts:
        add(clean(section.text), style["Heading 1"])
        if not section.themes:
            document.add_paragraph(i18n.gettext("No themes yet"))
        else:
            _chart(document, section)
            _theme_table(document, summary, section)
        for theme in section.themes:
            add(clean(theme.label), style["Heading 2"])
            if theme.representatives:
                add(i18n.gettext("Typical notes"), style["Heading 3"])
                for text in theme.representatives:
                    add(clean(text), style["List Bullet"])
            if theme.actions:
                add(i18n.gettext("Actions"), style["Heading 3"])
                for action in theme.actions:
                    add(clean(tables.action_text(action)), style["List Bullet"])
        if unsorted := tables.unsorted_line(section):
            add(unsorted, style["Heading 3"])
            for line in section.unsorted:
                add(clean(line.text), style["List Bullet"])
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
