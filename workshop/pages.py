"""HTML screens: landing, join, participant board, facilitator dashboard, errors."""

from __future__ import annotations

import hashlib
import io
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import segno
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response

from workshop import i18n, store
from workshop.errors import TalkootError, not_found
from workshop.models import LANGUAGES
from workshop.prompt_templates import TEMPLATES
from workshop.security import normalise_code
from workshop.views import base_url, client_ip, talkoot_of


def asset_dir(name: str) -> Path:
    """templates/ and static/: inside the installed package, or at the repository's top."""
    packaged = Path(__file__).parent / name
    return packaged if packaged.is_dir() else Path(__file__).parent.parent / name


TEMPLATE_DIR = asset_dir("templates")
STATIC_DIR = asset_dir("static")
# Pages hold no secrets for third parties: never leak a dashboard link as a Referer.
PAGE_HEADERS = {"Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"}
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


@cache
def static_version(name: str) -> str:
    """A content hash for cache-busting static URLs."""
    data = STATIC_DIR.joinpath(name).read_bytes()
    return hashlib.sha256(data).hexdigest()[:10]


def static_url(name: str) -> str:
    return f"/static/{name}?v={static_version(name)}"


def local_date(iso: str) -> str:
    """A calendar date ("2026-12-31") the way the page's language writes it."""
    try:
        day = date.fromisoformat(iso)
    except ValueError:
        return iso
    return i18n.format_day(day, "medium")


def build_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(static=static_url, languages=LANGUAGES)
    env.filters["local_date"] = local_date
    # JSON blocks keep ä, ö and å as they are (6 bytes each as \u escapes) and leave out
    # spaces (the board's 60,000 bytes); |tojson still escapes <, >, & and ' so the block
    # cannot end its <script> element.
    env.policies["json.dumps_kwargs"] = {
        "sort_keys": True,
        "ensure_ascii": False,
        "separators": (",", ":"),
    }
    return env


def render_fragment(
    request: Request, template: str, context: dict[str, Any], language: str
) -> Response:
    """A piece of a page (no layout), in the given language: fetched and shown by a script."""
    i18n.use_language(language)
    env: Environment = request.app.state.templates
    html = env.get_template(template).render(request=request, lang=language, **context)
    return HTMLResponse(html, headers={**PAGE_HEADERS, "Cache-Control": "no-store"})


def use_page_language(request: Request, fallback: str = i18n.DEFAULT_LANGUAGE) -> str:
    """Speak the language ?lang=, the remembered choice or the browser asks for; return it."""
    language = i18n.negotiate(
        request.query_params.get("lang"),
        request.cookies.get(i18n.LANGUAGE_COOKIE),
        request.headers.get("accept-language"),
        fallback,
    )
    i18n.use_language(language)
    return language


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    status: int = 200,
    fallback_language: str = i18n.DEFAULT_LANGUAGE,
) -> Response:
    """Render in the negotiated language, remembering an explicit ?lang= choice."""
    chosen = request.query_params.get("lang")
    language = use_page_language(request, fallback_language)
    env: Environment = request.app.state.templates
    html = env.get_template(template).render(request=request, lang=language, **context)
    response = HTMLResponse(
        html, status_code=status, headers={**PAGE_HEADERS, "Content-Security-Policy": CSP}
    )
    if chosen in LANGUAGES:
        response.set_cookie(
            i18n.LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, samesite="lax", httponly=True
        )
    return response


async def landing(request: Request) -> Response:
    return render(request, "landing.html", {"templates": TEMPLATES})


async def join_page(request: Request) -> Response:
    talkoot = talkoot_of(request)
    code = normalise_code(request.path_params.get("code", ""))
    workshop = await talkoot.workshop_for_code(code, client_ip(request)) if code else None
    groups = await store.groups(talkoot.db, workshop.id) if workshop else []
    context = {
        "code": code,
        "workshop": workshop,
        "groups": groups,
        "unknown_code": bool(code) and workshop is None,
        "retention_days": talkoot.settings.retention_days,
    }
    fallback = workshop.language if workshop else i18n.DEFAULT_LANGUAGE
    return render(request, "join.html", context, 404 if context["unknown_code"] else 200, fallback)


async def board_page(request: Request) -> Response:
    """The participant's screen; its token lives in the browser, so the page is a shell."""
    workshop = await talkoot_of(request).workshop(request.path_params["workshop_id"])
    return render(request, "board.html", {"workshop_id": workshop.id}, 200, workshop.language)


async def board_worker(request: Request) -> Response:
    """static/sw.js, the boards' service worker, served at /w/ so that its scope is the boards
    (a service worker controls the path it is served from and below)."""
    return FileResponse(
        STATIC_DIR / "sw.js", media_type="text/javascript", headers={"Cache-Control": "no-cache"}
    )


async def dashboard_page(request: Request) -> Response:
    talkoot = talkoot_of(request)
    token = request.query_params.get("token", "")
    workshop = await talkoot.dashboard_workshop(request.path_params["workshop_id"], token)
    root = base_url(request)
    context = {
        "workshop": workshop,
        "token": token,
        "join_url": f"{root}/j/{workshop.code}",
        "dashboard_url": f"{root}/d/{workshop.id}?token={token}",
        "prompts": await store.prompts(talkoot.db, workshop.id),
        "groups": await store.groups(talkoot.db, workshop.id),
        "retention_days": talkoot.settings.retention_days,
    }
    return render(request, "dashboard.html", context, 200, workshop.language)


# The day of the last WCAG 2.1 AA review of every screen (Act 306/2019 asks the statement to
# say it): change it with the next review.
ACCESSIBILITY_REVIEWED = "2026-11-23"


async def accessibility(request: Request) -> Response:
    contact = talkoot_of(request).settings.accessibility_contact
    is_email = bool(contact) and "@" in str(contact) and "://" not in str(contact)
    context = {"contact": contact, "contact_is_email": is_email, "reviewed": ACCESSIBILITY_REVIEWED}
    return render(request, "accessibility.html", context)


async def results_strings(request: Request) -> Response:
    """The board's vote and summary views' UI strings, in ?lang= (else as a page would choose):
    static/vote_view.js fetches them when those views first show."""
    use_page_language(request)
    env: Environment = request.app.state.templates
    text = env.get_template("results_strings.json").render()
    headers = {"Cache-Control": "no-cache", "Vary": "Cookie, Accept-Language"}  # without ?lang=
    return Response(text, media_type="application/json", headers=headers)


async def join_qr(request: Request) -> Response:
    """The join link as an SVG QR code, for a shared screen."""
    code = normalise_code(request.path_params["code"])
    if await talkoot_of(request).workshop_for_code(code, client_ip(request)) is None:
        raise not_found("workshop")
    svg = qr_svg(f"{base_url(request)}/j/{code}")
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


def qr_svg(url: str) -> str:
    """A standalone SVG document: an <img> shows it only with the SVG namespace declared."""
    qr = segno.make(url, error="m", micro=False)
    out = io.BytesIO()
    qr.save(
        out,
        kind="svg",
        xmldecl=False,
        nl=False,
        scale=8,
        border=2,
        dark="#000",
        light="#fff",
        title=url,
    )
    return out.getvalue().decode("utf-8")


def error_page(request: Request, problem: TalkootError) -> Response:
    return render(
        request,
        "error.html",
        {"status": problem.status, "message": problem.message},
        problem.status,
    )
