"""The web Shell: server-rendered Jinja2 pages with htmx (served from our own static files)."""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable, Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from genius.core.audit import service as audit
from genius.core.auth import service as auth
from genius.core.auth import throttle
from genius.core.auth.scopes import Scope
from genius.core.auth.service import OAuthError
from genius.core.kit.manifest import NavEntry
from genius.core.platform import Platform
from genius.web.kit import (
    WEB_DIR,
    CsrfChecked,
    CsrfFailed,
    LoginRequired,
    PageDB,
    PageForbidden,
    PageUser,
    WebUser,
    context,
    forbidden,
    page_requires,
    platform_of,
    render,
    session_codec,
    templates,
)
from genius.web.session import PRELOGIN_CSRF_COOKIE, SESSION_COOKIE, SessionCodec, csrf_ok

router = APIRouter(include_in_schema=False)
# The login handlers' names for the kit's accessors (kept so those handlers read as before).
_platform = platform_of
_codec = session_codec
AuditReader = Annotated[PageUser, Depends(page_requires(Scope.AUDIT_READ))]


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


@router.post("/logout", dependencies=[CsrfChecked])
def logout() -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, user: WebUser) -> Response:
    _, account, tenant = user
    return render(
        request,
        "dashboard.html",
        context(request, account=account, tenant=tenant, scopes=sorted(account.scopes)),
    )


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    user: AuditReader,
    db: PageDB,
    before_seq: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> Response:
    _, account, tenant = user
    rows = [audit.entry_json(e) for e in audit.page(db, limit=25, before_seq=before_seq, action=None)]
    nxt = rows[-1]["seq"] if len(rows) == 25 and rows[-1]["seq"] > 1 else None
    name = "audit_rows.html" if request.headers.get("hx-request") else "audit.html"
    return render(
        request, name, context(request, account=account, tenant=tenant, rows=rows, next_before_seq=nxt)
    )


def install_web(
    app: FastAPI,
    platform: Platform,
    module_pages: Iterable[APIRouter] = (),
    navigation: Callable[[frozenset[str]], list[NavEntry]] | None = None,
) -> None:
    """The Shell: static files, its own pages, then the modules' pages (``module_pages``).

    MODULE PAGES ARE MOUNTED HERE, and only here: the caller (``genius.app``) passes each module's page
    router and the navigation its manifests declare (``navigation(scopes)``: the entries those scopes
    may see); the Shell never imports a module.
    """
    app.state.session_codec = SessionCodec(platform.settings)
    app.state.navigation = navigation or (lambda scopes: [])

    def shell_nav(request: Request, account: Any) -> list[NavEntry]:
        entries: list[NavEntry] = request.app.state.navigation(frozenset(account.scopes))
        return entries

    templates.env.globals["shell_nav"] = shell_nav
    app.mount("/static", StaticFiles(directory=str(WEB_DIR / "static")), name="static")
    app.include_router(router)
    for pages in module_pages:
        app.include_router(pages)

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, exc: LoginRequired) -> Response:
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(PageForbidden)
    async def _page_forbidden(request: Request, exc: PageForbidden) -> Response:
        return forbidden(request, exc.user, exc.scope)

    @app.exception_handler(CsrfFailed)
    async def _csrf_failed(request: Request, exc: CsrfFailed) -> Response:
        return HTMLResponse(
            "<h1>403</h1><p>The form expired (CSRF check failed). Reload and try again.</p>", status_code=403
        )
