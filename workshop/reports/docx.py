"""Word report: what organisers edit and forward; the chart is a PNG with its text alternative."""

from __future__ import annotations

import io
import re
from datetime import datetime

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from workshop import i18n
from workshop.reports import chart, tables
from workshop.reports.model import PromptSection, WorkshopSummary

# XML 1.0 forbids most control characters; python-docx would refuse the whole document
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _chart(document: Document, section: PromptSection) -> None:
    """The chart picture, described for screen readers by the same text as the SVG <desc>."""
    figure = chart.layout(section)
    document.add_picture(io.BytesIO(chart.png(section)), width=Cm(16))
    doc_pr = document.inline_shapes[-1]._inline.docPr
    doc_pr.set("descr", clean(figure.description))
    doc_pr.set("title", clean(figure.title))


def _theme_table(document: Document, section: PromptSection) -> None:
    headers = tables.theme_headers()
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(header).bold = True
    for row in tables.theme_rows(section):
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
    try:  # the file's own date is the summary's, so the same summary gives the same file
        created = datetime.fromisoformat(summary.generated_at.replace("Z", "+00:00"))
        document.core_properties.created = document.core_properties.modified = created
    except ValueError:
        pass
    document.add_heading(clean(summary.title), level=0)
    document.add_paragraph(tables.meta_line(summary))
    for section in summary.prompts:
        document.add_heading(clean(section.text), level=1)
        if not section.themes:
            document.add_paragraph(i18n.gettext("No themes yet"))
        else:
            _chart(document, section)
            _theme_table(document, section)
        for theme in section.themes:
            document.add_heading(clean(theme.label), level=2)
            if theme.representatives:
                document.add_paragraph(i18n.gettext("Typical notes"), style="Heading 3")
                for text in theme.representatives:
                    document.add_paragraph(clean(text), style="List Bullet")
            if theme.actions:
                document.add_paragraph(i18n.gettext("Actions"), style="Heading 3")
                for action in theme.actions:
                    document.add_paragraph(clean(tables.action_text(action)), style="List Bullet")
        if unsorted := tables.unsorted_line(section):
            document.add_paragraph(unsorted)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
