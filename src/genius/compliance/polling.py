"""Polling an authority until a submission reaches a final state (e-Factura, e-Transport, REGES)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


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
