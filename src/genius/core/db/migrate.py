"""Programmatic Alembic: ``genius migrate``, the demo and the test fixtures all call this."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import URL

from genius.config import Settings
from genius.core.db.session import sqlalchemy_url

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(
    owner_dsn: str | URL,
    app_role: str,
    app_password: str,
    relay_role: str = "genius_relay",
    relay_password: str = "genius_relay",  # noqa: S107 - documented default, overridden by settings
) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    cfg.attributes["owner_url"] = sqlalchemy_url(owner_dsn) if isinstance(owner_dsn, str) else owner_dsn
    cfg.attributes["app_role"] = app_role
    cfg.attributes["app_password"] = app_password
    cfg.attributes["relay_role"] = relay_role
    cfg.attributes["relay_password"] = relay_password
    return cfg


def upgrade(
    owner_dsn: str | URL,
    app_role: str,
    app_password: str,
    revision: str = "head",
    *,
    relay_role: str = "genius_relay",
    relay_password: str = "genius_relay",  # noqa: S107 - documented default, overridden by settings
) -> None:
    command.upgrade(alembic_config(owner_dsn, app_role, app_password, relay_role, relay_password), revision)


def upgrade_for(settings: Settings, owner_dsn: str | URL) -> None:
    """Migrate with the role names and passwords from the settings."""
    upgrade(
        owner_dsn,
        settings.app_db_role,
        settings.app_db_password,
        relay_role=settings.relay_db_role,
        relay_password=settings.relay_db_password,
    )
