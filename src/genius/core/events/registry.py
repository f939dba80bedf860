"""Event contracts: every topic has one Pydantic model per version, registered here.

Topic names are ``<module>.<ctx>.<event>`` (lowercase, dot-separated, three parts), as the seeds'
``lint-rmq.sh`` enforces. JSON Schemas generated from these models are committed under
``contracts/events/`` and a contract test refuses backward-incompatible changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from pydantic import BaseModel

TOPIC_RE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class EventSpec:
    topic: str
    version: int
    model: type[BaseModel]
    description: str


EVENTS: dict[tuple[str, int], EventSpec] = {}
LATEST: dict[str, int] = {}

M = TypeVar("M", bound=type[BaseModel])


def event(topic: str, version: int = 1) -> Callable[[M], M]:
    """Register ``model`` as the payload (``data``) of ``topic`` at ``version``."""

    def register(model: M) -> M:
        if not TOPIC_RE.match(topic):
            raise ValueError(f"topic {topic!r} must be <module>.<ctx>.<event> in lowercase")
        key = (topic, version)
        if key in EVENTS and EVENTS[key].model is not model:
            raise ValueError(f"{topic} v{version} is registered twice")
        EVENTS[key] = EventSpec(topic, version, model, (model.__doc__ or "").strip())
        LATEST[topic] = max(LATEST.get(topic, 0), version)
        return model

    return register


def spec(topic: str, version: int | None = None) -> EventSpec:
    v = version if version is not None else LATEST.get(topic)
    if v is None or (topic, v) not in EVENTS:
        raise KeyError(f"unknown event topic {topic!r} (version {version})")
    return EVENTS[(topic, v)]
