"""API shapes of campaigns (the CRM's scalar types and conventions, ``genius.vettify.schemas``)."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from genius.vettify import schemas as s


class Channel(StrEnum):
    email = "email"
    sms = "sms"
    whatsapp = "whatsapp"
    social = "social"
    ads = "ads"
    event = "event"
    direct_mail = "direct_mail"
    phone = "phone"
    other = "other"


class CampaignStatus(StrEnum):
    draft = "draft"
    scheduled = "scheduled"
    running = "running"
    paused = "paused"
    completed = "completed"
    cancelled = "cancelled"


def _dates_in_order(starts_on: date | None, ends_on: date | None) -> None:
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        raise ValueError("ends_on must not be before starts_on")


class CampaignFields(s.Input):
    model_config = ConfigDict(
        json_schema_extra={"description": "ends_on must not be before starts_on (else 422)"}
    )

    starts_on: date | None = None
    ends_on: date | None = None
    budget: s.Amount | None = None
    target_segment: s.Opt2000 = Field(None, description="Who the campaign is for, in words")
    segment_id: uuid.UUID | None = Field(
        None, description="The audience: a segment of contacts (send snapshots it)"
    )
    description: s.Opt10k = None
    owner: s.Opt200 = None


class CampaignCreate(CampaignFields):
    name: s.Str300
    channel: Channel = Channel.email
    status: Annotated[
        CampaignStatus,
        WithJsonSchema(
            {
                "type": "string",
                "enum": [
                    CampaignStatus.draft.value,
                    CampaignStatus.scheduled.value,
                    CampaignStatus.running.value,
                ],
                "default": CampaignStatus.draft.value,
                "description": "A new campaign is draft, scheduled or running",
            }
        ),
    ] = CampaignStatus.draft
    currency: s.Currency = "RON"
    custom_fields: s.CustomFields = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> CampaignCreate:
        _dates_in_order(self.starts_on, self.ends_on)
        if self.status not in (CampaignStatus.draft, CampaignStatus.scheduled, CampaignStatus.running):
            raise ValueError("a new campaign starts as draft, scheduled or running")
        return self


class CampaignUpdate(CampaignFields, s.Patch):
    NOT_NULL = frozenset({"name", "channel", "status", "currency", "custom_fields"})

    name: s.Str300 | None = None
    channel: Channel | None = None
    status: CampaignStatus | None = None
    currency: s.Currency | None = None
    custom_fields: s.CustomFields | None = None


class CampaignOut(s.Timestamps):
    name: str
    channel: Channel
    status: CampaignStatus
    starts_on: date | None
    ends_on: date | None
    budget: Decimal | None
    currency: str
    target_segment: str | None
    segment_id: uuid.UUID | None = None
    description: str | None


# --- consent and suppression ------------------------------------------------------------------------
class ConsentChannel(StrEnum):
    email = "email"
    sms = "sms"
    phone = "phone"
    whatsapp = "whatsapp"


class LawfulBasis(StrEnum):
    consent = "consent"
    contract = "contract"
    legitimate_interest = "legitimate_interest"


class SuppressionReason(StrEnum):
    unsubscribed = "unsubscribed"
    bounced = "bounced"
    complained = "complained"


class ConsentIn(s.Input):
    channel: ConsentChannel = ConsentChannel.email
    basis: LawfulBasis
    source: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=s.TEXT)
    ] = Field(description="Where the consent was given (form, contract, event …)")
    given_at: datetime | None = Field(None, description="Default: now")
    proof: s.Opt10k = Field(None, description="Evidence: the form's text, a document reference, an IP …")


class ConsentOut(BaseModel):
    id: uuid.UUID
    contact_id: uuid.UUID
    channel: ConsentChannel
    basis: LawfulBasis
    source: str
    given_at: datetime
    proof: str | None
    withdrawn_at: datetime | None
    created_by: str
    created_at: datetime

    model_config = ConfigDict(from_attributes=True)


class SuppressionIn(s.Input):
    address: Annotated[EmailStr, StringConstraints(max_length=320)]
    reason: SuppressionReason
    note: s.Opt500 = None


class SuppressionOut(BaseModel):
    id: uuid.UUID
    address: str
    reason: SuppressionReason
    note: str | None
    campaign_id: uuid.UUID | None
    created_by: str
    created_at: datetime

    model_config = ConfigDict(from_attributes=True)


# --- the send ---------------------------------------------------------------------------------------
class WindowIn(s.Input):
    """When the batches may send, in the tenant's time zone (company settings; Europe/Bucharest)."""

    start_hour: int = Field(9, ge=0, le=23, description="Opens at this hour, local time")
    end_hour: int = Field(
        18, ge=1, le=24, description="Closes at this hour; at or before start_hour: next day"
    )
    weekdays: list[Annotated[int, Field(ge=1, le=7)]] = Field(
        default_factory=lambda: [1, 2, 3, 4, 5],
        min_length=1,
        max_length=7,
        description="ISO weekdays the window opens on (1 = Monday); default Monday to Friday",
    )


class SendIn(s.Input):
    subject: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=998, pattern=s.TEXT)
    ]
    html: Annotated[str, StringConstraints(min_length=1, max_length=200_000, pattern=s.TEXT)] = Field(
        description="The body, HTML or MJML (see format), with placeholders such as {{ prenume }}"
    )
    format: Literal["html", "mjml"] = Field("html", description="How html is written")
    text: Annotated[str, StringConstraints(max_length=200_000, pattern=s.NO_NUL)] | None = Field(
        None, description="Plain-text part; default: generated from the HTML"
    )
    contact_ids: list[uuid.UUID] | None = Field(
        None,
        max_length=10_000,
        description="The audience: these contacts (unknown ids are ignored); default: every contact",
    )
    window: WindowIn | None = Field(
        None,
        description="Send only within these hours and weekdays (batches outside wait); default: any time",
    )


class DraftIn(s.Input):
    """The composer's message as typed so far: kept on the campaign until it is sent or scheduled. A draft
    may be incomplete (an empty subject, a placeholder half written): it is checked only when sent."""

    subject: Annotated[str, StringConstraints(max_length=998, pattern=s.NO_NUL)] = ""
    html: Annotated[str, StringConstraints(max_length=200_000, pattern=s.NO_NUL)] = ""
    format: Literal["html", "mjml"] = "html"


class DraftOut(DraftIn):
    saved_at: datetime
    saved_by: str


class ScheduleIn(SendIn):
    at: AwareDatetime = Field(
        description="When to start the send (with its offset); a time already past starts it at the next "
        "scheduler pass (every 30 s)"
    )

    @field_validator("at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        try:
            return value.astimezone(UTC)
        except OverflowError:  # year 1 or 9999 pushed past the calendar by its offset
            return datetime.min.replace(tzinfo=UTC) if value.year < 2 else datetime.max.replace(tzinfo=UTC)


class ScheduleOut(BaseModel):
    campaign_id: uuid.UUID
    status: CampaignStatus
    run_at: datetime


class LifecycleOut(BaseModel):
    """A campaign after pause, resume or cancel."""

    campaign_id: uuid.UUID
    status: CampaignStatus = Field(description="The campaign's status now")
    send_status: str | None = Field(description="sending, paused, cancelled or completed; none before a send")
    pending: int = Field(description="Recipients still to be sent")
    cancelled: int = Field(0, description="Recipients cancelled by this request")


class PreviewIn(s.Input):
    subject: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=998, pattern=s.TEXT)
    ]
    html: Annotated[str, StringConstraints(min_length=1, max_length=200_000, pattern=s.TEXT)]
    format: Literal["html", "mjml"] = "html"
    text: Annotated[str, StringConstraints(max_length=200_000, pattern=s.NO_NUL)] | None = None
    contact_id: uuid.UUID | None = Field(
        None, description="Personalise for this contact; default: the first contact with an address"
    )


class PreviewOut(BaseModel):
    subject: str
    html: str = Field(description="Sanitised, CSS inlined, personalised (tracking links are added at send)")
    text: str
    contact_id: uuid.UUID | None = Field(description="Whose values filled the placeholders")
    variables: dict[str, str]


class TestSendIn(PreviewIn):
    to: EmailStr = Field(description="One address; the message is marked [Test] and not tracked")


class TestSendOut(BaseModel):
    to: str
    queued: bool


class ExclusionReason(StrEnum):
    no_email = "no_email"
    suppressed = "suppressed"
    no_basis = "no_basis"


class SendOut(BaseModel):
    campaign_id: uuid.UUID
    recipients: int = Field(description="Addresses queued for sending")
    excluded: dict[str, int] = Field(description="Excluded recipients per reason")
    batches: int


class AudienceOut(BaseModel):
    """Who a campaign goes to: before the send, what a send would snapshot now; after it, the snapshot."""

    campaign_id: uuid.UUID
    source: Literal["segment", "all_contacts", "sent"] = Field(
        description="segment: its segment's matches now; all_contacts: every live contact; sent: the snapshot"
    )
    segment_id: uuid.UUID | None
    segment_name: str | None
    recipients: int = Field(description="Addresses that get (or got) the message")
    excluded: dict[str, int] = Field(description="Excluded recipients per reason")
    excluded_total: int


class RecipientOut(BaseModel):
    id: uuid.UUID
    contact_id: uuid.UUID | None
    address: str | None
    state: str
    reason: str | None
    attempts: int
    sent_at: datetime | None
    opened_at: datetime | None
    clicked_at: datetime | None
    unsubscribed_at: datetime | None
    message_id: str | None = None
    delivery: str | None = Field(default=None, description="delivered, bounced or complained")
    delivered_at: datetime | None = None
    bounced_at: datetime | None = None
    complained_at: datetime | None = None

    model_config = ConfigDict(from_attributes=True)


class RecipientEventOut(BaseModel):
    status: str = Field(description="delivered, soft_bounced, bounced or complained")
    reason: str | None
    source: str = Field(description="webhook, resend or dsn")
    occurred_at: datetime

    model_config = ConfigDict(from_attributes=True)


class Rate(BaseModel):
    count: int
    rate: float = Field(description="Share of the sent messages (0 when nothing was sent)")


class SeriesPoint(BaseModel):
    """One hour or day of a campaign: recipients first sent, opened, clicked and bounced in it."""

    at: datetime = Field(description="Start of the hour or day, with the tenant's offset")
    sent: int
    opened: int
    clicked: int
    bounced: int


class TopLink(BaseModel):
    """One link of the campaign's mail and how often it was clicked."""

    url: str
    clicks: int = Field(description="Every click of it, repeats included")
    unique_clickers: int = Field(description="Recipients who clicked it at least once")


class ReportOut(BaseModel):
    """A PDF report asked for: ``rendering`` until the pdf.render worker has stored it."""

    campaign_id: uuid.UUID
    report_id: uuid.UUID
    status: Literal["rendering", "ready"]
    requested_at: datetime
    download: str = Field(description="Where the PDF is downloaded once ready")


class MetricsOut(BaseModel):
    campaign_id: uuid.UUID
    status: str = Field(description="not_sent, sending, paused, cancelled or completed")
    recipients: int
    excluded: int
    pending: int
    failed: int
    sent: int
    delivered: Rate = Field(description="Sent and not bounced")
    delivery_confirmed: Rate = Field(description="Reported delivered by a webhook or a DSN")
    opened: Rate
    clicked: Rate
    bounced: Rate
    unsubscribed: Rate
    complained: Rate
    series: list[SeriesPoint] = Field(
        default_factory=list,
        description="Per hour or day (?bucket=), in the tenant's time zone, oldest first",
    )
    top_links: list[TopLink] = Field(
        default_factory=list, description="The most clicked links (up to 10), most clicked first"
    )


# --- bounces and complaints (webhooks, DSN) ---------------------------------------------------------------
class EmailEventType(StrEnum):
    delivered = "delivered"
    bounced = "bounced"
    complained = "complained"


class EmailEventIn(BaseModel):
    """The generic e-mail event webhook's body (signed: see docs/architecture.md)."""

    type: EmailEventType
    bounce: Literal["hard", "soft"] = Field(
        default="hard", description="For a bounce: hard (permanent, 5.x.x) or soft (temporary, 4.x.x)"
    )
    message_id: str | None = Field(
        default=None, min_length=3, max_length=250, description="The mail's Message-ID, <> optional"
    )
    email: EmailStr | None = Field(default=None, description="The recipient, when no Message-ID is known")
    timestamp: datetime
    reason: str | None = Field(default=None, max_length=1000)

    model_config = ConfigDict(
        json_schema_extra={
            "description": "Needs message_id or email (or both): checked after the signature (422)."
        }
    )


class EmailEventOut(BaseModel):
    status: Literal["applied", "unmatched", "duplicate", "ignored"] = Field(
        description="applied: a recipient or address was updated; unmatched: nothing of ours; "
        "duplicate: this event id was applied before; ignored: an event type without effect"
    )
    recipients: list[uuid.UUID] = Field(default_factory=list)
    suppressed: list[str] = Field(default_factory=list)


class WebhookSecretOut(BaseModel):
    secret: str = Field(description="whsec_… (Standard Webhooks / Svix signing secret of this tenant)")
    url: str


class ResendSecretIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    secret: str = Field(
        min_length=20,
        max_length=250,
        pattern=r"^whsec_[A-Za-z0-9+/]+={0,2}$",
        description="The signing secret Resend shows for the webhook endpoint (whsec_ + base64)",
    )

    @field_validator("secret")
    @classmethod
    def _base64_key(cls, value: str) -> str:
        try:
            key = base64.b64decode(value.removeprefix("whsec_"), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("the part after whsec_ is not valid base64") from None
        if not 16 <= len(key) <= 128:
            raise ValueError("the key after whsec_ must be 16 to 128 bytes")
        return value


class ResendSecretOut(BaseModel):
    """Which secret verifies this tenant's Resend webhook; the secret itself is never shown again."""

    provider: Literal["resend"] = "resend"
    source: Literal["tenant", "environment"] | None = Field(
        description="tenant: this tenant's own (encrypted; the environment's no longer verifies for it); "
        "environment: GENIUS_RESEND_WEBHOOK_SECRET; null: none (every event is refused)"
    )
    hint: str | None = Field(description="The secret's last four characters")
    updated_at: datetime | None
    updated_by: str | None
    url: str = Field(description="The endpoint to give Resend")
