"""CRM domain services: the rules of accounts, contacts, leads, opportunities and activities.

Validation beyond the schemas, references checked through RLS, lead qualify/convert, opportunity stage
rules, ``ETag``/``If-Match`` checks, events and audit entries. The SQL is in
``genius.vettify.repository.records`` (entity descriptions, search, keyset pages, lookups).

Every function takes the caller's tenant session (``app.tid`` set, RLS enforced) and never commits:
the API's ``TenantDB`` commits when the endpoint returns, so the change, its audit entry and its
outbox event land together or not at all. Inputs are the API's Pydantic models.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from genius.core.audit import service as audit
from genius.core.db.base import utcnow
from genius.core.events.service import publish
from genius.core.kit.errors import (
    Conflict,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    field_error,
)
from genius.core.kit.pagination import BadCursor, Page
from genius.vettify import events, verification
from genius.vettify.models import Account, Activity, Contact, CrmRecord, Lead, Opportunity, StageChange
from genius.vettify.repository import records
from genius.vettify.repository.records import (
    ACCOUNTS,
    ACTIVITIES,
    CONTACTS,
    LEADS,
    OPPORTUNITIES,
    EntitySpec,
    Listing,
)
from genius.vettify.schemas import (
    OPEN_STAGES,
    REASON_REQUIRED,
    TRANSITIONS,
    AccountCreate,
    ActivityCreate,
    ContactCreate,
    ConvertIn,
    LeadCard,
    LeadCreate,
    LeadOut,
    LeadStatus,
    OpportunityCreate,
    Patch,
    Stage,
    normalise_phone,
    vat_id_country,
)

__all__ = [
    "ACCOUNTS",
    "ACTIVITIES",
    "CONTACTS",
    "LEADS",
    "OPPORTUNITIES",
    "Actor",
    "BadCursor",
    "EntitySpec",
    "ListQuery",
    "field_error",
]

R = TypeVar("R", bound=CrmRecord)


@dataclass(frozen=True)
class Actor:
    """Who is acting, for ``created_by``, stage history, audit entries and event payloads."""

    tid: uuid.UUID
    name: str
    request_id: str = ""
    correlation_id: str | None = None


# --- lists ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ListQuery:
    """A list request as the API received it: ``sort`` is ``field`` or ``-field``; ``filters`` maps the
    entity's filter names to a value (an enum is compared by its value), ``None`` meaning no filter."""

    search: str | None = None
    sort: str | None = None
    cursor: str | None = None
    limit: int = 50
    count: bool = False
    filters: Mapping[str, Any] | None = None
    count_cap: int | None = None


def parse_sort(spec: EntitySpec[Any], sort: str | None) -> tuple[str, bool]:
    sort = sort or spec.default_sort
    desc = sort.startswith("-")
    key = sort.lstrip("-+")
    if key not in spec.sorts:
        raise field_error(
            "sort", f"must be one of {', '.join(sorted(spec.sorts))} (prefix - for descending)", where="query"
        )
    return key, desc


def list_records(session: Session, spec: EntitySpec[R], query: ListQuery) -> Page[R]:
    """One keyset page of live records (``search``: full text without diacritics, misspellings
    corrected from the tenant's vocabulary)."""
    key, desc = parse_sort(spec, query.sort)
    filters = {k: _plain(v) for k, v in (query.filters or {}).items() if v is not None}
    unknown = set(filters) - set(spec.filters)
    if unknown:
        raise field_error(sorted(unknown)[0], "is not a filter of this list", where="query")
    listing = Listing(
        key, desc, filters, query.search, query.cursor, query.limit, query.count, query.count_cap
    )
    return records.list_page(session, spec, listing)


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, StrEnum) else value


# --- one record -----------------------------------------------------------------------------------
def get_record(session: Session, spec: EntitySpec[R], record_id: uuid.UUID, *, lock: bool = False) -> R:
    row = records.find(session, spec, record_id, lock=lock)
    if row is None:
        raise NotFound(f"No {spec.name} {record_id}.")
    return row


def merged_into(session: Session, spec: EntitySpec[Any], record_id: uuid.UUID) -> uuid.UUID | None:
    """Where a merged-away record lives now (its survivor), so old links still lead somewhere."""
    return records.merged_into(session, spec, record_id)


def etag(row: CrmRecord) -> str:
    return f'"{row.version}"'


def check_if_match(row: CrmRecord, if_match: str | None, *, required: bool) -> None:
    """``If-Match`` against the row's version: 412 when stale; 428 when missing and required."""
    if if_match is None or not if_match.strip():
        if required:
            raise PreconditionRequired(
                "Send If-Match with the ETag of the version you are changing (GET it first).",
                current_etag=etag(row),
            )
        return
    tags = [t.strip().removeprefix("W/") for t in if_match.split(",")]
    if "*" in tags or etag(row) in tags:
        return
    raise PreconditionFailed(
        "The record changed since you read it; GET it again and reapply your change.",
        current_etag=etag(row),
    )


def _ensure_exists(
    session: Session, spec: EntitySpec[Any], record_id: uuid.UUID | None, field_name: str
) -> None:
    """References are checked through RLS: a foreign key alone would accept another tenant's id."""
    if record_id is None:
        return
    if not records.exists(session, spec, record_id):
        raise field_error(field_name, f"no {spec.name} with this id")


def _apply(row: CrmRecord, changes: dict[str, Any]) -> bool:
    changed = False
    for name, value in changes.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def create_record(session: Session, spec: EntitySpec[R], actor: Actor, values: dict[str, Any]) -> R:
    row = spec.model(tid=actor.tid, created_by=actor.name, **{k: _plain(v) for k, v in values.items()})
    records.add(session, row)
    return row


def update_record(
    session: Session,
    spec: EntitySpec[R],
    actor: Actor,
    record_id: uuid.UUID,
    patch: Patch,
    if_match: str | None,
) -> R:
    """Apply a PATCH body (only the fields sent; ``If-Match`` required)."""
    changes = {k: _plain(v) for k, v in patch.changes().items()}
    row = get_record(session, spec, record_id, lock=True)
    check_if_match(row, if_match, required=True)
    _check_references(session, spec, changes)
    if isinstance(row, Lead):
        _lead_changes(row, changes)
    if isinstance(row, Account) and ("vat_id" in changes or "country" in changes):
        _check_vat_id(changes.get("vat_id", row.vat_id), changes.get("country", row.country))
    cui_changed = isinstance(row, Account) and "cui" in changes and changes["cui"] != row.cui
    if cui_changed:
        _unique_cui(session, changes["cui"], exclude=row.id)
        changes["compliance_status"] = "pending" if changes["cui"] else "unchecked"
        changes["official"] = None
        changes["checked_at"] = None
    if _apply(row, changes):
        row.touch()
        if cui_changed and isinstance(row, Account):
            verification.request_verification(
                session, row, requested_by=actor.name, correlation_id=actor.correlation_id
            )
        session.flush()
    return row


def delete_record(
    session: Session, spec: EntitySpec[R], actor: Actor, record_id: uuid.UUID, if_match: str | None
) -> None:
    row = get_record(session, spec, record_id, lock=True)
    check_if_match(row, if_match, required=False)
    if isinstance(row, Lead) and row.status == LeadStatus.converted:
        raise Conflict("A converted lead is read-only.")
    row.deleted_at = utcnow()
    row.touch()
    session.flush()
    audit.record(
        session,
        actor.tid,
        f"crm.{spec.name}.deleted",
        actor=actor.name,
        target=f"crm.{spec.name}:{row.id}",
        data={"id": str(row.id), "version": row.version, "soft": True},
        request_id=actor.request_id,
    )


def _check_references(session: Session, spec: EntitySpec[Any], values: dict[str, Any]) -> None:
    refs: dict[str, EntitySpec[Any]] = {
        "account_id": ACCOUNTS,
        "contact_id": CONTACTS,
        "lead_id": LEADS,
        "opportunity_id": OPPORTUNITIES,
    }
    for name, target in refs.items():
        if name in values and name in {c.key for c in spec.model.__table__.columns}:
            _ensure_exists(session, target, values[name], name)


# --- accounts -------------------------------------------------------------------------------------
def _unique_cui(session: Session, cui: str | None, *, exclude: uuid.UUID | None = None) -> None:
    if not cui:
        return
    existing = records.account_with_cui(session, cui, exclude=exclude)
    if existing is not None:
        raise Conflict(
            f"An account with CUI {cui} already exists.",
            code="duplicate",
            existing_id=str(existing),
            errors=[
                {
                    "field": "cui",
                    "in": "body",
                    "message": "already used by another account",
                    "type": "duplicate",
                }
            ],
        )


def _check_vat_id(vat_id: str | None, country: str | None) -> None:
    """A foreign company's EU VAT id (checked by the schema) belongs to the account's country: it is the
    buyer's VAT identifier on an invoice, beside the buyer's country (EN 16931 BT-48, BT-55)."""
    if vat_id is None:
        return
    of = vat_id_country(vat_id)
    if of != (country or "RO"):
        raise field_error(
            "vat_id",
            f"is a VAT id of {of} but the account's country is {country or 'RO'}: set the country to {of}",
        )


def create_account(session: Session, actor: Actor, body: AccountCreate) -> Account:
    values = body.model_dump()
    _check_vat_id(values.get("vat_id"), values.get("country"))
    _unique_cui(session, values.get("cui"))
    account = create_record(session, ACCOUNTS, actor, values)
    verification.request_verification(
        session, account, requested_by=actor.name, correlation_id=actor.correlation_id
    )
    return account


def find_account_by_cui(session: Session, cui: str) -> uuid.UUID | None:
    return records.account_with_cui(session, cui)


# --- contacts, activities -------------------------------------------------------------------------
def create_contact(session: Session, actor: Actor, body: ContactCreate) -> Contact:
    values = body.model_dump()
    _check_references(session, CONTACTS, values)
    return create_record(session, CONTACTS, actor, values)


def create_activity(session: Session, actor: Actor, body: ActivityCreate) -> Activity:
    values = body.model_dump()
    _check_references(session, ACTIVITIES, values)
    if values.get("occurred_at") is None:
        values.pop("occurred_at", None)
    if values.get("done") is None:
        values.pop("done", None)
    return create_record(session, ACTIVITIES, actor, values)


# --- leads ----------------------------------------------------------------------------------------
def create_lead(session: Session, actor: Actor, body: LeadCreate) -> Lead:
    lead = create_record(session, LEADS, actor, body.model_dump())
    publish(
        session,
        "crm.lead.created",
        events.LeadCreated(
            lead_id=lead.id,
            first_name=lead.first_name,
            last_name=lead.last_name,
            email=lead.email,
            company_name=lead.company_name,
            cui=lead.cui,
            source=lead.source,
            created_by=actor.name,
            created_at=lead.created_at,
        ),
        tid=actor.tid,
        aggregate_id=lead.id,
        correlation_id=actor.correlation_id,
    )
    return lead


def _lead_changes(lead: Lead, changes: dict[str, Any]) -> None:
    if lead.status == LeadStatus.converted:
        raise Conflict("A converted lead is read-only.", code="lead-converted")
    status = changes.get("status")
    if status is not None and status != lead.status:
        if status not in (LeadStatus.new, LeadStatus.disqualified):
            raise field_error("status", "only new or disqualified here; use /qualify and /convert")
        changes["status"] = str(status)
        if status == LeadStatus.new:
            changes["qualified_at"] = None


def qualify_lead(session: Session, actor: Actor, lead_id: uuid.UUID, if_match: str | None) -> Lead:
    lead = get_record(session, LEADS, lead_id, lock=True)
    check_if_match(lead, if_match, required=False)
    if lead.status == LeadStatus.converted:
        raise Conflict("The lead is already converted.", code="lead-converted")
    if lead.status != LeadStatus.qualified:
        lead.status = LeadStatus.qualified.value
        lead.qualified_at = utcnow()
        lead.touch()
        session.flush()
    return lead


@dataclass(frozen=True)
class Conversion:
    account_id: uuid.UUID
    contact_id: uuid.UUID
    opportunity_id: uuid.UUID | None
    account_created: bool
    contact_created: bool
    repeated: bool


def _lead_person_name(lead: Lead) -> str:
    return " ".join(p for p in (lead.first_name, lead.last_name) if p) or (lead.email or "")


def convert_lead(session: Session, actor: Actor, lead_id: uuid.UUID, body: ConvertIn) -> Conversion:
    """Create or link the account, contact and opportunity in the caller's transaction.

    The lead row is locked first, so concurrent converts of one lead serialise: the second sees
    ``converted`` and returns the same ids (idempotent), never a second account.
    """
    lead = get_record(session, LEADS, lead_id, lock=True)
    if lead.status == LeadStatus.converted:
        assert lead.converted_account_id is not None and lead.converted_contact_id is not None
        return Conversion(
            lead.converted_account_id,
            lead.converted_contact_id,
            lead.converted_opportunity_id,
            account_created=False,
            contact_created=False,
            repeated=True,
        )
    if lead.status != LeadStatus.qualified:
        raise Conflict(
            f"Only a qualified lead can be converted (this one is {lead.status}); qualify it first.",
            code="lead-not-qualified",
        )

    # Account: the one given, else the one with the lead's CUI, else a new one.
    account_created = False
    if body.account_id is not None:
        account = get_record_or_field_error(session, ACCOUNTS, body.account_id, "account_id")
    else:
        existing = find_account_by_cui(session, lead.cui) if lead.cui else None
        if existing is not None:
            account = get_record(session, ACCOUNTS, existing)
        else:
            name = lead.company_name or _lead_person_name(lead)
            account = create_record(
                session,
                ACCOUNTS,
                actor,
                {
                    "name": name[:300],
                    "cui": lead.cui,
                    "email": lead.email if not lead.company_name else None,
                    "phone": lead.phone if not lead.company_name else None,
                    "city": lead.city,
                    "county": lead.county,
                    "owner": lead.owner,
                },
            )
            verification.request_verification(
                session, account, requested_by=actor.name, correlation_id=actor.correlation_id
            )
            account_created = True

    # Contact: the one given, else the account's contact with the lead's e-mail, else a new one.
    contact_created = False
    if body.contact_id is not None:
        contact = get_record_or_field_error(session, CONTACTS, body.contact_id, "contact_id")
    else:
        found = None
        if lead.email and not account_created:
            found = records.contact_of_account_by_email(session, account.id, lead.email)
        if found is not None:
            contact = found
        else:
            contact = create_record(
                session,
                CONTACTS,
                actor,
                {
                    "account_id": account.id,
                    "first_name": lead.first_name,
                    "last_name": lead.last_name,
                    "email": lead.email,
                    "phone": lead.phone,
                    "job_title": lead.job_title,
                    "city": lead.city,
                    "county": lead.county,
                    "owner": lead.owner,
                },
            )
            contact_created = True

    opportunity_id = None
    if body.create_opportunity:
        opportunity = _create_opportunity(
            session,
            actor,
            {
                "name": (body.opportunity_name or f"{account.name} - {_lead_person_name(lead) or 'lead'}")[
                    :300
                ],
                "account_id": account.id,
                "contact_id": contact.id,
                "lead_id": lead.id,
                "amount": body.amount,
                "currency": body.currency,
                "expected_close_date": body.expected_close_date,
                "owner": lead.owner,
            },
        )
        opportunity_id = opportunity.id

    now = utcnow()
    lead.status = LeadStatus.converted.value
    lead.converted_at = now
    lead.converted_by = actor.name
    lead.converted_account_id = account.id
    lead.converted_contact_id = contact.id
    lead.converted_opportunity_id = opportunity_id
    lead.touch()
    session.flush()
    payload = events.LeadConverted(
        lead_id=lead.id,
        account_id=account.id,
        contact_id=contact.id,
        opportunity_id=opportunity_id,
        account_created=account_created,
        contact_created=contact_created,
        converted_by=actor.name,
        converted_at=now,
    )
    publish(
        session,
        "crm.lead.converted",
        payload,
        tid=actor.tid,
        aggregate_id=lead.id,
        correlation_id=actor.correlation_id,
    )
    audit.record(
        session,
        actor.tid,
        "crm.lead.converted",
        actor=actor.name,
        target=f"crm.lead:{lead.id}",
        data=payload.model_dump(mode="json"),
        request_id=actor.request_id,
    )
    return Conversion(account.id, contact.id, opportunity_id, account_created, contact_created, False)


def get_record_or_field_error(session: Session, spec: EntitySpec[R], record_id: uuid.UUID, name: str) -> R:
    try:
        return get_record(session, spec, record_id)
    except NotFound:
        raise field_error(name, f"no {spec.name} with this id") from None


# --- opportunities --------------------------------------------------------------------------------
def _history(
    session: Session, actor: Actor, opp: Opportunity, from_stage: str | None, reason: str | None
) -> StageChange:
    change = StageChange(
        tid=actor.tid,
        opportunity_id=opp.id,
        from_stage=from_stage,
        to_stage=opp.stage,
        reason=reason,
        changed_by=actor.name,
        changed_at=utcnow(),
    )
    records.add(session, change)
    return change


def create_opportunity(session: Session, actor: Actor, body: OpportunityCreate) -> Opportunity:
    return _create_opportunity(session, actor, body.model_dump())


def _create_opportunity(session: Session, actor: Actor, values: dict[str, Any]) -> Opportunity:
    _check_references(session, OPPORTUNITIES, values)
    values["stage"] = str(values.get("stage") or Stage.prospecting)
    opp = create_record(session, OPPORTUNITIES, actor, values)
    _history(session, actor, opp, None, None)
    session.flush()
    return opp


def change_stage(
    session: Session,
    actor: Actor,
    opportunity_id: uuid.UUID,
    stage: Stage,
    reason: str | None,
    if_match: str | None,
) -> tuple[Opportunity, bool]:
    opp = get_record(session, OPPORTUNITIES, opportunity_id, lock=True)
    check_if_match(opp, if_match, required=False)
    current = Stage(opp.stage)
    if stage == current:
        return opp, False
    allowed = TRANSITIONS[current]
    if stage not in allowed:
        raise Conflict(
            f"An opportunity in {current} cannot move to {stage}.",
            code="stage-transition",
            allowed=sorted(s.value for s in allowed),
        )
    reopening = current not in OPEN_STAGES
    if (stage in REASON_REQUIRED or reopening) and not reason:
        raise field_error("reason", f"a reason is required to move to {stage}")
    opp.stage = stage.value
    opp.stage_reason = reason
    if stage in REASON_REQUIRED:
        opp.closed_at = utcnow()
        opp.probability = 100 if stage == Stage.won else 0
    elif reopening:
        opp.closed_at = None
    opp.touch()
    change = _history(session, actor, opp, current.value, reason)
    session.flush()
    payload = events.OpportunityStageChanged(
        opportunity_id=opp.id,
        account_id=opp.account_id,
        from_stage=current.value,
        to_stage=stage.value,
        reason=reason,
        amount=opp.amount,
        currency=opp.currency,
        changed_by=actor.name,
        changed_at=change.changed_at,
    )
    publish(
        session,
        "crm.opportunity.stage_changed",
        payload,
        tid=actor.tid,
        aggregate_id=opp.id,
        correlation_id=actor.correlation_id,
    )
    audit.record(
        session,
        actor.tid,
        "crm.opportunity.stage_changed",
        actor=actor.name,
        target=f"crm.opportunity:{opp.id}",
        data=payload.model_dump(mode="json"),
        request_id=actor.request_id,
    )
    return opp, True


def stage_history(session: Session, opportunity_id: uuid.UUID) -> Sequence[StageChange]:
    get_record(session, OPPORTUNITIES, opportunity_id)
    return records.stage_history(session, opportunity_id)


def find_by_phone(session: Session, spec: EntitySpec[R], phone: str, limit: int = 10) -> Sequence[R]:
    """Accounts, contacts or leads with this phone number (normalised to E.164 first; none when it is
    not a phone number): the full-text search does not cover phone numbers."""
    if "phone" not in {c.key for c in spec.model.__table__.columns}:
        return []
    try:
        normalised = normalise_phone(phone)
    except ValueError:
        return []
    return records.with_phone(session, spec, normalised, limit)


def leads_by_id(session: Session, lead_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, LeadOut]:
    """Live leads by id, for other modules' lists (outreach shows each journey's company)."""
    return {lead.id: LeadOut.model_validate(lead) for lead in records.live_by_ids(session, LEADS, lead_ids)}


def lead_cards(session: Session, lead_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, LeadCard]:
    """The list fields of live leads by id (outreach's leads list shows each journey's company)."""
    return {
        row[0]: LeadCard._make(row)
        for row in records.live_rows_by_ids(session, LEADS, lead_ids, LeadCard._fields)
    }


def search_lead_ids(session: Session, term: str, limit: int = 1000) -> list[str]:
    """Ids of up to ``limit`` live leads matching ``term`` (the CRM's own full-text search), the same
    ones on every call while the leads do not change, as canonical UUID text; only the ids are read
    (outreach filters its journeys by them, sent back as one array literal)."""
    return records.matching_ids(session, LEADS, term, limit)


def account_names(session: Session, account_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Live accounts' names by id, for other modules' lists (sales shows each document's customer)."""
    return {a.id: a.name for a in records.live_by_ids(session, ACCOUNTS, account_ids)}
