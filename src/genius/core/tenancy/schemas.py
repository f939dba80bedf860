from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, EmailStr, Field

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"


class TenantCreate(BaseModel):
    slug: str = Field(
        min_length=1,
        max_length=63,
        pattern=SLUG_PATTERN,
        description="Lowercase letters, digits and dashes; used at login",
    )
    name: str = Field(min_length=1, max_length=200, pattern=r"^[^\x00]*$")
    admin_email: EmailStr
    admin_password: str = Field(min_length=10, max_length=200)
    dsn: str | None = Field(
        default=None,
        max_length=500,
        pattern=r"^postgres(ql)?(\+psycopg)?://",
        description="Optional dedicated database (owner DSN); migrated and used for this tenant's rows",
    )


class TenantOut(BaseModel):
    id: uuid.UUID
    slug: str
    name: str
    status: str
    dedicated_database: bool
    created_at: datetime


class TenantCreated(TenantOut):
    admin_user_id: uuid.UUID
