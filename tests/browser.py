"""What the browser tests share: a phone's settings, and pages that fail a test on any
uncaught script error or Content-Security-Policy violation."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import BrowserContext, Page

PHONE = {
    "viewport": {"width": 360, "height": 640},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
JS_ERRORS: list[str] = []
NewContext = Callable[..., BrowserContext]


@pytest.fixture(autouse=True)
def no_script_errors() -> Iterator[None]:
    """Uncaught exceptions and CSP violations in any page fail the test."""
    JS_ERRORS.clear()
    yield
    assert JS_ERRORS == []


def open_page(context: BrowserContext, url: str) -> Page:
    page = context.new_page()
    page.on("pageerror", lambda error: JS_ERRORS.append(f"{page.url}: {error}"))
    page.on(
        "console",
        lambda message: (
            JS_ERRORS.append(f"{page.url}: {message.text}")
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    page.goto(url)
    return page
