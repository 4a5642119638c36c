"""create_app(settings) -> the Starlette application."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from workshop import retention
from workshop.db import Database
from workshop.errors import TalkootError
from workshop.hub import Hub
from workshop.live import command_table
from workshop.pages import build_environment, error_page
from workshop.review_service import Review
from workshop.routes import build_routes
from workshop.series_service import Series
from workshop.service import Talkoot
from workshop.settings import Settings
from workshop.theming import Theming

log = logging.getLogger("talkoot")

HTTP_ERROR_CODES = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}


def create_app(settings: Settings) -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with (
            Database(settings.db_path, settings.synchronous) as db,
            Theming(settings.theme_backend) as theming,
        ):
            talkoot = Talkoot(settings, db, Hub(settings.ws_queue_size), theming)
            app.state.talkoot = talkoot
            app.state.review = Review(talkoot)
            app.state.series = Series(talkoot)
            app.state.commands = command_table(talkoot, app.state.review)
            sweeper = None
            if settings.retention_days:
                await retention.sweep(talkoot, settings.retention_days)  # before serving anyone
                sweeper = asyncio.create_task(
                    retention.sweep_hourly(talkoot, settings.retention_days)
                )
            try:
                yield
            finally:
                if sweeper:
                    sweeper.cancel()
                await talkoot.close()

    app = Starlette(
        routes=build_routes(),
        lifespan=lifespan,
        exception_handlers={
            TalkootError: handle_talkoot_error,
            HTTPException: handle_http_error,
            Exception: handle_crash,
        },
    )
    app.state.settings = settings
    app.state.templates = build_environment()
    return app


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/healthz"


async def handle_talkoot_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TalkootError)
    if wants_json(request):
        return JSONResponse(exc.to_dict(), status_code=exc.status)
    return error_page(request, exc)


async def handle_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = HTTP_ERROR_CODES.get(exc.status_code, "http_error")
    return await handle_talkoot_error(request, TalkootError(code, str(exc.detail), exc.status_code))


CRASH_PAGE = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>Talkoot</title>"
    "<h1>Something went wrong</h1><p>Please try again. <a href='/'>Talkoot</a></p></html>"
)


async def handle_crash(request: Request, exc: Exception) -> Response:
    """A bug: logged in full; the client gets a plain answer that cannot fail in turn."""
    log.exception("unexpected error on %s", request.url.path)
    if wants_json(request):
        body = {"error": {"code": "internal", "message": "unexpected server error"}}
        return JSONResponse(body, status_code=500)
    return HTMLResponse(CRASH_PAGE, status_code=500)
