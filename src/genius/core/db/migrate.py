"""Programmatic Alembic: ``genius migrate``, the demo and the test fixtures all call this."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import URL

from genius.core.db.session import sqlalchemy_url

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(owner_dsn: str | URL, app_role: str, app_password: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    cfg.attributes["owner_url"] = sqlalchemy_url(owner_dsn) if isinstance(owner_dsn, str) else owner_dsn
    cfg.attributes["app_role"] = app_role
    cfg.attributes["app_password"] = app_password
    return cfg


def upgrade(owner_dsn: str | URL, app_role: str, app_password: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(owner_dsn, app_role, app_password), revision)
