"""Languages of the web app: Romanian first, English as an option, from gettext catalogues (Babel).

Message ids are English; ``locale/ro/LC_MESSAGES/messages.po`` holds the Romanian text and
``locale/en/…`` the English one (identical to the ids, kept so both languages are catalogues). The
catalogues are read from their ``.po`` files at start-up and compiled in memory, so nothing binary is
committed and no build step is needed. ``make i18n`` re-extracts the ids from every module's pages and
templates (``babel.cfg``) and updates both catalogues.

The current request's language lives in a context variable set by ``LocaleMiddleware`` (``?lang=``,
then the ``genius_lang`` cookie, then Romanian); ``gettext``/``ngettext`` here and in every template
read it, so a page handler writes ``_("Saved")`` and gets the user's language.
"""

from __future__ import annotations

import contextvars
import gettext as _gettext
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import LazyProxy
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOCALES = ("ro", "en")
DEFAULT_LOCALE = "ro"
LOCALE_COOKIE = "genius_lang"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGE_NAMES = {"ro": "Română", "en": "English"}

_current: contextvars.ContextVar[str] = contextvars.ContextVar("genius_locale", default=DEFAULT_LOCALE)


@cache
def translations(locale: str) -> _gettext.NullTranslations:
    po = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return _gettext.NullTranslations()
    with po.open("rb") as f:
        catalog = read_po(f, locale=locale)
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def current_locale() -> str:
    return _current.get()


def set_locale(locale: str) -> contextvars.Token[str]:
    return _current.set(locale if locale in LOCALES else DEFAULT_LOCALE)


def gettext(message: str, **variables: Any) -> str:
    text = translations(_current.get()).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: Any) -> str:
    text = translations(_current.get()).ngettext(singular, plural, n)
    return text % {"num": n, **variables}


def lazy_gettext(message: str) -> LazyProxy:
    """For module-level texts (navigation labels, choices): translated when shown, not when defined."""
    return LazyProxy(gettext, message, enable_cache=False)


_ = gettext


def pick_locale(query_lang: str | None, cookie_lang: str | None) -> str:
    for candidate in (query_lang, cookie_lang):
        if candidate in LOCALES:
            return candidate
    return DEFAULT_LOCALE


class LocaleMiddleware:
    """Sets the request's language; ``?lang=ro|en`` switches it and remembers it in a cookie."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from starlette.requests import Request

        request = Request(scope)
        asked = request.query_params.get("lang")
        locale = pick_locale(asked, request.cookies.get(LOCALE_COOKIE))
        scope.setdefault("state", {})["locale"] = locale
        token = _current.set(locale)
        remember = asked in LOCALES and asked != request.cookies.get(LOCALE_COOKIE)

        async def send_with_cookie(message: Message) -> None:
            if remember and message["type"] == "http.response.start":
                cookie = f"{LOCALE_COOKIE}={locale}; Path=/; Max-Age=31536000; SameSite=Lax"
                message.setdefault("headers", []).append((b"set-cookie", cookie.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_cookie)
        finally:
            _current.reset(token)


def fold(text: str) -> str:
    """Lower case without diacritics (``Ștefănescu`` → ``stefanescu``), for matching what users type."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
