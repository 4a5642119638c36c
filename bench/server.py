"""Start `talkoot serve` as a subprocess for a benchmark, and wait until it answers."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx


def start_server(db: Path, port: int, **env: str) -> subprocess.Popen[bytes]:
    """The server on 127.0.0.1:port with SQLite at db; env adds TALKOOT_* settings."""
    process = subprocess.Popen(
        [sys.executable, "-m", "workshop.cli", "serve", "--port", str(port), "--db", str(db)],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the server did not start")
