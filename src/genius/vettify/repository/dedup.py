"""Duplicates and merges' SQL: the duplicate rules (same CUI, e-mail, phone, similar name), moving the
related records to the survivor, and the merge history (keyset pages on ``(merged_at, id)``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, func, literal, or_, select, update
from sqlalchemy.orm import Session

from genius.core.db.base import utcnow
from genius.core.kit.pagination import Page, cursor_after, decode_cursor, page_of
from genius.vettify import fuzzy
from genius.vettify.models import (
    AccountEvent,
    Activity,
    Contact,
    CrmRecord,
    Lead,
    Merge,
    Opportunity,
    SalesOrder,
)
from genius.vettify.repository.records import EntitySpec, fuzzy_candidates
from genius.vettify.repository.vocabulary import has_pg_trgm

CANDIDATES = 200  # rows the duplicate rules return at most, before scoring

MERGES_ORDER = "merges"  # the cursor's order tag: newest first


def merges_page(
    session: Session, entity: str, survivor_id: uuid.UUID, *, limit: int, cursor: str | None
) -> Page[Merge]:
    query = select(Merge).where(Merge.entity == entity, Merge.survivor_id == survivor_id)
    if cursor:
        key = decode_cursor(cursor, MERGES_ORDER, (datetime, uuid.UUID))
        query = query.where(cursor_after((Merge.merged_at, Merge.id), key, desc=True))
    rows = session.scalars(query.order_by(Merge.merged_at.desc(), Merge.id.desc()).limit(limit + 1)).all()
    return page_of(rows, limit, MERGES_ORDER, key=lambda m: (m.merged_at, m.id))


def add(session: Session, row: Any) -> None:
    session.add(row)
    session.flush()


def name_of(session: Session, spec: EntitySpec[Any], record_id: uuid.UUID) -> str | None:
    """The record's name as the fuzzy rule compares it (``spec.fuzzy_name``)."""
    if spec.fuzzy_name is None:
        return None
    return session.scalar(select(spec.fuzzy_name).where(spec.model.id == record_id))


def duplicate_rows(
    session: Session, spec: EntitySpec[Any], row: CrmRecord, name_text: str
) -> tuple[list[str], Sequence[Row[Any]]]:
    """Live, unmerged records sharing the row's CUI, e-mail (any case) or phone, or with a similar name:
    the rule names, and rows ``(record, fuzzy_label, m_<rule>…)`` saying which rules matched."""
    model = spec.model
    rules: list[tuple[str, Any]] = []
    cui = getattr(row, "cui", None)
    if cui:
        rules.append(("cui", model.cui == cui))
    if row.email:  # type: ignore[attr-defined]
        rules.append(("email", func.lower(model.email) == row.email.lower()))  # type: ignore[attr-defined]
    if row.phone:  # type: ignore[attr-defined]
        rules.append(("phone", model.phone == row.phone))  # type: ignore[attr-defined]
    if spec.fuzzy_name is not None and len(name_text) >= 3:
        if has_pg_trgm(session):
            # <% on the GIN trigram index, with the same threshold as the Python scoring.
            session.execute(
                select(func.set_config("pg_trgm.word_similarity_threshold", str(fuzzy.THRESHOLD), True))
            )
            rules.append(("name", func.crm.fuzzy_match(spec.fuzzy_name, name_text[:200])))
        else:
            # Without pg_trgm the SQL similarity costs ms per row: candidates are scored in Python.
            ids = fuzzy_candidates(session, spec, name_text, [model.id != row.id])
            if ids:
                rules.append(("name", model.id.in_(ids)))
    if not rules:
        return [], []
    label_expr = spec.fuzzy_name if spec.fuzzy_name is not None else literal("")
    query: Select[Any] = (
        select(model, label_expr.label("fuzzy_label"), *[cond.label(f"m_{name}") for name, cond in rules])
        .where(
            model.id != row.id,
            model.deleted_at.is_(None),
            model.merged_into_id.is_(None),
            or_(*[cond for _, cond in rules]),
        )
        .limit(CANDIDATES)
    )
    return [name for name, _ in rules], session.execute(query).all()


def _move(
    session: Session,
    column: Any,
    merged: list[uuid.UUID],
    survivor: uuid.UUID,
    key: str,
    moved: dict[str, int],
) -> None:
    result = session.execute(update(column.class_).where(column.in_(merged)).values({column.key: survivor}))
    count = int(getattr(result, "rowcount", 0) or 0)
    if count:
        moved[key] = moved.get(key, 0) + count


def move_related(
    session: Session, entity: str, merged: list[uuid.UUID], survivor: uuid.UUID
) -> dict[str, int]:
    """Every record pointing at a merged row points at the survivor; returns the counts moved."""
    moved: dict[str, int] = {}
    if entity == "accounts":
        _move(session, Contact.account_id, merged, survivor, "contacts", moved)
        _move(session, Opportunity.account_id, merged, survivor, "opportunities", moved)
        _move(session, Activity.account_id, merged, survivor, "activities", moved)
        _move(session, Lead.converted_account_id, merged, survivor, "converted_leads", moved)
        _move(session, SalesOrder.account_id, merged, survivor, "sales_orders", moved)
        _move(session, AccountEvent.account_id, merged, survivor, "timeline_entries", moved)
    elif entity == "contacts":
        _move(session, Activity.contact_id, merged, survivor, "activities", moved)
        _move(session, Opportunity.contact_id, merged, survivor, "opportunities", moved)
        _move(session, Lead.converted_contact_id, merged, survivor, "converted_leads", moved)
        moved.update(_move_sequence_enrolments(session, merged, survivor))
    else:
        _move(session, Activity.lead_id, merged, survivor, "activities", moved)
        # One opportunity per lead (unique): move a merged lead's only when the survivor has none.
        has_own = session.scalar(select(Opportunity.id).where(Opportunity.lead_id == survivor).limit(1))
        if has_own is None:
            first = session.scalar(
                select(Opportunity.id)
                .where(Opportunity.lead_id.in_(merged))
                .order_by(Opportunity.created_at)
                .limit(1)
            )
            if first is not None:
                session.execute(update(Opportunity).where(Opportunity.id == first).values(lead_id=survivor))
                moved["opportunities"] = 1
    moved.update(_move_attachments(session, entity, merged, survivor))
    return moved


def _move_sequence_enrolments(
    session: Session, merged: list[uuid.UUID], survivor: uuid.UUID
) -> dict[str, int]:
    """A merged contact's e-mail sequence enrolments follow it to the survivor, one per sequence (the
    sequence's unique key): the survivor's own comes first, then an active one, then the newest. The
    ones left behind stay with the merged contact as history; those still running stop ("merged"), so
    the person is never mailed twice by one sequence."""
    from genius.vettify.sequences.models import EmailSequenceEnrolment as E

    rows = session.scalars(select(E).where(E.contact_id.in_([survivor, *merged])).with_for_update()).all()
    taken = {r.sequence_id for r in rows if r.contact_id == survivor}
    candidates = sorted(
        (r for r in rows if r.contact_id != survivor),
        key=lambda r: (r.state != "active", -r.enrolled_at.timestamp(), str(r.id)),
    )
    moved = stopped = 0
    now = utcnow()
    for row in candidates:
        if row.sequence_id not in taken:
            taken.add(row.sequence_id)
            row.contact_id = survivor
            row.updated_at = now
            moved += 1
        elif row.state == "active":
            row.state, row.stop_reason, row.next_due_at = "stopped", "merged", None
            row.ended_at = row.updated_at = now
            stopped += 1
    session.flush()
    out = {"sequence_enrolments": moved} if moved else {}
    if stopped:
        out["sequence_enrolments_stopped"] = stopped
    return out


def _move_attachments(
    session: Session, entity: str, merged: list[uuid.UUID], survivor: uuid.UUID
) -> dict[str, int]:
    from genius.vettify.attachments.models import Attachment

    entity_type = {"accounts": "account", "contacts": "contact", "leads": "lead"}[entity]
    result = session.execute(
        update(Attachment)
        .where(Attachment.entity_type == entity_type, Attachment.entity_id.in_(merged))
        .values(entity_id=survivor)
    )
    count = int(getattr(result, "rowcount", 0) or 0)
    return {"attachments": count} if count else {}
