"""Configuration for one running Talkoot server, built once and passed in."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from analysis.choices import BACKENDS
from workshop.validation import ascii_digits


class SettingsError(ValueError):
    """A TALKOOT_* environment variable holds a value that cannot be used."""


@dataclass(frozen=True)
class Settings:
    db_path: Path = Path("talkoot.db")
    organiser_key: str | None = None
    # Scheme://host[:port] used in join and dashboard links; None = from the request.
    public_url: str | None = None
    # "FULL" fsyncs every commit (an ack survives power loss); "NORMAL" survives a
    # process crash only. Batched commits keep FULL affordable.
    synchronous: str = "FULL"
    note_max_chars: int = 500
    notes_per_minute: int = 30
    frames_per_second: int = 20
    ws_max_frame_bytes: int = 2 * 1024 * 1024
    ws_queue_size: int = 1000
    # Per-message compression costs CPU for every recipient and ~55 KiB per idle connection;
    # notes are short, so it is off unless asked for.
    ws_deflate: bool = False
    joins_per_minute_per_ip: int = 1200
    bad_codes_per_minute_per_ip: int = 30
    max_groups: int = 100
    max_prompts: int = 20
    theme_backend: str = "auto"
    # Where users send accessibility feedback (an e-mail address or a web address).
    accessibility_contact: str | None = None
    # Days after its last change that a workshop is deleted by itself; None keeps it until
    # its facilitator deletes it (docs/privacy.md, "Retention").
    retention_days: int | None = None

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Defaults, then TALKOOT_* environment variables, then explicit overrides."""
        env = os.environ
        settings = cls(
            db_path=Path(env.get("TALKOOT_DB", "talkoot.db")),
            organiser_key=env.get("TALKOOT_ORGANISER_KEY") or None,
            public_url=_env_url("TALKOOT_PUBLIC_URL"),
            synchronous=_env_choice("TALKOOT_SYNCHRONOUS", "FULL", ("FULL", "NORMAL", "EXTRA")),
            notes_per_minute=_env_int("TALKOOT_NOTES_PER_MINUTE", 30),
            joins_per_minute_per_ip=_env_int("TALKOOT_JOINS_PER_MINUTE", 1200),
            accessibility_contact=env.get("TALKOOT_ACCESSIBILITY_CONTACT") or None,
            ws_deflate=_env_choice("TALKOOT_WS_DEFLATE", "off", ("on", "off")) == "on",
            theme_backend=theme_backend_from_env(),
            retention_days=_env_int("TALKOOT_RETENTION_DAYS", 0, most=36500) or None,
        )
        return replace(settings, **overrides)  # type: ignore[arg-type]


def theme_backend_from_env() -> str:
    """TALKOOT_THEME_BACKEND, for the server and `talkoot themes` alike."""
    return _env_choice("TALKOOT_THEME_BACKEND", "auto", BACKENDS)


def _env_int(name: str, default: int, most: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    allowed = f"from 1 to {most}" if most else "of 1 or more"
    if not ascii_digits(raw.strip()) or int(raw) < 1 or (most and int(raw) > most):
        raise SettingsError(f"{name} must be a whole number {allowed}, not {raw!r}")
    return int(raw)


def _env_url(name: str) -> str | None:
    """An http(s) address with a host, or unset: links and the WebSocket Origin check use it."""
    raw = (os.environ.get(name) or "").strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise SettingsError(
            f"{name} must be an address such as https://talkoot.example.fi, not {raw!r}"
        )
    return raw


def _env_choice(name: str, default: str, allowed: tuple[str, ...]) -> str:
    raw = os.environ.get(name) or default
    value = raw.upper() if default.isupper() else raw.lower()
    if value not in allowed:
        raise SettingsError(f"{name} must be one of {', '.join(allowed)}, not {raw!r}")
    return value
