"""The one error type the services raise; handlers turn it into JSON or a WS error frame."""

from __future__ import annotations


class TalkootError(Exception):
    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status

    def to_dict(self) -> dict[str, dict[str, str]]:
        return {"error": {"code": self.code, "message": self.message}}


def not_found(what: str) -> TalkootError:
    return TalkootError("not_found", f"{what} not found", 404)


def forbidden(message: str = "this token may not do that") -> TalkootError:
    return TalkootError("forbidden", message, 403)


def unauthorized(message: str = "a valid token is needed") -> TalkootError:
    return TalkootError("unauthorized", message, 401)


def invalid(message: str, code: str = "invalid") -> TalkootError:
    return TalkootError(code, message, 400)
