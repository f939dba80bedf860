"""The campaigns table (DDL in migrations/versions/2026_11_30_0010_crm_attachments.py) and the
marketing tables (consent, suppression, sends and recipients: 2026_12_03_0019_crm_marketing.py)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CHAR,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from genius.core.db.base import Base, new_id, utcnow
from genius.vettify.models import SCHEMA, CrmRecord
from genius.vettify.segments.models import Segment  # noqa: F401 (campaigns.segment_id refers to it)


class Campaign(CrmRecord):
    __tablename__ = "campaigns"
    __table_args__ = {"schema": SCHEMA}

    name: Mapped[str] = mapped_column(String(300))
    channel: Mapped[str] = mapped_column(String(16), default="email")
    status: Mapped[str] = mapped_column(String(12), default="draft")
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    budget: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    currency: Mapped[str] = mapped_column(CHAR(3), default="RON")
    target_segment: Mapped[str | None] = mapped_column(Text)
    segment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("crm.segments.id"))  # migration 0034
    description: Mapped[str | None] = mapped_column(Text)
    # The composer's unsent message (subject, format, html, saved_at), migration 0048
    draft: Mapped[dict[str, Any] | None] = mapped_column(JSONB(none_as_null=True))


class Consent(Base):
    """A contact's consent on one channel (migration 0019); ``withdrawn_at`` ends it."""

    __tablename__ = "consents"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tid: Mapped[uuid.UUID] = mapped_column()
    contact_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("crm.contacts.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    basis: Mapped[str] = mapped_column(String(24))
    source: Mapped[str] = mapped_column(String(200))
    given_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    proof: Mapped[str | None] = mapped_column(Text)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Suppression(Base):
    """An address that gets no marketing mail (unsubscribed, bounced, complained)."""

    __tablename__ = "suppressions"
    __table_args__ = (UniqueConstraint("tid", "address", name="uq_suppressions_address"), {"schema": SCHEMA})

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tid: Mapped[uuid.UUID] = mapped_column()
    address: Mapped[str] = mapped_column(String(320))
    reason: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(500))
    campaign_id: Mapped[uuid.UUID | None] = mapped_column()
    created_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CampaignSend(Base):
    """The send of a campaign (one per campaign) and the message it sends."""

    __tablename__ = "campaign_sends"
    __table_args__ = {"schema": SCHEMA}

    campaign_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("crm.campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    tid: Mapped[uuid.UUID] = mapped_column()
    subject: Mapped[str] = mapped_column(String(998))
    html: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="sending")
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    excluded: Mapped[int] = mapped_column(Integer, default=0)
    batches: Mapped[int] = mapped_column(Integer, default=0)
    started_by: Mapped[str] = mapped_column(String(200), default="")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # migration 0032: start_hour, end_hour, weekdays (``window.Window``); none: any time
    window: Mapped[dict[str, Any] | None] = mapped_column("send_window", JSONB)


class CampaignSchedule(Base):
    """A campaign's planned send (migration 0032): the send's body as given, started by the beat task
    ``email.send.campaigns_due`` once ``run_at`` has come (state scheduled → started | failed | cancelled)."""

    __tablename__ = "campaign_schedules"
    __table_args__ = {"schema": SCHEMA}

    campaign_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("crm.campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    tid: Mapped[uuid.UUID] = mapped_column()
    run_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    body: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    state: Mapped[str] = mapped_column(String(12), default="scheduled")
    reason: Mapped[str | None] = mapped_column(String(500))
    scheduled_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CampaignRecipient(Base):
    """One address of a send's audience snapshot; ``state`` pending → sending → sent | failed, or
    ``excluded`` with its reason."""

    __tablename__ = "campaign_recipients"
    __table_args__ = (
        UniqueConstraint("campaign_id", "address", name="uq_campaign_recipients_address"),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tid: Mapped[uuid.UUID] = mapped_column()
    campaign_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("crm.campaigns.id", ondelete="CASCADE"))
    contact_id: Mapped[uuid.UUID | None] = mapped_column()
    address: Mapped[str | None] = mapped_column(String(320))  # none: excluded, no e-mail
    name: Mapped[str] = mapped_column(String(200), default="")
    # first_name, last_name, email, company: what a template's {{ … }} reads, as of the snapshot
    variables: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    state: Mapped[str] = mapped_column(String(12), default="pending")
    reason: Mapped[str | None] = mapped_column(String(500))
    batch: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    clicked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    unsubscribed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    bounced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    complained_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    opens: Mapped[int] = mapped_column(Integer, default=0)
    clicks: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # migration 0027: the Message-ID as written (``hex@domain``, lower case, no brackets) and what the
    # receiving side said last (delivered | bounced | complained)
    message_id: Mapped[str | None] = mapped_column(String(250))
    delivery: Mapped[str | None] = mapped_column(String(12))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RecipientEvent(Base):
    """One step of a recipient's delivery history (migration 0027): delivered, soft_bounced, bounced or
    complained, from a webhook, Resend or a DSN."""

    __tablename__ = "recipient_events"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tid: Mapped[uuid.UUID] = mapped_column()
    recipient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("crm.campaign_recipients.id", ondelete="CASCADE")
    )
    campaign_id: Mapped[uuid.UUID] = mapped_column()
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(1000))
    source: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MailEventSeen(Base):
    """A webhook or DSN already applied (by its id), so a redelivery changes nothing."""

    __tablename__ = "mail_events_seen"
    __table_args__ = {"schema": SCHEMA}

    tid: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(16), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(250), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WebhookSecret(Base):
    """A tenant's own signing secret of a provider's webhook (migration 0044), a Fernet token
    (``webhook_secrets``); the environment's secret serves tenants without one."""

    __tablename__ = "webhook_secrets"
    __table_args__ = {"schema": SCHEMA}

    tid: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(20), primary_key=True)
    secret: Mapped[bytes] = mapped_column(LargeBinary)
    hint: Mapped[str] = mapped_column(String(8), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(200), default="")


class LinkClick(Base):
    """One verified click of a campaign mail's link (migration 0041): which URL, by whom, when."""

    __tablename__ = "campaign_link_clicks"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tid: Mapped[uuid.UUID] = mapped_column()
    campaign_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("crm.campaigns.id", ondelete="CASCADE"))
    recipient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("crm.campaign_recipients.id", ondelete="CASCADE")
    )
    url: Mapped[str] = mapped_column(String(2000))
    clicked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CampaignReport(Base):
    """A PDF report asked for (migration 0041); ``pdf.render`` stores it as ``pdf/<tid>/<key>``."""

    __tablename__ = "campaign_reports"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tid: Mapped[uuid.UUID] = mapped_column()
    campaign_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("crm.campaigns.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    requested_by: Mapped[str] = mapped_column(String(200), default="")
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
