from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, EmailStr, Field


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    scope: str


class UserCreate(BaseModel):
    email: EmailStr
    password: str = Field(min_length=10, max_length=200)
    role: str = Field(min_length=1, max_length=50, pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(default="", max_length=200, pattern=r"^[^\x00]*$")
    whid: uuid.UUID | None = None


class UserOut(BaseModel):
    id: uuid.UUID
    email: str
    name: str
    role: str
    kind: str
    whid: uuid.UUID | None
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None
    client_id: str | None = None


class ServiceAccountCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200, pattern=r"^[^\x00]*$")
    role: str = Field(min_length=1, max_length=50, pattern=r"^[a-z][a-z0-9_]*$")


class ServiceAccountCreated(BaseModel):
    id: uuid.UUID
    client_id: str
    client_secret: str = Field(description="Shown once; store it now")
    role: str


class RoleOut(BaseModel):
    name: str
    scopes: list[str]
    description: str


class Me(BaseModel):
    sub: str
    tid: uuid.UUID
    whid: uuid.UUID | None
    role: str
    scopes: list[str]
    kind: str
    email: str


class KeyRotated(BaseModel):
    kid: str
