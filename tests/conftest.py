"""Shared fixtures: real uvicorn servers on loopback ports, and clients for them."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import uvicorn

from workshop.cli import server_config
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


def start_server(settings: Settings, port: int | None = None) -> LiveServer:
    """Serve in a thread; on `port` if given (a server started again where the last one was)."""
    port = port or free_port()
    config = server_config(settings, "127.0.0.1", port)
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
    """Fast defaults; the tests that need the embedding model ask for it."""
    return Settings(db_path=db_path, synchronous="NORMAL", theme_backend="lexical")


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


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that drives Chromium is marked `browser`, whether or not its author said so.

    Playwright's sync API keeps an event loop running in the main thread, so the
    browser tests run in a pytest process of their own (see the Makefile).
    """
    for item in items:
        if {"browser", "new_context"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)


# ==== browser ==================================================================================
# Fixtures for tests/test_browser_*.py: one headless Debian Chromium per test session, driven
# through Playwright's sync API (the tests are plain functions, not async ones).

BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Chromium is not installed at /usr/bin/chromium: `make test` installs it")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=BROWSER_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Callable[..., BrowserContext]]:
    """Make browser contexts (separate storage, like separate devices); all closed at teardown."""
    made: list[BrowserContext] = []

    def make(**options: Any) -> BrowserContext:
        options.setdefault("locale", "en-GB")
        context = browser.new_context(**options)
        context.set_default_timeout(5000)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
