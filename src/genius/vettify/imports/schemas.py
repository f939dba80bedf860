"""API shapes of the CSV import."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


class Entity(StrEnum):
    leads = "leads"
    contacts = "contacts"
    accounts = "accounts"


class OnDuplicate(StrEnum):
    skip = "skip"
    update = "update"
    create = "create"


ColumnName = Annotated[str, StringConstraints(min_length=1, max_length=200)]
FieldName = Annotated[str, StringConstraints(max_length=40)]
MappingName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class MappingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mapping: dict[ColumnName, FieldName | None] | None = Field(
        None,
        description="CSV column → field (null or empty: ignore the column). Omit to use mapping_id's.",
        max_length=200,
    )
    on_duplicate: OnDuplicate | None = Field(
        None, description="What a row matching an existing record (or an earlier row) does; default skip"
    )
    mapping_id: uuid.UUID | None = Field(None, description="Apply a saved mapping")
    save_as: MappingName | None = Field(None, description="Also save this mapping under a name")


class ImportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    entity: Entity
    status: str
    filename: str
    size_bytes: int
    encoding: str
    delimiter: str
    columns: list[str]
    mapping: dict[str, str] | None
    on_duplicate: OnDuplicate
    mapping_id: uuid.UUID | None
    total: int | None
    processed: int
    created: int
    updated: int
    skipped: int
    rejected: int
    percent: float | None
    rows_per_second: float | None
    eta_seconds: float | None
    error: str | None
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class UploadOut(ImportOut):
    preview: list[list[str]] = Field(description="The first rows, cells in header order")
    suggested_mapping: dict[str, str] = Field(description="Recognised header names → fields")


class MappingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    entity: Entity
    mapping: dict[str, str]
    on_duplicate: OnDuplicate
    created_by: str
    created_at: datetime
    updated_at: datetime


class ValidationOut(BaseModel):
    total: int
    created: int = Field(description="Rows that would create a record")
    updated: int
    skipped: int
    rejected: int
    errors: list[dict[str, object]] = Field(description="The first rejected rows: row, reason, cells")
