"""The Shell's public page kit: what a module's ``pages.py`` imports to render htmx pages.

* ``templates`` (the Shell's Jinja2 environment; layout ``base.html``), ``context(request, **extra)`` and
  ``render(request, name, context, status)``;
* ``PageDB``: the signed-in user's tenant transaction for the page, committed before the response (like
  ``TenantDB`` for the API);
* ``WebUser`` (a ``PageUser``: web session, account, tenant) and ``page_requires(scope)`` for typed
  page dependencies, e.g. ``OpsUser = Annotated[PageUser, Depends(page_requires(Scope.WORKERS_ADMIN))]``
  (a user without the scope gets the Shell's 403 page);
* ``CsrfChecked``: add ``dependencies=[CsrfChecked]`` to every unsafe page route;
* ``platform_of(request)``: the process's ``Platform``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, NamedTuple

from fastapi import Depends, Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from genius.core.auth import service as auth
from genius.core.auth.scopes import Scope
from genius.core.auth.service import Account
from genius.core.directory.models import Tenant
from genius.core.platform import Platform
from genius.web.session import CSRF_FIELD, CSRF_HEADER, SESSION_COOKIE, SessionCodec, WebSession, csrf_ok

__all__ = [
    "WEB_DIR",
    "CsrfChecked",
    "CsrfFailed",
    "LoginRequired",
    "PageDB",
    "PageForbidden",
    "PageUser",
    "WebUser",
    "context",
    "forbidden",
    "page_requires",
    "platform_of",
    "render",
    "session_codec",
    "templates",
]

WEB_DIR = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(WEB_DIR / "templates"))


class LoginRequired(Exception):
    """No valid session: full pages redirect to /login, htmx requests get ``HX-Redirect``."""


class CsrfFailed(Exception):
    pass


class PageUser(NamedTuple):
    session: WebSession
    account: Account
    tenant: Tenant


class PageForbidden(Exception):
    def __init__(self, user: PageUser, scope: str) -> None:
        super().__init__(scope)
        self.user = user
        self.scope = scope


def platform_of(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


def session_codec(request: Request) -> SessionCodec:
    codec: SessionCodec = request.app.state.session_codec
    return codec


def page_db(request: Request) -> Iterator[Session]:
    """The signed-in user's tenant transaction; committed when the page handler returns."""
    web_session = session_codec(request).decode(request.cookies.get(SESSION_COOKIE))
    if web_session is None:
        raise LoginRequired
    with platform_of(request).db.tenant_session(web_session.tid) as s:
        request.state.web_session = web_session
        yield s


PageDB = Annotated[Session, Depends(page_db, scope="function")]


def web_user(request: Request, db: PageDB) -> PageUser:
    web_session: WebSession = request.state.web_session
    found = auth.session_identity(db, web_session.tid, web_session.user_id)
    if found is None:
        raise LoginRequired
    request.state.csrf = web_session.csrf
    return PageUser(web_session, *found)


WebUser = Annotated[PageUser, Depends(web_user)]


def page_requires(scope: Scope) -> Callable[[PageUser], PageUser]:
    def check(user: WebUser) -> PageUser:
        if scope not in user.account.scopes:
            raise PageForbidden(user, scope)
        return user

    check.__name__ = "page_requires_" + scope.replace(":", "_")
    return check


async def check_csrf(request: Request, user: WebUser) -> None:
    """Unsafe methods need the session's CSRF token, as a form field or the X-CSRF-Token header (htmx)."""
    given = request.headers.get(CSRF_HEADER)
    if not given and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not csrf_ok(user.session.csrf, given):
        raise CsrfFailed


CsrfChecked = Depends(check_csrf)


def context(request: Request, **extra: Any) -> dict[str, Any]:
    return {"request": request, "csrf": getattr(request.state, "csrf", ""), **extra}


def render(request: Request, name: str, ctx: dict[str, Any], status: int = 200) -> Response:
    return templates.TemplateResponse(request, name, ctx, status_code=status)


def forbidden(request: Request, user: PageUser, scope: str) -> Response:
    ctx = context(request, account=user.account, tenant=user.tenant, scope=scope)
    return render(request, "forbidden.html", ctx, 403)
