"""RFC 9457 problem details: every error the API returns has this shape."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://errors.genius-erp.ro/"

log = structlog.get_logger("genius.errors")


class Problem(Exception):
    """Raise from services and routes; rendered as problem+json."""

    status = 400
    code = "bad-request"
    title = "Bad request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        status: int | None = None,
        code: str | None = None,
        title: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.status = status or self.status
        self.code = code or self.code
        self.title = title or self.title
        self.errors = errors
        self.headers = headers
        self.extra = extra


class NotFound(Problem):
    status, code, title = 404, "not-found", "Not found"


class Conflict(Problem):
    status, code, title = 409, "conflict", "Conflict"


class Unauthorized(Problem):
    status, code, title = 401, "unauthorized", "Authentication required"


class Forbidden(Problem):
    status, code, title = 403, "forbidden", "Forbidden"


class TooManyRequests(Problem):
    status, code, title = 429, "rate-limited", "Too many requests"


class ServiceUnavailable(Problem):
    status, code, title = 503, "unavailable", "Service unavailable"


class PreconditionFailed(Problem):
    status, code, title = 412, "precondition-failed", "Precondition failed"


class PreconditionRequired(Problem):
    status, code, title = 428, "precondition-required", "Precondition required"


class Unprocessable(Problem):
    status, code, title = 422, "validation", "Validation failed"


def field_error(name: str, message: str, *, where: str = "body") -> Unprocessable:
    """A 422 naming one invalid field, in the same shape as FastAPI's own validation errors."""
    return Unprocessable(
        "The request has invalid fields.",
        errors=[{"field": name, "in": where, "message": message, "type": "value_error"}],
    )


def problem_body(
    status: int, title: str, detail: str | None, code: str, request: Request | None, **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"type": PROBLEM_BASE + code, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if request is not None:
        body["instance"] = request.url.path
        request_id = getattr(request.state, "request_id", None)
        if request_id:
            body["request_id"] = request_id
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


def problem_response(
    status: int,
    title: str,
    detail: str | None = None,
    code: str = "error",
    request: Request | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    return JSONResponse(
        problem_body(status, title, detail, code, request, **extra),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        where = loc[0] if loc else "body"
        field = ".".join(loc[1:]) if len(loc) > 1 else where
        out.append(
            {"field": field, "in": where, "message": err.get("msg", "invalid"), "type": err.get("type")}
        )
    return out


_STATUS_TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    429: "Too many requests",
}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(
            exc.status, exc.title, exc.detail, exc.code, request, exc.headers, errors=exc.errors, **exc.extra
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(
            422,
            "Validation failed",
            "The request has invalid fields.",
            "validation",
            request,
            errors=_field_errors(exc),
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = _STATUS_TITLES.get(exc.status_code, "Error")
        detail = exc.detail if isinstance(exc.detail, str) and exc.detail != title else None
        return problem_response(
            exc.status_code,
            title,
            detail,
            title.lower().replace(" ", "-"),
            request,
            dict(exc.headers) if exc.headers else None,
        )

    # Safety nets: a constraint the validation layer did not anticipate is still the caller's error.
    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        log.warning("integrity_error", error=str(exc.orig))
        return problem_response(
            409, "Conflict", "The change conflicts with existing data.", "conflict", request
        )

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> JSONResponse:
        log.warning("data_error", error=str(exc.orig))
        return problem_response(
            400, "Bad request", "A value is out of range or malformed.", "bad-value", request
        )

    @app.exception_handler(OperationalError)
    async def _operational(request: Request, exc: OperationalError) -> JSONResponse:
        log.error("database_unavailable", error=str(exc.orig))
        return problem_response(
            503,
            "Service unavailable",
            "The database is unavailable.",
            "unavailable",
            request,
            {"Retry-After": "5"},
        )

    # Safety net: control characters reach lxml (XML 1.0 cannot carry them) or PostgreSQL (no NUL in text)
    # from fields the validation layer let through: the caller's input, not our fault.
    @app.exception_handler(ValueError)
    async def _unrepresentable(request: Request, exc: ValueError) -> JSONResponse:
        text = str(exc)
        if "XML compatible" not in text and "NUL (0x00)" not in text:
            raise exc  # a real bug: the 500 handler below answers and logs it
        log.warning("unrepresentable_input", error=text)
        return problem_response(
            422,
            "Validation failed",
            "A text field contains control characters that cannot be stored or sent.",
            "control-characters",
            request,
        )

    @app.exception_handler(Exception)
    async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled_error")
        return problem_response(500, "Internal error", "An unexpected error occurred.", "internal", request)
