"""The console: server-rendered pages, mounted by the gateway under ``/``.

Every page reads and writes through :class:`~aigov.console.api.Api`, i.e. the public ``/v1``
API with the user's own credentials.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from aigov.console import session as sessions
from aigov.console.api import Api, ApiError

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")


class LoginRequired(Exception):
    pass


def create_console(*, secret: str, client: httpx.AsyncClient, secure_cookies: bool) -> FastAPI:
    """``client`` reaches the public API (the gateway itself, usually in-process)."""
    console = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    console.state.secret = secret
    console.state.client = client
    console.state.secure_cookies = secure_cookies
    console.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    console.include_router(router)

    @console.exception_handler(LoginRequired)
    async def to_login(request: Request, _: Exception) -> Response:
        return RedirectResponse("/login", status_code=303)

    @console.exception_handler(ApiError)
    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        if exc.status == 401:
            return RedirectResponse("/login", status_code=303)
        return templates.TemplateResponse(
            request,
            "error.html",
            {"problem": exc.problem, "me": None},
            status_code=exc.status if exc.status < 500 else 502,
        )

    return console


router = APIRouter()


def current_session(request: Request) -> sessions.Session:
    found = sessions.decode(request.cookies.get(sessions.COOKIE), request.app.state.secret)
    return found or sessions.new_session(None)


SessionDep = Annotated[sessions.Session, Depends(current_session)]


def api_for(request: Request, session: SessionDep) -> Api:
    return Api(request.app.state.client, session.api_key)


ApiDep = Annotated[Api, Depends(api_for)]


def check_csrf(session: sessions.Session, token: str) -> None:
    if not token or token != session.csrf:
        raise ApiError(403, {"title": "Forbidden", "detail": "stale form; reload the page"})


def render(
    request: Request, template: str, session: sessions.Session, **context: Any
) -> HTMLResponse:
    response = templates.TemplateResponse(request, template, {"csrf": session.csrf, **context})
    _set_cookie(request, response, session)
    return response


def _set_cookie(request: Request, response: Response, session: sessions.Session) -> None:
    response.set_cookie(
        sessions.COOKIE,
        sessions.encode(session, request.app.state.secret),
        httponly=True,
        samesite="strict",
        secure=request.app.state.secure_cookies,
        max_age=8 * 3600,
    )


async def whoami(api: Api) -> dict[str, Any]:
    me = await api.get("/v1/me")
    assert isinstance(me, dict)
    return me


def can(me: dict[str, Any], scope: str) -> bool:
    scopes = set(me.get("scopes", []))
    return scope in scopes or "admin" in scopes


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, session: SessionDep) -> HTMLResponse:
    return render(request, "login.html", session, me=None, error=None)


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    session: SessionDep,
    api_key: Annotated[str, Form(min_length=1, max_length=500)],
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(session, csrf)
    candidate = Api(request.app.state.client, api_key.strip())
    try:
        await whoami(candidate)
    except ApiError as exc:
        return render(
            request, "login.html", session, me=None, error=exc.problem.get("detail", "refused")
        )
    response = RedirectResponse("/", status_code=303)
    _set_cookie(request, response, sessions.new_session(api_key.strip()))
    return response


@router.post("/logout")
async def logout(session: SessionDep, csrf: Annotated[str, Form()] = "") -> Response:
    check_csrf(session, csrf)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(sessions.COOKIE)
    return response


def items_of(page: Any) -> list[dict[str, Any]]:
    """Lists come as ``{"items": [...]}`` pages or as bare arrays."""
    if isinstance(page, dict):
        return list(page.get("items", []))
    return list(page or [])


@router.get("/", response_class=HTMLResponse)
async def dashboard(request: Request, session: SessionDep, api: ApiDep) -> HTMLResponse:
    me = await whoami(api)
    systems = items_of(await api.optional("/v1/systems", params={"limit": 200}))
    tiers: dict[str, int] = {}
    for system in systems:
        tier = system.get("risk_tier") or "unclassified"
        tiers[tier] = tiers.get(tier, 0) + 1
    ledger = await api.optional("/v1/ledger/verify")
    return render(
        request, "dashboard.html", session, me=me, systems=systems, tiers=tiers, ledger=ledger
    )


@router.get("/systems", response_class=HTMLResponse)
async def systems_page(
    request: Request, session: SessionDep, api: ApiDep, q: str = ""
) -> HTMLResponse:
    me = await whoami(api)
    params = {"limit": 100, **({"q": q} if q else {})}
    systems = items_of(await api.get("/v1/systems", params=params))
    return render(
        request,
        "systems.html",
        session,
        me=me,
        systems=systems,
        q=q,
        can_write=can(me, "systems:write"),
    )


@router.post("/systems")
async def register_system(
    request: Request,
    session: SessionDep,
    api: ApiDep,
    name: Annotated[str, Form()],
    intended_purpose: Annotated[str, Form()],
    owner: Annotated[str, Form()],
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(session, csrf)
    created = await api.post(
        "/v1/systems",
        json={"name": name, "intended_purpose": intended_purpose, "owner": owner},
    )
    return RedirectResponse(f"/systems/{created['id']}", status_code=303)


@router.get("/systems/{system_id}", response_class=HTMLResponse)
async def system_page(
    request: Request, session: SessionDep, api: ApiDep, system_id: str
) -> HTMLResponse:
    me = await whoami(api)
    system = await api.get(f"/v1/systems/{system_id}")
    ledger = items_of(await api.optional("/v1/ledger", params={"system_id": system_id}))
    return render(request, "system.html", session, me=me, system=system, ledger=ledger)
