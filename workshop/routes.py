"""The one list of routes; every route is named."""

from __future__ import annotations

from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from workshop import pages, series_views, summary_views, views
from workshop.live import live_endpoint


def build_routes() -> list[Route | WebSocketRoute | Mount]:
    return [
        Route("/", pages.landing, name="landing"),
        Route("/join", pages.join_page, name="join"),
        Route("/j/{code}", pages.join_page, name="join_code"),
        Route("/w/sw.js", pages.board_worker, name="board_worker"),  # before the boards
        Route("/w/{workshop_id}", pages.board_page, name="board"),
        Route("/d/{workshop_id}", pages.dashboard_page, name="dashboard"),
        Route("/d/{workshop_id}/summary", summary_views.summary_page, name="summary"),
        Route("/series/new", series_views.new_series_page, name="series_new"),
        Route("/series", series_views.create_series_form, methods=["POST"], name="series_create"),
        Route("/series/{series_id}", series_views.series_page, name="series"),
        Route("/accessibility", pages.accessibility, name="accessibility"),
        Route("/qr/{code}.svg", pages.join_qr, name="join_qr"),
        Route("/strings/results.json", pages.results_strings, name="results_strings"),
        Route("/healthz", views.healthz, name="healthz"),
        Route("/api/workshops", views.create_workshop, methods=["POST"], name="api_create"),
        Route("/api/join", views.join, methods=["POST"], name="api_join"),
        Route(
            "/api/workshops/{workshop_id}",
            views.workshop_state,
            methods=["GET"],
            name="api_workshop",
        ),
        Route(
            "/api/workshops/{workshop_id}",
            views.delete_workshop,
            methods=["DELETE"],
            name="api_delete",
        ),
        Route(
            "/api/workshops/{workshop_id}/notes",
            views.list_notes,
            methods=["GET"],
            name="api_notes",
        ),
        Route(
            "/api/workshops/{workshop_id}/notes",
            views.add_note,
            methods=["POST"],
            name="api_add_note",
        ),
        Route(
            "/api/workshops/{workshop_id}/themes", views.themes, methods=["POST"], name="api_themes"
        ),
        Route(
            "/api/workshops/{workshop_id}/summary",
            summary_views.workshop_summary,
            methods=["GET"],
            name="api_summary",
        ),
        Route("/api/series", series_views.create_series, methods=["POST"], name="api_series"),
        Route(
            "/api/series/{series_id}/workshops",
            series_views.add_workshops,
            methods=["POST"],
            name="api_series_add",
        ),
        Route(
            "/api/series/{series_id}/themes",
            series_views.compare,
            methods=["GET"],
            name="api_series_themes",
        ),
        Route(
            "/api/series/{series_id}/summary",
            summary_views.series_summary,
            methods=["GET"],
            name="api_series_summary",
        ),
        WebSocketRoute("/ws", live_endpoint, name="live"),
        Mount("/static", _compressed(StaticFiles(directory=str(pages.STATIC_DIR))), name="static"),
    ]


def _compressed(app: ASGIApp) -> ASGIApp:
    """Scripts and styles gzipped for browsers that accept it: a phone on a poor connection
    fetches about a third of the bytes. Only static files: pages and API answers hold tokens
    beside user text, which compression would let an attacker probe (BREACH)."""
    return GZipMiddleware(app, minimum_size=500)
