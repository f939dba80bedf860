"""The two e-mail providers of outreach (spec 004, F2.3-F2.4): Resend for warm e-mail (one message sent
now), Instantly for cold e-mail (the lead is added to an Instantly campaign, whose own inboxes, rotation
and warm-up send it).

* **Resend** (``POST /emails``, Bearer key). Every send carries ``Idempotency-Key``: Resend answers the
  same id for the same key for 24 hours without sending again, so a retried task never sends twice.
  Errors are ``{"statusCode", "name", "message"}``; 429 carries ``Retry-After``.
* **Instantly** (API v2 under ``/api/v2``, Bearer key). ``POST /api/v2/leads`` with ``campaign`` and
  ``skip_if_in_campaign`` adds the lead once; the message's subject and body travel as the lead's
  ``custom_variables`` (``genius_subject``, ``genius_body``), which the campaign's step template uses.
  ``GET /api/v2/campaigns/{id}`` and ``POST /api/v2/campaigns/{id}/activate`` manage the campaign,
  ``POST /api/v2/emails/reply`` answers in a lead's thread.

Typed errors, shared by both: 429 → ``RateLimited`` (retried here with backoff honouring
``Retry-After``), 401/403 → ``Unauthorized`` (never retried), other 4xx → ``Rejected`` (never retried:
the request itself is wrong), 5xx and network errors → ``Unavailable`` (retried for reads; for a send the
caller decides, and Resend's idempotency key makes its retry safe).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

TIMEOUT = 30.0


class EmailProviderError(Exception):
    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class RateLimited(EmailProviderError):
    """429 from the provider."""


class Unauthorized(EmailProviderError):
    """401/403: the key is wrong, revoked or lacks the scope."""


class Rejected(EmailProviderError):
    """Another 4xx: the provider refused this request (an invalid address, a missing campaign…)."""


class Unavailable(EmailProviderError):
    """5xx, a timeout or a network failure."""


@dataclass(frozen=True)
class SentEmail:
    provider: str
    message_id: str  # Resend's e-mail id; Instantly's lead id (its e-mails get ids when they go out)
    lead_id: str | None = None


class JsonApi:
    """Bearer-key JSON over HTTP with the retry rules above."""

    name = "provider"

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str,
        http: httpx.Client | None = None,
        timeout: float = TIMEOUT,
        max_retries: int = 3,
        base_delay: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not api_key:
            raise ValueError(f"a {self.name} API key is required")
        self.api_key = api_key
        self.base = base_url.rstrip("/")
        self.http = http or httpx.Client(timeout=timeout)
        self.timeout = timeout
        self.max_retries = max_retries
        self.base_delay = base_delay
        self.sleep = sleep

    def call(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        retry_unavailable: bool = True,
    ) -> dict[str, Any]:
        attempt = 0
        while True:
            try:
                response = self.http.request(
                    method,
                    self.base + path,
                    json=json,
                    headers={
                        "Authorization": f"Bearer {self.api_key}",
                        "Accept": "application/json",
                        **(headers or {}),
                    },
                    timeout=self.timeout,
                )
            except httpx.HTTPError as exc:
                error: EmailProviderError = Unavailable(f"{self.name} {path}: {exc or type(exc).__name__}")
            else:
                if response.status_code < 400:
                    body = _body(response)
                    if not body and response.status_code != 204:
                        raise Unavailable(f"{self.name} answered {response.status_code} without JSON")
                    return body
                error = self.error(response)
            retryable = isinstance(error, RateLimited) or (
                isinstance(error, Unavailable) and retry_unavailable
            )
            if not retryable or attempt >= self.max_retries:
                raise error
            self.sleep(max(error.retry_after or 0.0, self.base_delay * 2**attempt))
            attempt += 1

    def error(self, response: httpx.Response) -> EmailProviderError:
        status = response.status_code
        body = _body(response)
        message = str(body.get("message") or body.get("error") or response.reason_phrase or "error")
        text = f"{self.name} {status}: {message}"
        if status == 429:
            raw = response.headers.get("Retry-After")
            retry_after = float(raw) if raw and raw.replace(".", "", 1).isdigit() else None
            return RateLimited(text, status=status, retry_after=retry_after)
        if status in (401, 403):
            return Unauthorized(text, status=status)
        if status >= 500:
            return Unavailable(text, status=status)
        return Rejected(text, status=status)


class ResendClient(JsonApi):
    name = "Resend"

    def __init__(self, api_key: str, *, base_url: str = "https://api.resend.com", **kw: Any) -> None:
        super().__init__(api_key, base_url=base_url, **kw)

    def send(
        self,
        *,
        sender: str,
        to: str,
        subject: str,
        text: str,
        html: str | None = None,
        idempotency_key: str,
        headers: dict[str, str] | None = None,
        tags: dict[str, str] | None = None,
    ) -> SentEmail:
        body: dict[str, Any] = {"from": sender, "to": [to], "subject": subject, "text": text}
        if html:
            body["html"] = html
        if headers:
            body["headers"] = headers
        if tags:
            body["tags"] = [{"name": k, "value": v} for k, v in tags.items()]
        data = self.call(
            "POST",
            "/emails",
            json=body,
            headers={"Idempotency-Key": idempotency_key[:256]},
            retry_unavailable=True,
        )
        return SentEmail("resend", str(data["id"]))


class InstantlyClient(JsonApi):
    name = "Instantly"

    def __init__(self, api_key: str, *, base_url: str = "https://api.instantly.ai", **kw: Any) -> None:
        super().__init__(api_key, base_url=base_url, **kw)

    def add_lead(
        self,
        campaign_id: str,
        *,
        email: str,
        subject: str,
        text: str,
        first_name: str | None = None,
        last_name: str | None = None,
        company_name: str | None = None,
        reference: str | None = None,
    ) -> SentEmail:
        body: dict[str, Any] = {
            "campaign": campaign_id,
            "email": email,
            "skip_if_in_campaign": True,
            "custom_variables": {
                "genius_subject": subject,
                "genius_body": text,
                "genius_ref": reference or "",
            },
        }
        for key, value in (
            ("first_name", first_name),
            ("last_name", last_name),
            ("company_name", company_name),
        ):
            if value:
                body[key] = value
        # Not retried on a 5xx: the lead may have been added; the task's retry re-adds it and
        # skip_if_in_campaign keeps Instantly from mailing it twice.
        data = self.call("POST", "/api/v2/leads", json=body, retry_unavailable=False)
        lead_id = str(data["id"])
        return SentEmail("instantly", lead_id, lead_id)

    def campaign(self, campaign_id: str) -> dict[str, Any]:
        return self.call("GET", f"/api/v2/campaigns/{campaign_id}")

    def activate(self, campaign_id: str) -> dict[str, Any]:
        return self.call("POST", f"/api/v2/campaigns/{campaign_id}/activate", json={})

    def reply(self, *, eaccount: str, reply_to_uuid: str, subject: str, text: str) -> str:
        data = self.call(
            "POST",
            "/api/v2/emails/reply",
            json={
                "eaccount": eaccount,
                "reply_to_uuid": reply_to_uuid,
                "subject": subject,
                "body": {"text": text},
            },
            retry_unavailable=False,
        )
        return str(data["id"])


def _body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
