"""Outreach rules: journeys and their state machine (flush, never commit)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from genius.core.db.base import utcnow
from genius.core.directory import repository as directory
from genius.core.events.service import publish
from genius.core.kit.errors import Conflict, NotFound, field_error
from genius.core.tenancy.service import company_settings
from genius.outreach import repository, states
from genius.outreach.events import LeadStateChanged
from genius.outreach.models import LeadJourney, LeadState, StateTransition
from genius.outreach.quota import BusinessHours
from genius.outreach.schemas import (
    CrmConversion,
    JourneyOut,
    LeadCompany,
    ListMeta,
    OutreachLead,
    OutreachLeadPage,
)
from genius.vettify import service as crm
from genius.vettify.schemas import ConvertIn

STATE_CHANGED = "outreach.lead.state_changed"
SEARCH_MATCHES = 1000


def start_journey(session: Session, tid: uuid.UUID, lead_id: uuid.UUID) -> LeadJourney:
    """A COLD journey for a CRM lead (one per lead and tenant; the lead must exist in the CRM)."""
    if lead_id not in crm.leads_by_id(session, [lead_id]):
        raise field_error("lead_id", f"there is no CRM lead with this id ({lead_id})")
    if repository.journey_by_lead(session, lead_id) is not None:
        raise Conflict(f"lead {lead_id} already has an outreach journey", code="journey-exists")
    journey = LeadJourney(tid=tid, lead_id=lead_id, current_state=LeadState.COLD.value)
    session.add(journey)
    session.flush()
    return journey


def transition(
    session: Session,
    tid: uuid.UUID,
    journey_id: uuid.UUID,
    target: LeadState,
    *,
    reason: str,
    actor: str,
    at: datetime | None = None,
    conversion: ConvertIn | None = None,
) -> StateTransition:
    """Move a journey to ``target`` if the state machine allows it: the journey keeps the previous
    state, the time and the reason, a transition row records the move, and
    ``outreach.lead.state_changed`` is queued in the same transaction. Illegal moves are a 409.

    Moving to ``CONVERTED`` converts the CRM lead in the same transaction, through the CRM's service:
    it creates or links the account, the contact and (unless ``conversion`` says otherwise) an
    opportunity; ``conversion`` carries the opportunity's name, amount and close date."""
    journey = repository.journey_locked(session, journey_id)
    if journey is None:
        raise NotFound(f"no journey {journey_id}")
    current = LeadState(journey.current_state)
    paused_from = LeadState(journey.previous_state) if journey.previous_state else None
    try:
        states.check(current, target, paused_from if current is LeadState.PAUSED else None)
    except states.IllegalTransition as exc:
        allowed = sorted(s.value for s in states.allowed_targets(current, paused_from))
        raise Conflict(str(exc), code="illegal-transition", allowed=allowed) from exc
    when = at or utcnow()
    journey.previous_state = current.value
    journey.current_state = target.value
    journey.state_changed_at = when
    journey.state_change_reason = reason
    journey.updated_at = when
    journey.version += 1
    if target is LeadState.CONVERTED:
        convert_in_crm(session, tid, journey.lead_id, actor, conversion or ConvertIn())
        journey.converted_at = when
    if target in states.FINAL:
        journey.next_action_at = None
    row = StateTransition(
        tid=tid,
        journey_id=journey.id,
        from_state=current.value,
        to_state=target.value,
        reason=reason,
        changed_by=actor,
        changed_at=when,
    )
    session.add(row)
    session.flush()
    publish(
        session,
        STATE_CHANGED,
        LeadStateChanged(
            journey_id=journey.id,
            lead_id=journey.lead_id,
            from_state=current,
            to_state=target,
            reason=reason,
            changed_by=actor,
            changed_at=when,
        ),
        tid=tid,
        aggregate_id=journey.id,
    )
    return row


def convert_in_crm(
    session: Session, tid: uuid.UUID, lead_id: uuid.UUID, actor: str, body: ConvertIn
) -> crm.Conversion:
    """Qualify (if needed) and convert the journey's CRM lead; a lead converted already gives its ids
    back (the CRM's conversion is idempotent). A journey whose CRM lead is gone cannot convert (409)."""
    lead = crm.leads_by_id(session, [lead_id]).get(lead_id)
    if lead is None:
        raise Conflict(
            f"the CRM lead {lead_id} of this journey no longer exists: nothing to convert",
            code="crm-lead-missing",
        )
    who = crm.Actor(tid=tid, name=actor)
    if lead.status not in ("qualified", "converted"):
        crm.qualify_lead(session, who, lead_id, None)
    return crm.convert_lead(session, who, lead_id, body)


def crm_records(session: Session, journey_id: uuid.UUID) -> CrmConversion | None:
    """The CRM account, contact and opportunity a converted journey's lead became (None: not converted)."""
    journey = repository.journey(session, journey_id)
    lead = crm.leads_by_id(session, [journey.lead_id]).get(journey.lead_id) if journey else None
    if lead is None or lead.converted_account_id is None or lead.converted_contact_id is None:
        return None
    return CrmConversion(
        account_id=lead.converted_account_id,
        contact_id=lead.converted_contact_id,
        opportunity_id=lead.converted_opportunity_id,
    )


JOURNEY_COLUMNS = tuple(JourneyOut.model_fields)  # what a list item shows of its journey


def list_leads(
    session: Session,
    f: repository.JourneyFilter,
    *,
    search: str | None,
    sort: str,
    page: int,
    limit: int,
) -> OutreachLeadPage:
    """A page of journeys with their CRM lead's company (``search`` runs the CRM's own lead search and
    keeps the journeys of its first 1,000 matches)."""
    if search and search.strip():
        f = replace(f, lead_ids=crm.search_lead_ids(session, search.strip(), limit=SEARCH_MATCHES))
    key = sort.lstrip("-")
    rows, total = repository.journey_list_page(
        session,
        f,
        JOURNEY_COLUMNS,
        sort=key,
        descending=sort.startswith("-"),
        offset=(page - 1) * limit,
        limit=limit,
    )
    leads = crm.lead_cards(session, [r["lead_id"] for r in rows])
    items = []
    for row in rows:
        lead = leads.get(row["lead_id"])
        company = None
        if lead is not None:
            person = " ".join(p for p in (lead.first_name, lead.last_name) if p) or None
            company = LeadCompany(
                name=lead.company_name,
                cui=lead.cui,
                contact_name=person,
                email=lead.email,
                phone=lead.phone,
                city=lead.city,
                crm_status=lead.status,
            )
        items.append(OutreachLead.model_validate({**row, "company": company}))
    meta = ListMeta(total=total, page=page, limit=limit, pages=(total + limit - 1) // limit, sort=sort)
    return OutreachLeadPage(items=items, meta=meta)


def business_hours(session: Session, tid: uuid.UUID) -> BusinessHours:
    """The tenant's sending hours for the quota guardian: its company settings' time zone and hours
    (Europe/Bucharest, 09:00-18:00 until they are changed)."""
    tenant = directory.get(session, tid)
    if tenant is None:
        raise NotFound(f"no tenant {tid}")
    settings = company_settings(session, tenant)
    return BusinessHours(zone=settings.timezone, start=settings.hours_start, end=settings.hours_end)
