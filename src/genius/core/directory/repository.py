"""Every SQL statement on the tenant directory."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from genius.core.directory.models import Tenant

UUID_RE = re.compile(r"^[0-9a-fA-F-]{36}$")


def get(session: Session, tid: uuid.UUID) -> Tenant | None:
    return session.get(Tenant, tid)


def find(session: Session, ref: str) -> Tenant | None:
    """A tenant by slug or id."""
    if UUID_RE.match(ref):
        try:
            return session.get(Tenant, uuid.UUID(ref))
        except ValueError:
            return None
    return session.scalars(select(Tenant).where(Tenant.slug == ref.lower())).first()


def slug_taken(session: Session, slug: str) -> bool:
    return session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None


def page(session: Session, limit: int, offset: int) -> list[Tenant]:
    return list(
        session.scalars(select(Tenant).order_by(Tenant.created_at, Tenant.slug).limit(limit).offset(offset))
    )


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Tenant)) or 0


def add(session: Session, tenant: Tenant) -> Tenant:
    session.add(tenant)
    session.flush()
    return tenant
