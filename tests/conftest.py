"""Shared fixtures: real uvicorn servers on loopback ports, and clients for them."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import pytest
import uvicorn

from workshop.app import create_app
from workshop.settings import Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    """A real uvicorn serving Talkoot on a loopback port, in a thread of its own."""

    settings: Settings
    port: int
    server: uvicorn.Server
    thread: threading.Thread

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def http(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=10)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start_server(settings: Settings) -> LiveServer:
    port = free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                            log_level="warning", ws_max_size=settings.ws_max_frame_bytes)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    return LiveServer(settings, port, server, thread)


def test_settings(db_path: Path) -> Settings:
    return Settings(db_path=db_path, synchronous="NORMAL")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return test_settings(tmp_path / "talkoot.db")


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator:
    """Start servers with settings of the test's choosing; all stop at teardown."""
    started: list[LiveServer] = []

    def start(**overrides: object) -> LiveServer:
        base = test_settings(tmp_path / f"talkoot-{len(started)}.db")
        live = start_server(replace(base, **overrides))  # type: ignore[arg-type]
        started.append(live)
        return live

    yield start
    for live in started:
        live.stop()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server per test module: workshops are isolated from each other by design."""
    live = start_server(test_settings(tmp_path_factory.mktemp("live") / "talkoot.db"))
    yield live
    live.stop()
