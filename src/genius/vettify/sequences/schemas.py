"""API shapes of e-mail sequences (``/v1/crm/email-sequences``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, model_validator

from genius.vettify import schemas as s
from genius.vettify.campaigns.schemas import WindowIn

MAX_STEPS = 20
MAX_DELAY_MINUTES = 365 * 24 * 60  # a year


class SequenceStatus(StrEnum):
    draft = "draft"
    active = "active"
    paused = "paused"
    archived = "archived"


class Condition(StrEnum):
    """When a step is sent: always, or only if the contact opened / clicked the latest message of the
    sequence, or has not replied."""

    none = "none"
    opened = "opened"
    clicked = "clicked"
    not_replied = "not_replied"


class EnrolmentState(StrEnum):
    active = "active"
    completed = "completed"
    stopped = "stopped"


class StopReason(StrEnum):
    replied = "replied"
    unsubscribed = "unsubscribed"
    bounced = "bounced"
    complained = "complained"
    converted = "converted"
    no_email = "no_email"
    no_basis = "no_basis"
    archived = "archived"  # the sequence was archived
    merged = "merged"  # the contact was merged into one already in the sequence


def _exactly_one(first: str, first_type: str, second: str, second_type: str) -> dict[str, Any]:
    """The ``_one`` validators in the JSON Schema: exactly one of the two fields is given (not null)."""
    return {
        "oneOf": [
            {"required": [name], "properties": {name: {"type": kind}}}
            for name, kind in ((first, first_type), (second, second_type))
        ]
    }


class StepIn(s.Input):
    delay_minutes: int = Field(
        0,
        ge=0,
        le=MAX_DELAY_MINUTES,
        description="Wait this long after the previous step (the first step: after the enrolment), "
        "counted on the tenant's local clock, then the next opening of the sending window",
    )
    subject: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=998, pattern=s.TEXT)
    ]
    html: Annotated[str, StringConstraints(min_length=1, max_length=200_000, pattern=s.TEXT)] = Field(
        description="The body, HTML or MJML (see format), with placeholders such as {{ prenume }}"
    )
    format: Literal["html", "mjml"] = Field("html", description="How html is written")
    condition: Condition = Field(Condition.none, description="Send only when this holds, else skip the step")


class SequenceCreate(s.Input):
    name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=s.TEXT)
    ]
    steps: list[StepIn] = Field(min_length=1, max_length=MAX_STEPS)
    window: WindowIn = Field(
        default_factory=WindowIn,
        description="Steps go out only within these hours and weekdays, in the tenant's time zone",
    )


class StepEdit(StepIn):
    """A step of an edited sequence: ``id`` keeps (and changes) an existing step; without it, a new one."""

    id: uuid.UUID | None = Field(
        None, description="An existing step's id (GET the sequence); leave it out for a new step"
    )


class SequenceUpdate(s.Input):
    """The whole sequence as it should be (``PUT``): its name, window and live steps in their new order.
    An existing step left out is removed; one named by ``id`` is moved and changed in place."""

    name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=s.TEXT)
    ]
    steps: list[StepEdit] = Field(min_length=1, max_length=MAX_STEPS)
    window: WindowIn | None = Field(None, description="Left out: the window stays as it is")


class StepOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    position: int
    delay_minutes: int
    condition: Condition
    subject: str
    html: str = Field(description="The body as written")
    format: str

    @classmethod
    def of(cls, row: Any) -> StepOut:
        return cls(
            id=row.id,
            position=row.position,
            delay_minutes=row.delay_minutes,
            condition=Condition(row.condition),
            subject=row.subject,
            html=row.body,
            format=row.format,
        )


class SequenceOut(BaseModel):
    id: uuid.UUID
    name: str
    status: SequenceStatus
    window: dict[str, Any]
    steps: list[StepOut]
    enrolments: dict[str, int] = Field(description="Enrolments per state")
    version: int = Field(description="Moves on with every change; the ETag is its quoted value")
    created_by: str
    created_at: datetime
    updated_at: datetime


class SequenceSummary(BaseModel):
    id: uuid.UUID
    name: str
    status: SequenceStatus
    steps: int
    enrolments: dict[str, int]
    created_at: datetime


class EnrolIn(s.Input):
    """By hand (``contact_ids``) or every contact a segment matches now (``segment_id``): one of them."""

    model_config = ConfigDict(json_schema_extra=_exactly_one("contact_ids", "array", "segment_id", "string"))

    contact_ids: list[uuid.UUID] | None = Field(None, min_length=1, max_length=10_000)
    segment_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _one_source(self) -> EnrolIn:
        if (self.contact_ids is None) == (self.segment_id is None):
            raise ValueError("give either contact_ids or segment_id")
        return self


class EnrolOut(BaseModel):
    enrolled: int = Field(description="New enrolments")
    already: int = Field(description="Contacts already in the sequence (any state): left as they are")
    unknown: int = Field(description="Ids that are no live contact of the tenant")


class EnrolmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    sequence_id: uuid.UUID
    sequence_name: str | None = None
    contact_id: uuid.UUID
    contact_name: str | None = None
    state: EnrolmentState
    stop_reason: StopReason | None
    step: int = Field(description="The position of the step due next")
    steps: int = Field(0, description="The sequence's step count")
    next_due_at: datetime | None
    source: str
    enrolled_at: datetime
    replied_at: datetime | None
    ended_at: datetime | None


class ReplyIn(s.Input):
    """A reply of a contact (by id) or of an address (every contact with it): their active
    enrolments stop with reason ``replied``."""

    model_config = ConfigDict(json_schema_extra=_exactly_one("contact_id", "string", "address", "string"))

    contact_id: uuid.UUID | None = None
    address: EmailStr | None = None

    @model_validator(mode="after")
    def _one(self) -> ReplyIn:
        if (self.contact_id is None) == (self.address is None):
            raise ValueError("give either contact_id or address")
        return self


class StopOut(BaseModel):
    stopped: int
