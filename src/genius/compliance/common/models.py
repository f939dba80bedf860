"""The table the compliance services share (schema ``compliance``; a tenant table with forced RLS).

* ``efactura_oauth_tokens``: the tenant's ANAF OAuth tokens, Fernet-encrypted at rest — one ANAF
  connection per tenant, used by e-Factura and e-Transport (the table keeps its first user's name).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from genius.core.db.base import Base, utcnow

SCHEMA = "compliance"


class OAuthToken(Base):
    __tablename__ = "efactura_oauth_tokens"
    __table_args__ = {"schema": SCHEMA}

    tid: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    access_token: Mapped[bytes] = mapped_column()  # Fernet token
    refresh_token: Mapped[bytes | None] = mapped_column()
    token_type: Mapped[str] = mapped_column(String(20), default="Bearer")
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    refresh_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
