"""Route matching that passes over a module's router when the request's path cannot be one of its own.

FastAPI (since 0.137) includes routers lazily: a request tries every route of every included router in
turn, with some bookkeeping per route, until one matches. ``GET /v1/outreach/leads`` tried 215 routes
first. Each module router is wrapped in a ``PrefixGuard`` holding the literal beginning its routes'
paths share (``/v1/outreach/``): a path that does not start with it cannot match any of them, so the
guard answers "no match" without trying them. It is a necessary condition only, so it never changes
which route matches.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette._utils import get_route_path
from starlette.routing import Match
from starlette.types import Scope


class PrefixGuard(APIRouter):
    """One router, tried only for paths that start with ``path_prefix``."""

    def __init__(self, router: APIRouter, path_prefix: str) -> None:
        super().__init__()
        self.path_prefix = path_prefix
        self.include_router(router)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if not get_route_path(scope).startswith(self.path_prefix):
            return Match.NONE, {}
        return super().matches(scope)


def literal_prefix(router: APIRouter) -> str:
    """The characters every route path of ``router`` starts with before its first parameter ("" when a
    route has no path of its own, such as an included router)."""
    paths = [getattr(route, "path", None) for route in router.routes]
    if not paths or any(not isinstance(path, str) for path in paths):
        return ""
    literals = [str(path).split("{", 1)[0] for path in paths]
    first, last = min(literals), max(literals)  # the sorted ends: what they share, all share
    shared = 0
    while shared < min(len(first), len(last)) and first[shared] == last[shared]:
        shared += 1
    return first[:shared]


def guarded(router: APIRouter) -> APIRouter:
    """``router`` behind a ``PrefixGuard``, or as it is when its routes share no prefix but ``/``."""
    prefix = literal_prefix(router)
    return PrefixGuard(router, prefix) if len(prefix) > 1 else router
