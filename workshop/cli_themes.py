"""`talkoot themes FILE.csv`: cluster a CSV's text column into themes, offline."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analysis.choices import BACKENDS
from workshop.models import LANGUAGES
from workshop.settings import SettingsError, theme_backend_from_env

if TYPE_CHECKING:
    import numpy as np

    from analysis.embed import Embedder
    from analysis.summarize import ThemeResult

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_NOTES = 20_000
_DELIMITERS = ";,\t|"
_NO_DELIMITER = "\x1f"  # a one-column file: its notes' commas and semicolons are text
_EXCEL_SEPARATOR_LINE = re.compile(r"sep=(.)\r?\n")  # Excel's first line "sep=;"
_SNIFF_BYTES = 4096  # the start of a file that tells its encoding
_HEADER_CHARS = 65_536  # the header, with any line breaks quoted in it, fits in this
_PROGRESS_FROM = 200  # notes; fewer encode in about a second
_PROGRESS_CHUNK = 64  # notes encoded between redraws of the bar
_STAGE_NAMES = {"features": "reading the notes", "themes": "finding themes", "labels": "labelling"}


class InputError(Exception):
    """Bad input file: reported on stderr in one line, exit status 2."""


@dataclass(frozen=True)
class Notes:
    """Non-blank texts with their 0-based data-row numbers, and how many rows were skipped."""

    texts: list[str]
    rows: list[int]
    skipped: int


def add_parser(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Register the "themes" subcommand."""
    parser = subparsers.add_parser("themes", help="cluster the notes of a CSV file into themes")
    parser.add_argument("file", type=Path, metavar="FILE.csv", help='"-" reads standard input')
    parser.add_argument(
        "--themes",
        type=_positive_int,
        default=None,
        metavar="K",
        help="number of themes (default: chosen automatically)",
    )
    parser.add_argument("--lang", choices=("auto", *LANGUAGES), default="auto")
    parser.add_argument("--format", choices=("md", "json"), default="md")
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        help="default: TALKOOT_THEME_BACKEND, else auto",
    )
    parser.add_argument(
        "--column", type=_column_name, default=None, help='text column (default: "text")'
    )
    parser.set_defaults(func=run)


def _column_name(value: str) -> str:
    """argparse type for --column: a name, not an empty string that would mean "text"."""
    if not value.strip():
        raise argparse.ArgumentTypeError("needs the name of a column")
    return value


def _positive_int(value: str) -> int:
    """argparse type for --themes."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def run(args: argparse.Namespace) -> int:
    """Read the CSV, summarise its notes and print themes; 2 with a reason on bad input."""
    try:
        notes = read_notes(args.file, args.column)
    except InputError as exc:
        print(f"talkoot themes: {exc}", file=sys.stderr)
        return 2
    from analysis.summarize import summarize_themes

    if notes.skipped:
        print(f"talkoot themes: skipped {notes.skipped} blank row(s)", file=sys.stderr)
    from analysis.embed import get_embedder

    try:
        embedder = get_embedder(args.backend or theme_backend_from_env())
    except SettingsError as exc:
        print(f"talkoot themes: {exc}", file=sys.stderr)
        return 2
    except (ImportError, OSError, RuntimeError) as exc:  # asked for semantic; "auto" falls back
        print(f"talkoot themes: the semantic backend cannot load: {exc}", file=sys.stderr)
        return 2
    result = summarize_themes(
        notes.texts,
        k=args.themes,
        lang=args.lang,
        embedder=embedder,
        embeddings=_vectors_with_progress(embedder, notes.texts),
        progress=_stage_progress(len(notes.texts)),
    )
    if result.fallback_reason:
        print(f"talkoot themes: using lexical backend ({result.fallback_reason})", file=sys.stderr)
    try:
        print(render_json(result, notes) if args.format == "json" else render_md(result, notes))
        sys.stdout.flush()
    except BrokenPipeError:  # `| head` stopped reading: fine, and no traceback at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def read_notes(path: Path, column: str | None) -> Notes:
    """Decode, sniff and parse a CSV from Excel or elsewhere; keep the non-blank text cells."""
    text = decode(_read_bytes(path))
    try:
        return _text_cells(text, column, path)
    except csv.Error as exc:  # e.g. a cell over the csv module's 128 KiB field limit
        raise InputError(f"{path}: not readable as CSV ({exc})") from None


def _text_cells(text: str, column: str | None, path: Path) -> Notes:
    """The non-blank cells of the text column, with their data-row numbers."""
    if separator := _EXCEL_SEPARATOR_LINE.match(text):
        delimiter, text = separator.group(1), text[separator.end() :]
    else:
        delimiter = _delimiter(text, column)
    reader = _reader(text, delimiter)
    header = next(reader, None)
    if not header:
        raise InputError(f"{path}: the file is empty")
    col = _find_column(header, column)
    texts, rows, skipped = [], [], 0
    for row_number, row in enumerate(reader):
        cell = row[col].strip() if col < len(row) else ""
        if cell:
            texts.append(cell)
            rows.append(row_number)
        else:
            skipped += 1
    if len(texts) > MAX_NOTES:
        raise InputError(f"{path}: {len(texts)} notes; at most {MAX_NOTES} can be themed at once")
    return Notes(texts, rows, skipped)


def _read_bytes(path: Path) -> bytes:
    """The file's bytes ("-": standard input), refusing missing, unreadable and oversized
    files."""
    if str(path) == "-":
        data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise InputError(f"{path}: larger than {MAX_FILE_BYTES // 2**20} MB")
        return data
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InputError(f"{path}: larger than {MAX_FILE_BYTES // 2**20} MB")
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from None


def decode(data: bytes) -> str:
    """Text of a CSV: UTF-16 by its BOM or its NUL bytes, else UTF-8 (with or without BOM),
    else cp1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _checked(data.decode("utf-16", errors="replace"))
    if encoding := _utf16_without_bom(data):
        return _checked(data.decode(encoding, errors="replace"))
    if b"\x00" in data[:_SNIFF_BYTES]:
        raise InputError("the file is binary, not CSV text")
    try:
        return _checked(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        if _mostly_utf8(data):  # UTF-8 ä, ö, å... and a byte or a few that are not
            line = data[: exc.start].count(b"\n") + 1
            raise InputError(
                f"the file is UTF-8 except for byte 0x{data[exc.start]:02x} on line {line};"
                " save it as UTF-8 again (read as Windows-1252 its ä and ö would be garbled)"
            ) from None
    try:
        return _checked(data.decode("cp1252"))
    except UnicodeDecodeError:
        raise InputError("the file is not text in UTF-8, UTF-16 or Windows-1252") from None


def _utf16_without_bom(data: bytes) -> str | None:
    """The UTF-16 byte order when every other byte of the start is NUL and the others are not,
    as in UTF-16 of Latin letters written without a byte-order mark; else None."""
    head = data[:_SNIFF_BYTES]
    pairs = len(head) // 2
    if pairs < 2:
        return None
    even_nuls, odd_nuls = head[0::2].count(0), head[1::2].count(0)
    if odd_nuls >= 0.9 * pairs and even_nuls <= 0.1 * pairs:
        return "utf-16-le"
    if even_nuls >= 0.9 * pairs and odd_nuls <= 0.1 * pairs:
        return "utf-16-be"
    return None


def _mostly_utf8(data: bytes) -> bool:
    """More characters decode as UTF-8 letters than fail to: Windows-1252 text fails on
    nearly every ä and ö ("ä…" happens to look like the start of a UTF-8 sequence)."""
    lenient = data.decode("utf-8", errors="replace")
    broken = lenient.count("\ufffd")
    return sum(1 for char in lenient if ord(char) > 127) - broken > broken


def _checked(text: str) -> str:
    """Refuse decoded text that is mostly control characters (binary garbage)."""
    sample = text[:_SNIFF_BYTES]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\r\n\t")
    if controls > len(sample) // 20 or "\x00" in sample:
        raise InputError("the file is binary, not CSV text")
    return text


def _reader(text: str, delimiter: str) -> Iterator[list[str]]:
    """Rows as Excel writes them: fields quoted with ", a quote inside doubled."""
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"')


def _delimiter(text: str, column: str | None) -> str:
    """The delimiter that makes the header name the text column, with the most columns.

    The header decides, not the notes: they hold commas, semicolons and quotes of their own
    (csv.Sniffer, which looks at every line, cut one-column notes at their first comma and
    took apostrophes for quotes). A header of the text column alone is a one-column file.
    """
    headers = {d: next(_reader(text[:_HEADER_CHARS], d), []) for d in _DELIMITERS}
    naming = [d for d in _DELIMITERS if _column_index(headers[d], column) is not None]
    # Without the column the error lists the columns as the likeliest delimiter splits them.
    best = max(naming or _DELIMITERS, key=lambda d: len(headers[d]))
    return _NO_DELIMITER if naming and len(headers[best]) == 1 else best


def _find_column(header: list[str], wanted: str | None) -> int:
    """Index of the text column (case-insensitive), or a clear error listing the columns."""
    if (index := _column_index(header, wanted)) is not None:
        return index
    shown = ", ".join(repr(h) for h in header[:10])
    raise InputError(f'no column "{wanted or "text"}" in the header (columns: {shown})')


def _column_index(header: list[str], wanted: str | None) -> int | None:
    names = [name.strip().lstrip("\ufeff").casefold() for name in header]
    target = (wanted or "text").strip().casefold()
    return names.index(target) if target in names else None


def _vectors_with_progress(embedder: Embedder, texts: list[str]) -> np.ndarray | None:
    """Semantic vectors encoded chunk by chunk under a progress bar on stderr, for long
    encodes on a terminal; None otherwise (summarize_themes then computes the features)."""
    if embedder.name != "semantic" or not _long_run_on_a_terminal(len(texts)):
        return None
    import numpy as np

    parts = []
    for start in range(0, len(texts), _PROGRESS_CHUNK):
        parts.append(embedder.features(texts[start : start + _PROGRESS_CHUNK]))
        done = min(start + _PROGRESS_CHUNK, len(texts))
        _draw_progress(done, len(texts), f"{done}/{len(texts)} notes embedded")
    print(file=sys.stderr)
    return np.vstack(parts)


def _stage_progress(n_notes: int) -> Callable[[str], None] | None:
    """On a terminal, a bar through the analysis' stages: lexical features of 20,000 notes
    take half a minute, which passed without a sign of life."""
    if not _long_run_on_a_terminal(n_notes):
        return None
    from analysis.summarize import STAGES

    def report(stage: str) -> None:
        done = STAGES.index(stage)
        _draw_progress(done, len(STAGES), f"{_STAGE_NAMES[stage]} ({n_notes} notes)")
        if stage == STAGES[-1]:
            print(file=sys.stderr)

    return report


def _long_run_on_a_terminal(n_notes: int) -> bool:
    """Whether to draw progress: enough notes to take a while, and stderr is a terminal (a
    redrawn line would litter a pipe or file)."""
    return n_notes >= _PROGRESS_FROM and sys.stderr.isatty()


def _draw_progress(done: int, total: int, what: str, width: int = 30) -> None:
    """One redrawn line: [#####-----] what (e.g. "120/400 notes embedded")."""
    filled = width * done // total
    bar = "#" * filled + "-" * (width - filled)
    print(f"\r[{bar}] {what}\033[K", end="", file=sys.stderr, flush=True)


def render_json(result: ThemeResult, notes: Notes) -> str:
    """The JSON contract: themes with label, keywords and CSV data-row numbers, plus unsorted."""
    to_rows = notes.rows.__getitem__
    themes = [
        {
            "label": t.label,
            "keywords": t.keywords,
            "rows": [to_rows(i) for i in t.indices],
            "representatives": [to_rows(i) for i in t.representatives],
        }
        for t in result.themes
    ]
    document = {
        "themes": themes,
        "unsorted": [to_rows(i) for i in result.unsorted],
        "backend": result.backend,
        "fallback_reason": result.fallback_reason,
    }
    return json.dumps(document, ensure_ascii=False, indent=2)


def render_md(result: ThemeResult, notes: Notes) -> str:
    """A readable Markdown report: each theme with keywords and its representative notes.
    Note text, labels and keywords are escaped: a note is data, never markup."""
    from workshop.reports.markdown import escape

    lines = [f"# Themes ({len(notes.texts)} notes, {result.backend} backend)", ""]
    for number, theme in enumerate(result.themes, 1):
        lines += [
            f"## {number}. {escape(theme.label)} ({len(theme.indices)} notes)",
            "",
            f"Keywords: {escape(', '.join(theme.keywords))}",
            "",
        ]
        lines += [f"- {escape(notes.texts[i])}" for i in theme.representatives] + [""]
    if result.unsorted:
        lines += [f"## Unsorted ({len(result.unsorted)} notes)", ""]
        lines += [f"- {escape(notes.texts[i])}" for i in result.unsorted] + [""]
    return "\n".join(lines)
