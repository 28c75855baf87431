"""The console: server-rendered pages, mounted by the gateway under ``/``.

Every page reads and writes through :class:`~aigov.console.api.Api`, i.e. the public ``/v1``
API with the user's own credentials.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import AsyncIterator, Awaitable
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any, get_args

import httpx
from fastapi import APIRouter, Depends, FastAPI, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from aigov.console import charts, proof
from aigov.console import session as sessions
from aigov.console.api import Api, ApiError
from aigov.shared.contracts.inventory import Role

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


TIERS = ("prohibited", "high_risk", "limited_risk", "minimal_risk", "out_of_scope", "unclassified")
ROLES: tuple[str, ...] = get_args(Role)
EURLEX = "https://eur-lex.europa.eu/eli/reg/2024/1689/oj"
OPEN_STATUSES = ("open", "investigating", "mitigated")


def eurlex(reference: str | None) -> str:
    """The Regulation on EUR-Lex; articles and annexes open at their anchor when we know it."""
    ref = (reference or "").strip()
    match = re.match(r"Art\.\s*(\d+)", ref)
    if match:
        return f"{EURLEX}#art_{match.group(1)}"
    match = re.match(r"Annex\s+([IVX]+)", ref)
    if match:
        return f"{EURLEX}#anx_{match.group(1)}"
    return EURLEX


def reflinks(refs: Any) -> Markup:
    """Each legal reference (lists, or one string with ``;`` between references) as its own
    EUR-Lex link."""
    parts = [refs] if isinstance(refs, str) else list(refs or [])
    found = [r.strip() for part in parts for r in str(part).split(";") if r.strip()]
    return Markup(", ").join(
        Markup('<a href="{}">{}</a>').format(eurlex(r), r) for r in dict.fromkeys(found)
    )


def time_left(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds <= 0:
        return "overdue by " + time_left(-seconds)
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {minutes} min"


def euros(value: Any) -> str:
    try:
        return f"€{float(value):,.0f}"
    except (TypeError, ValueError):
        return "—"


templates.env.filters["eurlex"] = eurlex
templates.env.filters["reflinks"] = reflinks
templates.env.filters["time_left"] = time_left
templates.env.filters["euros"] = euros
templates.env.globals["EURLEX"] = EURLEX


# Organisation views answer at once from the gateway's cache once warm; a cold one is skipped
# (at 10,000 systems it takes ~3 s and a page must stay under 300 ms).
ORG_VIEW_WAIT_S = 0.1


async def gather(*calls: Awaitable[Any]) -> list[Any]:
    """Every API call of a page at once: the page costs its slowest call, not their sum."""
    return list(await asyncio.gather(*calls))


@router.get("/", response_class=HTMLResponse)
async def dashboard(
    request: Request, session: SessionDep, api: ApiDep, turnover_eur: str = "", size: str = "large"
) -> HTMLResponse:
    me, roadmap, incidents, stale, ledger, exposure, alerts, summary, obligations = await gather(
        whoami(api),
        # Organisation-wide views grow with the number of systems: never let them hold the page.
        api.optional("/v1/compliance/roadmap", wait_s=ORG_VIEW_WAIT_S),
        api.optional("/v1/monitoring/incidents"),
        api.optional("/v1/evidence", params={"status": "current"}),
        _ledger_summary(api, request.app.state),
        _exposure(api, turnover_eur, size),
        api.optional("/v1/monitoring/alerts"),
        # Counts come from one GROUP BY in the inventory, however many systems there are.
        api.optional("/v1/systems/summary"),
        api.optional("/v1/rulebook/obligations", params={"as_of": date.today().isoformat()}),
    )
    by_tier = (summary or {}).get("by_risk_tier", {})
    by_role = (summary or {}).get("by_role", {})
    tiers: list[tuple[str, float]] = [(t, by_tier[t]) for t in TIERS if by_tier.get(t)]
    roles: list[tuple[str, float]] = [(r, by_role[r]) for r in ROLES if by_role.get(r)]
    open_incidents = [i for i in (incidents or []) if i.get("status") in OPEN_STATUSES]
    open_incidents.sort(key=lambda i: (i.get("reporting_clock") or {}).get("seconds_left") or 1e18)
    today = date.today()
    horizon = (today + timedelta(days=90)).isoformat()
    going_stale = sorted(
        (e for e in items_of(stale) if e.get("next_review") and e["next_review"] <= horizon),
        key=lambda e: str(e["next_review"]),
    )[:10]
    due_next = _due_next(obligations, today)
    return render(
        request,
        "dashboard.html",
        session,
        me=me,
        tier_chart=charts.bars(tiers, title="AI systems by risk tier") if tiers else None,
        tiers=tiers,
        roles=roles,
        total=(summary or {}).get("total"),
        roadmap=roadmap,
        open_incidents=open_incidents[:10],
        going_stale=going_stale,
        today=today.isoformat(),
        ledger=ledger,
        exposure=exposure,
        turnover_eur=turnover_eur,
        size=size,
        due_next=due_next,
        alerts=sorted(alerts or [], key=lambda a: str(a.get("fired_at")), reverse=True)[:5],
    )


async def _public_key(api: Api, state: Any) -> dict[str, Any] | None:
    """The ledger's public key is the platform's, the same for every user: fetched once."""
    key: dict[str, Any] | None = getattr(state, "ledger_public_key", None)
    if key is None:
        key = await api.optional("/v1/ledger/public-key")
        if key:
            state.ledger_public_key = key
    return key


async def _ledger_summary(api: Api, state: Any) -> dict[str, Any] | None:
    """Cheap on every view: the tree head and the latest checkpoint's signature, checked here.
    Re-hashing the whole ledger is on demand (``/ledger``)."""
    head, checkpoint, key = await gather(
        api.optional("/v1/ledger/head"),
        api.optional("/v1/ledger/checkpoints/latest"),
        _public_key(api, state),
    )
    if head is None:
        return None
    out: dict[str, Any] = {"head": head, "checkpoint": checkpoint}
    if checkpoint and key:
        out["signature_ok"] = proof.verify_signature(
            checkpoint["note"], checkpoint["signature"], key["public_key"]
        )
    return out


@router.get("/ledger", response_class=HTMLResponse)
async def ledger_page(request: Request, session: SessionDep, api: ApiDep) -> HTMLResponse:
    me, verification, summary = await gather(
        whoami(api), api.get("/v1/ledger/verify"), _ledger_summary(api, request.app.state)
    )
    return render(
        request, "ledger.html", session, me=me, verification=verification, summary=summary
    )


async def _exposure(api: Api, turnover_eur: str, size: str) -> Any:
    if not turnover_eur:
        return None
    try:
        turnover = float(turnover_eur)
    except ValueError:
        return {"error": "turnover must be a number of euros"}
    return await api.optional(
        "/v1/compliance/exposure",
        wait_s=ORG_VIEW_WAIT_S,
        params={"turnover_eur": turnover, "size": size if size in ("large", "sme") else "large"},
    ) or {
        "error": "the estimate is not ready yet (a large register is computed in the background)"
        "; press Estimate again in a few seconds"
    }


def _due_next(page: Any, today: date) -> list[dict[str, Any]]:
    """Obligations whose application date is still ahead, grouped by date, soonest first."""
    by_date: dict[str, dict[str, str]] = {}
    for o in items_of(page):
        start = str(o.get("applies_from") or "")
        if start > today.isoformat():
            by_date.setdefault(start, {})[str(o.get("article"))] = str(o.get("title"))
    return [{"date": d, "articles": list(by_date[d].items())} for d in sorted(by_date)[:4]]


@router.get("/systems", response_class=HTMLResponse)
async def systems_page(
    request: Request,
    session: SessionDep,
    api: ApiDep,
    q: str = "",
    risk_tier: str = "",
    role: str = "",
    page_token: str = "",
) -> HTMLResponse:
    params: dict[str, Any] = {"limit": 50}
    if q:
        params["q"] = q
    if risk_tier:
        params["risk_tier"] = risk_tier
    if role:
        params["role"] = role
    if page_token:
        params["page_token"] = page_token
    me, page = await gather(whoami(api), api.get("/v1/systems", params=params))
    return render(
        request,
        "systems.html",
        session,
        me=me,
        systems=items_of(page),
        next_page_token=page.get("next_page_token") if isinstance(page, dict) else None,
        q=q,
        risk_tier=risk_tier,
        role=role,
        tiers=TIERS,
        roles=ROLES,
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
    roles: Annotated[list[str] | None, Form()] = None,
    countries: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(session, csrf)
    body: dict[str, Any] = {"name": name, "intended_purpose": intended_purpose, "owner": owner}
    if roles:
        body["roles"] = roles
    codes = [c.strip().upper() for c in countries.replace(";", ",").split(",") if c.strip()]
    if codes:
        body["countries"] = codes
    created = await api.post("/v1/systems", json=body)
    return RedirectResponse(f"/systems/{created['id']}", status_code=303)


@router.get("/systems/{system_id}", response_class=HTMLResponse)
async def system_page(
    request: Request, session: SessionDep, api: ApiDep, system_id: uuid.UUID
) -> HTMLResponse:
    sid = str(system_id)
    (
        me,
        system,
        revisions,
        compliance,
        classification,
        incidents,
        runs,
        evidence,
        ledger,
    ) = await gather(
        whoami(api),
        api.get(f"/v1/systems/{sid}"),
        api.optional(f"/v1/systems/{sid}/revisions"),
        api.optional(f"/v1/systems/{sid}/compliance"),
        api.optional(f"/v1/classifications/{sid}"),
        api.optional("/v1/monitoring/incidents", params={"system_id": sid}),
        api.optional(f"/v1/monitoring/systems/{sid}/runs", params={"kind": "drift"}),
        api.optional("/v1/evidence", params={"system_id": sid}),
        api.optional("/v1/ledger", params={"system_id": sid, "limit": 20}),
    )
    result = (classification or {}).get("result") or {}
    obligations = (compliance or {}).get("obligations") or result.get("obligations") or []
    coverage: dict[str, int] = {"full": 0, "partial": 0, "none": 0}
    for o in obligations:
        level = o.get("iso_coverage")
        if level in coverage:
            coverage[level] += 1
    drift_points = [
        (str(r.get("created_at")), float(share))
        for r in sorted(runs or [], key=lambda r: str(r.get("created_at")))
        if (share := (r.get("summary") or {}).get("drifted_share")) is not None
    ][-30:]
    threshold = ((runs or [{}])[-1].get("options") or {}).get("drift_share") if runs else None
    return render(
        request,
        "system.html",
        session,
        me=me,
        system=system,
        revisions=items_of(revisions)[:10],
        compliance=compliance,
        result=result,
        classification=classification,
        obligations=obligations,
        coverage_chart=charts.bars(list(coverage.items()), title="ISO/IEC 42001 coverage")
        if obligations
        else None,
        incidents=incidents,
        drift_chart=charts.line(
            drift_points, title="Share of drifted features", threshold=threshold
        )
        if drift_points
        else None,
        drift_runs=runs,
        evidence=items_of(evidence),
        ledger=items_of(ledger),
        can_classify=can(me, "classification:write"),
        can_monitor=can(me, "monitoring:write"),
        can_upload=can(me, "evidence:write"),
        can_export=can(me, "audit:export"),
    )


# -- questionnaire --------------------------------------------------------------------------


@router.post("/systems/{system_id}/questionnaire")
async def start_questionnaire(
    session: SessionDep, api: ApiDep, system_id: uuid.UUID, csrf: Annotated[str, Form()] = ""
) -> Response:
    check_csrf(session, csrf)
    started = await api.post("/v1/questionnaires", json={"system_id": str(system_id)})
    return RedirectResponse(f"/questionnaires/{started['id']}", status_code=303)


@router.get("/questionnaires/{qid}", response_class=HTMLResponse)
async def questionnaire_page(
    request: Request, session: SessionDep, api: ApiDep, qid: uuid.UUID
) -> HTMLResponse:
    me, q, nxt, answers = await gather(
        whoami(api),
        api.get(f"/v1/questionnaires/{qid}"),
        api.get(f"/v1/questionnaires/{qid}/next"),
        api.optional(f"/v1/questionnaires/{qid}/answers"),
    )
    classification = None
    if q.get("status") == "completed":
        classification = await api.optional(f"/v1/classifications/{q['system_id']}")
    return render(
        request,
        "questionnaire.html",
        session,
        me=me,
        q=q,
        nxt=nxt,
        answers=items_of(answers),
        classification=classification,
        result=(classification or {}).get("result") or {},
        can_answer=can(me, "classification:write"),
    )


@router.post("/questionnaires/{qid}/answers")
async def answer_question(
    session: SessionDep,
    api: ApiDep,
    qid: uuid.UUID,
    question_id: Annotated[str, Form()],
    kind: Annotated[str, Form()],
    value: Annotated[list[str] | None, Form()] = None,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(session, csrf)
    given = value or []
    parsed: Any
    if kind == "bool":
        parsed = None if not given or given[0] == "unknown" else given[0] == "yes"
    elif kind == "number":
        try:
            parsed = float(given[0]) if given and given[0] else None
        except ValueError:
            raise ApiError(422, {"title": "Unprocessable", "detail": "enter a number"}) from None
    elif kind == "list":
        parsed = [v for v in given if v]
    else:
        parsed = given[0] if given and given[0] else None
    await api.post(
        f"/v1/questionnaires/{qid}/answers", json={"question_id": question_id, "value": parsed}
    )
    return RedirectResponse(f"/questionnaires/{qid}", status_code=303)


@router.post("/questionnaires/{qid}/complete")
async def complete_questionnaire(
    session: SessionDep, api: ApiDep, qid: uuid.UUID, csrf: Annotated[str, Form()] = ""
) -> Response:
    check_csrf(session, csrf)
    await api.post(f"/v1/questionnaires/{qid}/complete", json={})
    return RedirectResponse(f"/questionnaires/{qid}", status_code=303)


# -- incidents ------------------------------------------------------------------------------


@router.get("/incidents", response_class=HTMLResponse)
async def incidents_page(
    request: Request, session: SessionDep, api: ApiDep, status: str = ""
) -> HTMLResponse:
    params = {"status": status} if status else {}
    me, incidents = await gather(whoami(api), api.get("/v1/monitoring/incidents", params=params))
    return render(
        request,
        "incidents.html",
        session,
        me=me,
        incidents=incidents,
        status=status,
        can_write=can(me, "monitoring:write"),
    )


@router.post("/incidents")
async def open_incident(
    session: SessionDep,
    api: ApiDep,
    system_id: Annotated[uuid.UUID, Form()],
    title: Annotated[str, Form()],
    severity: Annotated[str, Form()] = "medium",
    description: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(session, csrf)
    created = await api.post(
        "/v1/monitoring/incidents",
        json={
            "system_id": str(system_id),
            "title": title,
            "severity": severity,
            "description": description,
        },
    )
    return RedirectResponse(f"/incidents/{created['id']}", status_code=303)


@router.get("/incidents/{incident_id}", response_class=HTMLResponse)
async def incident_page(
    request: Request, session: SessionDep, api: ApiDep, incident_id: uuid.UUID
) -> HTMLResponse:
    me, incident = await gather(whoami(api), api.get(f"/v1/monitoring/incidents/{incident_id}"))
    report = None
    if incident.get("serious"):
        report = await api.optional(f"/v1/monitoring/incidents/{incident_id}/authority-report")
    return render(
        request,
        "incident.html",
        session,
        me=me,
        incident=incident,
        clock=incident.get("reporting_clock"),
        report=report,
        can_write=can(me, "monitoring:write"),
        statuses=("open", "investigating", "mitigated", "reported", "closed"),
    )


@router.post("/incidents/{incident_id}/transitions")
async def move_incident(
    session: SessionDep,
    api: ApiDep,
    incident_id: uuid.UUID,
    to: Annotated[str, Form()],
    note: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(session, csrf)
    await api.post(
        f"/v1/monitoring/incidents/{incident_id}/transitions",
        json={"to": to, **({"note": note} if note else {})},
    )
    return RedirectResponse(f"/incidents/{incident_id}", status_code=303)


@router.post("/incidents/{incident_id}/assessment")
async def assess_incident(
    session: SessionDep,
    api: ApiDep,
    incident_id: uuid.UUID,
    criteria: Annotated[list[str] | None, Form()] = None,
    death_involved: Annotated[str, Form()] = "",
    widespread_infringement: Annotated[str, Form()] = "",
    reporting_time_zone: Annotated[str, Form()] = "UTC",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(session, csrf)
    await api.post(
        f"/v1/monitoring/incidents/{incident_id}/assessment",
        json={
            "criteria": criteria or [],
            "death_involved": bool(death_involved),
            "widespread_infringement": bool(widespread_infringement),
            "reporting_time_zone": reporting_time_zone or "UTC",
        },
    )
    return RedirectResponse(f"/incidents/{incident_id}", status_code=303)


# -- evidence -------------------------------------------------------------------------------

KINDS = (
    "technical_documentation",
    "risk_assessment",
    "test_report",
    "data_sheet",
    "model_card",
    "policy",
    "procedure",
    "fria",
    "log_export",
    "qms_documentation",
    "declaration_of_conformity",
    "management_review_minutes",
    "audit_report",
    "conformity_certificate",
    "other",
)


@router.get("/evidence", response_class=HTMLResponse)
async def evidence_page(
    request: Request, session: SessionDep, api: ApiDep, system_id: str = ""
) -> HTMLResponse:
    params = {"system_id": system_id} if system_id else {}
    me, items, systems, soa = await gather(
        whoami(api),
        api.get("/v1/evidence", params=params),
        api.optional("/v1/systems", params={"view": "brief", "limit": 200}),
        api.optional("/v1/controls/statement-of-applicability"),
    )
    return render(
        request,
        "evidence.html",
        session,
        me=me,
        items=items_of(items),
        systems=items_of(systems),
        system_id=system_id,
        soa=soa,
        kinds=KINDS,
        can_upload=can(me, "evidence:write"),
        can_export=can(me, "audit:export"),
    )


def _refs(text: str) -> list[str]:
    return [r.strip() for r in re.split(r"[;\n]", text) if r.strip()]


@router.post("/evidence")
async def upload_evidence(
    session: SessionDep,
    api: ApiDep,
    file: Annotated[UploadFile, File()],
    kind: Annotated[str, Form()],
    title: Annotated[str, Form()],
    system_id: Annotated[str, Form()] = "",
    provisions: Annotated[str, Form()] = "",
    iso_refs: Annotated[str, Form()] = "",
    next_review: Annotated[str, Form()] = "",
    placed_on_market: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(session, csrf)
    params: list[tuple[str, str]] = [("kind", kind), ("title", title)]
    if system_id:
        params.append(("system_id", system_id))
    params += [("provisions", p) for p in _refs(provisions)]
    params += [("iso_refs", r) for r in _refs(iso_refs)]
    if next_review:
        params.append(("next_review", next_review))
    if placed_on_market:
        params.append(("placed_on_market", placed_on_market))
    if file.filename:
        params.append(("filename", file.filename))

    created = await api.post(
        "/v1/evidence",
        params=params,
        content=_chunks(file),
        headers={"content-type": file.content_type or "application/octet-stream"},
    )
    return RedirectResponse(f"/evidence/{created['id']}", status_code=303)


@router.post("/evidence/{item_id}/versions")
async def new_evidence_version(
    session: SessionDep,
    api: ApiDep,
    item_id: uuid.UUID,
    file: Annotated[UploadFile, File()],
    next_review: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """A new version keeps the item's metadata; the old one is superseded, never overwritten."""
    check_csrf(session, csrf)
    item = await api.get(f"/v1/evidence/{item_id}")
    params: list[tuple[str, str]] = [("kind", item["kind"]), ("title", item["title"])]
    if item.get("system_id"):
        params.append(("system_id", item["system_id"]))
    params += [("provisions", p) for p in item.get("provisions", [])]
    params += [("iso_refs", r) for r in item.get("iso_refs", [])]
    for field in ("placed_on_market", "valid_until"):
        if item.get(field):
            params.append((field, item[field]))
    if next_review:
        params.append(("next_review", next_review))
    if file.filename:
        params.append(("filename", file.filename))
    created = await api.post(
        f"/v1/evidence/{item_id}/versions",
        params=params,
        content=_chunks(file),
        headers={"content-type": file.content_type or "application/octet-stream"},
    )
    return RedirectResponse(f"/evidence/{created['id']}", status_code=303)


async def _chunks(file: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await file.read(1 << 16):
        yield chunk


@router.get("/evidence/{item_id}", response_class=HTMLResponse)
async def evidence_item_page(
    request: Request, session: SessionDep, api: ApiDep, item_id: uuid.UUID
) -> HTMLResponse:
    me, item, versions = await gather(
        whoami(api),
        api.get(f"/v1/evidence/{item_id}"),
        api.optional(f"/v1/evidence/{item_id}/versions"),
    )
    check = await _ledger_check(api, item.get("ledger_seq"))
    return render(
        request,
        "evidence_item.html",
        session,
        me=me,
        item=item,
        versions=items_of(versions),
        check=check,
        can_upload=can(me, "evidence:write"),
    )


async def _ledger_check(api: Api, seq: Any) -> dict[str, Any] | None:
    """Verify here, from the API's raw data: the entry's inclusion in the latest signed
    checkpoint, and that checkpoint's signature against the ledger key."""
    if not seq:
        return None
    checkpoint, key = await gather(
        api.optional("/v1/ledger/checkpoints/latest"), api.optional("/v1/ledger/public-key")
    )
    out: dict[str, Any] = {
        "seq": seq,
        "checkpoint": checkpoint,
        "key_id": (key or {}).get("key_id"),
    }
    if not checkpoint or not key:
        out["reason"] = "no signed checkpoint yet" if not checkpoint else "no public key"
        return out
    out["signature_ok"] = proof.verify_signature(
        checkpoint["note"], checkpoint["signature"], key["public_key"]
    )
    size_root = proof.note_root(checkpoint["note"])
    if size_root is None or size_root[0] < int(seq):
        out["reason"] = "the entry is newer than the latest checkpoint"
        return out
    got = await api.optional(f"/v1/ledger/entries/{seq}/proof", params={"tree_size": size_root[0]})
    out["proof"] = got
    out["inclusion_ok"] = bool(got) and proof.verify_inclusion(got, expected_root=size_root[1])
    return out


@router.post("/ledger/checkpoint")
async def sign_checkpoint(
    session: SessionDep,
    api: ApiDep,
    back: Annotated[str, Form()] = "/evidence",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(session, csrf)
    await api.post("/v1/ledger/checkpoints")
    return RedirectResponse(
        back if back.startswith("/") and not back.startswith("//") else "/", status_code=303
    )


@router.get("/evidence/{item_id}/content")
async def evidence_content(api: ApiDep, item_id: uuid.UUID) -> Response:
    item = await api.get(f"/v1/evidence/{item_id}")
    upstream, body = await api.stream(f"/v1/evidence/{item_id}/content")
    return _streamed(upstream, body, item.get("filename") or f"{item_id}.bin")


@router.get("/audit/package")
async def audit_package(api: ApiDep, system_id: str = "") -> Response:
    params = {"system_id": system_id} if system_id else {}
    upstream, body = await api.stream("/v1/audit/package", params=params)
    return _streamed(upstream, body, f"audit-package-{system_id or 'organisation'}.zip")


def _streamed(upstream: httpx.Response, body: AsyncIterator[bytes], filename: str) -> Response:
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", filename)[:120]
    headers = {"content-disposition": f'attachment; filename="{safe}"'}
    for name in ("content-length", "content-encoding"):
        if name in upstream.headers:
            headers[name] = upstream.headers[name]
    return StreamingResponse(
        body,
        media_type=upstream.headers.get("content-type", "application/octet-stream"),
        headers=headers,
    )


@router.get("/soa")
async def statement_of_applicability(api: ApiDep) -> Response:
    body = await api.get("/v1/controls/statement-of-applicability", params={"format": "html"})
    return _download(body, "statement-of-applicability.html", "text/html; charset=utf-8")


def _download(body: Any, filename: str, media_type: str | None) -> Response:
    if isinstance(body, (dict, list)):
        body = json.dumps(body, indent=2).encode()
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", filename)[:120]
    return Response(
        content=body or b"",
        media_type=media_type or "application/octet-stream",
        headers={"content-disposition": f'attachment; filename="{safe}"'},
    )


# -- fundamental rights impact assessment (Art. 27) -----------------------------------------


@router.get("/systems/{system_id}/fria", response_class=HTMLResponse)
async def fria_page(
    request: Request, session: SessionDep, api: ApiDep, system_id: uuid.UUID, item: str = ""
) -> HTMLResponse:
    sid = str(system_id)
    me, system, template, requirement, history = await gather(
        whoami(api),
        api.get(f"/v1/systems/{sid}"),
        api.get("/v1/assessments/fria/template"),
        api.optional(f"/v1/assessments/fria/{sid}/requirement"),
        api.optional(f"/v1/assessments/fria/{sid}"),
    )
    versions = items_of(history)
    latest = versions[0] if versions else None
    contents: dict[str, str] = dict((latest or {}).get("contents") or {})
    items = list(template.get("contents", []))
    # Resume at the first item without an answer, unless one is asked for.
    current = next((i for i in items if i["id"] == item), None) or next(
        (i for i in items if not contents.get(i["id"])), None
    )
    return render(
        request,
        "fria.html",
        session,
        me=me,
        system=system,
        fria_template=template,
        items=items,
        current=current,
        contents=contents,
        requirement=requirement,
        latest=latest,
        done=sum(1 for i in items if contents.get(i["id"])),
        can_write=can(me, "classification:write"),
    )


@router.post("/systems/{system_id}/fria")
async def save_fria(
    session: SessionDep,
    api: ApiDep,
    system_id: uuid.UUID,
    item_id: Annotated[str, Form()] = "",
    text: Annotated[str, Form(max_length=20000)] = "",
    complete: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(session, csrf)
    sid = str(system_id)
    versions = items_of(await api.optional(f"/v1/assessments/fria/{sid}"))
    contents: dict[str, str] = dict((versions[0] if versions else {}).get("contents") or {})
    if item_id:
        contents[item_id] = text.strip()
    contents = {k: v for k, v in contents.items() if v}
    await api.post(
        f"/v1/assessments/fria/{sid}",
        json={"status": "completed" if complete else "draft", "contents": contents},
    )
    return RedirectResponse(f"/systems/{sid}/fria", status_code=303)


@router.post("/systems/{system_id}/fria/notify")
async def notify_fria(
    session: SessionDep,
    api: ApiDep,
    system_id: uuid.UUID,
    version: Annotated[int, Form()],
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(session, csrf)
    await api.post(f"/v1/assessments/fria/{system_id}/versions/{version}/notify")
    return RedirectResponse(f"/systems/{system_id}/fria", status_code=303)
