"""Checks on untrusted input; each failure is a TalkootError with a clear message."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import orjson

from workshop.errors import TalkootError, invalid

CID_MAX = 64
MAX_WHOLE_NUMBER = 2**63 - 1  # SQLite's largest integer; bigger ones cannot be looked up
# Unicode categories that draw nothing: controls, format characters (zero-width space and
# joiners, direction marks) and separators. Not "unassigned": to this Python's Unicode
# version, emoji newer than it (🩷) are unassigned, and phones send them.
_INVISIBLE = {"Cc", "Cf", "Cs", "Zs", "Zl", "Zp"}
# Line breaks as Windows and old Macs write them, and Word's Shift+Enter (vertical tab) ...
_LINE_BREAK = re.compile("\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
# ... and the other control characters, which no screen draws and downloads cannot all hold.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")


def text_field(value: Any, name: str, max_chars: int, *, required: bool = True) -> str | None:
    """A trimmed string of 1..max_chars characters (None allowed when not required), its
    line breaks written as \\n and other control characters dropped, so that every screen and
    download shows the same text."""
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise invalid(f"{name} must be text")
    text = _CONTROL.sub("", _LINE_BREAK.sub("\n", value)).strip()
    if not any(_visible(char) for char in text):
        if not required:
            return None
        raise invalid(f"{name} must not be empty", "empty")
    if len(text) > max_chars:
        raise invalid(f"{name} is longer than {max_chars} characters", "too_long")
    return text


def _visible(char: str) -> bool:
    """Not a space, control or format character: text of only U+200B shows nothing."""
    return unicodedata.category(char) not in _INVISIBLE


def note_text(value: Any, max_chars: int) -> str:
    text = text_field(value, "text", max_chars)
    assert text is not None
    return text


def positive_id(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_WHOLE_NUMBER:
        raise invalid(f"{name} must be a positive whole number")
    return value


def whole_number(value: Any, name: str, maximum: int) -> int:
    """A count or an amount from 1 to maximum (themes, dots, timer seconds)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        raise invalid(f"{name} must be a whole number from 1 to {maximum}")
    return value


def ascii_digits(raw: str) -> bool:
    """Only 0-9: str.isdigit also accepts "²" and other digits that int() refuses."""
    return raw.isascii() and raw.isdigit()


def cid(value: Any) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= CID_MAX:
        raise invalid(f"cid must be text of 1 to {CID_MAX} characters")
    return value


def flag(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise invalid(f"{name} must be true or false")
    return value


def choice(value: Any, name: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise invalid(f"{name} must be one of {', '.join(allowed)}")
    return str(value)


def parse_json(raw: str | bytes, what: str) -> Any:
    """Strict JSON (RFC 8259): no NaN, no lone surrogates, which SQLite could not store."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise TalkootError("bad_json", f"{what} is not valid JSON") from None


def json_object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TalkootError("bad_request", "the body must be a JSON object")
    return value
