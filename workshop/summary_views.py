"""Summary downloads and pages, for a workshop and for a series."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import Response

from workshop.errors import forbidden, invalid
from workshop.pages import render, render_fragment
from workshop.reports import FORMATS, content_disposition
from workshop.reports import render as render_download
from workshop.reports.build import build_summary
from workshop.reports.chart import svg as chart_svg
from workshop.reports.model import PromptSection, WorkshopSummary
from workshop.series_service import comparison_summary
from workshop.series_views import comparison_for, token_of
from workshop.views import talkoot_of

HTML = "html"


def requested_format(request: Request) -> str:
    fmt = request.query_params.get("format", "md")
    if fmt not in (*FORMATS, HTML):
        raise invalid(f"format must be one of {', '.join((*FORMATS, HTML))}")
    return fmt


async def workshop_summary(request: Request) -> Response:
    """Facilitators download any time; participants once the summary is published."""
    talkoot = talkoot_of(request)
    workshop_id = request.path_params["workshop_id"]
    principal = await talkoot.authenticate(token_of(request))
    talkoot.authorize(principal, workshop_id)
    fmt = requested_format(request)
    workshop = await talkoot.workshop(workshop_id)
    if not principal.is_facilitator and not (workshop.summary_published and workshop.shared):
        raise forbidden("the facilitator has not published the summary yet")
    summary = await build_summary(talkoot.db, workshop_id)
    if fmt == HTML:
        return summary_fragment(request, summary, summary.language)
    return await download(summary, fmt)


async def series_summary(request: Request) -> Response:
    comparison = await comparison_for(request)
    fmt = requested_format(request)
    language = comparison.workshops[0].language if comparison.workshops else "fi"
    summary = comparison_summary(comparison, language)
    if fmt == HTML:
        return summary_fragment(request, summary, language)
    return await download(summary, fmt)


async def summary_page(request: Request) -> Response:
    """The facilitator's printable summary page with its downloads."""
    talkoot = talkoot_of(request)
    workshop_id = request.path_params["workshop_id"]
    principal = await talkoot.authenticate(token_of(request))
    talkoot.authorize(principal, workshop_id, facilitator=True)
    summary = await build_summary(talkoot.db, workshop_id)
    context = {**summary_context(summary), "token": token_of(request)}
    return render(request, "summary.html", context, 200, summary.language)


# The page's chart is laid out narrower than the PDF's (480 pt), so that it grows rather than
# shrinks to fill a screen: on a 360 px phone its 9-unit text stays about 10 px tall.
SCREEN_CHART_WIDTH = 320.0


def summary_fragment(request: Request, summary: WorkshopSummary, language: str) -> Response:
    """The summary as an HTML fragment (`?format=html`), headings from h3: a page shows it under
    a heading of its own."""
    return render_fragment(request, "_summary.html", summary_context(summary, top=3), language)


def summary_context(summary: WorkshopSummary, top: int = 2) -> dict[str, object]:
    """The template draws each chart while it renders, so the chart speaks the page's language.
    `top` is the level of its prompt headings: 2 on the summary page, 3 in the fragment."""
    return {"summary": summary, "chart": _screen_chart, "formats": FORMATS, "top": top}


def _screen_chart(section: PromptSection) -> str:
    return chart_svg(section, SCREEN_CHART_WIDTH)


async def download(summary: WorkshopSummary, fmt: str) -> Response:
    made = await asyncio.to_thread(render_download, summary, fmt)
    return Response(
        made.content,
        media_type=made.media_type,
        headers={"Content-Disposition": content_disposition(made), "Cache-Control": "no-store"},
    )
