"""Production entry point: ``uvicorn genius.asgi:create_asgi_app --factory --workers N``.

Expects GENIUS_DATABASE_URL, GENIUS_REDIS_URL and GENIUS_SECRET_KEY; migrations are run separately
with ``genius migrate``.
"""

from __future__ import annotations

from fastapi import FastAPI

from genius.app import create_app
from genius.bootstrap import start
from genius.config import Settings


def create_asgi_app() -> FastAPI:
    settings = Settings()
    started = start(settings, run_migrations=False)
    app = create_app(started.platform)
    app.router.on_shutdown.append(started.stop)
    return app
