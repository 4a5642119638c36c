"""Workshop summary downloads: render(summary, fmt) gives the bytes, type and name of one file.

Format modules are imported on first use, so the app does not load python-docx, openpyxl
or fpdf2 until somebody downloads.
"""

from __future__ import annotations

import contextvars
import importlib
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote

from workshop import i18n
from workshop.reports.model import WorkshopSummary
from workshop.reports.tables import helsinki_date

# format -> (module in this package, media type)
_FORMATS: dict[str, tuple[str, str]] = {
    "md": ("markdown", "text/markdown; charset=utf-8"),
    "csv": ("csvfile", "text/csv; charset=utf-8"),
    "json": ("jsonfile", "application/json"),
    "docx": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pdf": ("pdf", "application/pdf"),
}
FORMATS: tuple[str, ...] = tuple(_FORMATS)

# letters NFKD does not take apart (Sámi, Nordic) and their ASCII stand-ins
_ASCII = str.maketrans(
    {**dict(zip("đĐŋŊŧŦøØð", "dDnNtToOd", strict=True)), "æ": "ae", "Æ": "AE", "ß": "ss", "þ": "th"}
)
_UNSAFE_IN_FILENAME = set('/\\:*?"<>|')
_EMOJI_JOINERS = {"\u200d", "\u200c"}  # zero-width joiner and non-joiner


@dataclass(frozen=True)
class Download:
    content: bytes
    media_type: str
    filename: str  # ASCII only: talkoot-<slug>-<date>.<ext>
    display_name: str = ""  # the same with the title's own letters, for filename*


def slug(text: str, limit: int = 60) -> str:
    """ASCII-safe, lower-case, hyphenated: 'Työpaja Äänekoski' -> 'tyopaja-aanekoski'."""
    ascii_text = unicodedata.normalize("NFKD", text.translate(_ASCII)).encode("ascii", "ignore")
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text.decode().lower()).strip("-")
    return words[:limit].rstrip("-") or "workshop"


def _display_name(title: str, day: str, ext: str) -> str:
    """The title's own letters, without what a file name cannot hold or should not: control
    and format characters (a right-to-left override would make "…fdp.exe" look like a PDF)."""
    kept = "".join(" " if _unsafe_in_filename(char) else char for char in title)
    readable = " ".join(kept.split())[:80] or "workshop"
    return f"talkoot-{readable}-{day}.{ext}"


def _unsafe_in_filename(char: str) -> bool:
    """Controls and format characters, but not the joiners inside emoji (👩‍💻)."""
    if char in _UNSAFE_IN_FILENAME:
        return True
    return unicodedata.category(char) in {"Cc", "Cf"} and char not in _EMOJI_JOINERS


def content_disposition(download: Download) -> str:
    """attachment with an ASCII filename for old clients and the UTF-8 name (RFC 6266)."""
    name = quote(download.display_name or download.filename, safe="")
    return f"attachment; filename=\"{download.filename}\"; filename*=UTF-8''{name}"


def render(summary: WorkshopSummary, fmt: str) -> Download:
    """Render one download; the language switch stays inside this call."""
    if fmt not in _FORMATS:
        raise ValueError(f"unknown download format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return contextvars.copy_context().run(_render, summary, fmt)


def _render(summary: WorkshopSummary, fmt: str) -> Download:
    i18n.use_language(summary.language)
    module_name, media_type = _FORMATS[fmt]
    module = importlib.import_module(f"workshop.reports.{module_name}")
    day = helsinki_date(summary.generated_at).isoformat()
    return Download(
        content=module.render(summary),
        media_type=media_type,
        filename=f"talkoot-{slug(summary.title)}-{day}.{fmt}",
        display_name=_display_name(summary.title, day, fmt),
    )
