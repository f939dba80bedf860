"""TimelinesAI (WhatsApp) REST client (spec 004, F2.2.1): send a message, a chat's history, an account's
status, an account's chats; and the webhook subscriptions that bring the leads' answers back.

* Bearer API key (``GENIUS_TIMELINESAI_API_KEY`` or the tenant's setting), base URL
  ``https://api.timelines.ai/v1``, a 30 s timeout on every request.
* At most 50 requests a minute per WhatsApp account, across every worker: a token bucket in Redis
  (``core.kit.ratelimit``) keyed by the account; when it is empty the client waits for it (up to
  ``max_wait``), then gives up with ``RateLimited``.
* Typed errors: 429 → ``RateLimited`` (retried with exponential backoff, honouring ``Retry-After``, up to
  ``max_retries`` times), 401 → ``Unauthorized`` (never retried), 400 → ``InvalidNumber`` when the
  recipient is refused, else ``BadRequest``; 5xx and network errors → ``Unavailable`` (retried with
  backoff, except a send: it may have gone out, so the caller decides).
* Replies are ``{"status": "ok", "data": …}`` or ``{"status": "error", "message": …}``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from genius.core.kit.ratelimit import Limit, RateLimiter

DEFAULT_BASE = "https://api.timelines.ai/v1"
TIMEOUT = 30.0
PER_ACCOUNT = Limit(50, 60)
WEBHOOKS = "webhooks"  # the budget key of the subscription calls, which belong to no WhatsApp account


class TimelinesError(Exception):
    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class RateLimited(TimelinesError):
    """429, or our own per-account budget stayed empty."""


class Unauthorized(TimelinesError):
    """401: the API key is wrong or revoked."""


class InvalidNumber(TimelinesError):
    """400: the recipient is not a valid WhatsApp number."""


class BadRequest(TimelinesError):
    """400 for another reason."""


class Unavailable(TimelinesError):
    """5xx, a timeout or a network failure."""


@dataclass(frozen=True)
class SentMessage:
    message_id: str
    chat_id: str


@dataclass(frozen=True)
class ChatMessage:
    message_id: str
    chat_id: str
    text: str
    from_me: bool
    sent_at: datetime


@dataclass(frozen=True)
class AccountStatus:
    account_phone: str
    status: str  # "active" | "disconnected" | …
    connected: bool


@dataclass(frozen=True)
class Chat:
    chat_id: str
    name: str
    phone: str
    last_message_at: datetime | None


class TimelinesClient:
    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE,
        http: httpx.Client | None = None,
        limiter: RateLimiter | None = None,
        timeout: float = TIMEOUT,
        max_retries: int = 4,
        base_delay: float = 1.0,
        max_wait: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not api_key:
            raise ValueError("a TimelinesAI API key is required (GENIUS_TIMELINESAI_API_KEY)")
        self.api_key = api_key
        self.base = base_url.rstrip("/")
        self.timeout = timeout
        self.http = http or httpx.Client(timeout=timeout)
        self.limiter = limiter
        self.max_retries = max_retries
        self.base_delay = base_delay
        self.max_wait = max_wait
        self.sleep = sleep

    # --- the four calls -------------------------------------------------------------------------------
    def send_message(self, account_phone: str, recipient: str, text: str) -> SentMessage:
        data = self._call(
            "POST",
            "/messages",
            account_phone,
            json={"whatsapp_account_phone": account_phone, "phone": recipient, "text": text},
            retry_unavailable=False,
        )
        return SentMessage(str(data["message_uid"]), str(data["chat_id"]))

    def chat_history(self, account_phone: str, chat_id: str, limit: int = 50) -> list[ChatMessage]:
        """The chat's last ``limit`` messages, oldest first."""
        data = self._call("GET", f"/chats/{chat_id}/messages", account_phone, params={"limit": str(limit)})
        out = [
            ChatMessage(
                str(m["uid"]),
                str(chat_id),
                str(m.get("text") or ""),
                bool(m.get("from_me")),
                datetime.fromisoformat(m["timestamp"]),
            )
            for m in data["messages"]
        ]
        return sorted(out, key=lambda m: (m.sent_at, m.message_id))

    def account_status(self, account_phone: str) -> AccountStatus:
        data = self._call("GET", "/whatsapp_accounts", account_phone)
        for account in data["whatsapp_accounts"]:
            if account["phone"] == account_phone:
                status = str(account.get("status", "unknown"))
                return AccountStatus(account_phone, status, status == "active")
        return AccountStatus(account_phone, "unknown", False)

    def chats(self, account_phone: str, limit: int = 50) -> list[Chat]:
        data = self._call(
            "GET",
            "/chats",
            account_phone,
            params={"whatsapp_account_phone": account_phone, "limit": str(limit)},
        )
        return [
            Chat(
                str(c["id"]),
                str(c.get("name") or ""),
                str(c.get("phone") or ""),
                datetime.fromisoformat(c["last_message_timestamp"])
                if c.get("last_message_timestamp")
                else None,
            )
            for c in data["chats"]
        ]

    # --- webhook subscriptions -----------------------------------------------------------------------
    def subscribe_webhook(self, event_type: str, url: str) -> str:
        """Subscribe ``url`` to ``event_type`` (``message:received:new`` for the leads' answers); returns
        the subscription's id. The URL carries our shared secret (``?secret=``): TimelinesAI does not sign."""
        data = self._call(
            "POST", "/webhooks", WEBHOOKS, json={"event_type": event_type, "url": url, "enabled": True}
        )
        return str(data["id"])

    def webhook_urls(self, event_type: str) -> list[str]:
        """The URLs subscribed to ``event_type``."""
        data = self._call("GET", "/webhooks", WEBHOOKS)
        return [str(w["url"]) for w in data["webhooks"] if w.get("event_type") == event_type]

    # --- the request loop -----------------------------------------------------------------------------
    def _budget(self, account_phone: str) -> None:
        """Take one request from the account's 50/minute bucket, waiting for it up to ``max_wait``."""
        if self.limiter is None:
            return
        waited = 0.0
        while True:
            decision = self.limiter.hit(f"timelinesai:{account_phone}", PER_ACCOUNT, "timelinesai")
            if decision.allowed:
                return
            wait = float(max(decision.retry_after, 1))
            if waited + wait > self.max_wait:
                raise RateLimited(
                    f"TimelinesAI budget of {PER_ACCOUNT.capacity}/min for {account_phone} is spent",
                    status=429,
                    retry_after=wait,
                )
            self.sleep(wait)
            waited += wait

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        return max(retry_after or 0.0, self.base_delay * 2**attempt)

    def _call(
        self,
        method: str,
        path: str,
        account_phone: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        retry_unavailable: bool = True,
    ) -> dict[str, Any]:
        attempt = 0
        while True:
            self._budget(account_phone)
            try:
                response = self.http.request(
                    method,
                    self.base + path,
                    json=json,
                    params=params,
                    headers={"Authorization": f"Bearer {self.api_key}", "Accept": "application/json"},
                    timeout=self.timeout,
                )
            except httpx.HTTPError as exc:
                error: TimelinesError = Unavailable(f"TimelinesAI {path}: {exc or type(exc).__name__}")
            else:
                if response.status_code < 400:
                    return _data(response)
                error = _error(response)
            retryable = isinstance(error, RateLimited) or (
                isinstance(error, Unavailable) and retry_unavailable
            )
            if not retryable or attempt >= self.max_retries:
                raise error
            self.sleep(self._backoff(attempt, error.retry_after))
            attempt += 1


def _body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _data(response: httpx.Response) -> dict[str, Any]:
    body = _body(response)
    if body.get("status") != "ok" or not isinstance(body.get("data"), dict):
        raise Unavailable(
            f"TimelinesAI answered {response.status_code} without data", status=response.status_code
        )
    data: dict[str, Any] = body["data"]
    return data


def _error(response: httpx.Response) -> TimelinesError:
    status = response.status_code
    message = str(_body(response).get("message") or response.reason_phrase or "error")
    if status == 429:
        raw = response.headers.get("Retry-After")
        retry_after = float(raw) if raw and raw.replace(".", "", 1).isdigit() else None
        return RateLimited(f"TimelinesAI rate limit: {message}", status=status, retry_after=retry_after)
    if status == 401:
        return Unauthorized(f"TimelinesAI refused the API key: {message}", status=status)
    if status == 400:
        lowered = message.lower()
        if "phone" in lowered or "number" in lowered:
            return InvalidNumber(f"TimelinesAI: {message}", status=status)
        return BadRequest(f"TimelinesAI: {message}", status=status)
    if status >= 500:
        return Unavailable(f"TimelinesAI {status}: {message}", status=status)
    return TimelinesError(f"TimelinesAI {status}: {message}", status=status)
