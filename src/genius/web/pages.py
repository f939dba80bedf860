"""The web Shell: server-rendered Jinja2 pages with htmx (served from our own static files)."""

from __future__ import annotations

import math
import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from genius.core.audit import service as audit
from genius.core.auth import service as auth
from genius.core.auth import throttle
from genius.core.auth.service import Account, OAuthError
from genius.core.platform import Platform
from genius.core.tenancy.models import Tenant
from genius.web.session import (
    CSRF_FIELD,
    CSRF_HEADER,
    PRELOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    SessionCodec,
    WebSession,
    csrf_ok,
)

WEB_DIR = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(WEB_DIR / "templates"))

router = APIRouter(include_in_schema=False)


class LoginRequired(Exception):
    pass


class CsrfFailed(Exception):
    pass


def _platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


def _codec(request: Request) -> SessionCodec:
    codec: SessionCodec = request.app.state.session_codec
    return codec


def web_user(request: Request) -> tuple[WebSession, Account, Tenant]:
    session = _codec(request).decode(request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise LoginRequired
    platform = _platform(request)
    account = auth.load_account(platform.db, session.tid, session.user_id)
    with platform.db.platform_session() as s:
        tenant = s.get(Tenant, session.tid)
    if account is None or tenant is None:
        raise LoginRequired
    request.state.csrf = session.csrf
    return session, account, tenant


WebUser = Annotated[tuple[WebSession, Account, Tenant], Depends(web_user)]


async def check_csrf(request: Request, user: WebUser) -> None:
    """Unsafe methods need the session's CSRF token, as a form field or the X-CSRF-Token header (htmx)."""
    given = request.headers.get(CSRF_HEADER)
    if not given and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not csrf_ok(user[0].csrf, given):
        raise CsrfFailed


def _ctx(request: Request, **extra: Any) -> dict[str, Any]:
    return {"request": request, "csrf": getattr(request.state, "csrf", ""), **extra}


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, tenant: Annotated[str, Query(max_length=63)] = "") -> Response:
    return _login_page(request, tenant, "", 200)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    tenant: Annotated[str, Form(max_length=63)],
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=200)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    codec = _codec(request)
    if not csrf_ok(request.cookies.get(PRELOGIN_CSRF_COOKIE), csrf_token):
        return _login_page(request, tenant, "Your session expired; please try again.", 403)
    platform = _platform(request)
    try:
        account = throttle.guarded_login(
            platform,
            request,
            grant="web",
            tenant_ref=tenant,
            identity=email,
            authenticate=lambda: auth.authenticate_password(
                platform.db, platform.passwords, tenant, email, password
            ),
        )
    except throttle.LoginThrottled as exc:
        page = _login_page(request, tenant, _throttled_message(exc.retry_after), 429)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    except OAuthError:
        return _login_page(request, tenant, "Invalid tenant, email or password.", 401)
    value, _ = codec.encode(account.id, account.tid)
    with platform.db.tenant_session(account.tid) as s:
        audit.record(
            s,
            account.tid,
            "auth.web_login",
            actor=account.email,
            target=str(account.id),
            request_id=request.state.request_id,
        )
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        value,
        httponly=True,
        samesite="lax",
        secure=codec.secure,
        max_age=codec.max_age,
        path="/",
    )
    response.delete_cookie(PRELOGIN_CSRF_COOKIE)
    return response


def _throttled_message(seconds: int) -> str:
    """Romanian: 1 secundă, 2-19 secunde, 20+ de secunde (the same for minutes)."""
    n, one, many = (
        (seconds, "secundă", "secunde") if seconds < 120 else (math.ceil(seconds / 60), "", "minute")
    )
    wait = f"o {one}" if n == 1 else f"{n} {many}" if n < 20 else f"{n} de {many}"
    return f"Prea multe încercări de autentificare eșuate. Încercați din nou peste {wait}."


def _login_page(request: Request, tenant: str, error: str, status: int) -> Response:
    """The login form with a fresh double-submit CSRF token (cookie + hidden field)."""
    token = secrets.token_urlsafe(24)
    response = templates.TemplateResponse(
        request, "login.html", {"csrf": token, "tenant": tenant, "error": error}, status_code=status
    )
    response.set_cookie(
        PRELOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=_codec(request).secure,
        max_age=3600,
    )
    return response


@router.post("/logout", dependencies=[Depends(check_csrf)])
def logout() -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, user: WebUser) -> Response:
    _, account, tenant = user
    return templates.TemplateResponse(
        request,
        "dashboard.html",
        _ctx(request, account=account, tenant=tenant, scopes=sorted(account.scopes)),
    )


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request, user: WebUser, before_seq: Annotated[int | None, Query(ge=1, le=2**62)] = None
) -> Response:
    _, account, tenant = user
    if "audit:read" not in account.scopes:
        return templates.TemplateResponse(
            request,
            "forbidden.html",
            _ctx(request, account=account, tenant=tenant, scope="audit:read"),
            status_code=403,
        )
    platform = _platform(request)
    with platform.db.tenant_session(account.tid) as s:
        rows = [audit.entry_json(e) for e in audit.page(s, limit=25, before_seq=before_seq, action=None)]
    nxt = rows[-1]["seq"] if len(rows) == 25 and rows[-1]["seq"] > 1 else None
    name = "audit_rows.html" if request.headers.get("hx-request") else "audit.html"
    return templates.TemplateResponse(
        request, name, _ctx(request, account=account, tenant=tenant, rows=rows, next_before_seq=nxt)
    )


def install_web(app: FastAPI, platform: Platform) -> None:
    app.state.session_codec = SessionCodec(platform.settings)
    app.mount("/static", StaticFiles(directory=str(WEB_DIR / "static")), name="static")
    app.include_router(router)
    from genius.registry.pages import router as ops_router

    app.include_router(ops_router)

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, exc: LoginRequired) -> Response:
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(CsrfFailed)
    async def _csrf_failed(request: Request, exc: CsrfFailed) -> Response:
        return HTMLResponse(
            "<h1>403</h1><p>The form expired (CSRF check failed). Reload and try again.</p>", status_code=403
        )
