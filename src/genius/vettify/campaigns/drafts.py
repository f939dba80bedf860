"""The campaign composer's draft: the subject, format and body typed so far, kept on the campaign
(``crm.campaigns.draft``, migration 0048) so that leaving the composer loses nothing; it is restored when
the user comes back and dropped once the campaign is sent or scheduled (``marketing.start_send`` and
``lifecycle.schedule`` clear it, so the API, the pages and the scheduler alike: the message then lives
with the send or the schedule). A draft is not the campaign's record: saving it moves neither its version (its
ETag) nor the audit log — it is saved as the user types. Services flush and never commit."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from genius.core.db.base import utcnow
from genius.core.kit.errors import Conflict
from genius.vettify import service
from genius.vettify.campaigns.models import Campaign
from genius.vettify.campaigns.repository import CAMPAIGNS
from genius.vettify.campaigns.schemas import DraftIn, DraftOut

EDITABLE = ("draft", "scheduled")


def _campaign(session: Session, campaign_id: uuid.UUID) -> Campaign:
    return service.get_record(session, CAMPAIGNS, campaign_id)


def draft_of(session: Session, campaign_id: uuid.UUID) -> DraftOut | None:
    """The saved draft, or ``None`` (404 when the campaign is unknown or another tenant's)."""
    row = _campaign(session, campaign_id)
    return DraftOut.model_validate(row.draft) if row.draft else None


def save(
    session: Session,
    who: service.Actor,
    campaign_id: uuid.UUID,
    body: DraftIn,
    *,
    now: datetime | None = None,
) -> DraftOut:
    """Keep ``body`` as the campaign's draft (409 once it was sent or cancelled: nothing left to write)."""
    row = _campaign(session, campaign_id)
    if row.status not in EDITABLE:
        raise Conflict(
            f"A {row.status} campaign's message can no longer be changed.", code="campaign-not-editable"
        )
    out = DraftOut(**body.model_dump(), saved_at=now or utcnow(), saved_by=who.name)
    row.draft = out.model_dump(mode="json")
    session.flush()
    return out
