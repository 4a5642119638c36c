"""Markdown summary: pastes cleanly into e-mail, Teams, wikis and issue trackers."""

from __future__ import annotations

import re
from collections.abc import Sequence

from workshop import i18n
from workshop.reports import tables
from workshop.reports.model import WorkshopSummary

_ENTITY = re.compile(r"&(?=#?\w+;)")  # "&lt;" would show as "<"; a lone "&" stays as it is
_INLINE = re.compile(r"([\\`*_\[\]<>|~])")  # emphasis, code, links, html, table cells
_LINE_START = re.compile(r"^(\d*)([#+=.)-])")  # would start a heading or a (nested) list


def escape(text: str) -> str:
    """User text as literal Markdown on one line: markup characters backslash-escaped."""
    flat = _INLINE.sub(r"\\\1", " ".join(text.split()))
    flat = _ENTITY.sub(r"\\&", flat)
    return _LINE_START.sub(r"\1\\\2", flat)


def _table(headers: list[str], rows: Sequence[Sequence[object]]) -> list[str]:
    numeric = [all(isinstance(row[i], int) for row in rows) for i in range(len(headers))]
    lines = ["| " + " | ".join(headers) + " |"]
    lines.append("|" + "|".join("---:" if num else "---" for num in numeric) + "|")
    lines += ["| " + " | ".join(escape(str(cell)) for cell in row) + " |" for row in rows]
    return lines


def render(summary: WorkshopSummary) -> bytes:
    lines = [f"# {escape(summary.title)}", "", tables.meta_line(summary)]
    for section in summary.prompts:
        lines += ["", f"## {escape(section.text)}", ""]
        rows = list(tables.theme_rows(summary, section))
        headers = tables.theme_headers(summary)
        lines += _table(headers, rows) if rows else [i18n.gettext("No themes yet")]
        for theme in section.themes:
            lines += ["", f"### {escape(theme.label)}"]
            if theme.representatives:
                lines += ["", i18n.gettext("Typical notes") + ":", ""]
                lines += [f"- {escape(text)}" for text in theme.representatives]
            if theme.actions:
                lines += ["", i18n.gettext("Actions") + ":", ""]
                lines += [f"- [ ] {escape(tables.action_text(a))}" for a in theme.actions]
        if unsorted := tables.unsorted_line(section):
            lines += ["", unsorted, ""]
            lines += [f"- {escape(line.text)}" for line in section.unsorted]
    return ("\n".join(lines) + "\n").encode("utf-8")
