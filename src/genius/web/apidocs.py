"""The API documentation (``/openapi.json``, ``/docs``, ``/redoc``), behind an admin login unless
``GENIUS_API_DOCS_PUBLIC`` is true (``genius demo`` turns it on).

Without the setting, a caller needs ``tenant:admin`` or ``platform:admin``, from a bearer token or
from the web session cookie; otherwise 401 problem+json (browsers asking for HTML are sent to
``/login``), 403 for a signed-in non-admin. The pages are FastAPI's own Swagger UI and ReDoc (their
assets from FastAPI's default CDN); their inline scripts are pinned by SHA-256 in a Content-Security-
Policy of their own, which the security-headers middleware keeps.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from genius.core.auth import service as auth
from genius.core.auth.scopes import Scope
from genius.core.auth.tokens import InvalidToken
from genius.core.kit.errors import problem_response
from genius.core.platform import Platform
from genius.web.session import SESSION_COOKIE, SessionCodec

OPENAPI_URL = "/openapi.json"
DOCS_URL = "/docs"
OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"
REDOC_URL = "/redoc"
ADMIN_SCOPES = frozenset({Scope.TENANT_ADMIN.value, Scope.PLATFORM_ADMIN.value})
CDN = "https://cdn.jsdelivr.net"  # FastAPI's default for Swagger UI and ReDoc

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def docs_csp(html: str) -> str:
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in _INLINE_SCRIPT.findall(html)
    )
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' {CDN} {hashes}".strip(),
            # Swagger UI and ReDoc style their components inline.
            f"style-src 'self' 'unsafe-inline' {CDN} https://fonts.googleapis.com",
            "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly",
            "font-src 'self' https://fonts.gstatic.com",
            "worker-src 'self' blob:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def _page(response: HTMLResponse) -> HTMLResponse:
    response.headers["Content-Security-Policy"] = docs_csp(bytes(response.body).decode())
    return response


def _caller_scopes(request: Request, platform: Platform) -> set[str] | None:
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        try:
            return set(platform.tokens.verify(header[7:].strip()).scopes)
        except InvalidToken:
            return None
    codec: SessionCodec | None = getattr(request.app.state, "session_codec", None)
    session = codec.decode(request.cookies.get(SESSION_COOKIE)) if codec is not None else None
    if session is None:
        return None
    account = auth.load_account(platform.db, session.tid, session.user_id)
    return set(account.scopes) if account is not None else None


def _denied(request: Request) -> Response | None:
    platform: Platform = request.app.state.platform
    if platform.settings.api_docs_public:
        return None
    scopes = _caller_scopes(request, platform)
    if scopes is None:
        if "text/html" in request.headers.get("accept", ""):
            return RedirectResponse("/login", status_code=303)
        return problem_response(
            401,
            "Authentication required",
            "The API documentation needs an administrator's bearer token or web session.",
            "unauthorized",
            request,
            {"WWW-Authenticate": 'Bearer realm="genius"'},
        )
    if not scopes & ADMIN_SCOPES:
        return problem_response(
            403,
            "Forbidden",
            "The API documentation is for tenant and platform administrators.",
            "forbidden",
            request,
            required_scopes=sorted(ADMIN_SCOPES),
        )
    return None


def install_api_docs(app: FastAPI) -> None:
    """Adds the docs routes; the app is created with ``openapi_url=docs_url=redoc_url=None``."""

    def openapi(request: Request) -> Response:
        denied = _denied(request)
        if denied is not None:
            return denied
        schema: dict[str, Any] = app.openapi()
        root_path = request.scope.get("root_path", "").rstrip("/")
        if root_path and app.root_path_in_servers:
            servers = schema.get("servers", [])
            if root_path not in {s.get("url") for s in servers}:
                schema = {**schema, "servers": [{"url": root_path}, *servers]}
        return JSONResponse(schema)

    def swagger_ui(request: Request) -> Response:
        denied = _denied(request)
        if denied is not None:
            return denied
        root_path = request.scope.get("root_path", "").rstrip("/")
        return _page(
            get_swagger_ui_html(
                openapi_url=root_path + OPENAPI_URL,
                title=f"{app.title} - Swagger UI",
                oauth2_redirect_url=root_path + OAUTH2_REDIRECT_URL,
            )
        )

    def swagger_redirect() -> Response:
        return _page(get_swagger_ui_oauth2_redirect_html())

    def redoc(request: Request) -> Response:
        denied = _denied(request)
        if denied is not None:
            return denied
        root_path = request.scope.get("root_path", "").rstrip("/")
        return _page(get_redoc_html(openapi_url=root_path + OPENAPI_URL, title=f"{app.title} - ReDoc"))

    app.add_api_route(OPENAPI_URL, openapi, methods=["GET"], include_in_schema=False)
    app.add_api_route(DOCS_URL, swagger_ui, methods=["GET"], include_in_schema=False)
    app.add_api_route(OAUTH2_REDIRECT_URL, swagger_redirect, methods=["GET"], include_in_schema=False)
    app.add_api_route(REDOC_URL, redoc, methods=["GET"], include_in_schema=False)
