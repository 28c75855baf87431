"""RFC 9457 problem details from one base error and one set of handlers.

Unexpected errors are caught by :class:`aigov.shared.web.RequestContextMiddleware`.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

from aigov.shared.logs import request_id_var

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://aigov.dev/problems/"


class DomainError(Exception):
    """Base of every error a component raises on purpose; rendered as problem+json."""

    status: int = 400
    title: str = "Bad request"
    slug: str = "bad-request"

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions


class NotFound(DomainError):
    status, title, slug = 404, "Not found", "not-found"


class Conflict(DomainError):
    status, title, slug = 409, "Conflict", "conflict"


class PreconditionFailed(DomainError):
    status, title, slug = 412, "Precondition failed", "precondition-failed"


class PreconditionRequired(DomainError):
    status, title, slug = 428, "Precondition required", "precondition-required"


class Unprocessable(DomainError):
    status, title, slug = 422, "Unprocessable content", "unprocessable"


class ServiceUnavailable(DomainError):
    status, title, slug = 503, "Service unavailable", "service-unavailable"


def problem_response(
    request: Request,
    *,
    status: int,
    title: str,
    slug: str | None,
    detail: str | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_BASE + slug if slug else "about:blank",
        "title": title,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    body["instance"] = request.url.path
    if (request_id := request_id_var.get()) is not None:
        body["request_id"] = request_id
    body.update(jsonable_encoder(extensions))
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return problem_response(
        request,
        status=exc.status,
        title=exc.title,
        slug=exc.slug,
        detail=exc.detail,
        **exc.extensions,
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"location": list(err.get("loc", ())), "message": err.get("msg"), "type": err.get("type")}
        for err in exc.errors()
    ]
    return problem_response(
        request,
        status=422,
        title="Validation failed",
        slug="validation",
        detail=f"{len(errors)} field(s) failed validation",
        errors=errors,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    try:
        title = HTTPStatus(exc.status_code).phrase
    except ValueError:
        title = "Error"
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != title else None
    return problem_response(
        request,
        status=exc.status_code,
        title=title,
        slug=None,
        detail=detail,
        headers=getattr(exc, "headers", None),
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)


# Shared OpenAPI description of the error body, for `responses=` on routes.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"description": "Problem details (RFC 9457)", "content": {PROBLEM_JSON: {}}},
}
