"""Queue ``anaf.taxpayer``: ``anaf.taxpayer.lookup`` checks CUIs against ANAF's registries.

``anaf.taxpayer.lookup(cuis, date=None, tid=None, correlation_id=None)`` returns one
``TaxpayerCheck`` (as JSON) per input, in order. Invalid CUIs are answered locally. When ANAF fails
(firewall page, invalid JSON, 5xx, 429, timeout, open circuit) the task retries with exponential
backoff; after the last retry it answers ``unavailable`` instead of failing. With a tenant id the task
publishes ``anaf.taxpayer.validated`` for every CUI in one tenant transaction (transactional outbox).

``health()`` is the deep check: PlatitorTvaRest answers a one-CUI request with valid JSON within 5 s.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import Any

import redis
from celery import Task

from genius.compliance.taxpayer.client import AnafError, AnafUnavailable, TaxpayerClient
from genius.compliance.taxpayer.events import TaxpayerValidated
from genius.compliance.taxpayer.records import TaxpayerCheck
from genius.compliance.taxpayer.service import TaxpayerService, today
from genius.config import get_settings
from genius.core.db.session import Database
from genius.core.events.service import publish
from genius.core.kit.breaker import CircuitOpen
from genius.workers.celery_app import celery_app
from genius.workers.context import worker_database, worker_redis

__all__ = ["InvalidInput", "health", "lookup", "lookup_and_publish"]

TOPIC = "anaf.taxpayer.validated"
MAX_RETRIES = 5
MAX_CUIS = 1000  # per task: 10 paced requests at most
HEALTH_CUI = 14399840
HEALTH_TIMEOUT = 5.0

_service: TaxpayerService | None = None


class InvalidInput(ValueError):
    """The task's arguments can never work (not retried)."""


def redis_client() -> redis.Redis:
    return worker_redis(get_settings())


def service() -> TaxpayerService:
    """The process's service (one HTTP client, the shared Redis limiter, cache and breaker)."""
    global _service
    if _service is None:
        _service = TaxpayerService.from_settings(get_settings(), redis_client())
    return _service


def use_service(svc: TaxpayerService | None) -> None:
    """Replace the process's service (tests, or after a settings change)."""
    global _service
    _service = svc


def database() -> Database:
    """The configured database, or (a worker process) one built from the settings."""
    return worker_database(get_settings())


def parse_date(value: str | None) -> dt.date:
    if not value:
        return today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"date must be YYYY-MM-DD, got {value!r}") from None


def publish_checks(
    db: Database, tid: uuid.UUID, checks: list[TaxpayerCheck], correlation_id: str | None
) -> None:
    with db.tenant_session(tid) as session:
        for check in checks:
            publish(
                session,
                TOPIC,
                TaxpayerValidated.of(check),
                tid=tid,
                aggregate_id=str(check.cui) if check.cui is not None else check.input[:100],
                correlation_id=correlation_id,
            )


def lookup_and_publish(
    svc: TaxpayerService,
    cuis: list[str],
    day: dt.date,
    *,
    tid: uuid.UUID | None = None,
    correlation_id: str | None = None,
    strict: bool = False,
) -> list[TaxpayerCheck]:
    checks = svc.check(cuis, day, strict=strict)
    if tid is not None:
        publish_checks(database(), tid, checks, correlation_id)
    return checks


def backoff(retries: int, exc: BaseException) -> float:
    hinted = getattr(exc, "retry_after", None)
    base = float(min(2**retries * 5, 300))
    return max(base, float(hinted)) if isinstance(hinted, int | float) else base


@celery_app.task(name="anaf.taxpayer.lookup", bind=True, acks_late=True, max_retries=MAX_RETRIES)
def lookup(
    self: Task,
    cuis: list[str],
    date: str | None = None,
    tid: str | None = None,
    correlation_id: str | None = None,
) -> list[dict[str, Any]]:
    """Check CUIs: ``[{"input", "cui", "valid", "status", "message", "date", "checked_at", "cached",
    "record": {…official fields…} | null}]``, in the order given."""
    if isinstance(cuis, str | int):
        cuis = [str(cuis)]
    if not isinstance(cuis, list) or not cuis or len(cuis) > MAX_CUIS:
        raise InvalidInput(f"cuis must be a list of 1 to {MAX_CUIS} CUIs")
    day = parse_date(date)
    try:
        tenant = uuid.UUID(str(tid)) if tid else None
    except ValueError:
        raise InvalidInput(f"tid is not a UUID: {tid!r}") from None
    last_try = self.request.retries >= self.max_retries
    try:
        checks = lookup_and_publish(
            service(),
            [str(c) for c in cuis],
            day,
            tid=tenant,
            correlation_id=correlation_id or self.request.id,
            strict=not last_try,
        )
    except (AnafUnavailable, CircuitOpen) as exc:
        raise self.retry(exc=exc, countdown=backoff(self.request.retries, exc)) from exc
    return [c.model_dump(mode="json") for c in checks]


def health() -> str:
    """Deep check: PlatitorTvaRest answers a one-CUI request with valid JSON within 5 s."""
    settings = get_settings()
    try:
        limiter: redis.Redis | None = redis_client()
        limiter.ping()  # type: ignore[union-attr]
    except redis.RedisError:
        limiter = None
    started = time.monotonic()
    with TaxpayerClient(
        settings.anaf_taxpayer_url,
        redis_client=limiter,
        rate=settings.anaf_taxpayer_rate,
        timeout=HEALTH_TIMEOUT,
        max_wait=HEALTH_TIMEOUT,
    ) as client:
        try:
            result = client.lookup_batch([HEALTH_CUI], today(), timeout=HEALTH_TIMEOUT)
        except AnafError as exc:
            raise RuntimeError(f"ANAF taxpayer lookup unhealthy: {exc}") from exc
    ms = round((time.monotonic() - started) * 1000)
    return (
        f"PlatitorTvaRest answered in {ms} ms ({len(result.found)} found, {len(result.not_found)} not found)"
    )
