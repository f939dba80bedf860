"""The ANAF REST client base (e-Factura, e-Transport): one request loop with ANAF's limits.

* quotas are checked before every call in Redis, across all workers (``genius.core.kit.ratelimit``):
  the API-wide limit (1000 calls/minute) plus the endpoint's own (per CUI, per message …); a refused
  quota raises ``AnafApiError`` (kind ``rate_limited`` or ``limit``, status 429, ``retry_after``);
* the Bearer token comes from a ``TokenProvider``; a 401/403 asks it for a fresh one once and retries;
* a 429 waits ``Retry-After`` (up to ``max_retry_wait`` seconds, ``max_429_retries`` times) and retries;
* a timeout raises ``AnafTimeout`` and is never retried here: for an upload only the caller's
  idempotency guard can tell whether ANAF got it; a connection error raises ``AnafApiError``
  (``unreachable``).

Subclasses give the base URL, the limiter scope and parse each endpoint's reply (``parse(status_code,
content_type, body, headers)`` → the typed reply or an ``ApiError``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from genius.compliance.common.errors import AnafApiError, AnafTimeout, ApiError, ErrorKind
from genius.config import Settings
from genius.core.kit.ratelimit import Limit, RateLimiter

DAY = 86400
LIMIT_ALL = Limit(1000, 60)  # limiteApeluriAPI.txt: 1000 calls per minute, whatever the endpoint

# ``token(refresh)``: the tenant's access token; ``refresh=True`` after a 401 forces a new one.
TokenProvider = Callable[[bool], str]
Parser = Callable[[int, str, bytes, dict[str, str] | None], Any]


@dataclass(frozen=True)
class Quota:
    key: str
    limit: Limit
    kind: ErrorKind = "limit"


class AnafClient:
    """``_call`` is the request loop; ``scope`` names the limiter's metric (``anaf.efactura`` …) and
    ``all_key`` the API-wide bucket of the service."""

    scope = "anaf"
    all_key = "anaf:all"

    def __init__(
        self,
        settings: Settings,
        token: TokenProvider,
        base: str,
        *,
        http: httpx.Client | None = None,
        limiter: RateLimiter | None = None,
        timeout: float | None = None,
        max_retry_wait: float = 30.0,
        max_429_retries: int = 3,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.token = token
        self.base = base
        self.timeout = timeout if timeout is not None else settings.anaf_timeout
        self.http = http or httpx.Client(timeout=self.timeout)
        self.limiter = limiter
        self.max_retry_wait = max_retry_wait
        self.max_429_retries = max_429_retries
        self.sleep = sleep

    def _check(self, quotas: list[Quota]) -> None:
        if self.limiter is None:
            return
        for quota in [Quota(self.all_key, LIMIT_ALL, "rate_limited"), *quotas]:
            decision = self.limiter.hit(quota.key, quota.limit, self.scope)
            if not decision.allowed:
                raise AnafApiError(
                    ApiError(
                        kind=quota.kind,
                        messages=[
                            f"ANAF limit {quota.limit.capacity}/{quota.limit.period_seconds}s "
                            f"reached for {quota.key}"
                        ],
                        status_code=429,
                        retry_after=float(decision.retry_after),
                    )
                )

    def _call(
        self,
        method: str,
        path: str,
        parse: Parser,
        *,
        params: dict[str, str] | None = None,
        content: bytes | None = None,
        quotas: list[Quota] | None = None,
    ) -> Any:
        refreshed = False
        retries_429 = 0
        while True:
            self._check(quotas or [])
            headers = {"Authorization": f"Bearer {self.token(refreshed)}"}
            if content is not None:
                headers["Content-Type"] = "text/plain"
            try:
                response = self.http.request(
                    method,
                    f"{self.base}/{path}",
                    params=params,
                    content=content,
                    headers=headers,
                    timeout=self.timeout,
                )
            except httpx.TimeoutException as exc:
                raise AnafTimeout(
                    ApiError(kind="timeout", messages=[f"{path}: {exc or 'timed out'}"])
                ) from exc
            except httpx.HTTPError as exc:
                raise AnafApiError(ApiError(kind="unreachable", messages=[f"{path}: {exc}"])) from exc
            reply = parse(
                response.status_code,
                response.headers.get("content-type", ""),
                response.content,
                dict(response.headers),
            )
            if isinstance(reply, ApiError):
                if reply.kind == "unauthorized" and not refreshed:
                    refreshed = True
                    continue
                if reply.kind == "rate_limited" and retries_429 < self.max_429_retries:
                    wait = reply.retry_after if reply.retry_after is not None else 1.0
                    if wait <= self.max_retry_wait:
                        retries_429 += 1
                        self.sleep(wait)
                        continue
                raise AnafApiError(reply)
            return reply
