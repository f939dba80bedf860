"""Bodies and answers of the sequence and template API."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from genius.outreach.schemas import NO_NUL, TEXT
from genius.outreach.sequences.models import EnrollmentStatus

SPINTAX_RULE = (
    "Spintax: {a|b|{c|d}} picks one alternative per group (groups nest up to 20 levels; braces must "
    "balance, \\{ \\| \\} are literal); {{name}} is a variable. The same lead and step always get the same "
    "text. Unbalanced braces are a 422 (not valid spintax)."
)
VAR_NAME = r"^[A-Za-z_][A-Za-z0-9_.]{0,63}$"
LABEL = r"^[A-Za-z0-9_-]{1,20}$"


class SendChannel(StrEnum):
    """The channels a sequence step can send on (phone calls and manual tasks are not automated)."""

    WHATSAPP = "WHATSAPP"
    EMAIL_COLD = "EMAIL_COLD"
    EMAIL_WARM = "EMAIL_WARM"


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VariableIn(Input):
    name: str = Field(pattern=VAR_NAME, description="Used as {{name}} in the content")
    required: bool = True
    default: str | None = Field(
        None, max_length=500, pattern=NO_NUL, description="Used when the lead has no value"
    )


class VariableOut(BaseModel):
    name: str
    required: bool
    default: str | None = None


class VersionIn(Input):
    label: str = Field(pattern=LABEL, description="A/B label, unique per template (A, B, short-intro…)")
    content: str = Field(min_length=1, max_length=10000, pattern=TEXT, description=SPINTAX_RULE)
    subject: str | None = Field(None, max_length=300, pattern=NO_NUL, description="E-mail subject (spintax)")
    has_media: bool = Field(False, description="A WhatsApp media message (media_url)")
    media_url: str | None = Field(None, max_length=1000, pattern=r"^https://[^\s\x00]+$")
    weight: int = Field(1, ge=0, le=100, description="Share of the A/B split (0: not sent)")


class VersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    label: str
    content: str
    subject: str | None
    has_media: bool
    media_url: str | None
    weight: int
    is_active: bool
    sent_count: int
    open_count: int
    reply_count: int
    open_rate: float | None = Field(None, description="open_count / sent_count, when any was sent")
    reply_rate: float | None = Field(None, description="reply_count / sent_count, when any was sent")
    created_at: datetime


class TemplateIn(Input):
    name: str = Field(min_length=1, max_length=200, pattern=TEXT)
    channel: SendChannel
    content: str = Field(min_length=1, max_length=10000, pattern=TEXT, description=SPINTAX_RULE)
    subject: str | None = Field(None, max_length=300, pattern=NO_NUL, description="E-mail subject (spintax)")
    variables: list[VariableIn] = Field(
        default_factory=list,
        max_length=50,
        description="Declared variables (a name declared twice keeps its first declaration); a variable "
        "used in the content without a declaration is required",
    )
    has_media: bool = False
    media_url: str | None = Field(None, max_length=1000, pattern=r"^https://[^\s\x00]+$")


class TemplateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    channel: SendChannel
    subject: str | None
    content: str
    variables: list[VariableOut]
    has_media: bool
    media_url: str | None
    is_active: bool
    version: int
    created_at: datetime
    updated_at: datetime


class TemplateDetail(TemplateOut):
    versions: list[VersionOut]


class StepIn(Input):
    template_id: uuid.UUID = Field(description="A template of the tenant; the step sends on its channel")
    delay_hours: int = Field(0, ge=0, le=8760, description="After the previous step (or the enrollment)")
    delay_minutes: int = Field(0, ge=0, le=59)
    stop_on_reply: bool = True
    respect_business_hours: bool = True


class StepOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    step_number: int
    template_id: uuid.UUID
    channel: SendChannel
    delay_hours: int
    delay_minutes: int
    stop_on_reply: bool
    respect_business_hours: bool


class SequenceIn(Input):
    name: str = Field(min_length=1, max_length=200, pattern=TEXT)
    description: str = Field("", max_length=2000, pattern=NO_NUL)
    steps: list[StepIn] = Field(min_length=1, max_length=50, description="In order: step 1 first")


class SequencePatch(Input):
    name: str | None = Field(None, min_length=1, max_length=200, pattern=TEXT)
    description: str | None = Field(None, max_length=2000, pattern=NO_NUL)
    is_active: bool | None = Field(None, description="An inactive sequence sends nothing until reactivated")


class SequenceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    description: str
    is_active: bool
    version: int
    created_at: datetime
    updated_at: datetime


class SequenceDetail(SequenceOut):
    steps: list[StepOut]


class EnrollIn(Input):
    journey_id: uuid.UUID = Field(description="A journey of the tenant (one enrollment per sequence)")


class EnrollmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    sequence_id: uuid.UUID
    journey_id: uuid.UUID
    lead_id: uuid.UUID
    status: EnrollmentStatus
    current_step: int
    next_action_at: datetime | None
    stop_reason: str | None
    enrolled_at: datetime
    last_step_at: datetime | None
    finished_at: datetime | None


class StopIn(Input):
    reason: str = Field("stopped by a user", min_length=1, max_length=500, pattern=TEXT)
