"""Marketing rules: consent per contact and channel, the suppression list, the send (flag
``campaign_send_v2``), tracking and metrics. Services flush and never commit."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from genius.config import Settings
from genius.core.audit import service as audit
from genius.core.db.base import utcnow
from genius.core.directory import repository as directory
from genius.core.events.service import defer, publish
from genius.core.kit.errors import Conflict, field_error
from genius.core.kit.pagination import Page
from genius.core.tenancy import service as tenancy
from genius.vettify import service
from genius.vettify.campaigns import audience, templates
from genius.vettify.campaigns import repository as repo
from genius.vettify.campaigns.events import CampaignCompleted, CampaignSent
from genius.vettify.campaigns.models import Campaign, CampaignSchedule, CampaignSend, Consent, Suppression
from genius.vettify.campaigns.repository import CAMPAIGNS
from genius.vettify.campaigns.schemas import (
    CampaignStatus,
    ConsentIn,
    ExclusionReason,
    MetricsOut,
    PreviewIn,
    PreviewOut,
    Rate,
    SendIn,
    SendOut,
    SeriesPoint,
    SuppressionIn,
    TestSendIn,
    TestSendOut,
    TopLink,
)
from genius.vettify.campaigns.tracking import Sender, compose_test
from genius.vettify.repository.records import CONTACTS

SEND_TASK = "email.send.campaign"
SENDABLE = frozenset({CampaignStatus.draft, CampaignStatus.scheduled})


# --- consent ----------------------------------------------------------------------------------------
def add_consent(session: Session, who: service.Actor, contact_id: uuid.UUID, body: ConsentIn) -> Consent:
    service.get_record(session, CONTACTS, contact_id)  # 404 when unknown or another tenant's
    row = Consent(
        id=uuid.uuid4(),
        tid=who.tid,
        contact_id=contact_id,
        channel=body.channel.value,
        basis=body.basis.value,
        source=body.source,
        given_at=body.given_at or utcnow(),
        proof=body.proof,
        created_by=who.name,
        created_at=utcnow(),
    )
    repo.add(session, row)
    return row


def consents(session: Session, contact_id: uuid.UUID) -> list[Consent]:
    service.get_record(session, CONTACTS, contact_id)
    return list(repo.consents_of(session, contact_id))


def withdraw_consent(
    session: Session, who: service.Actor, contact_id: uuid.UUID, consent_id: uuid.UUID
) -> Consent:
    service.get_record(session, CONTACTS, contact_id)
    row = repo.consent(session, contact_id, consent_id, lock=True)
    if row is None:
        raise service.NotFound(f"Consent {consent_id} not found.")
    if row.withdrawn_at is None:
        row.withdrawn_at = utcnow()
        session.flush()
    return row


# --- suppression --------------------------------------------------------------------------------------
def add_suppression(session: Session, who: service.Actor, body: SuppressionIn) -> tuple[Suppression, bool]:
    """Suppress an address; its contacts' e-mail sequences stop with the same reason."""
    # imported here: the sequences' service builds on this module
    from genius.vettify.sequences import service as sequences
    from genius.vettify.sequences.schemas import StopReason

    row, new = repo.suppress(
        session, who.tid, str(body.address), body.reason.value, note=body.note, created_by=who.name
    )
    sequences.stop_address(session, str(body.address), StopReason(body.reason.value))
    return row, new


def suppression_of(session: Session, address: str | None) -> Suppression | None:
    """The suppression of an address (unsubscribed, bounced or complained), if any."""
    return repo.suppression_of(session, address) if address else None


def suppressions(session: Session, *, cursor: str | None, limit: int) -> Page[Suppression]:
    return repo.suppression_page(session, cursor=cursor, limit=limit)


# --- the send -------------------------------------------------------------------------------------------
def start_send(
    session: Session, who: service.Actor, settings: Settings, campaign_id: uuid.UUID, body: SendIn
) -> SendOut:
    """Snapshot the audience into recipient rows and defer one ``email.send.campaign`` task per batch.

    A campaign is sent once: the campaign row is locked, and a second start (concurrent or later) finds
    the send and is refused."""
    campaign = sendable(session, settings, campaign_id)
    message = compiled_message(body)
    schedule = repo.schedule_of(session, campaign_id, lock=True)
    if schedule is not None and schedule.state == "scheduled":  # sent now, or by the scheduler
        schedule.state = "started"
        schedule.updated_at = utcnow()
    now = utcnow()
    send = CampaignSend(
        campaign_id=campaign_id,
        tid=who.tid,
        subject=message.subject,
        html=message.html,
        text=message.text,
        status="sending",
        recipients=0,
        excluded=0,
        batches=0,
        started_by=who.name,
        started_at=now,
        window=body.window.model_dump() if body.window else None,
    )
    repo.add(session, send)
    audience_ids = audience.contact_ids(session, campaign, body.contact_ids)
    counts = repo.snapshot(session, who.tid, campaign_id, audience_ids, settings.campaign_batch_size)
    batches = repo.batch_numbers(session, campaign_id)
    excluded = {r.value: counts.get(r.value, 0) for r in ExclusionReason}
    send.recipients = counts.get("pending", 0)
    send.excluded = sum(excluded.values())
    send.batches = len(batches)
    campaign.status = CampaignStatus.running.value
    campaign.draft = None  # the composer's draft is spent: the send holds the message (API or page alike)
    campaign.touch()
    defer_batches(session, who, campaign_id, batches)
    publish(
        session,
        "crm.campaign.sent",
        CampaignSent(
            campaign_id=campaign_id,
            name=campaign.name,
            recipients=send.recipients,
            excluded=excluded,
            batches=len(batches),
            started_by=who.name,
            started_at=now,
        ),
        tid=who.tid,
        aggregate_id=campaign_id,
        correlation_id=who.correlation_id,
    )
    audit.record(
        session,
        who.tid,
        "crm.campaign.send_started",
        actor=who.name,
        target=f"campaign:{campaign_id}",
        data={"recipients": send.recipients, "excluded": excluded, "batches": len(batches)},
        request_id=who.request_id,
    )
    session.flush()
    if not batches:
        complete_if_done(session, who.tid, campaign_id)
    return SendOut(
        campaign_id=campaign_id, recipients=send.recipients, excluded=excluded, batches=len(batches)
    )


def sendable(session: Session, settings: Settings, campaign_id: uuid.UUID) -> Campaign:
    """The campaign, locked, when it may be sent or scheduled (flag on, e-mail, draft or scheduled, not
    sent yet); otherwise a 409 that says why."""
    if not settings.feature_campaign_send_v2:
        raise Conflict(
            "Sending campaigns is turned off (feature flag campaign_send_v2, "
            "GENIUS_FEATURE_CAMPAIGN_SEND_V2).",
            code="feature-disabled",
        )
    campaign: Campaign = service.get_record(session, CAMPAIGNS, campaign_id, lock=True)
    if repo.send_of(session, campaign_id) is not None:
        raise Conflict("This campaign was already sent.", code="campaign-already-sent")
    if campaign.channel != "email":
        raise Conflict(
            f"Only e-mail campaigns can be sent (this one is {campaign.channel}).", code="campaign-channel"
        )
    if CampaignStatus(campaign.status) not in SENDABLE:
        raise Conflict(f"A {campaign.status} campaign cannot be sent.", code="campaign-status")
    return campaign


def defer_batches(session: Session, who: service.Actor, campaign_id: uuid.UUID, batches: list[int]) -> None:
    """One ``email.send.campaign`` task row per batch, in the caller's transaction."""
    for batch in batches:
        defer(
            session,
            SEND_TASK,
            tid=who.tid,
            args=[str(who.tid), str(campaign_id), batch],
            aggregate_id=campaign_id,
            correlation_id=who.correlation_id,
        )


def compiled_message(body: SendIn) -> templates.Message:
    """The send's message compiled (422 on the field at fault), as the start would compile it."""
    return _compiled(body.subject, body.html, body.format, body.text)


def _compiled(subject: str, body: str, fmt: templates.Format, text: str | None) -> templates.Message:
    try:
        return templates.compile_message(subject, body, fmt, text)
    except templates.TemplateRefused as exc:
        raise field_error(exc.field, str(exc)) from exc


def preview(session: Session, campaign_id: uuid.UUID, body: PreviewIn) -> PreviewOut:
    """The message as one contact would get it (without the tracking links and footer added at send)."""
    service.get_record(session, CAMPAIGNS, campaign_id)
    message = _compiled(body.subject, body.html, body.format, body.text)
    contact_id, variables = repo.contact_variables(session, body.contact_id)
    if body.contact_id is not None and contact_id is None:
        raise field_error("contact_id", "No contact with this id.")
    copy = templates.personalise(message, variables)
    return PreviewOut(
        subject=copy.subject,
        html=copy.html,
        text=copy.text,
        contact_id=contact_id,
        variables={k: str(v) for k, v in variables.items()},
    )


def schedule_of(session: Session, campaign_id: uuid.UUID) -> CampaignSchedule | None:
    return repo.schedule_of(session, campaign_id)


def tenant_zone(session: Session, tid: uuid.UUID) -> str:
    """The tenant's time zone (company settings; Europe/Bucharest until changed)."""
    tenant = directory.get(session, tid)
    return tenancy.company_settings(session, tenant).timezone if tenant is not None else "Europe/Bucharest"


def local_time(session: Session, tid: uuid.UUID, value: str) -> datetime | str:
    """A ``datetime-local`` value (``2026-12-10T09:30``) read in the tenant's time zone (company settings,
    Europe/Bucharest by default); anything else is returned as given, for the schema to refuse."""
    try:
        naive = datetime.fromisoformat(value)
    except ValueError:
        return value
    if naive.tzinfo is not None:
        return naive
    return naive.replace(tzinfo=ZoneInfo(tenant_zone(session, tid)))


def sender_of(session: Session, tid: uuid.UUID, settings: Settings) -> Sender:
    """The footer's company (tenant settings: name, CUI, address) and the From address."""
    tenant = directory.get(session, tid)
    company = tenancy.company_settings(session, tenant) if tenant is not None else None
    return Sender(
        company=(company.company_name if company else "") or (tenant.name if tenant else ""),
        cui=(company.cui or "") if company else "",
        address=company.address if company else "",
        from_address=settings.smtp_from,
    )


def test_send(
    session: Session, who: service.Actor, settings: Settings, campaign_id: uuid.UUID, body: TestSendIn
) -> TestSendOut:
    """One ``[Test]`` copy to ``body.to``, through the outbox like every send; audited."""
    shown = preview(session, campaign_id, body)
    sender = sender_of(session, who.tid, settings)
    mail = compose_test(
        sender=sender, to=str(body.to), subject=shown.subject, body_html=shown.html, body_text=shown.text
    )
    defer(
        session,
        "email.send",
        tid=who.tid,
        args=[mail],
        aggregate_id=campaign_id,
        correlation_id=who.correlation_id,
    )
    audit.record(
        session,
        who.tid,
        "crm.campaign.test_sent",
        actor=who.name,
        target=f"campaign:{campaign_id}",
        data={"to": str(body.to)},
        request_id=who.request_id,
    )
    return TestSendOut(to=str(body.to), queued=True)


def preview_audience(
    session: Session, tid: uuid.UUID, campaign_id: uuid.UUID, contact_ids: list[uuid.UUID] | None
) -> dict[str, int]:
    """What a send would do now, without doing it (``audience.preview``): ``pending`` addresses would
    be sent; the others are the exclusion reasons."""
    campaign: Campaign = service.get_record(session, CAMPAIGNS, campaign_id)
    return audience.preview(session, tid, campaign, contact_ids)


def complete_if_done(session: Session, tid: uuid.UUID, campaign_id: uuid.UUID) -> bool:
    """The send is completed once no recipient is pending or being sent: once (the send row is locked)."""
    send = repo.send_of(session, campaign_id, lock=True)
    if send is None or send.status in ("completed", "cancelled") or repo.open_count(session, campaign_id):
        return False
    now = utcnow()
    send.status = "completed"
    send.completed_at = now
    campaign = repo_campaign(session, campaign_id)
    if campaign is not None and campaign.status != CampaignStatus.completed.value:
        campaign.status = CampaignStatus.completed.value
        campaign.touch()
    counts = repo.metrics(session, campaign_id)
    publish(
        session,
        "crm.campaign.completed",
        CampaignCompleted(
            campaign_id=campaign_id,
            sent=counts["sent"],
            failed=counts["failed"],
            excluded=counts["excluded"],
            completed_at=now,
        ),
        tid=tid,
        aggregate_id=campaign_id,
    )
    session.flush()
    return True


def repo_campaign(session: Session, campaign_id: uuid.UUID) -> Campaign | None:
    from genius.vettify.repository import records

    return records.find(session, CAMPAIGNS, campaign_id, lock=True)


def metrics(
    session: Session, campaign_id: uuid.UUID, bucket: str | None = None, tid: uuid.UUID | None = None
) -> MetricsOut:
    """The campaign's figures; with ``bucket`` (hour or day) and the tenant, also their time series in
    the tenant's time zone."""
    service.get_record(session, CAMPAIGNS, campaign_id)
    out = metrics_many(session, [campaign_id])[campaign_id]
    out.top_links = [TopLink(**row) for row in repo.top_links(session, campaign_id)]
    if bucket is not None and tid is not None:
        zone = tenant_zone(session, tid)
        tz = ZoneInfo(zone)
        out.series = [
            SeriesPoint(at=row.pop("bucket").replace(tzinfo=tz), **row)
            for row in repo.series(session, campaign_id, bucket, zone)
        ]
    return out


def metrics_many(session: Session, campaign_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, MetricsOut]:
    """The figures of several campaigns in two queries (the campaigns list), by campaign id."""
    statuses = repo.send_statuses(session, campaign_ids)
    counted = repo.metrics_of(session, campaign_ids)
    return {
        cid: _figures(
            cid, statuses.get(cid, "not_sent"), counted.get(cid) or dict.fromkeys(repo.METRIC_NAMES, 0)
        )
        for cid in campaign_ids
    }


def _figures(campaign_id: uuid.UUID, status: str, m: dict[str, int]) -> MetricsOut:
    sent = m["sent"]

    def rate(name: str) -> Rate:
        return Rate(count=m[name], rate=round(m[name] / sent, 4) if sent else 0.0)

    return MetricsOut(
        campaign_id=campaign_id,
        status=status,
        recipients=m["recipients"],
        excluded=m["excluded"],
        pending=m["pending"],
        failed=m["failed"],
        sent=sent,
        delivered=rate("delivered"),
        delivery_confirmed=rate("delivery_confirmed"),
        opened=rate("opened"),
        clicked=rate("clicked"),
        bounced=rate("bounced"),
        unsubscribed=rate("unsubscribed"),
        complained=rate("complained"),
    )


def recipients(
    session: Session, campaign_id: uuid.UUID, *, state: str | None, cursor: str | None, limit: int
) -> Page[Any]:
    service.get_record(session, CAMPAIGNS, campaign_id)
    return repo.recipient_page(session, campaign_id, state=state, cursor=cursor, limit=limit)


def history(session: Session, campaign_id: uuid.UUID, recipient_id: uuid.UUID) -> list[Any]:
    """A recipient's delivery history, oldest first (404 for another campaign's recipient)."""
    service.get_record(session, CAMPAIGNS, campaign_id)
    row = repo.recipient(session, recipient_id)
    if row is None or row.campaign_id != campaign_id:
        raise service.NotFound(f"Recipient {recipient_id} not found.")
    return list(repo.recipient_history(session, recipient_id))


# --- tracking ---------------------------------------------------------------------------------------------
def track(session: Session, recipient_id: uuid.UUID, kind: str, url: str | None = None) -> bool:
    """An open or a click (with the link's target) of a sent recipient; ``False`` when there is no
    such sent recipient."""
    return repo.track(session, recipient_id, kind, url)


def unsubscribe(session: Session, tid: uuid.UUID, recipient_id: uuid.UUID) -> str | None:
    """One-click unsubscribe: the recipient's address is suppressed; its address, or ``None``."""
    row = repo.recipient(session, recipient_id)
    if row is None or row.address is None or row.state != "sent":
        return None
    repo.track(session, recipient_id, "unsubscribe")
    repo.suppress(
        session, tid, row.address, "unsubscribed", campaign_id=row.campaign_id, created_by="unsubscribe link"
    )
    return row.address
