"""Module routers behind ``kit.routing.PrefixGuard``: every path reaches the same route as without the
guards, the OpenAPI document is the same, and a guard never tries its routes for a path outside its
prefix."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute, _IncludedRouter
from starlette.routing import Match

import genius.app
import genius.web.pages
from genius import modules
from genius.app import create_app
from genius.core.kit.routing import PrefixGuard, guarded, literal_prefix
from genius.core.platform import Platform

SAMPLE_ID = "00000000-0000-4000-8000-000000000001"


def _scope(app: FastAPI, method: str, path: str) -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path, "root_path": "", "headers": [], "app": app}


def _resolve(app: FastAPI, method: str, path: str) -> str | None:
    """The endpoint the app's router picks for ``method path`` (None: no full match). Each top-level
    route is asked through ``matches``, as the router does, so the guards take part; an included router
    that matches is then asked which of its routes it was."""
    scope = _scope(app, method, path)
    for route in app.router.routes:
        match, _ = route.matches(scope)
        if match is not Match.FULL:
            continue
        found: Any = route
        while isinstance(found, _IncludedRouter):
            _, _, found, _ = found._match(scope)
        endpoint = getattr(found, "endpoint", found)  # by name: create_app's own are made per app
        return f"{getattr(endpoint, '__module__', '')}.{getattr(endpoint, '__qualname__', repr(endpoint))}"
    return None


def _sample(path: str) -> str:
    path = re.sub(r"\{[^}:]+:path\}", "a/b.txt", path)
    return re.sub(r"\{[^}]+\}", SAMPLE_ID, path)


def _requests() -> list[tuple[str, str]]:
    out = [("GET", "/health"), ("GET", "/nope"), ("GET", "/v1/outreach/nope"), ("GET", "/outreach/x/y")]

    def walk(routes: list[Any]) -> None:
        for route in routes:
            if isinstance(route, _IncludedRouter):
                walk(route.original_router.routes)
            elif isinstance(route, APIRoute):
                out.append((sorted(route.methods)[0], _sample(route.path)))

    for router in [
        *modules.routers(),
        *modules.pages(),
        genius.web.pages.router,
        genius.web.pages.admin_router,
    ]:
        walk(router.routes)
    return out


def test_every_path_reaches_the_same_route_with_and_without_the_guards(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_guards = create_app(platform, configure_observability=False)
    monkeypatch.setattr(genius.app, "guarded", lambda router: router)
    monkeypatch.setattr(genius.web.pages, "guarded", lambda router: router)
    without = create_app(platform, configure_observability=False)
    assert any(
        isinstance(r, _IncludedRouter) and isinstance(r.original_router, PrefixGuard)
        for r in with_guards.router.routes
    )
    requests = _requests()
    assert len(requests) > 400  # every route of every module, the Shell's and the admin pages'
    for method, path in requests:
        assert _resolve(with_guards, method, path) == _resolve(without, method, path), (method, path)
    assert with_guards.openapi() == without.openapi()  # the same operations, documented the same


def test_the_prefix_is_what_every_route_starts_with() -> None:
    router = APIRouter(prefix="/v1/outreach")

    @router.get("/leads")
    def leads() -> None: ...

    @router.get("/journeys/{journey_id}")
    def journey() -> None: ...

    assert literal_prefix(router) == "/v1/outreach/"
    guard = guarded(router)
    assert isinstance(guard, PrefixGuard) and guard.path_prefix == "/v1/outreach/"
    assert guard.matches(_scope(FastAPI(), "GET", "/v1/crm/leads")) == (Match.NONE, {})
    mixed = APIRouter()

    @mixed.get("/a")
    def a() -> None: ...

    @mixed.get("/{anything}")
    def anything() -> None: ...

    assert literal_prefix(mixed) == "/" and guarded(mixed) is mixed  # nothing to gain: left as it is
    assert literal_prefix(APIRouter()) == ""
