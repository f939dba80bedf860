from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    ARRAY,
    Boolean,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    LargeBinary,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from genius.core.db.base import Base, new_id, utcnow


class Role(Base):
    """Tenant table: a role names the scopes its holders get."""

    __tablename__ = "roles"
    __table_args__ = {"schema": "core"}

    tid: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("core.tenants.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(50)))
    description: Mapped[str] = mapped_column(String(200), default="")


class User(Base):
    """Tenant table: people (kind=user) and service accounts (kind=service, client_credentials)."""

    __tablename__ = "users"
    __table_args__ = (
        ForeignKeyConstraint(["tid", "role"], ["core.roles.tid", "core.roles.name"], name="fk_users_role"),
        {"schema": "core"},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tid: Mapped[uuid.UUID] = mapped_column(ForeignKey("core.tenants.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10), default="user")
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(50))
    whid: Mapped[uuid.UUID | None] = mapped_column()
    client_id: Mapped[str | None] = mapped_column(String(80), unique=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The web app's choices (``lang``, ``theme``), remembered across browsers.
    preferences: Mapped[dict[str, str]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )


class SigningKey(Base):
    """Platform table: JWT (RS256) and audit-export (Ed25519) keys; private halves encrypted."""

    __tablename__ = "signing_keys"
    __table_args__ = {"schema": "core"}

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(10))  # "jwt" | "audit"
    alg: Mapped[str] = mapped_column(String(10))
    private_key: Mapped[bytes] = mapped_column(LargeBinary)
    public_jwk: Mapped[dict[str, str]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
