"""Duplicate detection and merge for accounts, contacts and leads.

Detection: same CUI, same normalised e-mail (case-insensitive), same E.164 phone, or a fuzzy name
(trigram word similarity on the diacritic-free name, the search's own ``crm.fuzzy_match``).

Merge: every related record moves to the survivor, the merged rows are soft-deleted with
``merged_into_id`` set, and ``crm.merges`` keeps the survivor as it was and each merged row as it
was: a merge is never destructive without a record. One audit entry per merge; accounts also
publish ``crm.account.merged``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from genius.core.audit import service as audit
from genius.core.db.base import utcnow
from genius.core.events.service import publish
from genius.core.kit.errors import Conflict
from genius.core.kit.pagination import Page
from genius.vettify import events, fuzzy, timeline, verification
from genius.vettify import schemas as s
from genius.vettify.models import (
    Account,
    CrmRecord,
    Lead,
    Merge,
)
from genius.vettify.repository import dedup as repository
from genius.vettify.repository.records import account_with_cui
from genius.vettify.service import (
    ACCOUNTS,
    CONTACTS,
    LEADS,
    Actor,
    EntitySpec,
    check_if_match,
    field_error,
    get_record,
)

MERGEABLE: dict[str, tuple[EntitySpec[Any], type[BaseModel]]] = {
    "accounts": (ACCOUNTS, s.AccountOut),
    "contacts": (CONTACTS, s.ContactOut),
    "leads": (LEADS, s.LeadOut),
}
# Fields a merge may take from a merged record (everything a user can type).
MERGE_FIELDS: dict[str, tuple[str, ...]] = {
    "accounts": (
        "name",
        "cui",
        "vat_id",
        "registration_number",
        "email",
        "phone",
        "website",
        "industry",
        "address",
        "city",
        "county",
        "country",
        "owner",
    ),
    "contacts": (
        "account_id",
        "first_name",
        "last_name",
        "email",
        "phone",
        "job_title",
        "city",
        "county",
        "owner",
    ),
    "leads": (
        "first_name",
        "last_name",
        "email",
        "phone",
        "company_name",
        "cui",
        "job_title",
        "city",
        "county",
        "source",
        "notes",
        "owner",
    ),
}
NAME_SIMILARITY = 0.5  # for ranking; candidates come from crm.fuzzy_match


@dataclass
class Candidate:
    id: uuid.UUID
    label: str
    reasons: list[str]
    score: float


def _label(entity: str, row: Any) -> str:
    if entity == "accounts":
        return str(row.name)
    person = " ".join(p for p in (row.first_name, row.last_name) if p)
    company = getattr(row, "company_name", None)
    return " / ".join(p for p in (person, company) if p) or (row.email or str(row.id))


def _vat_id_with_its_country(survivor: Account, *, chosen_country: bool) -> None:
    """The survivor's EU VAT id belongs to its country, as the API requires (``service._check_vat_id``):
    a VAT id taken from a merged account brings its country along, unless a country was taken from another
    account too and they disagree (422 naming both choices)."""
    assert survivor.vat_id is not None
    of = s.vat_id_country(survivor.vat_id)
    if survivor.country == of:
        return
    if chosen_country:
        raise field_error(
            "fields.vat_id",
            f"is a VAT id of {of} but the chosen country is {survivor.country}: choose both from one account",
        )
    survivor.country = of


def find_duplicates(
    session: Session, entity: str, record_id: uuid.UUID, *, limit: int = 20
) -> list[Candidate]:
    spec, _ = MERGEABLE[entity]
    row = get_record(session, spec, record_id)
    name_text = (repository.name_of(session, spec, record_id) or "").strip()
    rules, results = repository.duplicate_rows(session, spec, row, name_text)
    found: list[Candidate] = []
    for result in results:
        other = result[0]
        reasons = [name for name in rules if getattr(result, f"m_{name}")]
        sim = fuzzy.similarity(name_text, result.fuzzy_label or "") if name_text else 0.0
        if reasons == ["name"] and sim < NAME_SIMILARITY:
            # A shared word ("SRL", "Ion") alone is not a duplicate.
            continue
        exact = sum(1 for r in reasons if r != "name")
        score = min(1.0, 0.5 * exact + (sim if "name" in reasons else 0.0) * 0.5 + (0.3 if exact else 0.0))
        found.append(Candidate(other.id, _label(entity, other), reasons, round(score, 3)))
    found.sort(key=lambda c: (-c.score, c.label))
    return found[:limit]


def _snapshot(out: type[BaseModel], row: CrmRecord) -> dict[str, Any]:
    return out.model_validate(row).model_dump(mode="json")


@dataclass
class MergeResult:
    merge_id: uuid.UUID
    survivor: CrmRecord
    merged_ids: list[uuid.UUID]
    moved: dict[str, int]


def merge(
    session: Session,
    actor: Actor,
    entity: str,
    survivor_id: uuid.UUID,
    merged_ids: list[uuid.UUID],
    fields: dict[str, uuid.UUID],
    if_match: str | None,
) -> MergeResult:
    spec, out = MERGEABLE[entity]
    merged_ids = list(dict.fromkeys(merged_ids))
    if survivor_id in merged_ids:
        raise field_error("merged_ids", "must not contain the survivor")
    allowed = MERGE_FIELDS[entity]
    for name, source in fields.items():
        if name not in allowed:
            raise field_error(
                f"fields.{name}", f"cannot be taken from another record; one of: {', '.join(allowed)}"
            )
        if source != survivor_id and source not in merged_ids:
            raise field_error(f"fields.{name}", "must name the survivor or one of the merged records")
    # Lock in id order: two merges touching the same rows cannot deadlock.
    rows: dict[uuid.UUID, CrmRecord] = {}
    for record_id in sorted([survivor_id, *merged_ids]):
        try:
            rows[record_id] = get_record(session, spec, record_id, lock=True)
        except Exception:
            where = "survivor_id" if record_id == survivor_id else "merged_ids"
            raise field_error(where, f"no {spec.name} {record_id}") from None
    survivor = rows[survivor_id]
    check_if_match(survivor, if_match, required=False)
    for record_id, row in rows.items():
        if getattr(row, "merged_into_id", None) is not None:
            raise Conflict(f"{spec.name.capitalize()} {record_id} was already merged.", code="already-merged")
        if isinstance(row, Lead) and row.status == "converted" and record_id != survivor_id:
            raise Conflict(
                f"Lead {record_id} is converted (read-only) and cannot be merged away.", code="lead-converted"
            )
    if isinstance(survivor, Lead) and survivor.status == "converted":
        raise Conflict(
            "The survivor lead is converted (read-only); choose another survivor.", code="lead-converted"
        )

    before = _snapshot(out, survivor)
    snapshots = [_snapshot(out, rows[i]) for i in merged_ids]
    old_cui = getattr(survivor, "cui", None)

    # Explicit choices first, then fill the survivor's blanks from the merged rows in the given order.
    for name, source in fields.items():
        setattr(survivor, name, getattr(rows[source], name))
    for name in allowed:
        if name in fields or getattr(survivor, name) not in (None, ""):
            continue
        for merged_id in merged_ids:
            value = getattr(rows[merged_id], name)
            if value not in (None, ""):
                setattr(survivor, name, value)
                break
    if isinstance(survivor, Account) and survivor.vat_id:
        # the survivor's own country is the page's default choice: only one taken from another account binds
        _vat_id_with_its_country(survivor, chosen_country=fields.get("country", survivor_id) != survivor_id)
    custom: dict[str, Any] = {}
    for merged_id in reversed(merged_ids):
        custom.update(rows[merged_id].custom_fields or {})
    custom.update(survivor.custom_fields or {})
    survivor.custom_fields = custom

    now = utcnow()
    for merged_id in merged_ids:
        row = rows[merged_id]
        row.merged_into_id = survivor_id  # type: ignore[attr-defined]
        row.deleted_at = now
        row.touch()
        if isinstance(row, Account):
            row.cui = None  # the CUI belongs to the survivor now (and stays in the snapshot)
    session.flush()
    moved = repository.move_related(session, entity, merged_ids, survivor_id)
    survivor.touch()
    if isinstance(survivor, Account) and survivor.cui and survivor.cui != old_cui:
        others = account_with_cui(session, survivor.cui, exclude=survivor_id)
        if others is not None:
            raise field_error("fields.cui", "another live account already has this CUI")
        verification.request_verification(
            session, survivor, requested_by=actor.name, correlation_id=actor.correlation_id
        )
    record = Merge(
        tid=actor.tid,
        entity=entity,
        survivor_id=survivor_id,
        merged_ids=merged_ids,
        survivor_before=before,
        snapshots=snapshots,
        moved=moved,
        merged_by=actor.name,
        merged_at=now,
    )
    repository.add(session, record)
    if isinstance(survivor, Account):
        payload = events.AccountMerged(
            survivor_id=survivor_id, merged_ids=merged_ids, moved=moved, merged_by=actor.name, merged_at=now
        )
        publish(
            session,
            "crm.account.merged",
            payload,
            tid=actor.tid,
            aggregate_id=survivor_id,
            correlation_id=actor.correlation_id,
        )
        names = ", ".join(str(snap.get("name")) for snap in snapshots)
        timeline.record(
            session,
            actor.tid,
            survivor_id,
            "merge",
            f"Merged {len(merged_ids)} duplicate account(s): {names}",
            now,
            {
                "merge_id": str(record.id),
                "merged_ids": [str(i) for i in merged_ids],
                "moved": moved,
                "by": actor.name,
            },
        )
    audit.record(
        session,
        actor.tid,
        f"crm.{spec.name}.merged",
        actor=actor.name,
        target=f"crm.{spec.name}:{survivor_id}",
        data={
            "merge_id": str(record.id),
            "survivor_id": str(survivor_id),
            "merged_ids": [str(i) for i in merged_ids],
            "fields": {k: str(v) for k, v in fields.items()},
            "moved": moved,
        },
        request_id=actor.request_id,
    )
    session.flush()
    return MergeResult(record.id, survivor, merged_ids, moved)


def merges_of(
    session: Session, entity: str, survivor_id: uuid.UUID, *, limit: int = 50, cursor: str | None = None
) -> Page[Merge]:
    """Merges into the record, newest first (404 when the record is not the caller's)."""
    spec, _ = MERGEABLE[entity]
    get_record(session, spec, survivor_id)
    return repository.merges_page(session, entity, survivor_id, limit=limit, cursor=cursor)
