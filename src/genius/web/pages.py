"""The web Shell: server-rendered Jinja2 pages with htmx (served from our own static files)."""

from __future__ import annotations

import inspect
import math
import secrets
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import structlog
from fastapi import APIRouter, Depends, FastAPI, Form, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import ChoiceLoader, FileSystemLoader
from starlette.exceptions import HTTPException as StarletteHTTPException

from genius.core.audit import service as audit
from genius.core.auth import service as auth
from genius.core.auth import throttle
from genius.core.auth.scopes import Scope
from genius.core.auth.service import OAuthError
from genius.core.kit.manifest import N_, HealthSignal, NavEntry, SearchHit
from genius.core.kit.routing import guarded
from genius.core.platform import Platform
from genius.web import i18n
from genius.web.admin import router as admin_router
from genius.web.i18n import gettext as _
from genius.web.i18n import ngettext
from genius.web.kit import (
    THEME_COOKIE,
    THEMES,
    WEB_DIR,
    CsrfChecked,
    CsrfFailed,
    LoginRequired,
    PageDB,
    PageForbidden,
    PageUser,
    WebUser,
    context,
    error_page,
    forbidden,
    page_requires,
    platform_of,
    render,
    session_codec,
    signed_in,
    templates,
)
from genius.web.session import PRELOGIN_CSRF_COOKIE, SESSION_COOKIE, SessionCodec, csrf_ok

log = structlog.get_logger("genius.web")

router = APIRouter(include_in_schema=False)
# The login handlers' names for the kit's accessors (kept so those handlers read as before).
_platform = platform_of
_codec = session_codec
AuditReader = Annotated[PageUser, Depends(page_requires(Scope.AUDIT_READ))]


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, tenant: Annotated[str, Query(max_length=63)] = "") -> Response:
    return _login_page(request, tenant, "", 200)


def tenant_from_host(request: Request) -> str:
    """``acme.genius.example`` → ``acme``: a tenant chosen by its host name (three labels or more,
    not an IP address, not ``www``). The login form then hides the organisation field."""
    host = (request.headers.get("host") or "").split(":")[0].lower()
    labels = host.split(".")
    if len(labels) < 3 or labels[-1].isdigit() or labels[0] in ("www", "app", "localhost"):
        return ""
    return labels[0] if labels[0].replace("-", "").isalnum() else ""


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=200)],
    tenant: Annotated[str, Form(max_length=63)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    tenant = tenant or tenant_from_host(request)
    if not csrf_ok(request.cookies.get(PRELOGIN_CSRF_COOKIE), csrf_token):
        return _login_page(request, tenant, _("Your session expired; please try again."), 403, email)
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
        page = _login_page(request, tenant, _throttled_message(exc.retry_after), 429, email)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    except OAuthError:
        return _login_page(
            request, tenant, _("The organisation, e-mail or password is not right."), 401, email
        )
    response = signed_in(request, account)
    response.delete_cookie(PRELOGIN_CSRF_COOKIE)
    return response


def _throttled_message(seconds: int) -> str:
    """Romanian plurals by the catalogue: 1 secundă, 2-19 secunde, 20+ de secunde (the same for minutes)."""
    if seconds < 120:
        return ngettext(
            "Too many failed sign-in attempts. Try again in %(num)d second.",
            "Too many failed sign-in attempts. Try again in %(num)d seconds.",
            seconds,
        )
    return ngettext(
        "Too many failed sign-in attempts. Try again in %(num)d minute.",
        "Too many failed sign-in attempts. Try again in %(num)d minutes.",
        math.ceil(seconds / 60),
    )


def _login_page(request: Request, tenant: str, error: str, status: int, email: str = "") -> Response:
    """The login form with a fresh double-submit CSRF token (cookie + hidden field)."""
    token = secrets.token_urlsafe(24)
    from_host = tenant_from_host(request)
    ctx = context(
        request,
        tenant=tenant or from_host,
        tenant_from_host=bool(from_host),
        email=email,
        error=error,
        oidc_enabled=bool(getattr(request.app.state, "oidc_enabled", False)),
        account=None,
    )
    ctx["csrf"] = token
    response = templates.TemplateResponse(request, "login.html", ctx, status_code=status)
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
    _user, account, tenant = user
    start = getattr(request.app.state, "start_page", None)
    home = start(frozenset(account.scopes)) if start else None
    if home and request.query_params.get("home") is None:
        return RedirectResponse(home, status_code=303)
    return render(
        request,
        "dashboard.html",
        context(request, account=account, tenant=tenant, scopes=sorted(account.scopes)),
    )


@router.get("/shortcuts", response_class=HTMLResponse)
def shortcuts_page(request: Request, user: WebUser) -> Response:
    """The shortcuts as a page (the ``?`` dialog's content, for a browser without JavaScript)."""
    _user, account, tenant = user
    return render(request, "shortcuts.html", context(request, account=account, tenant=tenant))


def _safe_next(value: str) -> str:
    return value if value.startswith("/") and not value.startswith("//") and "\\" not in value else "/"


@router.post("/shell/preferences", dependencies=[CsrfChecked])
def set_preferences(
    request: Request,
    user: WebUser,
    db: PageDB,
    theme: Annotated[str, Form(max_length=10)] = "",
    lang: Annotated[str, Form(max_length=5)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Theme and language, remembered in a cookie and in the user's preferences."""
    if (theme and theme not in THEMES) or (lang and lang not in i18n.LOCALES):
        return Response(status_code=422)
    response: Response = (
        Response(status_code=204)
        if request.headers.get("hx-request")
        else RedirectResponse(_safe_next(next), status_code=303)
    )
    if theme:
        auth.remember_preference(db, user.account.id, "theme", theme)
        response.set_cookie(THEME_COOKIE, theme, max_age=31536000, samesite="lax")
    if lang:
        auth.remember_preference(db, user.account.id, "lang", lang)
        response.set_cookie(i18n.LOCALE_COOKIE, lang, max_age=31536000, samesite="lax")
    return response


COMMAND_LIMIT = 6


@router.get("/shell/command", response_class=HTMLResponse)
def command_menu(
    request: Request, user: WebUser, db: PageDB, q: Annotated[str, Query(max_length=200)] = ""
) -> Response:
    """The command menu's results: the pages the user may open, then each module's records."""
    account = user.account
    needle = i18n.fold(q.strip())
    pages = [
        SearchHit(_("Page"), _(e.label), e.url, _(e.section) if e.section else "", e.icon)
        for e in request.app.state.navigation(frozenset(account.scopes))
        if not needle or needle in i18n.fold(_(e.label)) or needle in i18n.fold(e.label)
    ]
    records: list[SearchHit] = []
    if len(needle) >= 2:
        for search in request.app.state.searchers:
            try:
                records.extend(search(db, account, q.strip(), COMMAND_LIMIT))
            except Exception:  # one module's search failing never empties the menu
                log.exception("command_search_failed", searcher=getattr(search, "__module__", "?"))
    groups = [(_("Pages"), pages[:8])] if pages else []
    by_kind: dict[str, list[SearchHit]] = {}
    for hit in records:
        by_kind.setdefault(hit.kind, []).append(hit)
    groups.extend(by_kind.items())
    return render(
        request, "command_results.html", context(request, account=account, groups=groups, q=q.strip())
    )


HEALTH_HISTORY = 24  # samples kept per signal (one per 30 s refresh: 12 minutes)


@router.get("/shell/health", response_class=HTMLResponse)
def health_widget(request: Request, user: WebUser, db: PageDB) -> Response:
    """API, event bus and worker signals with sparklines; refreshed by the layout every 30 s."""
    platform = platform_of(request)
    t0 = time.perf_counter()
    try:
        platform.db.ping()
        api_ms: float | None = (time.perf_counter() - t0) * 1000
    except Exception:
        api_ms = None
    signals = [HealthSignal("api", N_("API"), api_ms, "ms", warn_at=250, fail_at=1000)]
    for provider in request.app.state.health_providers:
        try:
            signals.extend(provider(db, platform))
        except Exception:
            log.exception("health_provider_failed", provider=getattr(provider, "__module__", "?"))
    rows = [{"signal": s, "level": _level(s), "history": _history(platform, s)} for s in signals]
    return render(request, "health.html", context(request, rows=rows))


def _level(signal: HealthSignal) -> str:
    if signal.value is None:
        return "fail"
    if signal.fail_at is not None and signal.value >= signal.fail_at:
        return "fail"
    if signal.warn_at is not None and signal.value >= signal.warn_at:
        return "warn"
    return "ok"


def _history(platform: Platform, signal: HealthSignal) -> list[float]:
    """The signal's recent values, platform-wide in Redis (one sample per 10 s at most)."""
    if platform.redis is None or signal.value is None:
        return []
    key = f"genius:shell:health:{signal.key}"
    try:
        if platform.redis.set(key + ":tick", "1", nx=True, ex=10):
            pipe = platform.redis.pipeline()
            pipe.rpush(key, f"{signal.value:.3f}")
            pipe.ltrim(key, -HEALTH_HISTORY, -1)
            pipe.expire(key, 3600)
            pipe.execute()
        return [float(v) for v in platform.redis.lrange(key, 0, -1)]
    except Exception:
        return []


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    user: AuditReader,
    db: PageDB,
    before_seq: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    action: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    _user, account, tenant = user
    action = (action or "").strip() or None
    found = audit.page(db, limit=25, before_seq=before_seq, action=action)
    rows = [audit.entry_json(e) | {"occurred_at": e.occurred_at} for e in found]
    nxt = rows[-1]["seq"] if len(rows) == 25 and rows[-1]["seq"] > 1 else None
    name = "audit_rows.html" if request.headers.get("hx-request") else "audit.html"
    ctx = context(request, account=account, tenant=tenant, rows=rows, next_before_seq=nxt, action=action)
    return render(request, name, ctx)


@router.get("/audit/export")
def audit_export(request: Request, user: AuditReader) -> StreamingResponse:
    """The signed JSON Lines export, as the API's ``GET /v1/audit/export`` gives it."""
    platform = platform_of(request)
    key = platform.keys.signing_key("audit")
    tid = user.account.tid

    def lines() -> Any:
        with platform.db.tenant_session(tid) as s:  # its own transaction: the body outlives the page's
            yield from audit.export_lines(s, tid, key.kid, key.private)  # type: ignore[arg-type]

    filename = f"audit-{tid}-{datetime.now():%Y%m%dT%H%M%S}.jsonl"
    return StreamingResponse(
        lines(),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _nav_active(request: Request, url: str, urls: list[str]) -> bool:
    """The entry whose URL is the longest prefix of the page's path (``/crm`` is not active on
    ``/crm/leads``)."""
    path = request.url.path

    def matches(candidate: str) -> bool:
        return path == candidate or (candidate != "/" and path.startswith(candidate.rstrip("/") + "/"))

    best = max((u for u in urls if matches(u)), key=len, default=None)
    return best == url


def _lang_url(request: Request, code: str) -> str:
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return f"{request.url.path}?{urlencode([*params, ('lang', code)])}"


def install_web(
    app: FastAPI,
    platform: Platform,
    module_pages: Iterable[APIRouter] = (),
    navigation: Callable[[frozenset[str]], list[NavEntry]] | None = None,
    web_packages: Iterable[tuple[str, Path]] = (),
    start_page: Callable[[frozenset[str]], str | None] | None = None,
    searchers: Iterable[Callable[..., list[SearchHit]]] = (),
    health_providers: Iterable[Callable[..., list[HealthSignal]]] = (),
) -> None:
    """The Shell: static files, its own pages, then the modules' pages (``module_pages``).

    MODULE PAGES ARE MOUNTED HERE, and only here: the caller (``genius.app``) passes each module's page
    router, the navigation its manifests declare (``navigation(scopes)``: the entries those scopes may
    see), each module's web folder (``web_packages``: name → folder with ``templates/`` and
    ``static/``), its command-menu search and its health signals; the Shell never imports a module.
    """
    app.state.session_codec = SessionCodec(platform.settings)
    app.state.oidc_enabled = bool(platform.settings.oidc_issuer and platform.settings.oidc_client_id)
    declared = navigation or (lambda scopes: [])
    settings = platform.settings

    def visible_navigation(scopes: frozenset[str]) -> list[NavEntry]:
        return [e for e in declared(scopes) if not e.when or getattr(settings, e.when, None)]

    app.state.navigation = visible_navigation
    app.state.searchers = list(searchers)
    app.state.health_providers = list(health_providers)

    def shell_nav(request: Request, account: Any) -> list[NavEntry]:
        entries: list[NavEntry] = request.app.state.navigation(frozenset(account.scopes))
        return entries

    def shell_shortcuts(request: Request, account: Any) -> list[tuple[str, str, str]]:
        return [(e.key, e.url, e.label) for e in shell_nav(request, account) if e.key]

    app.state.start_page = start_page
    loaders = [FileSystemLoader(str(WEB_DIR / "templates"))]
    stylesheets: list[str] = []
    for name, folder in web_packages:
        if (folder / "templates").is_dir():
            loaders.append(FileSystemLoader(str(folder / "templates")))
        if (folder / "static").is_dir():
            app.mount(f"/static/{name}", StaticFiles(directory=str(folder / "static")), name=f"static-{name}")
            if (folder / "static" / f"{name}.css").exists():
                stylesheets.append(f"/static/{name}/{name}.css")
    templates.env.loader = ChoiceLoader(loaders)
    templates.env.globals.update(
        shell_nav=shell_nav,
        shell_shortcuts=shell_shortcuts,
        module_stylesheets=stylesheets,
        nav_active=_nav_active,
        lang_url=_lang_url,
    )
    app.mount("/static", StaticFiles(directory=str(WEB_DIR / "static")), name="static")
    app.include_router(router)
    app.include_router(admin_router)
    for pages in module_pages:
        app.include_router(guarded(pages))
    app.add_middleware(i18n.LocaleMiddleware)

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
        if request.headers.get("hx-request"):
            return Response(status_code=403)
        page = error_page(request, 403)
        return page

    # Pages answer errors with the Shell's pages; the API keeps its problem+json answers.
    api_http_handler = app.exception_handlers[StarletteHTTPException]

    async def _http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if _wants_page(request) and exc.status_code in (403, 404, 405):
            return error_page(request, 404 if exc.status_code == 405 else exc.status_code)
        response = api_http_handler(request, exc)
        return await response if inspect.isawaitable(response) else response

    app.add_exception_handler(StarletteHTTPException, _http_error)

    # A page form the route's own validation refuses (a value too long, a missing field): the Shell's
    # error page in the user's language, not the API's problem+json. Pages that want inline errors
    # validate their forms themselves and answer 422 with the form.
    api_validation_handler = app.exception_handlers[RequestValidationError]

    async def _validation_error(request: Request, exc: Exception) -> Response:
        if _wants_page(request):
            return error_page(request, 422)
        response = api_validation_handler(request, exc)
        return await response if inspect.isawaitable(response) else response

    app.add_exception_handler(RequestValidationError, _validation_error)

    async def _server_error(request: Request, exc: Exception) -> Response:
        log.error("unhandled_error", path=request.url.path, error=type(exc).__name__, exc_info=exc)
        if _wants_page(request):
            return error_page(request, 500)
        from genius.core.kit.errors import problem_response

        return problem_response(500, "Internal error", None, "internal", request)

    app.add_exception_handler(Exception, _server_error)


API_PREFIXES = ("/v1/", "/health", "/metrics", "/openapi.json", "/docs", "/.well-known/", "/oauth/")


def _wants_page(request: Request) -> bool:
    return not request.url.path.startswith(API_PREFIXES)
