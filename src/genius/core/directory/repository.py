"""Every SQL statement on the tenant directory."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from genius.core.directory.models import Tenant
from genius.core.kit.pagination import Page, cursor_after, decode_cursor, page_of

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


def active_ids(session: Session) -> list[uuid.UUID]:
    """Every active tenant's id, oldest first (the periodic sweeps that visit each tenant)."""
    return list(
        session.scalars(select(Tenant.id).where(Tenant.status == "active").order_by(Tenant.created_at))
    )


TENANT_ORDER = "tenants:created_at"


def list_page(session: Session, *, cursor: str | None, limit: int) -> Page[Tenant]:
    """The API's keyset page of the directory, oldest first, with the directory's size."""
    q = select(Tenant)
    if cursor:
        created_at, slug = decode_cursor(cursor, TENANT_ORDER, (datetime, str))
        q = q.where(cursor_after((Tenant.created_at, Tenant.slug), (created_at, slug), desc=False))
    rows = session.scalars(q.order_by(Tenant.created_at, Tenant.slug).limit(limit + 1)).all()
    return page_of(rows, limit, TENANT_ORDER, key=lambda t: (t.created_at, t.slug), total=count(session))


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Tenant)) or 0


def add(session: Session, tenant: Tenant) -> Tenant:
    session.add(tenant)
    session.flush()
    return tenant
