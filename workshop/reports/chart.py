"""Bar chart of theme notes and votes: one geometry, drawn as SVG, PDF vectors and a PNG.

Readable without colour: notes are solid black bars, votes are hatched outlined bars,
and every bar ends in its number and unit ("12 notes").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from workshop import i18n
from workshop.reports.model import PromptSection

WIDTH = 480.0  # chart units are points: 480 pt fits an A4 page between 2 cm margins
FONT_SIZE = 9.0
BAR_HEIGHT = 9.0
ROW_HEIGHT = 40.0  # label + two bars + gap
LEGEND_HEIGHT = 20.0
END_LABEL_GAP = 4.0  # between a bar and its count
CHAR_WIDTH = 0.6  # DejaVu Sans averages 0.52-0.56 em a character on counts: an upper bound
HATCH_SPACING = 3.5
HATCH_WIDTH = 0.6
PAGE_THEMES = 15  # 15 rows of 40 pt and the legend fit an A4 page under a heading
FONT_DIR = Path(__file__).parent / "fonts"
REGULAR_FONT = FONT_DIR / "DejaVuSans.ttf"  # covers Finnish, Swedish and Sámi letters
BOLD_FONT = FONT_DIR / "DejaVuSans-Bold.ttf"


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    hatched: bool  # False: solid black (notes); True: white with diagonal lines (votes)


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # baseline
    text: str
    bold: bool = False


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True)
class Figure:
    """A laid-out chart in points, y growing downwards, plus its text alternative."""

    key: str
    width: float
    height: float
    rects: list[Rect]
    texts: list[Text]
    lines: list[Line]
    title: str
    description: str


def count_label(value: int, votes: bool) -> str:
    if votes:
        return i18n.ngettext("%(n)d vote", "%(n)d votes", value) % {"n": value}
    return i18n.ngettext("%(n)d note", "%(n)d notes", value) % {"n": value}


def _fit(text: str, width: float) -> str:
    """Cut a label to roughly fit the width (DejaVu Sans averages ~0.6 em a character)."""
    limit = max(4, int(width / (FONT_SIZE * 0.6)))
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _end_label_room(section: PromptSection) -> float:
    """Room right of the longest bar for the longest count: "123 muistiinpanoa" needs more
    than "123 notes" (a fixed 70 pt cut the Finnish and Swedish words off)."""
    counts = [
        count_label(value, hatched)
        for theme in section.themes
        for value, hatched in ((theme.size, False), (theme.votes, True))
    ]
    longest = max((len(count) for count in counts), default=0)
    return END_LABEL_GAP + longest * FONT_SIZE * CHAR_WIDTH


def layout(
    section: PromptSection, width: float = WIDTH, first: int = 0, count: int | None = None
) -> Figure:
    """Place legend, labels and two bars (notes, votes) for themes[first:first+count].

    Bars are scaled to the largest value of all the prompt's themes, so the parts of a
    chart split over pages compare like one chart.
    """
    shown = section.themes[first : None if count is None else first + count]
    rects: list[Rect] = []
    texts: list[Text] = []
    lines: list[Line] = []
    notes_word, votes_word = i18n.gettext("Notes"), i18n.gettext("Votes")
    rects += [Rect(0, 4, 10, BAR_HEIGHT, False), Rect(90, 4, 10, BAR_HEIGHT, True)]
    texts += [Text(14, 12, notes_word), Text(104, 12, votes_word)]
    top = LEGEND_HEIGHT
    if not section.themes:
        texts.append(Text(0, top + 12, i18n.gettext("No themes yet")))
        top += ROW_HEIGHT / 2
    peak = max([1] + [max(t.size, t.votes) for t in section.themes])
    scale = (width - _end_label_room(section)) / peak
    for theme in shown:
        texts.append(Text(0, top + 10, _fit(theme.label, width), bold=True))
        for offset, value, hatched in ((14, theme.size, False), (25, theme.votes, True)):
            length = value * scale
            rects.append(Rect(0, top + offset, length, BAR_HEIGHT, hatched))
            label = count_label(value, hatched)
            texts.append(Text(length + END_LABEL_GAP, top + offset + 7.5, label))
        top += ROW_HEIGHT
    if shown:
        lines.append(Line(0, LEGEND_HEIGHT + 12, 0, top - 4))  # the axis bars grow from
    described = "; ".join(
        f"{t.label}: {count_label(t.size, False)}, {count_label(t.votes, True)}" for t in shown
    )
    return Figure(
        key=f"chart-{section.id}" + (f"-{first}" if first else ""),
        width=width,
        height=top,
        rects=rects,
        texts=texts,
        lines=lines,
        title=i18n.gettext("Themes: %(prompt)s") % {"prompt": section.text},
        description=(i18n.gettext("Notes and votes per theme.") + " " + described).strip(),
    )


def pages(section: PromptSection, width: float = WIDTH) -> list[Figure]:
    """The chart in parts of at most PAGE_THEMES themes, each fitting one printed page."""
    starts = range(0, max(1, len(section.themes)), PAGE_THEMES)
    return [layout(section, width, first, PAGE_THEMES) for first in starts]


def hatch_segments(rect: Rect) -> list[Line]:
    """Diagonal hatch lines clipped to a rectangle, for drawing back-ends without patterns."""
    segments = []
    t = HATCH_SPACING
    while t < rect.w + rect.h:
        a0, a1 = max(0.0, t - rect.h), min(rect.w, t)
        if a1 > a0:
            bottom = rect.y + rect.h
            segments.append(Line(rect.x + a0, bottom - (t - a0), rect.x + a1, bottom - (t - a1)))
        t += HATCH_SPACING
    return segments


def svg(section: PromptSection, width: float = WIDTH) -> str:
    """A standalone, accessible SVG (role=img, title, desc) of one prompt's themes.

    Hatching is drawn as plain lines rather than an SVG <pattern>, which some viewers
    (and Office's SVG import) fill solid black, losing the notes/votes distinction.
    """
    fig = layout(section, width)
    key = fig.key
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{fig.width:g}" height="{fig.height:g}"'
        f' viewBox="0 0 {fig.width:g} {fig.height:g}" role="img"'
        f' aria-labelledby="{key}-title {key}-desc"'
        f' font-family="DejaVu Sans, Verdana, sans-serif" font-size="{FONT_SIZE:g}">',
        f'<title id="{key}-title">{escape(fig.title)}</title>',
        f'<desc id="{key}-desc">{escape(fig.description)}</desc>',
        f'<rect width="{fig.width:g}" height="{fig.height:g}" fill="#fff"/>',
    ]
    for r in fig.rects:
        kind, fill = ("votes", "#fff") if r.hatched else ("notes", "#000")
        out.append(
            f'<rect class="{kind}" x="{r.x:g}" y="{r.y:g}" width="{r.w:.2f}" height="{r.h:g}"'
            f' fill="{fill}" stroke="#000" stroke-width="0.8"/>'
        )
        if hatch := hatch_segments(r) if r.hatched else []:
            path = "".join(f"M{s.x1:.2f} {s.y1:.2f}L{s.x2:.2f} {s.y2:.2f}" for s in hatch)
            out.append(f'<path d="{path}" stroke="#000" stroke-width="{HATCH_WIDTH:g}"/>')
    for ln in fig.lines:
        out.append(
            f'<line x1="{ln.x1:g}" y1="{ln.y1:g}" x2="{ln.x2:g}" y2="{ln.y2:g}"'
            ' stroke="#000" stroke-width="0.8"/>'
        )
    for t in fig.texts:
        weight = ' font-weight="bold"' if t.bold else ""
        out.append(f'<text x="{t.x:.2f}" y="{t.y:g}"{weight}>{escape(t.text)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def png(fig: Figure, scale: float = 2.5) -> bytes:
    """The same chart as a PNG (Pillow), for Word, which cannot show SVG everywhere."""
    from io import BytesIO

    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (round(fig.width * scale) + 2, round(fig.height * scale) + 2), 255)
    draw = ImageDraw.Draw(image)
    regular = ImageFont.truetype(str(REGULAR_FONT), round(FONT_SIZE * scale))
    bold = ImageFont.truetype(str(BOLD_FONT), round(FONT_SIZE * scale))

    def box(x: float, y: float) -> tuple[float, float]:
        return x * scale, y * scale

    for r in fig.rects:
        corners = [box(r.x, r.y), box(r.x + r.w, r.y + r.h)]
        border = max(1, round(scale * 0.8))
        draw.rectangle(corners, fill=255 if r.hatched else 0, outline=0, width=border)
        for seg in hatch_segments(r) if r.hatched else []:
            draw.line(
                [box(seg.x1, seg.y1), box(seg.x2, seg.y2)],
                fill=0,
                width=max(1, round(scale * HATCH_WIDTH)),
            )
    for ln in fig.lines:
        draw.line([box(ln.x1, ln.y1), box(ln.x2, ln.y2)], fill=0, width=max(1, round(scale * 0.8)))
    for t in fig.texts:
        draw.text(box(t.x, t.y), t.text, fill=0, font=bold if t.bold else regular, anchor="ls")
    out = BytesIO()
    image.save(out, format="PNG", compress_level=3)
    return out.getvalue()
