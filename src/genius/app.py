"""The ASGI application: API routers, web pages, health, metrics, middleware and error handling."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from genius import modules
from genius.config import Settings
from genius.core.auth.deps import enforce_route_limit
from genius.core.kit.errors import install_error_handlers
from genius.core.kit.routing import guarded
from genius.core.kit.security_headers import install_security_headers
from genius.core.observability.logging import configure_logging
from genius.core.observability.middleware import RequestContextMiddleware
from genius.core.observability.tracing import configure_from_settings
from genius.core.platform import Platform

VERSION = "0.1.0"


def create_app(platform: Platform, *, configure_observability: bool = True) -> FastAPI:
    settings: Settings = platform.settings
    if configure_observability:
        configure_logging(settings.log_level, settings.log_json)
        configure_from_settings(settings)

    app = FastAPI(
        title="GeniusERP API",
        version=VERSION,
        description="Multi-tenant business platform. Errors are RFC 9457 problem+json.",
        dependencies=[Depends(enforce_route_limit)],
        # Served by genius.web.apidocs: admins only unless GENIUS_API_DOCS_PUBLIC.
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.platform = platform
    install_error_handlers(app)

    # Every module's API, in the order of genius/modules.py, each tried only for its own paths.
    for router in modules.routers():
        app.include_router(guarded(router))
    if platform.redis is not None:
        from genius.registry import metrics as fleet_metrics
        from genius.registry.queues import queue_depth_reader
        from genius.registry.service import Registry

        fleet_metrics.install(
            Registry(platform.redis, ttl=settings.worker_ttl_seconds),
            queue_depth_reader(platform.broker_url) if platform.broker_url else None,
        )

    @app.get("/health", tags=["ops"], summary="Liveness")
    def health() -> dict[str, str]:
        return {"status": "ok", "version": VERSION}

    @app.get(
        "/health/ready",
        tags=["ops"],
        summary="Readiness: database and Redis",
        responses={503: {"description": "A dependency is down"}},
    )
    def ready(request: Request) -> JSONResponse:
        checks: dict[str, Any] = {}
        try:
            platform.db.ping()
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"error: {type(exc).__name__}"
        if platform.redis is not None:
            try:
                platform.redis.ping()
                checks["redis"] = "ok"
            except Exception as exc:
                checks["redis"] = f"error: {type(exc).__name__}"
        ok = all(v == "ok" for v in checks.values())
        return JSONResponse(
            {"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503
        )

    @app.get("/metrics", tags=["ops"], summary="Prometheus metrics", response_class=Response)
    def metrics() -> Response:
        from genius.core.observability.metrics import latest

        body, content_type = latest()  # every API process's values under uvicorn --workers N
        return Response(body, media_type=content_type)

    from genius.web.pages import install_web

    # The settings page's module hooks (the Shell reads them from app.state: it imports no module).
    app.state.connection_providers = modules.connection_providers()
    app.state.company_lookup = modules.company_lookup()

    # Every module's pages (its manifest's ``pages``) are handed to the Shell here; the Shell never
    # imports a module.
    install_web(
        app,
        platform,
        module_pages=modules.pages(),
        navigation=modules.navigation,
        web_packages=modules.web_folders(),
        start_page=modules.start_page,
        searchers=modules.searchers(),
        health_providers=modules.health_providers(),
    )
    from genius.web.apidocs import install_api_docs

    install_api_docs(app)

    app.add_middleware(
        RequestContextMiddleware,
        limiter=platform.limiter,
        ip_limit=platform.ip_limit,
    )
    install_security_headers(app)
    return app
