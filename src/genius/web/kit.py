"""The Shell's public page kit: what a module's ``pages.py`` imports to render htmx pages.

* ``templates`` (the Shell's Jinja2 environment; layout ``base.html``), ``context(request, **extra)`` and
  ``render(request, name, context, status)``;
* ``PageDB``: the signed-in user's tenant transaction for the page, committed before the response (like
  ``TenantDB`` for the API);
* ``WebUser`` (a ``PageUser``: web session, account, tenant) and ``page_requires(scope)`` for typed
  page dependencies, e.g. ``OpsUser = Annotated[PageUser, Depends(page_requires(Scope.WORKERS_ADMIN))]``
  (a user without the scope gets the Shell's 403 page);
* ``CsrfChecked``: add ``dependencies=[CsrfChecked]`` to every unsafe page route;
* ``platform_of(request)``: the process's ``Platform``;
* ``_`` / ``ngettext`` (the request's language, from ``genius.web.i18n``), and in templates ``_()``,
  ``{% trans %}`` and the Romanian format filters ``money``, ``number``, ``percent``, ``day``,
  ``moment`` (``genius.web.formats``);
* ``toast(response, message)`` (an htmx toast) and ``flash(response, message)`` (a toast shown by the
  next full page, for post-redirect-get); ``error_page(request, status)``;
* ``templates/ui.html``: the macros every page uses (page header, badges, empty states, fields with
  their errors, paging); ``{% import "ui.html" as ui %}``.

Pages never put ``<script>`` or ``style=""`` in their HTML: the Content-Security-Policy forbids inline
script and style. Behaviour comes from ``static/js/shell.js`` and htmx attributes.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, NamedTuple
from urllib.parse import quote, unquote

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from genius.core.audit import service as audit
from genius.core.auth import service as auth
from genius.core.auth.scopes import Scope
from genius.core.auth.service import Account
from genius.core.directory.models import Tenant
from genius.core.kit.manifest import N_
from genius.core.platform import Platform
from genius.web import formats, i18n
from genius.web.i18n import gettext as _
from genius.web.i18n import ngettext
from genius.web.session import CSRF_FIELD, CSRF_HEADER, SESSION_COOKIE, SessionCodec, WebSession, csrf_ok

__all__ = [
    "WEB_DIR",
    "CsrfChecked",
    "CsrfFailed",
    "LoginRequired",
    "PageDB",
    "PageForbidden",
    "PageForm",
    "PageUser",
    "WebUser",
    "_",
    "context",
    "error_page",
    "flash",
    "forbidden",
    "ngettext",
    "page_requires",
    "platform_of",
    "render",
    "session_codec",
    "templates",
    "toast",
]

WEB_DIR = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(WEB_DIR / "templates"))
templates.env.add_extension("jinja2.ext.i18n")
templates.env.install_gettext_callables(  # type: ignore[attr-defined]
    lambda message: i18n.translations(i18n.current_locale()).gettext(message),
    lambda singular, plural, n: i18n.translations(i18n.current_locale()).ngettext(singular, plural, n),
    newstyle=True,
)
templates.env.filters.update(formats.FILTERS)
templates.env.globals["current_locale"] = i18n.current_locale
templates.env.globals["languages"] = i18n.LANGUAGE_NAMES
# List pages count their matches up to this many and then say "more than 10.000": an exact count over
# a million rows costs more than the page itself, and nobody pages that far.
LIST_COUNT_CAP = 10_000
templates.env.globals["list_count_cap"] = LIST_COUNT_CAP
THEME_COOKIE = "genius_theme"
FLASH_COOKIE = "genius_flash"
THEMES = ("light", "dark")


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


def signed_in(request: Request, account: Account, data: dict[str, Any] | None = None) -> Response:
    """The web session for a user who just proved who they are (password or OIDC): audited as
    ``auth.web_login`` with ``data`` (the method), their remembered language and theme restored in
    this browser, then off to the start page."""
    platform = platform_of(request)
    codec = session_codec(request)
    value, _session = codec.encode(account.id, account.tid)
    with platform.db.tenant_session(account.tid) as s:
        audit.record(
            s,
            account.tid,
            "auth.web_login",
            actor=account.email,
            target=str(account.id),
            data=data,
            request_id=getattr(request.state, "request_id", ""),
        )
        remembered = auth.preferences(s, account.id)
    response = RedirectResponse("/", status_code=303)
    if "lang" in remembered:
        response.set_cookie(i18n.LOCALE_COOKIE, remembered["lang"], max_age=31536000, samesite="lax")
    if "theme" in remembered:
        response.set_cookie(THEME_COOKIE, remembered["theme"], max_age=31536000, samesite="lax")
    response.set_cookie(
        SESSION_COOKIE,
        value,
        httponly=True,
        samesite="lax",
        secure=codec.secure,
        max_age=codec.max_age,
        path="/",
    )
    return response


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


def page_requires(scope: Scope) -> Callable[[PageUser], Awaitable[PageUser]]:
    async def check(user: WebUser) -> PageUser:  # a coroutine: no thread hop for a set lookup
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


async def _page_form(request: Request) -> FormData:
    """The posted form, read on the event loop; a handler taking ``form: PageForm`` can then be a plain
    ``def`` (run in the thread pool), so its database work never blocks the loop."""
    return await request.form()


PageForm = Annotated[FormData, Depends(_page_form)]


def context(request: Request, **extra: Any) -> dict[str, Any]:
    theme = request.cookies.get(THEME_COOKIE)
    return {
        "request": request,
        "csrf": getattr(request.state, "csrf", ""),
        "theme": theme if theme in THEMES else "",
        "flash": _read_flash(request),
        **extra,
    }


def render(request: Request, name: str, ctx: dict[str, Any], status: int = 200) -> Response:
    response = templates.TemplateResponse(request, name, ctx, status_code=status)
    if ctx.get("flash") and not request.headers.get("hx-request"):
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def toast(response: Response, message: str, kind: str = "success", retry: str | None = None) -> Response:
    """An htmx response's toast (``HX-Trigger``), shown by shell.js; ``retry``: a URL to POST again."""
    payload = {"message": message, "kind": kind, **({"retry": retry} if retry else {})}
    response.headers["HX-Trigger"] = json.dumps({"genius:toast": payload}, ensure_ascii=True)
    return response


def flash(response: Response, message: str, kind: str = "success") -> Response:
    """A toast for the next full page (post-redirect-get): a short-lived cookie the layout shows once."""
    value = quote(json.dumps({"message": message, "kind": kind}, ensure_ascii=False))
    response.set_cookie(FLASH_COOKIE, value, max_age=60, path="/", httponly=True, samesite="lax")
    return response


def _read_flash(request: Request) -> dict[str, str] | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    try:
        data = json.loads(unquote(raw))
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("message"), str):
        return None
    return {"message": data["message"][:300], "kind": "error" if data.get("kind") == "error" else "success"}


def forbidden(request: Request, user: PageUser, scope: str) -> Response:
    ctx = context(request, account=user.account, tenant=user.tenant, scope=scope)
    return render(request, "forbidden.html", ctx, 403)


ERROR_TEXTS = {
    403: (N_("Not allowed"), N_("Your role does not allow this. Ask an administrator for access.")),
    404: (
        N_("Page not found"),
        N_("The page or record does not exist, or it belongs to another organisation."),
    ),
    422: (
        N_("The form could not be read"),
        N_("A value is missing, too long or not of the expected kind. Go back, correct it and try again."),
    ),
    500: (
        N_("Something went wrong"),
        N_("The error was logged. Try again in a moment; nothing you saved was lost."),
    ),
}


def error_page(request: Request, status: int) -> Response:
    """The Shell's error page (no stack trace, ever), in the user's language."""
    title, message = ERROR_TEXTS.get(status, (N_("Error"), N_("The request could not be completed.")))
    ctx = context(request, status=status, title=_(title), message=_(message))
    ctx["account"] = None  # the layout without the navigation: the session may be the problem
    return render(request, "error.html", ctx, status)
