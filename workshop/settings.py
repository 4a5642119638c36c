"""Configuration for one running Talkoot server, built once and passed in."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path


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
    joins_per_minute_per_ip: int = 1200
    bad_codes_per_minute_per_ip: int = 30
    max_groups: int = 100
    max_prompts: int = 20
    theme_backend: str = "auto"

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Defaults, then TALKOOT_* environment variables, then explicit overrides."""
        env = os.environ
        settings = cls(
            db_path=Path(env.get("TALKOOT_DB", "talkoot.db")),
            organiser_key=env.get("TALKOOT_ORGANISER_KEY") or None,
            public_url=env.get("TALKOOT_PUBLIC_URL") or None,
            synchronous=env.get("TALKOOT_SYNCHRONOUS", "FULL").upper(),
            notes_per_minute=int(env.get("TALKOOT_NOTES_PER_MINUTE", "30")),
            theme_backend=env.get("TALKOOT_THEME_BACKEND", "auto"),
        )
        return replace(settings, **overrides)  # type: ignore[arg-type]
