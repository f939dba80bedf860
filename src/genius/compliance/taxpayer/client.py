"""HTTP client for ANAF's PlatitorTvaRest v9 (``POST {anaf_taxpayer_url}``, no authentication).

* Batches of at most 100 CUIs per request.
* At most ``anaf_taxpayer_rate`` (1/s) requests **across all workers**: every request first takes a
  token from the Redis token bucket (``genius.core.kit.ratelimit``), waiting for one rather than
  failing. A small margin keeps the spacing above the limit despite network jitter. Without Redis the
  pacing is per process.
* Failures are typed: ``AnafFirewall`` (the HTML "request rejected" page), ``AnafBadReply`` (invalid
  JSON or an unknown shape), ``AnafRateLimited`` (429), ``AnafUnavailable`` (5xx, timeouts, connection
  errors): all retryable. ``AnafRejected``: ANAF refused the request itself (4xx, ``cod`` ≠ 200): not
  retryable.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import redis
import structlog

from genius.compliance.taxpayer.records import MAX_BATCH, LookupResult, ReplyShapeError, parse_reply
from genius.core.kit.ratelimit import Limit, RateLimiter

log = structlog.get_logger("genius.compliance.taxpayer")

PACING_MARGIN = 0.05  # 5 % slower than the limit: jitter must never make two calls closer than 1 s
POLL_SECONDS = 0.05


class AnafError(Exception):
    """A PlatitorTvaRest call failed."""

    retryable = True


class AnafUnavailable(AnafError):
    """The service did not answer usefully (5xx, timeout, connection refused): try again later."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AnafFirewall(AnafUnavailable):
    """ANAF's web application firewall answered with its HTML "request rejected" page."""


class AnafBadReply(AnafUnavailable):
    """The reply is not JSON, or not a PlatitorTvaRest reply."""


class AnafRateLimited(AnafUnavailable):
    """HTTP 429, or no rate-limit token could be had in time."""


class AnafRejected(AnafError):
    """ANAF refused this request (HTTP 4xx or ``cod`` ≠ 200): repeating it will not help."""

    retryable = False

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def scope_of(url: str) -> str:
    """The upstream's ``host[:port]``: rate-limit, breaker and cache keys are per upstream."""
    return urlsplit(url).netloc or url


@dataclass(frozen=True)
class _Paced(Limit):
    """``Limit`` with a safety margin on the refill rate."""

    margin: float = PACING_MARGIN

    @property
    def rate(self) -> float:
        return self.capacity / self.period_seconds / (1 + self.margin)


class Pacer:
    """Takes a token before every request: from Redis (shared by all workers) or, without it, local."""

    _local_lock = threading.Lock()
    _local_next: dict[str, float] = {}

    def __init__(self, key: str, rate: str, client: redis.Redis | None, max_wait: float = 120.0) -> None:
        base = Limit.parse(rate)
        self.key = key
        self.limit = _Paced(base.capacity, base.period_seconds)
        self.limiter = RateLimiter(client) if client is not None else None
        self.max_wait = max_wait

    def acquire(self, sleep: Callable[[float], None] = time.sleep) -> float:
        """Wait for a token; returns the seconds waited. ``AnafRateLimited`` after ``max_wait``."""
        start = time.monotonic()
        deadline = start + self.max_wait
        if self.limiter is None:
            with Pacer._local_lock:
                now = time.monotonic()
                at = max(now, Pacer._local_next.get(self.key, 0.0))
                Pacer._local_next[self.key] = at + 1 / self.limit.rate
            if at > deadline:
                raise AnafRateLimited("no ANAF rate-limit slot within the wait limit", at - now)
            if at > now:
                sleep(at - now)
            return time.monotonic() - start
        while True:
            if self.limiter.hit(self.key, self.limit, "anaf.taxpayer").allowed:
                return time.monotonic() - start
            if time.monotonic() + POLL_SECONDS > deadline:
                raise AnafRateLimited("no ANAF rate-limit token within the wait limit", 1.0)
            sleep(POLL_SECONDS)


def _looks_like_html(body: bytes, content_type: str) -> bool:
    head = body[:512].lstrip().lower()
    return "html" in content_type.lower() or head.startswith((b"<!doctype html", b"<html"))


def chunks(items: Sequence[int], size: int = MAX_BATCH) -> Iterator[list[int]]:
    for i in range(0, len(items), size):
        yield list(items[i : i + size])


class TaxpayerClient:
    """``lookup(cuis, day)``: any number of CUIs, sent in paced batches of ≤100."""

    def __init__(
        self,
        url: str,
        *,
        redis_client: redis.Redis | None = None,
        rate: str = "1/s",
        timeout: float = 30.0,
        max_wait: float = 120.0,
        http: httpx.Client | None = None,
    ) -> None:
        self.url = url
        self.scope = scope_of(url)
        self.pacer = Pacer(f"anaf.taxpayer:{self.scope}", rate, redis_client, max_wait)
        self._own_http = http is None
        self.http = http or httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers={"Accept": "application/json", "User-Agent": "GeniusERP/0.1 (+taxpayer lookup)"},
        )

    def close(self) -> None:
        if self._own_http:
            self.http.close()

    def __enter__(self) -> TaxpayerClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def lookup(self, cuis: Sequence[int], day: dt.date) -> LookupResult:
        merged = LookupResult()
        for batch in chunks(list(dict.fromkeys(cuis))):
            result = self.lookup_batch(batch, day)
            merged.found.extend(result.found)
            merged.not_found.extend(result.not_found)
        return merged

    def lookup_batch(self, cuis: Sequence[int], day: dt.date, timeout: float | None = None) -> LookupResult:
        """One request (≤100 CUIs), after a rate-limit token."""
        if not cuis:
            return LookupResult()
        if len(cuis) > MAX_BATCH:
            raise ValueError(f"at most {MAX_BATCH} CUIs per request, got {len(cuis)}")
        body = [{"cui": int(c), "data": day.isoformat()} for c in cuis]
        self.pacer.acquire()
        started = time.monotonic()
        try:
            if timeout is None:
                response = self.http.post(self.url, json=body)
            else:
                response = self.http.post(self.url, json=body, timeout=timeout)
        except httpx.TimeoutException as exc:
            raise AnafUnavailable(f"ANAF taxpayer lookup timed out: {exc!r}") from exc
        except httpx.HTTPError as exc:
            raise AnafUnavailable(f"ANAF taxpayer lookup failed: {exc!r}") from exc
        log.info(
            "anaf_taxpayer_call",
            cuis=len(cuis),
            status=response.status_code,
            ms=round((time.monotonic() - started) * 1000),
        )
        return self._parse(response)

    @staticmethod
    def _parse(response: httpx.Response) -> LookupResult:
        status = response.status_code
        content_type = response.headers.get("content-type", "")
        body = response.content
        if _looks_like_html(body, content_type):
            raise AnafFirewall(f"ANAF answered with an HTML page (HTTP {status}), not JSON: firewall block?")
        if status == 429:
            retry = response.headers.get("retry-after", "")
            raise AnafRateLimited(
                "ANAF answered 429 Too Many Requests", float(retry) if retry.isdigit() else None
            )
        if status >= 500:
            raise AnafUnavailable(f"ANAF answered HTTP {status}")
        try:
            payload: Any = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            if status >= 400:
                raise AnafRejected(f"ANAF refused the request (HTTP {status})", status) from exc
            raise AnafBadReply(f"ANAF's reply is not valid JSON (HTTP {status})") from exc
        message = payload.get("message") if isinstance(payload, dict) else None
        cod = payload.get("cod") if isinstance(payload, dict) else None
        if status >= 400 or (cod is not None and str(cod) != "200"):
            raise AnafRejected(f"ANAF refused the request: {message or f'HTTP {status}'}", status)
        try:
            return parse_reply(payload)
        except (ReplyShapeError, ValueError) as exc:
            raise AnafBadReply(f"unexpected ANAF reply: {exc}") from exc
