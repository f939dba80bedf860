"""Production entry point: ``uvicorn genius.asgi:create_asgi_app --factory --workers N``.

Expects GENIUS_DATABASE_URL, GENIUS_REDIS_URL and GENIUS_SECRET_KEY; migrations are run separately
with ``genius migrate``. Under ``--workers N`` the processes share their metrics through
PROMETHEUS_MULTIPROC_DIR (set here before prometheus_client is imported when uvicorn did not get one),
so ``/metrics`` of any of them reports the whole API.
"""

from __future__ import annotations

from genius.core.observability.metrics import use_api_multiprocess_if_forked

_MULTIPROC_DIR = use_api_multiprocess_if_forked()

from fastapi import FastAPI  # noqa: E402

from genius.app import create_app  # noqa: E402
from genius.bootstrap import start  # noqa: E402
from genius.config import Settings  # noqa: E402


def create_asgi_app() -> FastAPI:
    settings = Settings()
    started = start(settings, run_migrations=False)
    app = create_app(started.platform)
    app.router.on_shutdown.append(started.stop)
    if _MULTIPROC_DIR:
        from genius.core.observability.metrics import mark_this_process_dead

        app.router.on_shutdown.append(mark_this_process_dead)
    return app
