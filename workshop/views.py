"""The JSON API: parse the request, call the service, shape the answer."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from workshop import store
from workshop import validation as check
from workshop.errors import TalkootError
from workshop.models import Principal
from workshop.security import bearer_token
from workshop.service import Talkoot

MAX_BODY_BYTES = 64 * 1024


def talkoot_of(request: Request) -> Talkoot:
    return request.app.state.talkoot  # type: ignore[no-any-return]


def base_url(request: Request) -> str:
    configured = talkoot_of(request).settings.public_url
    return (configured or str(request.base_url)).rstrip("/")


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def json_body(request: Request) -> dict[str, Any]:
    raw = await limited_body(request, MAX_BODY_BYTES, "the body")
    return check.json_object(check.parse_json(raw or b"{}", "the body"))


async def limited_body(request: Request, limit: int, what: str) -> bytes:
    """The request body, refused with 413 as soon as it passes ``limit`` bytes: it is read in
    chunks, so an oversized body is never held in memory."""
    too_large = TalkootError("too_large", f"{what} may be at most {limit} bytes", 413)
    declared = request.headers.get("content-length", "")
    if check.ascii_digits(declared) and int(declared) > limit:
        raise too_large
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


async def principal_of(request: Request) -> Principal:
    token = bearer_token(request.headers.get("authorization"))
    return await talkoot_of(request).authenticate(token)


async def healthz(request: Request) -> Response:
    return JSONResponse({"ok": True})


async def create_workshop(request: Request) -> Response:
    talkoot = talkoot_of(request)
    talkoot.check_organiser(bearer_token(request.headers.get("authorization")))
    created = await talkoot.create_workshop(await json_body(request), client_ip(request))
    root = base_url(request)
    return JSONResponse(
        {
            "id": created.workshop_id,
            "code": created.code,
            "facilitator_token": created.facilitator_token,
            "join_url": f"{root}/j/{created.code}",
            "dashboard_url": f"{root}/d/{created.workshop_id}?token={created.facilitator_token}",
            "prompts": created.prompts,
            "groups": created.groups,
        },
        status_code=201,
    )


async def join(request: Request) -> Response:
    joined = await talkoot_of(request).join(await json_body(request), client_ip(request))
    return JSONResponse(joined, status_code=201)


async def workshop_state(request: Request) -> Response:
    principal = await principal_of(request)
    workshop_id = request.path_params["workshop_id"]
    talkoot_of(request).authorize(principal, workshop_id)
    return JSONResponse(await talkoot_of(request).state(principal))


async def list_notes(request: Request) -> Response:
    principal = await principal_of(request)
    workshop_id = request.path_params["workshop_id"]
    notes = await talkoot_of(request).notes(principal, workshop_id)
    return JSONResponse({"notes": notes})


async def add_note(request: Request) -> Response:
    principal = await principal_of(request)
    talkoot_of(request).authorize(principal, request.path_params["workshop_id"])
    result = await talkoot_of(request).add_note(principal, await json_body(request))
    if result.note is None:
        raise TalkootError("deleted", "the note sent with this cid has been deleted since", 410)
    return JSONResponse(result.note, status_code=200 if result.duplicate else 201)


async def delete_workshop(request: Request) -> Response:
    principal = await principal_of(request)
    await talkoot_of(request).delete_workshop(principal, request.path_params["workshop_id"])
    return Response(status_code=204)


async def themes(request: Request) -> Response:
    """Run the analysis and answer the resulting themes of the prompts it covered."""
    principal = await principal_of(request)
    workshop_id = request.path_params["workshop_id"]
    talkoot_of(request).authorize(principal, workshop_id, facilitator=True)
    body = await json_body(request)
    await request.app.state.review.run_analysis(principal, body)
    found = await store.themes(talkoot_of(request).db, workshop_id)
    scope = body.get("prompt_id")
    return JSONResponse(
        {
            "themes": [
                {key: theme[key] for key in ("id", "prompt_id", "label", "keywords", "note_ids")}
                for theme in found
                if scope is None or theme["prompt_id"] == scope
            ]
        }
    )
