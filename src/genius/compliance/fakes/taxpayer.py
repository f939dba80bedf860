"""Fake taxpayer server: the real service's URLs, payloads and status codes (see the module docstring)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter


@dataclass
class State:
    """What the fake knows and what it received (tests read and steer it)."""


def make_router(state: State) -> APIRouter:
    return APIRouter()
