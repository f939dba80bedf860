"""The ASGI application: API routers, web pages, health, metrics, middleware and error handling."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from genius.compliance.api import router as compliance_router
from genius.config import Settings
from genius.core.audit.api import router as audit_router
from genius.core.auth.api import router as auth_router
from genius.core.auth.deps import enforce_route_limit
from genius.core.events.api import router as events_router
from genius.core.kit.errors import install_error_handlers
from genius.core.kit.security_headers import install_security_headers
from genius.core.observability.logging import configure_logging
from genius.core.observability.middleware import RequestContextMiddleware
from genius.core.observability.tracing import configure_tracing
from genius.core.platform import Platform
from genius.core.tenancy.api import router as tenancy_router
from genius.registry.api import router as registry_router
from genius.vettify.api import router as crm_router
from genius.vettify.attachments.api import router as crm_attachments_router
from genius.vettify.campaigns import router as crm_campaigns_router
from genius.vettify.imports.api import router as crm_imports_router

VERSION = "0.1.0"


def create_app(platform: Platform, *, configure_observability: bool = True) -> FastAPI:
    settings: Settings = platform.settings
    if configure_observability:
        configure_logging(settings.log_level, settings.log_json)
        configure_tracing(settings.service_name, settings.otel_exporter, settings.otel_endpoint)

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

    app.include_router(auth_router)
    app.include_router(tenancy_router)
    app.include_router(audit_router)
    app.include_router(events_router)
    app.include_router(registry_router)
    app.include_router(compliance_router)
    app.include_router(crm_router)
    app.include_router(crm_imports_router)
    app.include_router(crm_attachments_router)
    app.include_router(crm_campaigns_router)
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
            with platform.db.platform_session() as s:
                s.execute(text("SELECT 1"))
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
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    from genius.web.pages import install_web

    install_web(app, platform)
    from genius.web.apidocs import install_api_docs

    install_api_docs(app)

    app.add_middleware(
        RequestContextMiddleware,
        limiter=platform.limiter,
        ip_limit=platform.ip_limit,
    )
    install_security_headers(app)
    return app
