"""Every statement of tenancy's own table (``core.tenant_settings``)."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from genius.core.tenancy.models import TenantSettings


def settings(session: Session, tid: uuid.UUID) -> TenantSettings | None:
    return session.get(TenantSettings, tid)


def add_settings(session: Session, row: TenantSettings) -> TenantSettings:
    session.add(row)
    session.flush()
    return row


def flush(session: Session) -> None:
    session.flush()
