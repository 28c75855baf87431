"""The merged OpenAPI document, its refresh, and the docs page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.responses import HTMLResponse, JSONResponse

from aigov.gateway.auth import requires
from aigov.gateway.openapi import OpenApiAggregator
from aigov.shared.problems import PROBLEM_RESPONSES
from aigov.shared.tenancy import CallerContext

router = APIRouter()


def _aggregator(request: Request) -> OpenApiAggregator:
    aggregator: OpenApiAggregator = request.app.state.openapi
    return aggregator


@router.get("/openapi.json", include_in_schema=False)
async def openapi_document(request: Request) -> JSONResponse:
    return JSONResponse(await _aggregator(request).current())


@router.get("/docs", include_in_schema=False)
async def docs_page() -> HTMLResponse:
    return get_swagger_ui_html(openapi_url="/openapi.json", title="aigov API")


@router.post(
    "/v1/admin/openapi/refresh",
    tags=["admin"],
    responses=PROBLEM_RESPONSES,
    summary="Fetch every service's OpenAPI document again",
)
async def refresh_openapi(
    request: Request, caller: Annotated[CallerContext, requires("admin")]
) -> dict[str, dict[str, str]]:
    return {"services": await _aggregator(request).refresh()}
