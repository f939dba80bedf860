"""Outreach tables (schema ``outreach``; DDL in migrations/versions/2026_12_03_0020_outreach.py).

Every table is a tenant table (``tid`` + forced RLS). The seven enums are the specification's.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Computed,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ENUM, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from genius.core.db.base import Base, new_id, utcnow

SCHEMA = "outreach"


class LeadState(StrEnum):
    COLD = "COLD"
    CONTACTED_WA = "CONTACTED_WA"
    CONTACTED_EMAIL = "CONTACTED_EMAIL"
    WARM_REPLY = "WARM_REPLY"
    NEGOTIATION = "NEGOTIATION"
    CONVERTED = "CONVERTED"
    DEAD = "DEAD"
    PAUSED = "PAUSED"


# A journey's state as a number (1 = COLD … 8 = PAUSED, the enum's order), kept by PostgreSQL. Under
# row-level security an enum comparison (``enum_eq``, not leakproof) cannot be an index condition, so
# ``current_state = 'NEGOTIATION'`` filtered 100,000 rows one by one; ``state_code = 5`` (``int2eq``,
# leakproof) reads its index (migration 0053).
STATE_CODES = {state.value: i for i, state in enumerate(LeadState, start=1)}
STATE_CODE_SQL = (
    "CASE current_state "
    + " ".join(
        f"WHEN '{name}'::outreach.current_state_enum THEN {code}" for name, code in STATE_CODES.items()
    )
    + " END"
)


class Channel(StrEnum):
    WHATSAPP = "WHATSAPP"
    EMAIL_COLD = "EMAIL_COLD"
    EMAIL_WARM = "EMAIL_WARM"
    PHONE = "PHONE"
    MANUAL = "MANUAL"


class MessageDirection(StrEnum):
    OUTBOUND = "OUTBOUND"
    INBOUND = "INBOUND"


class MessageStatus(StrEnum):
    QUEUED = "QUEUED"
    SENT = "SENT"
    DELIVERED = "DELIVERED"
    READ = "READ"
    REPLIED = "REPLIED"
    BOUNCED = "BOUNCED"
    FAILED = "FAILED"
    OPENED = "OPENED"
    CLICKED = "CLICKED"


class PhoneStatus(StrEnum):
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    OFFLINE = "OFFLINE"
    BANNED = "BANNED"
    RECONNECTING = "RECONNECTING"
    QUARANTINE = "QUARANTINE"


class ReviewPriority(StrEnum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    URGENT = "URGENT"


class ReviewReason(StrEnum):
    NEGATIVE_SENTIMENT = "NEGATIVE_SENTIMENT"
    KEYWORD_TRIGGER = "KEYWORD_TRIGGER"
    BOUNCE_DETECTED = "BOUNCE_DETECTED"
    COMPLAINT = "COMPLAINT"
    MANUAL_FLAG = "MANUAL_FLAG"
    AI_UNCERTAIN = "AI_UNCERTAIN"


def _enum(values: type[StrEnum], name: str) -> ENUM:
    return ENUM(*[v.value for v in values], name=name, schema=SCHEMA, create_type=False)


STATE = _enum(LeadState, "current_state_enum")
CHANNEL = _enum(Channel, "channel_enum")
DIRECTION = _enum(MessageDirection, "message_direction_enum")
MESSAGE_STATUS = _enum(MessageStatus, "message_status_enum")
PHONE_STATUS = _enum(PhoneStatus, "phone_status_enum")
PRIORITY = _enum(ReviewPriority, "review_priority_enum")
REASON = _enum(ReviewReason, "review_reason_enum")
TS = DateTime(timezone=True)


class WaPhoneNumber(Base):
    __tablename__ = "wa_phone_numbers"
    __table_args__ = (
        UniqueConstraint("tid", "phone_number", name="uq_wa_phone_numbers_tid"),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tid: Mapped[uuid.UUID] = mapped_column()
    phone_number: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(100), default="")
    timelinesai_account_id: Mapped[str] = mapped_column(String(100))
    timelinesai_phone_id: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(PHONE_STATUS, default=PhoneStatus.ACTIVE.value)
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[datetime] = mapped_column(TS, default=utcnow)
    daily_quota_limit: Mapped[int] = mapped_column(Integer, default=200)
    reputation_score: Mapped[int] = mapped_column(Integer, default=100)
    is_connected: Mapped[bool] = mapped_column(Boolean, default=False)
    last_health_check_at: Mapped[datetime | None] = mapped_column(TS)
    last_message_at: Mapped[datetime | None] = mapped_column(TS)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    total_messages_sent: Mapped[int] = mapped_column(BigInteger, default=0)
    total_new_contacts: Mapped[int] = mapped_column(BigInteger, default=0)
    delivery_rate: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    reply_rate: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    banned_at: Mapped[datetime | None] = mapped_column(TS)
    quarantine_until: Mapped[datetime | None] = mapped_column(TS)
    paused_until: Mapped[datetime | None] = mapped_column(TS)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TS, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TS, default=utcnow)


class WaQuotaUsage(Base):
    """Audit and reporting only: Redis (the quota guardian) holds the truth."""

    __tablename__ = "wa_quota_usage"
    __table_args__ = (
        UniqueConstraint("phone_id", "usage_date", name="uq_wa_quota_usage_phone_id"),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tid: Mapped[uuid.UUID] = mapped_column()
    phone_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(f"{SCHEMA}.wa_phone_numbers.id", ondelete="CASCADE")
    )
    usage_date: Mapped[date] = mapped_column(Date)
    new_contacts_count: Mapped[int] = mapped_column(Integer, default=0)
    followup_count: Mapped[int] = mapped_column(Integer, default=0)
    refused_count: Mapped[int] = mapped_column(Integer, default=0)
    quota_limit: Mapped[int] = mapped_column(Integer, default=200)
    first_message_at: Mapped[datetime | None] = mapped_column(TS)
    last_message_at: Mapped[datetime | None] = mapped_column(TS)
    created_at: Mapped[datetime] = mapped_column(TS, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TS, default=utcnow)


class LeadJourney(Base):
    __tablename__ = "gold_lead_journey"
    __table_args__ = (
        UniqueConstraint("tid", "lead_id", name="idx_unique_lead_journey"),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tid: Mapped[uuid.UUID] = mapped_column()
    lead_id: Mapped[uuid.UUID] = mapped_column()
    assigned_phone_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(f"{SCHEMA}.wa_phone_numbers.id", ondelete="SET NULL")
    )
    assigned_at: Mapped[datetime | None] = mapped_column(TS)
    current_state: Mapped[str] = mapped_column(STATE, default=LeadState.COLD.value)
    state_code: Mapped[int] = mapped_column(SmallInteger, Computed(STATE_CODE_SQL, persisted=True))
    previous_state: Mapped[str | None] = mapped_column(STATE)
    state_changed_at: Mapped[datetime] = mapped_column(TS, default=utcnow)
    state_change_reason: Mapped[str | None] = mapped_column(Text)
    quota_consumption_date: Mapped[str | None] = mapped_column(String(10))
    is_new_contact: Mapped[bool] = mapped_column(Boolean, default=True)
    first_contact_channel: Mapped[str | None] = mapped_column(CHANNEL)
    last_channel_used: Mapped[str | None] = mapped_column(CHANNEL)
    preferred_channel: Mapped[str | None] = mapped_column(CHANNEL)
    email_opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    whatsapp_opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    current_sequence_id: Mapped[uuid.UUID | None] = mapped_column()
    sequence_step: Mapped[int] = mapped_column(Integer, default=0)
    sequence_started_at: Mapped[datetime | None] = mapped_column(TS)
    sequence_paused: Mapped[bool] = mapped_column(Boolean, default=False)
    next_action_at: Mapped[datetime | None] = mapped_column(TS)
    sentiment_score: Mapped[int] = mapped_column(Integer, default=0)
    engagement_score: Mapped[int] = mapped_column(Integer, default=0)
    reply_count: Mapped[int] = mapped_column(Integer, default=0)
    open_count: Mapped[int] = mapped_column(Integer, default=0)
    click_count: Mapped[int] = mapped_column(Integer, default=0)
    requires_human_review: Mapped[bool] = mapped_column(Boolean, default=False)
    human_review_reason: Mapped[str | None] = mapped_column(REASON)
    human_review_priority: Mapped[str | None] = mapped_column(PRIORITY)
    is_human_controlled: Mapped[bool] = mapped_column(Boolean, default=False)
    assigned_to_user: Mapped[uuid.UUID | None] = mapped_column()
    first_contact_at: Mapped[datetime | None] = mapped_column(TS)
    last_contact_at: Mapped[datetime | None] = mapped_column(TS)
    last_reply_at: Mapped[datetime | None] = mapped_column(TS)
    last_open_at: Mapped[datetime | None] = mapped_column(TS)
    converted_at: Mapped[datetime | None] = mapped_column(TS)
    tags: Mapped[list[Any]] = mapped_column(JSONB, default=list)
    custom_fields: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(TS, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TS, default=utcnow)


class JourneyCount(Base):
    """A signed number of journeys with one combination of the leads list's filters (migration 0055):
    triggers append +1/-1 rows as journeys enter and leave a combination, so a total is a sum of a few
    rows instead of a count of every journey; the stats roll-up folds them to one row per combination."""

    __tablename__ = "journey_counts"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    tid: Mapped[uuid.UUID] = mapped_column()
    state_code: Mapped[int] = mapped_column(SmallInteger)
    last_channel_used: Mapped[str | None] = mapped_column(CHANNEL)
    assigned_to_user: Mapped[uuid.UUID | None] = mapped_column()
    has_reply: Mapped[bool] = mapped_column(Boolean)
    requires_human_review: Mapped[bool] = mapped_column(Boolean)
    journeys: Mapped[int] = mapped_column(BigInteger)


class StateTransition(Base):
    """One applied state change of a journey (the journey row keeps only the last one)."""

    __tablename__ = "lead_state_transitions"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tid: Mapped[uuid.UUID] = mapped_column()
    journey_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(f"{SCHEMA}.gold_lead_journey.id", ondelete="CASCADE")
    )
    from_state: Mapped[str] = mapped_column(STATE)
    to_state: Mapped[str] = mapped_column(STATE)
    reason: Mapped[str] = mapped_column(Text)
    changed_by: Mapped[str] = mapped_column(String(200), default="")
    changed_at: Mapped[datetime] = mapped_column(TS, default=utcnow)


class CommunicationLog(Base):
    """Every message in or out; the full text lives in tenant-encrypted storage (``content_storage_key``)."""

    __tablename__ = "gold_communication_log"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tid: Mapped[uuid.UUID] = mapped_column()
    journey_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(f"{SCHEMA}.gold_lead_journey.id", ondelete="CASCADE")
    )
    lead_id: Mapped[uuid.UUID] = mapped_column()
    channel: Mapped[str] = mapped_column(CHANNEL)
    direction: Mapped[str] = mapped_column(DIRECTION)
    status: Mapped[str] = mapped_column(MESSAGE_STATUS, default=MessageStatus.QUEUED.value)
    phone_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(f"{SCHEMA}.wa_phone_numbers.id", ondelete="SET NULL")
    )
    sequence_id: Mapped[uuid.UUID | None] = mapped_column()
    sequence_step: Mapped[int | None] = mapped_column(Integer)
    template_id: Mapped[uuid.UUID | None] = mapped_column()
    subject: Mapped[str | None] = mapped_column(String(300))
    content_preview: Mapped[str] = mapped_column(String(500), default="")
    content_storage_key: Mapped[str | None] = mapped_column(String(300))
    content_hash: Mapped[str] = mapped_column(String(64))
    quota_cost: Mapped[int] = mapped_column(SmallInteger, default=0)
    provider: Mapped[str | None] = mapped_column(String(20))
    external_message_id: Mapped[str | None] = mapped_column(String(200))
    external_thread_id: Mapped[str | None] = mapped_column(String(200))
    external_lead_id: Mapped[str | None] = mapped_column(String(200))
    sentiment_score: Mapped[int | None] = mapped_column(Integer)
    raw_request: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    raw_response: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    error_message: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(TS)
    delivered_at: Mapped[datetime | None] = mapped_column(TS)
    read_at: Mapped[datetime | None] = mapped_column(TS)
    replied_at: Mapped[datetime | None] = mapped_column(TS)
    opened_at: Mapped[datetime | None] = mapped_column(TS)
    clicked_at: Mapped[datetime | None] = mapped_column(TS)
    bounced_at: Mapped[datetime | None] = mapped_column(TS)
    created_at: Mapped[datetime] = mapped_column(TS, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TS, default=utcnow)


class ReviewItem(Base):
    __tablename__ = "human_review_queue"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tid: Mapped[uuid.UUID] = mapped_column()
    journey_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(f"{SCHEMA}.gold_lead_journey.id", ondelete="CASCADE")
    )
    lead_id: Mapped[uuid.UUID] = mapped_column()
    communication_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(f"{SCHEMA}.gold_communication_log.id", ondelete="SET NULL")
    )
    reason: Mapped[str] = mapped_column(REASON)
    priority: Mapped[str] = mapped_column(PRIORITY, default=ReviewPriority.MEDIUM.value)
    status: Mapped[str] = mapped_column(String(20), default="PENDING")
    resolution: Mapped[str | None] = mapped_column(String(20))
    sentiment_score: Mapped[int | None] = mapped_column(Integer)
    sentiment_label: Mapped[str | None] = mapped_column(String(10))
    trigger_keywords: Mapped[list[str]] = mapped_column(JSONB, default=list)
    message_preview: Mapped[str] = mapped_column(String(500), default="")
    suggested_reply: Mapped[str | None] = mapped_column(Text)
    final_reply: Mapped[str | None] = mapped_column(Text)
    assigned_to: Mapped[uuid.UUID | None] = mapped_column()
    sla_due_at: Mapped[datetime] = mapped_column(TS)
    sla_breached: Mapped[bool] = mapped_column(Boolean, default=False)
    sla_breached_at: Mapped[datetime | None] = mapped_column(TS)
    snoozed_until: Mapped[datetime | None] = mapped_column(TS)
    resolved_at: Mapped[datetime | None] = mapped_column(TS)
    resolved_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(TS, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TS, default=utcnow)


class DailyStat(Base):
    """One tenant-local day of outreach figures (``outreach.stats.rollup`` rebuilds it from the log).

    ``bounce_rate`` is bounced e-mails over e-mails sent that day; ``reply_rate`` replies over messages
    sent; both None when nothing was sent."""

    __tablename__ = "outreach_daily_stats"
    __table_args__ = (
        UniqueConstraint("tid", "stat_date", name="uq_outreach_daily_stats_day"),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tid: Mapped[uuid.UUID] = mapped_column()
    stat_date: Mapped[date] = mapped_column(Date)
    sent_whatsapp: Mapped[int] = mapped_column(Integer, default=0)
    sent_email: Mapped[int] = mapped_column(Integer, default=0)
    new_contacts: Mapped[int] = mapped_column(Integer, default=0)
    delivered: Mapped[int] = mapped_column(Integer, default=0)
    opened: Mapped[int] = mapped_column(Integer, default=0)
    clicked: Mapped[int] = mapped_column(Integer, default=0)
    replies_whatsapp: Mapped[int] = mapped_column(Integer, default=0)
    replies_email: Mapped[int] = mapped_column(Integer, default=0)
    bounced: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    converted: Mapped[int] = mapped_column(Integer, default=0)
    review_items: Mapped[int] = mapped_column(Integer, default=0)
    bounce_rate: Mapped[Decimal | None] = mapped_column(Numeric(6, 4))
    reply_rate: Mapped[Decimal | None] = mapped_column(Numeric(6, 4))
    computed_at: Mapped[datetime] = mapped_column(TS, default=utcnow)


class ProviderKey(Base):
    """A tenant's own API key for one provider, a Fernet token (``outreach.credentials``); the
    environment's key serves tenants without one."""

    __tablename__ = "provider_keys"
    __table_args__ = {"schema": SCHEMA}

    tid: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(20), primary_key=True)
    secret: Mapped[bytes] = mapped_column(LargeBinary)
    hint: Mapped[str] = mapped_column(String(8), default="")
    updated_at: Mapped[datetime] = mapped_column(TS, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(200), default="")
