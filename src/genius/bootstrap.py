"""Process start-up shared by the CLI, the ASGI factory, the benchmarks and the tests."""

from __future__ import annotations

import os
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path

from genius.config import Settings
from genius.core.auth import service as auth
from genius.core.db import migrate
from genius.core.platform import Platform
from genius.core.tenancy import service as tenancy
from genius.embedded import Runtime, start_runtime

DEMO_TENANT = "demo"
DEMO_ADMIN = "admin@demo.local"


@dataclass
class Started:
    runtime: Runtime
    platform: Platform

    def stop(self) -> None:
        self.platform.close()
        self.runtime.stop()


def start(settings: Settings, *, run_migrations: bool = True, need_redis: bool = True) -> Started:
    runtime = start_runtime(settings, need_redis=need_redis)
    try:
        if run_migrations:
            migrate.upgrade_for(settings, runtime.owner_dsn)
        platform = Platform.build(settings, runtime.owner_dsn, runtime.redis_url)
        platform.keys.ensure()
    except BaseException:
        runtime.stop()
        raise
    return Started(runtime, platform)


def _demo_password(settings: Settings) -> tuple[str, bool]:
    """GENIUS_DEMO_PASSWORD, or one generated on the first run and kept (0600) in the data dir."""
    if settings.demo_password:
        return settings.demo_password, False
    path = Path(settings.data_dir) / "demo_password"
    if path.exists():
        return path.read_text().strip(), True
    password = secrets.token_urlsafe(12)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(password)
    return password, True


def ensure_demo(platform: Platform) -> tuple[str, bool]:
    """The demo tenant and its all-scopes admin; returns (password, generated). Idempotent."""
    settings = platform.settings
    password, generated = _demo_password(settings)
    db = platform.db
    with db.platform_session() as s:
        tenant = auth.find_tenant(s, DEMO_TENANT)
    if tenant is None:
        provisioned = tenancy.provision_tenant(
            db,
            platform.passwords,
            slug=DEMO_TENANT,
            name="Demo SRL",
            admin_email=DEMO_ADMIN,
            admin_password=password,
            actor="genius demo",
            admin_role="platform_admin",
            app_role=settings.app_db_role,
            app_password=settings.app_db_password,
        )
        _seed_modules(platform, provisioned.tenant.id)
        return password, generated
    with db.tenant_session(tenant.id) as s:
        auth.ensure_user(
            s, platform.passwords, tenant.id, email=DEMO_ADMIN, password=password, role="platform_admin"
        )
    _seed_modules(platform, tenant.id)
    return password, generated


def _seed_modules(platform: Platform, tid: uuid.UUID) -> None:
    """Each module's demo data (its manifest's ``demo``); idempotent: later starts add nothing."""
    from genius.modules import demo_seeders

    for seed in demo_seeders():
        seed(platform, tid)
