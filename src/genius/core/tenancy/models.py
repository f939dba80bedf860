"""Tenancy: the tenant directory lives in ``core.directory`` (shared with auth); the tenant's own company
profile and preferences (``core.tenant_settings``) live here."""

from __future__ import annotations

import uuid
from datetime import datetime, time

from sqlalchemy import DateTime, ForeignKey, String, Time
from sqlalchemy.orm import Mapped, mapped_column

from genius.core.db.base import Base, utcnow
from genius.core.directory.models import Tenant

__all__ = ["Tenant", "TenantSettings"]

CURRENCIES = ("RON", "EUR")
DEFAULT_TIMEZONE = "Europe/Bucharest"


class TenantSettings(Base):
    """Tenant table (RLS): the company profile shown on documents, and the tenant's defaults."""

    __tablename__ = "tenant_settings"
    __table_args__ = {"schema": "core"}

    tid: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("core.tenants.id", ondelete="CASCADE"), primary_key=True
    )
    company_name: Mapped[str] = mapped_column(String(200), default="")
    cui: Mapped[str | None] = mapped_column(String(12))
    registration_number: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    # What ANAF's registry said about the CUI when it was last verified.
    anaf_name: Mapped[str | None] = mapped_column(String(300))
    anaf_checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    default_currency: Mapped[str] = mapped_column(String(3), default="RON")
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIMEZONE)
    hours_start: Mapped[time] = mapped_column(Time, default=time(9, 0))
    hours_end: Mapped[time] = mapped_column(Time, default=time(18, 0))
    # The logo: an object in the tenant's encrypted file store (TenantFiles), never in the database.
    logo_key: Mapped[str | None] = mapped_column(String(300))
    logo_type: Mapped[str | None] = mapped_column(String(50))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(200), default="")
