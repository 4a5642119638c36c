"""HTTP handlers for series: create, add workshops, compare (JSON and page)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from workshop import validation as check
from workshop.errors import TalkootError, invalid
from workshop.pages import render
from workshop.review_service import MAX_THEMES
from workshop.security import bearer_token
from workshop.series_service import Comparison, Series
from workshop.views import base_url, json_body, limited_body


def series_of(request: Request) -> Series:
    return request.app.state.series  # type: ignore[no-any-return]


def token_of(request: Request) -> str | None:
    """The bearer token, or ?token= for links a browser follows (pages, downloads)."""
    return bearer_token(request.headers.get("authorization")) or request.query_params.get("token")


def theme_count(request: Request) -> int | None:
    raw = request.query_params.get("themes")
    if not raw:
        return None
    if not check.ascii_digits(raw):
        raise invalid(f"themes must be a whole number from 1 to {MAX_THEMES}")
    return check.whole_number(int(raw), "themes", MAX_THEMES)


async def create_series(request: Request) -> Response:
    organiser = bearer_token(request.headers.get("authorization"))
    created = await series_of(request).create(await json_body(request), organiser)
    created["url"] = f"{base_url(request)}/series/{created['id']}?token={created['token']}"
    return JSONResponse(created, status_code=201)


async def add_workshops(request: Request) -> Response:
    series_id = request.path_params["series_id"]
    await series_of(request).add_workshops(series_id, token_of(request), await json_body(request))
    return Response(status_code=204)


async def compare(request: Request) -> Response:
    comparison = await comparison_for(request)
    return JSONResponse(comparison_json(comparison))


async def series_page(request: Request) -> Response:
    comparison = await comparison_for(request)
    language = comparison.workshops[0].language if comparison.workshops else "fi"
    context = {
        "comparison": comparison,
        "token": token_of(request),
    }
    return render(request, "series.html", context, 200, language)


async def comparison_for(request: Request) -> Comparison:
    series = series_of(request)
    record = await series.authenticate(request.path_params["series_id"], token_of(request))
    return await series.compare(record, theme_count(request))


def comparison_json(comparison: Comparison) -> dict[str, Any]:
    count = len(comparison.workshops)
    return {
        "title": comparison.series.title,
        "workshops": [{"id": w.id, "title": w.title} for w in comparison.workshops],
        "themes": [
            {
                "label": t.label,
                "keywords": t.keywords,
                "total": t.total,
                "counts": t.counts,
                "spread": t.spread(count),
                "representatives": t.representatives,
            }
            for t in comparison.themes
        ],
        "notes": len(comparison.notes),
    }


# ---- the organiser's form: paste dashboard links, get the comparison ------------------------

DASHBOARD_LINK = re.compile(r"/d/([0-9a-f]{16})\?token=([A-Za-z0-9_-]+)")
FORM_MAX_BYTES = 64 * 1024


def form_problem(code: str) -> str:
    """Which field a refused series is about; the template words the message."""
    return "title" if code in {"empty", "too_long"} else "links"


async def new_series_page(request: Request) -> Response:
    return render(request, "series_new.html", {"needs_key": needs_key(request)})


async def create_series_form(request: Request) -> Response:
    form = await url_encoded_form(request)
    title, links, key = form.get("title", ""), form.get("links", ""), form.get("key") or None
    context = {"title": title, "links": links, "needs_key": needs_key(request)}
    series = series_of(request)
    try:
        series.talkoot.check_organiser(key)
    except TalkootError as problem:
        return render(request, "series_new.html", {**context, "problem": "key"}, problem.status)
    members = [
        {"id": found[1], "facilitator_token": found[2]} for found in DASHBOARD_LINK.finditer(links)
    ]
    try:
        created = await series.create({"title": title, "workshops": members}, key)
    except TalkootError as problem:
        context["problem"] = form_problem(problem.code)
        return render(request, "series_new.html", context, problem.status)
    return RedirectResponse(f"/series/{created['id']}?token={created['token']}", 303)


async def url_encoded_form(request: Request) -> dict[str, str]:
    """A plain HTML form's fields (the standard library parses them; no multipart here)."""
    body = await limited_body(request, FORM_MAX_BYTES, "the form")
    try:
        fields = parse_qs(body.decode("utf-8", errors="replace"), max_num_fields=10)
    except ValueError:
        raise TalkootError("bad_request", "the form has too many fields") from None
    return {name: values[0] for name, values in fields.items()}


def needs_key(request: Request) -> bool:
    return series_of(request).talkoot.settings.organiser_key is not None
