"""Printable PDF made server-side with fpdf2 (pure Python); DejaVu Sans covers Finnish, Swedish, Sámi."""

from __future__ import annotations

from datetime import datetime

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from workshop import i18n
from workshop.reports import chart, tables
from workshop.reports.model import PromptSection, WorkshopSummary

FONT = "DejaVu"
MARGIN = 20 * 72 / 25.4  # 2 cm in points; the chart's 480 pt then fits the A4 width


class _Report(FPDF):
    """A4 in points with the vendored fonts and a page number footer."""

    def __init__(self) -> None:
        super().__init__(orientation="portrait", unit="pt", format="A4")
        self.add_font(FONT, "", str(chart.REGULAR_FONT))
        self.add_font(FONT, "B", str(chart.BOLD_FONT))
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=MARGIN)

    def footer(self) -> None:
        self.set_y(-MARGIN + 10)
        self.set_font(FONT, "", 8)
        self.cell(0, 10, str(self.page_no()), align="C")

    def para(self, text: str, size: float = 10, bold: bool = False, gap: float = 4) -> None:
        self.set_font(FONT, "B" if bold else "", size)
        self.multi_cell(0, size * 1.3, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(gap)

    def heading(self, text: str, size: float, room: float = 80) -> None:
        """A heading, on a new page when it would otherwise be left alone at the bottom."""
        if self.will_page_break(room):
            self.add_page()
        self.ln(size * 0.4)
        self.para(text, size=size, bold=True, gap=size * 0.3)

    def bullets(self, texts: list[str]) -> None:
        self.set_font(FONT, "", 10)
        for text in texts:
            self.set_x(MARGIN + 10)
            self.multi_cell(0, 13, f"• {text}", align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(4)

    def chart(self, section: PromptSection) -> None:
        """The chart drawn as vectors from the same layout as the SVG."""
        figure = chart.layout(section, self.epw)
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
            self.text(x0 + t.x, y0 + t.y, t.text)
        self.set_y(y0 + figure.height + 6)

    def theme_table(self, section: PromptSection) -> None:
        self.set_font(FONT, "", 9)
        widths = (150, 150, 45, 45, 85)
        align = ("LEFT", "LEFT", "RIGHT", "RIGHT", "LEFT")
        bold = FontFace(emphasis="BOLD")
        with self.table(col_widths=widths, width=sum(widths), text_align=align, line_height=12,
                        headings_style=bold) as table:
            header = table.row()
            for text in tables.theme_headers():
                header.cell(text)
            for row in tables.theme_rows(section):
                cells = table.row()
                for value in row:
                    cells.cell(str(value))
        self.ln(6)


def render(summary: WorkshopSummary) -> bytes:
    pdf = _Report()
    pdf.set_title(summary.title)
    pdf.set_creator("Talkoot")
    pdf.set_lang(summary.language)
    try:
        pdf.set_creation_date(datetime.fromisoformat(summary.generated_at.replace("Z", "+00:00")))
    except ValueError:
        pass
    pdf.add_page()
    pdf.para(summary.title, size=20, bold=True)
    pdf.para(tables.meta_line(summary), size=10, gap=10)
    for section in summary.prompts:
        pdf.heading(section.text, size=15, room=160)
        if not section.themes:
            pdf.para(i18n.gettext("No themes yet"))
        else:
            pdf.chart(section)
            pdf.theme_table(section)
        for theme in section.themes:
            pdf.heading(theme.label, size=12)
            if theme.representatives:
                pdf.para(i18n.gettext("Typical notes"), bold=True, gap=2)
                pdf.bullets(theme.representatives)
            if theme.actions:
                pdf.para(i18n.gettext("Actions"), bold=True, gap=2)
                pdf.bullets([tables.action_text(action) for action in theme.actions])
        if unsorted := tables.unsorted_line(section):
            pdf.para(unsorted)
    return bytes(pdf.output())
