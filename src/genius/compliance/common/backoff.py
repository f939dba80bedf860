"""Waiting between tries: exponential backoff, polling an authority, retrying Celery tasks.

* ``backoff(retries, base, cap)`` — ``base · 2^retries`` seconds, at most ``cap``;
* ``poll_until(poll, pending, sleep, …)`` — call ``poll`` with exponential backoff while ``pending``
  says so (e-Factura, e-Transport and REGES follow a submission to its final state with it);
* ``retry_temporary(errors, …)`` — a bound Celery task that raises one of ``errors`` is retried (after
  ``countdown(exc, retries)`` seconds) when ``temporary(exc)`` says the failure is temporary and the
  task has retries left; otherwise the error propagates.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from celery import Task

P = ParamSpec("P")
R = TypeVar("R")


def backoff(retries: int, base: float = 5.0, cap: float = 900.0) -> float:
    return float(min(cap, base * 2**retries))


def poll_until(
    poll: Callable[[], dict[str, Any]],
    pending: Callable[[dict[str, Any]], bool],
    sleep: Callable[[float], None],
    *,
    initial: float = 2.0,
    factor: float = 2.0,
    max_delay: float = 60.0,
    max_polls: int = 20,
) -> dict[str, Any]:
    """Call ``poll`` with exponential backoff while ``pending`` says so (or ``max_polls`` calls)."""
    delay = initial
    result = poll()
    polls = 1
    while pending(result) and polls < max_polls:
        sleep(delay)
        delay = min(max_delay, delay * factor)
        result = poll()
        polls += 1
    return result


def _always(exc: BaseException) -> bool:
    return True


def retry_after_or_backoff(base: float = 5.0, cap: float = 900.0) -> Callable[[BaseException, int], float]:
    """The wait ANAF asked for (``exc.error.retry_after``), else ``backoff(retries, base, cap)``."""

    def countdown(exc: BaseException, retries: int) -> float:
        wait = getattr(getattr(exc, "error", None), "retry_after", None)
        return float(wait) if wait else backoff(retries, base, cap)

    return countdown


def retry_temporary(
    errors: tuple[type[BaseException], ...],
    *,
    temporary: Callable[[BaseException], bool] = _always,
    countdown: Callable[[BaseException, int], float] | None = None,
    max_retries: int | None = None,
) -> Callable[[Callable[Concatenate[Task, P], R]], Callable[Concatenate[Task, P], R]]:
    """Retry a bound task on a temporary failure (``max_retries``: the task's own by default)."""
    wait = countdown or (lambda exc, retries: backoff(retries))

    def decorate(fn: Callable[Concatenate[Task, P], R]) -> Callable[Concatenate[Task, P], R]:
        @functools.wraps(fn)
        def task(self: Task, *args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return fn(self, *args, **kwargs)
            except errors as exc:
                limit = self.max_retries if max_retries is None else max_retries
                retries = self.request.retries
                if temporary(exc) and (limit is None or retries < limit):
                    raise self.retry(exc=exc, countdown=wait(exc, retries)) from exc
                raise

        return task

    return decorate
