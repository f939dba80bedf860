from __future__ import annotations

import datetime as dt
import uuid
from datetime import datetime

from pydantic import BaseModel, EmailStr, Field, field_validator, model_validator

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


CURRENCY_PATTERN = r"^(RON|EUR)$"


def normalise_cui(value: str) -> str | None:
    """A Romanian CUI/CIF as digits (an ``RO`` VAT prefix and spaces dropped), check digit verified with
    python-stdnum; ``None`` for an empty value. Raises ``ValueError`` for a wrong one."""
    from stdnum.exceptions import ValidationError as StdnumError
    from stdnum.ro import cui

    text = "".join(value.split()).upper().removeprefix("RO")
    if not text:
        return None
    try:
        return str(cui.validate(text))
    except StdnumError as exc:
        raise ValueError("not a valid CUI (format or check digit)") from exc


class TenantSettingsIn(BaseModel):
    """The company profile form (and the API body, should one be added)."""

    company_name: str = Field(min_length=1, max_length=200, pattern=r"^[^\x00]*$")
    cui: str | None = Field(default=None, max_length=20, description="CUI/CIF, with or without RO")
    registration_number: str = Field(default="", max_length=40, pattern=r"^[^\x00]*$")
    address: str = Field(default="", max_length=300, pattern=r"^[^\x00]*$")
    default_currency: str = Field(default="RON", pattern=CURRENCY_PATTERN)
    timezone: str = Field(default="Europe/Bucharest", max_length=64)
    hours_start: dt.time = dt.time(9, 0)
    hours_end: dt.time = dt.time(18, 0)

    @field_validator("cui")
    @classmethod
    def _cui(cls, value: str | None) -> str | None:
        return normalise_cui(value or "")

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        from zoneinfo import available_timezones

        if value not in available_timezones():
            raise ValueError("unknown time zone")
        return value

    @model_validator(mode="after")
    def _hours(self) -> TenantSettingsIn:
        if self.hours_end <= self.hours_start:
            raise ValueError("business hours end before they start")
        return self
