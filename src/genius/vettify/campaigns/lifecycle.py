"""A campaign's send lifecycle past the start: schedule it, pause, resume or cancel it, and the scheduler
pass that starts the due ones. Services flush and never commit.

The state machine (campaign status; anything else is a 409 ``campaign-transition``)::

    draft ─schedule→ scheduled ─(due: scheduler, or send now)→ running ─pause→ paused ─resume→ running
    scheduled ─schedule→ scheduled (a new time or message)       running | paused ─cancel→ cancelled
    scheduled ─cancel→ cancelled                                 running ─(nothing left)→ completed

Pausing and cancelling act through the send row: a worker claims a recipient only while the send is
``sending`` (``repository.finish_and_claim_many``), so a batch in flight finishes the chunk it holds and
leaves the rest pending. Resume queues the batches that still have pending recipients again; the claims
keep each recipient exactly once. Cancel turns every pending recipient into ``cancelled``. Every step is
audited (``crm.campaign.scheduled|paused|resumed|cancelled``; the start is ``send_started``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.orm import Session

from genius.config import Settings
from genius.core.audit import service as audit
from genius.core.db.base import utcnow
from genius.core.kit.errors import Conflict, Problem
from genius.vettify import service
from genius.vettify.campaigns import marketing
from genius.vettify.campaigns import repository as repo
from genius.vettify.campaigns.models import Campaign, CampaignSchedule, CampaignSend
from genius.vettify.campaigns.repository import CAMPAIGNS
from genius.vettify.campaigns.schemas import (
    CampaignStatus,
    LifecycleOut,
    ScheduleIn,
    ScheduleOut,
    SendIn,
)

log = structlog.get_logger("genius.crm.campaigns")
SCHEDULER = "scheduler"
DUE_BATCH = 20


def _refuse(campaign: Campaign, action: str) -> Conflict:
    return Conflict(f"A {campaign.status} campaign cannot be {action}.", code="campaign-transition")


def _audit(session: Session, who: service.Actor, action: str, campaign_id: uuid.UUID, **data: Any) -> None:
    audit.record(
        session,
        who.tid,
        f"crm.campaign.{action}",
        actor=who.name,
        target=f"campaign:{campaign_id}",
        data=data,
        request_id=who.request_id,
    )


def schedule(
    session: Session, who: service.Actor, settings: Settings, campaign_id: uuid.UUID, body: ScheduleIn
) -> ScheduleOut:
    """Plan the send for ``body.at`` (a draft, or a scheduled campaign given a new time or message). The
    message is compiled now, so a bad template is a 422 today rather than a failure at the due time."""
    campaign = marketing.sendable(session, settings, campaign_id)
    marketing.compiled_message(body)
    row = repo.schedule_of(session, campaign_id, lock=True)
    send = body.model_dump(mode="json", exclude={"at"})
    now = utcnow()
    if row is None:
        row = CampaignSchedule(campaign_id=campaign_id, tid=who.tid, created_at=now)
        session.add(row)
    row.run_at = body.at
    row.body = send
    row.state = "scheduled"
    row.reason = None
    row.scheduled_by = who.name
    row.updated_at = now
    campaign.status = CampaignStatus.scheduled.value
    campaign.draft = None  # the composer's draft is spent: the schedule holds the message (API or page)
    campaign.touch()
    _audit(session, who, "scheduled", campaign_id, at=body.at.isoformat())
    session.flush()
    return ScheduleOut(campaign_id=campaign_id, status=CampaignStatus.scheduled, run_at=body.at)


def _locked(session: Session, campaign_id: uuid.UUID) -> tuple[Campaign, CampaignSend | None]:
    campaign: Campaign = service.get_record(session, CAMPAIGNS, campaign_id, lock=True)
    return campaign, repo.send_of(session, campaign_id, lock=True)


def _out(campaign: Campaign, send: CampaignSend | None, session: Session, cancelled: int = 0) -> LifecycleOut:
    return LifecycleOut(
        campaign_id=campaign.id,
        status=CampaignStatus(campaign.status),
        send_status=send.status if send else None,
        pending=repo.open_count(session, campaign.id) if send else 0,
        cancelled=cancelled,
    )


def pause(session: Session, who: service.Actor, campaign_id: uuid.UUID) -> LifecycleOut:
    campaign, send = _locked(session, campaign_id)
    if send is None or send.status != "sending":
        raise _refuse(campaign, "paused")
    send.status = "paused"
    campaign.status = CampaignStatus.paused.value
    campaign.touch()
    _audit(session, who, "paused", campaign_id, pending=repo.open_count(session, campaign_id))
    session.flush()
    return _out(campaign, send, session)


def resume(session: Session, who: service.Actor, campaign_id: uuid.UUID) -> LifecycleOut:
    campaign, send = _locked(session, campaign_id)
    if send is None or send.status != "paused":
        raise _refuse(campaign, "resumed")
    send.status = "sending"
    campaign.status = CampaignStatus.running.value
    campaign.touch()
    batches = repo.batches_pending(session, campaign_id)
    marketing.defer_batches(session, who, campaign_id, batches)
    _audit(session, who, "resumed", campaign_id, batches=batches)
    session.flush()
    if not batches:  # paused after the last claim: nothing left to send
        marketing.complete_if_done(session, who.tid, campaign_id)
    return _out(campaign, send, session)


def cancel(session: Session, who: service.Actor, campaign_id: uuid.UUID) -> LifecycleOut:
    campaign, send = _locked(session, campaign_id)
    planned = repo.schedule_of(session, campaign_id, lock=True)
    cancelled = 0
    if send is not None and send.status in ("sending", "paused"):
        send.status = "cancelled"
        send.completed_at = utcnow()
        cancelled = repo.cancel_pending(session, campaign_id)
    elif send is None and planned is not None and planned.state == "scheduled":
        planned.state = "cancelled"
        planned.updated_at = utcnow()
    else:
        raise _refuse(campaign, "cancelled")
    campaign.status = CampaignStatus.cancelled.value
    campaign.touch()
    _audit(session, who, "cancelled", campaign_id, recipients_cancelled=cancelled)
    session.flush()
    return _out(campaign, send, session, cancelled)


# --- the scheduler (beat task ``email.send.campaigns_due``) ---------------------------------------------
@dataclass
class DueOutcome:
    started: list[uuid.UUID] = field(default_factory=list)
    failed: dict[uuid.UUID, str] = field(default_factory=dict)


def start_due(
    session: Session, tid: uuid.UUID, settings: Settings, *, now: datetime, limit: int = DUE_BATCH
) -> DueOutcome:
    """Start this tenant's due schedules (at most ``limit``) as their planner would have: the same send,
    in a savepoint each, so one refused start (flag off, bad template…) marks only its schedule failed.
    Rows locked by a concurrent pass are skipped (``SKIP LOCKED``): each schedule starts exactly once."""
    out = DueOutcome()
    for row in repo.due_schedules(session, now, limit):
        who = service.Actor(tid=tid, name=f"{SCHEDULER} ({row.scheduled_by})")
        savepoint = session.begin_nested()
        try:
            marketing.start_send(session, who, settings, row.campaign_id, SendIn.model_validate(row.body))
        except Problem as exc:
            savepoint.rollback()
            detail = "; ".join(str(e.get("message", "")) for e in exc.errors or []) or str(exc)
            row.state = "failed"
            row.reason = detail[:500]
            row.updated_at = utcnow()
            campaign = marketing.repo_campaign(session, row.campaign_id)
            if campaign is not None and campaign.status == CampaignStatus.scheduled.value:
                campaign.status = CampaignStatus.draft.value  # back to the planner, with the reason
                campaign.touch()
            out.failed[row.campaign_id] = row.reason
            log.warning(
                "campaign_schedule_failed", tid=str(tid), campaign=str(row.campaign_id), reason=detail
            )
            continue
        savepoint.commit()
        out.started.append(row.campaign_id)
    session.flush()
    return out
