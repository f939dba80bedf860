"""The REGES Online REST client: ``{reges_base_url}/api/…`` with a Keycloak Bearer token.

* ``submit(message)`` → ``POST /api/Salariat`` or ``/api/Contract`` (by the message type), JSON body →
  the receipt (``MessageResponse``: ``responseId``); ``submit_batch`` → ``…/Batch`` → one per message;
* the status queue: ``poll_batch(n)`` (``POST /api/Status/PollBatch {"messages": n}``), ``read_batch``,
  ``commit_read`` → ``MessageResult`` list: each carries the original ``header`` (``messageId``), the
  ``responseId`` (our receipt) and the ``result`` (``SUCCES``/``FAIL``, ``codeType``, ``description``);
* ``nomenclator(tip)`` (``GET /api/Nomenclator?tip=``), ``add_bonus_type`` / ``delete_bonus_type``.

Tokens: ``KeycloakTokens`` (``reges_token_url``; password grant when ``reges_username`` is set,
client credentials otherwise), cached until shortly before expiry; a 401 fetches a new one once.

Errors raise ``RegesError`` with a ``kind``: ``unauthorized``, ``rate_limited``, ``unavailable`` (5xx,
connection), ``timeout`` (``RegesTimeout``), ``rejected`` (4xx: the server refused the body),
``protocol`` (an unreadable reply), ``config``. A 429 waits ``Retry-After`` (up to
``max_retry_wait``) and retries; 5xx and timeouts are retried with exponential backoff for the reads
(status queue, nomenclators) — never for a message, which might then be registered twice (the
service's idempotency guard and the status queue's ``messageId`` settle a message that timed out).
Every call goes through the ``reges`` circuit breaker (``genius.core.kit.breaker``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import httpx
from pydantic import ValidationError

from genius.compliance.reges import schema
from genius.compliance.reges.messages import Batch, to_json
from genius.config import Settings
from genius.core.kit.breaker import CircuitBreaker, CircuitOpen

__all__ = ["CircuitOpen", "KeycloakTokens", "RegesClient", "RegesError", "RegesTimeout"]

RETRYABLE = frozenset({"rate_limited", "unavailable", "timeout"})


class RegesError(RuntimeError):
    def __init__(
        self, kind: str, message: str, *, status_code: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(f"REGES: {kind}: {message}")
        self.kind = kind
        self.message = message
        self.status_code = status_code
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE


class RegesTimeout(RegesError):
    """No reply in time: a message may or may not have reached REGES."""


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _error_text(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:300].strip() or f"HTTP {response.status_code}"
    if isinstance(data, dict):
        errors = data.get("errors") or data.get("error_description") or data.get("error") or data.get("title")
        if isinstance(errors, list):
            return "; ".join(str(e) for e in errors)
        if isinstance(errors, dict):
            return "; ".join(f"{k}: {v}" for k, v in errors.items())
        if errors:
            return str(errors)
    return str(data)[:300]


def error_of(response: httpx.Response) -> RegesError | None:
    code = response.status_code
    if code < 400:
        return None
    text = _error_text(response)
    if code in (401, 403):
        return RegesError("unauthorized", text, status_code=code)
    if code == 429:
        return RegesError(
            "rate_limited",
            text,
            status_code=code,
            retry_after=_retry_after(response.headers.get("retry-after")),
        )
    if code >= 500:
        return RegesError("unavailable", text, status_code=code)
    return RegesError("rejected", text, status_code=code)


class KeycloakTokens:
    """Access tokens from the REGES Keycloak realm, cached until ``leeway`` seconds before expiry."""

    def __init__(self, settings: Settings, http: httpx.Client | None = None, leeway: float = 30.0) -> None:
        self.settings = settings
        self.http = http or httpx.Client(timeout=15.0)
        self.leeway = leeway
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()

    def form(self) -> dict[str, str]:
        s = self.settings
        if not s.reges_token_url or not s.reges_client_id:
            raise RegesError("config", "GENIUS_REGES_TOKEN_URL and GENIUS_REGES_CLIENT_ID are required")
        form = {"client_id": s.reges_client_id}
        if s.reges_client_secret:
            form["client_secret"] = s.reges_client_secret
        if s.reges_username:
            form.update(grant_type="password", username=s.reges_username, password=s.reges_password or "")
        else:
            form["grant_type"] = "client_credentials"
        return form

    def __call__(self, refresh: bool = False) -> str:
        with self._lock:
            if not refresh and self._token and time.monotonic() < self._expires:
                return self._token
            form = self.form()
            try:
                response = self.http.post(str(self.settings.reges_token_url), data=form)
            except httpx.TimeoutException as exc:
                raise RegesTimeout("timeout", f"token endpoint: {exc or 'timed out'}") from exc
            except httpx.HTTPError as exc:
                raise RegesError("unavailable", f"token endpoint: {exc}") from exc
            error = error_of(response)
            if error is not None:
                raise error
            try:
                data = response.json()
                token = str(data["access_token"])
                lifetime = float(data.get("expires_in", 60))
            except (ValueError, KeyError, TypeError):
                raise RegesError("protocol", "the token endpoint's reply has no access_token") from None
            self._token, self._expires = token, time.monotonic() + max(0.0, lifetime - self.leeway)
            return token


TokenProvider = Callable[[bool], str]


class RegesClient:
    def __init__(
        self,
        settings: Settings,
        token: TokenProvider | None = None,
        *,
        http: httpx.Client | None = None,
        breaker: CircuitBreaker | None = None,
        timeout: float = 30.0,
        max_retries: int = 3,
        max_retry_wait: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.base = f"{settings.reges_base_url.rstrip('/')}/api"
        self.timeout = timeout
        self.http = http or httpx.Client(timeout=timeout)
        self.token = token or KeycloakTokens(settings, self.http)
        self.breaker = breaker or CircuitBreaker(
            "reges", counts=lambda exc: isinstance(exc, RegesError) and exc.kind in ("unavailable", "timeout")
        )
        self.max_retries = max_retries
        self.max_retry_wait = max_retry_wait
        self.sleep = sleep

    def _once(self, method: str, path: str, refresh: bool, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token(refresh)}", "Accept": "application/json"}
        try:
            response = self.http.request(
                method, f"{self.base}/{path}", headers=headers, timeout=self.timeout, **kwargs
            )
        except httpx.TimeoutException as exc:
            raise RegesTimeout("timeout", f"{path}: {exc or 'timed out'}") from exc
        except httpx.HTTPError as exc:
            raise RegesError("unavailable", f"{path}: {exc}") from exc
        error = error_of(response)
        if error is not None:
            raise error
        return response

    def _call(self, method: str, path: str, *, idempotent: bool, **kwargs: Any) -> Any:
        refreshed = False
        attempt = 0
        while True:
            try:
                response = self.breaker.call(partial(self._once, method, path, refreshed, **kwargs))
            except RegesError as exc:
                if exc.kind == "unauthorized" and not refreshed:
                    refreshed = True
                    continue
                wait: float | None = None
                if exc.kind == "rate_limited":
                    wait = exc.retry_after if exc.retry_after is not None else 2.0**attempt
                elif exc.kind in ("unavailable", "timeout") and idempotent:
                    wait = 2.0**attempt
                if wait is None or attempt >= self.max_retries or wait > self.max_retry_wait:
                    raise
                attempt += 1
                self.sleep(wait)
                continue
            try:
                return response.json()
            except ValueError:
                raise RegesError("protocol", f"{path}: the reply is not JSON") from None

    @staticmethod
    def _entity(message: schema.Message) -> str:
        if isinstance(message, schema.Salariat):
            return "Salariat"
        if isinstance(message, schema.Contract):
            return "Contract"
        raise ValueError(f"{type(message).__name__} is not sent to /api/Salariat or /api/Contract")

    @staticmethod
    def _receipt(data: Any) -> schema.MessageResponse:
        try:
            return schema.MessageResponse.model_validate(data)
        except ValidationError as exc:
            raise RegesError(
                "protocol", f"the receipt is not a MessageResponse: {exc.errors()[:2]}"
            ) from None

    def submit(self, message: schema.Message) -> schema.MessageResponse:
        data = self._call("POST", self._entity(message), idempotent=False, json=to_json(message))
        return self._receipt(data)

    def submit_batch(self, batch: Batch) -> list[schema.MessageResponse]:
        entities = {self._entity(m) for m in batch.messages}
        if len(entities) != 1:
            raise ValueError("a batch holds either employee or contract messages")
        data = self._call("POST", f"{entities.pop()}/Batch", idempotent=False, json=to_json(batch))
        if not isinstance(data, list):
            raise RegesError("protocol", "the batch reply is not a list of receipts")
        return [self._receipt(item) for item in data]

    def _results(self, path: str, count: int) -> list[schema.MessageResult]:
        if not 1 <= count <= 100:
            raise ValueError("between 1 and 100 messages")
        data = self._call("POST", f"Status/{path}", idempotent=True, json={"messages": count})
        if not isinstance(data, list):
            raise RegesError("protocol", f"Status/{path}: the reply is not a list")
        try:
            return [schema.MessageResult.model_validate(item) for item in data]
        except ValidationError as exc:
            raise RegesError("protocol", f"Status/{path}: not MessageResult: {exc.errors()[:2]}") from None

    def poll_batch(self, count: int = 100) -> list[schema.MessageResult]:
        """The next results the server has not handed out yet."""
        return self._results("PollBatch", count)

    def read_batch(self, count: int = 100) -> list[schema.MessageResult]:
        """The results handed out and not committed yet (after a crash between poll and commit)."""
        return self._results("ReadBatch", count)

    def commit_read(self, count: int) -> int:
        """Remove ``count`` handed-out results from the queue."""
        data = self._call("POST", "Status/CommitReadBatch", idempotent=True, json={"messages": count})
        return int(data.get("messages", count)) if isinstance(data, dict) else count

    def nomenclator(self, tip: str) -> list[dict[str, Any]]:
        if not tip.isalnum() or len(tip) > 64:
            raise ValueError("the nomenclator name is a word (nationalitate, cor, temeisuspendare…)")
        data = self._call("GET", "Nomenclator", idempotent=True, params={"tip": tip})
        if not isinstance(data, list):
            raise RegesError("protocol", "the nomenclator reply is not a list")
        return data

    def add_bonus_type(self, nume: str) -> dict[str, Any]:
        data: dict[str, Any] = self._call(
            "POST", "Nomenclator/TipSporAngajator", idempotent=False, json={"nume": nume}
        )
        return data

    def delete_bonus_type(self, bonus_id: str) -> None:
        self._call("DELETE", "Nomenclator/tipsporangajator", idempotent=True, json={"id": bonus_id})

    def reachable(self) -> str:
        """Deep health check: the breaker is closed and the token endpoint issues a token."""
        if self.breaker.is_open():
            raise RuntimeError(f"REGES circuit open (retry in {self.breaker.retry_after():.0f}s)")
        try:
            self.token(True)
        except RegesError as exc:
            raise RuntimeError(f"REGES token endpoint at {self.settings.reges_token_url}: {exc}") from exc
        return f"token endpoint {self.settings.reges_token_url} issued a token"
