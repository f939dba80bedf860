"""ANAF's errors as every compliance client sees them (e-Factura, e-Transport; OAuth).

ANAF answers in several dialects, often with HTTP 200 whatever happened; ``transport_error`` reads the
gateway's answers that are the same for every endpoint (401/403, 429 with ``Retry-After``, 5xx, the
HTML firewall page, JSON ``{"eroare", "titlu"}`` and Spring's ``{"status", "error", "message"}``) into
an ``ApiError`` whose ``kind`` says what to do (retry later, refresh the token, give up). A client
raises ``AnafApiError`` carrying it (``AnafTimeout`` when no reply came: the request may or may not
have been processed). ``OAuthError`` is the token endpoint's refusal.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from pydantic import BaseModel, Field

ErrorKind = Literal[
    "invalid",  # our request was wrong (bad parameter, bad XML): do not retry as is
    "forbidden",  # no SPV right for this CIF / message
    "not_found",  # no such message
    "limit",  # ANAF's daily per-message / per-CUI limit reached (HTTP 200 with a message)
    "unauthorized",  # the access token was refused (HTTP 401/403): refresh it
    "rate_limited",  # HTTP 429: slow down, retry after
    "server",  # HTTP 5xx: retry later
    "firewall",  # an HTML page instead of the API (WAF / maintenance): retry later
    "protocol",  # a reply we cannot read at all
    "timeout",  # no reply in time (the request may or may not have been processed)
    "unreachable",  # no connection
]
RETRYABLE: frozenset[str] = frozenset(
    {"rate_limited", "server", "firewall", "protocol", "timeout", "unreachable"}
)


class ApiError(BaseModel):
    """A reply that is not the endpoint's result."""

    kind: ErrorKind
    messages: list[str] = Field(default_factory=list)
    status_code: int = 200
    title: str | None = None
    retry_after: float | None = None

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE

    @property
    def message(self) -> str:
        return "; ".join(self.messages) or self.kind


class AnafApiError(RuntimeError):
    def __init__(self, error: ApiError) -> None:
        super().__init__(f"ANAF e-Factura: {error.kind}: {error.message}")
        self.error = error

    @property
    def kind(self) -> str:
        return self.error.kind


class AnafTimeout(AnafApiError):
    """No reply in time: the request may or may not have reached ANAF."""


class OAuthError(RuntimeError):
    """The token endpoint refused (``kind``: config, refused, unavailable, not_connected, state)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def is_temporary(exc: BaseException) -> bool:
    """Worth retrying later: ANAF's temporary failures, a refused token (refreshed on the next try),
    the OAuth endpoint being unreachable."""
    if isinstance(exc, AnafApiError):
        return exc.error.retryable or exc.kind == "unauthorized"
    return isinstance(exc, OAuthError) and exc.kind == "unavailable"


def classify_message(text: str) -> ErrorKind:
    """What an ANAF error message means (they are free text in Romanian)."""
    t = text.lower()
    if "s-au facut deja" in t or "limita" in t:
        return "limit"
    if "nu aveti drept" in t or "nu exista niciun cif" in t:
        return "forbidden"
    if "nu exista factura" in t or "nu exista inregistrata" in t or "nu exista nici o factura" in t:
        return "not_found"
    return "invalid"


def looks_html(content_type: str, body: bytes) -> bool:
    head = body[:512].lstrip().lower()
    return "html" in content_type.lower() or head.startswith((b"<!doctype html", b"<html"))


def read_json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        return None


def retry_after_of(headers: dict[str, str] | None) -> float | None:
    if not headers:
        return None
    for key, value in headers.items():
        if key.lower() == "retry-after":
            try:
                return max(0.0, float(value))
            except ValueError:
                return None
    return None


def json_error(data: Any, status_code: int) -> ApiError | None:
    """``{"eroare", "titlu"}`` or Spring's ``{"status", "error", "message"}``."""
    if not isinstance(data, dict):
        return None
    if "eroare" in data:
        text = str(data.get("eroare") or "").strip()
        return ApiError(
            kind=classify_message(text), messages=[text], status_code=status_code, title=data.get("titlu")
        )
    if "message" in data and ("status" in data or "error" in data):
        text = str(data.get("message") or data.get("error") or "").strip()
        return ApiError(kind="invalid", messages=[text], status_code=status_code, title=data.get("error"))
    return None


def transport_error(
    status_code: int, content_type: str, body: bytes, headers: dict[str, str] | None = None
) -> ApiError | None:
    """The gateway's answers that are the same for every endpoint (``None``: read the body)."""
    if status_code in (401, 403):
        text = body[:300].decode("utf-8", "replace").strip()
        return ApiError(kind="unauthorized", messages=[text] if text else [], status_code=status_code)
    if status_code == 429:
        return ApiError(
            kind="rate_limited",
            messages=["Too many requests"],
            status_code=429,
            retry_after=retry_after_of(headers),
        )
    if status_code >= 500:
        data = read_json(body)
        detail = (data.get("message") or data.get("error")) if isinstance(data, dict) else None
        return ApiError(
            kind="server",
            messages=[str(detail)] if detail else [f"HTTP {status_code}"],
            status_code=status_code,
            retry_after=retry_after_of(headers),
        )
    if looks_html(content_type, body):
        match = re.search(rb"<title>(.*?)</title>", body[:4096], re.I | re.S)
        title = match.group(1).decode("utf-8", "replace").strip() if match else None
        return ApiError(
            kind="firewall",
            messages=["ANAF returned an HTML page instead of the API reply (firewall or maintenance)"],
            status_code=status_code,
            title=title,
        )
    if status_code >= 400:
        error = json_error(read_json(body), status_code)
        if error is not None:
            return error
        text = body[:300].decode("utf-8", "replace").strip()
        return ApiError(kind="invalid", messages=[text or f"HTTP {status_code}"], status_code=status_code)
    return None
