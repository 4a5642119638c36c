"""Printable PDF by fpdf2 (pure Python) in DejaVu Sans: Finnish, Swedish and Sámi letters."""

from __future__ import annotations

import contextlib
import logging
import re
import unicodedata
from datetime import datetime

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace, TTFFont

from workshop import i18n
from workshop.reports import chart, tables
from workshop.reports.model import PromptSection, WorkshopSummary

FONT = "DejaVu"
MARGIN = 20 * 72 / 25.4  # 2 cm in points; the chart's 480 pt then fits the A4 width
# Hebrew, Arabic, Syriac, Thaana, N'Ko and their presentation forms: drawn right to left, and
# Arabic letters join. Without shaping (HarfBuzz) such text came out reversed and unjoined.
_RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")


class _NoNoteText(logging.Filter):
    """fpdf2 logs the characters its font lacks, which are note text (emoji, CJK): the server
    logs no note text (docs/privacy.md), so that warning is dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "missing the following glyphs" not in str(record.msg)


logging.getLogger("fpdf.output").addFilter(_NoNoteText())


def _stand_in(char: str) -> str:
    """What a PDF shows for a character DejaVu Sans lacks: an emoji by its name ("👍" becomes
    "[thumbs up sign]"), a flag's letters as letters, nothing for the invisible joiners and
    modifiers that build emoji, and a white square for the rest (CJK, newer emoji), so that
    a note made only of them still shows that it was there."""
    category = unicodedata.category(char)
    if category in ("Mn", "Me", "Cf", "Sk"):
        return ""
    name = unicodedata.name(char, "")
    if name.startswith("REGIONAL INDICATOR SYMBOL LETTER "):
        return name[-1]
    return f"[{name.lower()}]" if category == "So" and name else "\u25a1"


class _Report(FPDF):
    """A4 in points with the vendored fonts and a page number footer."""

    def __init__(self) -> None:
        super().__init__(orientation="portrait", unit="pt", format="A4")
        self.add_font(FONT, "", str(chart.REGULAR_FONT))
        self.add_font(FONT, "B", str(chart.BOLD_FONT))
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=MARGIN)
        self._widths: dict[tuple[str, str, float, bool], dict[str, float]] = {}
        self._drawable: dict[str, frozenset[str]] = {}  # characters with a glyph, per style

    def shape_for(self, *texts: str) -> None:
        """Shape the text about to be drawn if any of it is right-to-left. Shaping is only
        switched on then: it made the 2,000-note benchmark's PDF 2.5 times slower."""
        self.set_text_shaping(any(_RIGHT_TO_LEFT.search(text) for text in texts))

    def normalize_text(self, text: str) -> str:
        """Every string drawn passes here: drop control characters, and stand in for the
        characters the font has no glyph for, which fpdf2 would leave out silently."""
        text = tables.printable(text)
        drawable = self._drawable.get(self.font_style)
        if drawable is None and isinstance(self.current_font, TTFFont):
            drawable = frozenset(map(chr, self.current_font.cmap))
            self._drawable[self.font_style] = drawable
        if drawable is not None and not drawable.issuperset(text):
            text = "".join(
                char if char in drawable or char.isspace() else _stand_in(char) for char in text
            )
        return super().normalize_text(text)

    def footer(self) -> None:
        self.set_y(-MARGIN + 10)
        self.set_font(FONT, "", 8)
        self.cell(0, 10, str(self.page_no()), align="C")

    def lines(self, text: str, height: float) -> None:
        """Word-wrapped text from the current x; fast for the common case.

        fpdf2's multi_cell re-measures the line for every character (quadratic per
        line); here each distinct word is measured once. A word wider than the line
        (a long link) goes to multi_cell, which knows how to break it.
        """
        self.shape_for(text)
        x, width = self.get_x(), self.w - self.r_margin - self.get_x()
        key = (self.font_family, self.font_style, self.font_size_pt, self.text_shaping is not None)
        measure = self._widths.setdefault(key, {})
        for word in text.split():
            if word not in measure:
                measure[word] = self.get_string_width(word)
            if measure[word] > width:
                self.multi_cell(0, height, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                return
        space = self.get_string_width(" ")
        for paragraph in text.split("\n"):
            line: list[str] = []
            used = 0.0
            for word in paragraph.split():
                if line and used + space + measure[word] > width:
                    self.set_x(x)
                    self.cell(width, height, " ".join(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                    line, used = [], 0.0
                used += (space if line else 0.0) + measure[word]
                line.append(word)
            self.set_x(x)
            self.cell(width, height, " ".join(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def para(self, text: str, size: float = 10, bold: bool = False, gap: float = 4) -> None:
        self.set_font(FONT, "B" if bold else "", size)
        self.lines(text, size * 1.3)
        self.ln(gap)

    def heading(self, text: str, size: float, room: float = 80) -> None:
        """A heading, on a new page when it would otherwise be left alone at the bottom."""
        if self.will_page_break(room):
            self.add_page()
        self.ln(size * 0.4)
        self.para(text, size=size, bold=True, gap=size * 0.3)

    def label(self, text: str) -> None:
        """A bold label kept together with at least the first line below it."""
        if self.will_page_break(40):
            self.add_page()
        self.para(text, bold=True, gap=2)

    def bullets(self, texts: list[str]) -> None:
        self.set_font(FONT, "", 10)
        for text in texts:  # the bullet hangs; wrapped lines align with the text
            self.set_x(MARGIN + 6)
            self.cell(10, 13, "•")
            self.lines(text, 13)
        self.ln(4)

    def draw_chart(self, section: PromptSection) -> None:
        """The chart drawn as vectors from the same layout as the SVG, a page at most per part."""
        for figure in chart.pages(section, self.epw):
            self.draw_figure(figure)

    def draw_figure(self, figure: chart.Figure) -> None:
        if self.will_page_break(figure.height):
            self.add_page()
        x0, y0 = self.l_margin, self.get_y()
        self.set_draw_color(0)
        self.set_line_width(0.8)
        for rect in figure.rects:
            self.set_fill_color(255 if rect.hatched else 0)
            self.rect(x0 + rect.x, y0 + rect.y, rect.w, rect.h, style="DF")
            self.set_line_width(chart.HATCH_WIDTH)
            for seg in chart.hatch_segments(rect) if rect.hatched else []:
                self.line(x0 + seg.x1, y0 + seg.y1, x0 + seg.x2, y0 + seg.y2)
            self.set_line_width(0.8)
        for ln in figure.lines:
            self.line(x0 + ln.x1, y0 + ln.y1, x0 + ln.x2, y0 + ln.y2)
        for t in figure.texts:
            self.set_font(FONT, "B" if t.bold else "", chart.FONT_SIZE)
            self.shape_for(t.text)
            self.text(x0 + t.x, y0 + t.y, t.text)
        self.set_y(y0 + figure.height + 6)

    def theme_table(self, summary: WorkshopSummary, section: PromptSection) -> None:
        self.set_font(FONT, "", 9)
        # "Muistiinpanot" and "Anteckningar" fit on one line; a series' spread is a word
        widths = (115, 95, 75, 80, 110) if summary.of_series else (130, 115, 80, 45, 105)
        bold = FontFace(emphasis="BOLD")
        rows = list(tables.theme_rows(summary, section))
        align = tuple("RIGHT" if isinstance(value, int) else "LEFT" for value in rows[0])
        self.shape_for(*(str(value) for row in rows for value in row))
        with self.table(
            col_widths=widths,
            width=sum(widths),
            text_align=align,
            line_height=12,
            headings_style=bold,
        ) as table:
            header = table.row()
            for text in tables.theme_headers(summary):
                header.cell(text)
            for row in rows:
                cells = table.row()
                for value in row:
                    cells.cell(str(value))
        self.ln(6)


def render(summary: WorkshopSummary) -> bytes:
    pdf = _Report()
    pdf.set_title(tables.printable(summary.title))
    pdf.set_creator("Talkoot")
    pdf.set_lang(summary.language)
    with contextlib.suppress(ValueError):  # the summary's own date, so output is reproducible
        pdf.set_creation_date(datetime.fromisoformat(summary.generated_at.replace("Z", "+00:00")))
    pdf.add_page()
    pdf.para(summary.title, size=20, bold=True)
    pdf.para(tables.meta_line(summary), size=10, gap=10)
    for section in summary.prompts:
        pdf.heading(section.text, size=15, room=160)
        if not section.themes:
            pdf.para(i18n.gettext("No themes yet"))
        else:
            pdf.draw_chart(section)
            pdf.theme_table(summary, section)
        for theme in section.themes:
            pdf.heading(theme.label, size=12)
            if theme.representatives:
                pdf.label(i18n.gettext("Typical notes"))
                pdf.bullets(theme.representatives)
            if theme.actions:
                pdf.label(i18n.gettext("Actions"))
                pdf.bullets([tables.action_text(action) for action in theme.actions])
        if unsorted := tables.unsorted_line(section):
            pdf.label(unsorted)
            pdf.bullets([line.text for line in section.unsorted])
    return bytes(pdf.output())
