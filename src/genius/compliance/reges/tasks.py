"""Queue ``reges``: ``reges.submit`` and ``reges.result``.

* ``submit(tid, submission_id)``: the guarded send (see ``service.submit``: a row that left ``pending``
  is never sent again); then the result check is scheduled.
* ``result(tid, submission_id)``: reads the status queue once; while the result is not there it
  re-schedules itself with exponential backoff. The result publishes ``reges.submission.succeeded`` or
  ``reges.submission.failed``.

Temporary REGES failures (429, 5xx, unreachable, open circuit) are retried with backoff; refusals are
recorded on the submission and raise no retry.

``health()`` is the deep check: the circuit is closed and the Keycloak token endpoint issues a token.
"""

from __future__ import annotations

import uuid
from typing import Any

import redis
from celery import Task

from genius.compliance.common.backoff import backoff, retry_temporary
from genius.compliance.reges import service
from genius.compliance.reges.client import RegesClient, RegesError
from genius.config import Settings, get_settings
from genius.core.kit.breaker import CircuitBreaker, CircuitOpen
from genius.workers.celery_app import celery_app, redis_url_of
from genius.workers.context import ProcessContext, worker_database, worker_redis

__all__ = ["health", "result", "submit"]

MAX_RETRIES = 8
MAX_POLLS = 20
HEALTH_TIMEOUT = 5.0


def _services(settings: Settings) -> service.Context:
    return service.Context(db=worker_database(settings), settings=settings, redis=worker_redis(settings))


context = ProcessContext(_services)  # database, Redis (the breaker, the result stash): once per process
use_context = context.use


REGES_ERRORS = (RegesError, CircuitOpen)


def _temporary(exc: BaseException) -> bool:
    return isinstance(exc, CircuitOpen) or (isinstance(exc, RegesError) and exc.retryable)


def _wait(exc: BaseException, retries: int, base: float) -> float:
    if isinstance(exc, CircuitOpen):
        return max(exc.retry_after, 1.0)
    if isinstance(exc, RegesError) and exc.retry_after:
        return exc.retry_after
    return backoff(retries, base=base)


@celery_app.task(name="reges.submit", bind=True, acks_late=True, max_retries=MAX_RETRIES)
@retry_temporary(REGES_ERRORS, temporary=_temporary, countdown=lambda exc, n: _wait(exc, n, 5.0))
def submit(self: Task, tid: str, submission_id: str) -> dict[str, Any]:
    outcome = service.submit(context(), uuid.UUID(tid), uuid.UUID(submission_id))
    if outcome["state"] == "submitted":
        result.apply_async(args=[tid, submission_id], countdown=2)
    return outcome


@celery_app.task(name="reges.result", bind=True, acks_late=True, max_retries=MAX_POLLS)
@retry_temporary(REGES_ERRORS, temporary=_temporary, countdown=lambda exc, n: _wait(exc, n, 2.0))
def result(self: Task, tid: str, submission_id: str) -> dict[str, Any]:
    outcome = service.poll(context(), uuid.UUID(tid), uuid.UUID(submission_id))
    if outcome["state"] == "submitted" and self.request.retries < MAX_POLLS:
        raise self.retry(countdown=backoff(self.request.retries, base=2.0, cap=600.0))
    return outcome


def health() -> str:
    """Deep check: the REGES circuit is closed and the token endpoint issues a token (5 s)."""
    settings = get_settings()
    breaker: CircuitBreaker | None = None
    try:
        breaker = CircuitBreaker(
            "reges", client=redis.Redis.from_url(redis_url_of(settings), socket_timeout=2)
        )
    except (ValueError, redis.RedisError):
        breaker = None
    client = RegesClient(settings, breaker=breaker, timeout=HEALTH_TIMEOUT, max_retries=0)
    return client.reachable()
