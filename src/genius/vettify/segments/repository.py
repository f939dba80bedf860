"""Segments' SQL: the entity description (list, search, one record) and the filter compiler.

A ``SegmentFilter`` becomes one SQLAlchemy condition over ``crm.contacts`` or ``crm.leads``: every
value is a bound parameter, never text built from input. Text rules on a column of the record's
``search`` vector also carry the CRM search's prefix full-text condition (``records.search_condition``),
which the GIN index answers under RLS (``ts_match_vq`` is LEAKPROOF, migration 0007), and the exact
comparison (diacritics and case ignored through ``crm.unaccent_ro``) rechecks its rows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Text,
    and_,
    bindparam,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, aliased

from genius.core.db.base import utcnow
from genius.vettify.campaigns.models import CampaignRecipient, Consent
from genius.vettify.models import Account, Contact, Lead, Opportunity
from genius.vettify.repository.records import (
    CONTACTS,
    LEADS,
    EntitySpec,
    search_condition,
    tsquery_text,
)
from genius.vettify.segments.models import Segment
from genius.vettify.segments.schemas import (
    AnyRule,
    ComplianceRule,
    ConsentRule,
    EngagementRule,
    SegmentFilter,
    StageRule,
    StatusRule,
    TagRule,
    TextRule,
)

SEGMENTS: EntitySpec[Segment] = EntitySpec(
    "segment",
    Segment,
    sorts={"created_at": Segment.created_at, "updated_at": Segment.updated_at, "name": Segment.name},
    filters={"entity": Segment.entity, "owner": Segment.owner},
    fuzzy_name=Segment.name,
)
SPECS: dict[str, EntitySpec[Any]] = {"contact": CONTACTS, "lead": LEADS}

# Columns of each entity's ``search`` vector (migration 0006): their rules get the indexed prefilter.
_IN_SEARCH = {
    "contact": frozenset({"first_name", "last_name", "email", "job_title", "city", "county"}),
    "lead": frozenset({"first_name", "last_name", "company_name", "email", "cui", "city", "county"}),
}
_PREFIX_OPS = frozenset({"eq", "in", "starts_with"})


def _fold(value: Any) -> ColumnElement[Any]:
    return func.crm.unaccent_ro(value)


def _param(value: str) -> ColumnElement[str]:
    return bindparam(None, value, type_=Text)


def _text_rule(entity: str, model: Any, rule: TextRule) -> ColumnElement[bool]:
    col = getattr(model, rule.field)
    value = rule.value
    if rule.op == "is_set":
        return and_(col.is_not(None), func.btrim(col) != literal(""))
    if rule.op == "is_not_set":
        return or_(col.is_(None), func.btrim(col) == literal(""))
    if rule.op == "in":
        values = list(value) if isinstance(value, list) else []
        exact: ColumnElement[bool] = _fold(col).in_([_fold(_param(v)) for v in values])
    else:
        assert isinstance(value, str)
        folded = _fold(_param(value))
        if rule.op == "ne":
            return or_(col.is_(None), _fold(col) != folded)
        if rule.op == "contains":
            return func.strpos(_fold(col), folded) > 0
        exact = _fold(col) == folded if rule.op == "eq" else func.starts_with(_fold(col), folded)
        values = [value]
    prefilter = _prefilter(entity, rule, values)
    return exact if prefilter is None else and_(prefilter, exact)


def _prefilter(entity: str, rule: TextRule, values: Sequence[str]) -> ColumnElement[bool] | None:
    """The full-text condition every match of an eq / in / starts_with rule satisfies (None when the
    column is not in the search vector or a value has no word to look up)."""
    if rule.op not in _PREFIX_OPS or rule.field not in _IN_SEARCH[entity]:
        return None
    if rule.field == "email" and rule.op == "starts_with":
        return None  # a part of an address is not a word of the vector
    queries = [tsquery_text(v) for v in values]
    if not queries or any(q is None for q in queries):
        return None
    return search_condition(SPECS[entity], " | ".join(f"({q})" for q in queries))


def _tags(model: Any, rule: TagRule) -> ColumnElement[bool]:
    tags = bindparam(None, list(rule.value), type_=ARRAY(Text))
    if rule.op == "has_all":
        return model.tags.contains(tags)
    overlap = model.tags.overlap(tags)
    return overlap if rule.op == "has_any" else not_(overlap)


def _stage(rule: StageRule) -> ColumnElement[bool]:
    found = exists().where(
        Opportunity.contact_id == Contact.id,
        Opportunity.deleted_at.is_(None),
        Opportunity.stage.in_([v.value for v in rule.value]),
    )
    return found if rule.op == "in" else not_(found)


def _status(rule: StatusRule) -> ColumnElement[bool]:
    values = [v.value for v in rule.value]
    return Lead.status.in_(values) if rule.op == "in" else Lead.status.not_in(values)


def _compliance(entity: str, rule: ComplianceRule) -> ColumnElement[bool]:
    acc = aliased(Account)  # the preview joins Account too: the subquery has its own
    company = acc.id == Contact.account_id if entity == "contact" else acc.cui == Lead.cui
    found = (
        exists()
        .where(company, acc.deleted_at.is_(None), acc.compliance_status.in_([v.value for v in rule.value]))
        .correlate_except(acc)
    )
    return found if rule.op == "in" else not_(found)


def _consent(rule: ConsentRule) -> ColumnElement[bool]:
    found = exists().where(
        Consent.contact_id == Contact.id,
        Consent.channel == rule.channel.value,
        Consent.withdrawn_at.is_(None),
    )
    return found if rule.op == "given" else not_(found)


def _engagement(rule: EngagementRule) -> ColumnElement[bool]:
    where: list[ColumnElement[bool]] = [
        CampaignRecipient.contact_id == Contact.id,
        CampaignRecipient.state == "sent",
    ]
    if rule.campaign_id is not None:
        where.append(CampaignRecipient.campaign_id == rule.campaign_id)
    if rule.within_days is not None:
        where.append(CampaignRecipient.sent_at >= utcnow() - timedelta(days=rule.within_days))
    seen = {
        "opened": CampaignRecipient.opened_at.is_not(None),
        "clicked": CampaignRecipient.clicked_at.is_not(None),
        "not_opened": CampaignRecipient.opened_at.is_(None),
        "not_clicked": CampaignRecipient.clicked_at.is_(None),
    }.get(rule.op)
    if seen is not None:
        where.append(seen)
    return exists().where(*where)


def _rule(entity: str, rule: AnyRule) -> ColumnElement[bool]:
    model = SPECS[entity].model
    if isinstance(rule, TextRule):
        return _text_rule(entity, model, rule)
    if isinstance(rule, TagRule):
        return _tags(model, rule)
    if isinstance(rule, StageRule):
        return _stage(rule)
    if isinstance(rule, StatusRule):
        return _status(rule)
    if isinstance(rule, ComplianceRule):
        return _compliance(entity, rule)
    if isinstance(rule, ConsentRule):
        return _consent(rule)
    return _engagement(rule)


def condition(entity: str, flt: SegmentFilter) -> ColumnElement[bool]:
    """The filter as one condition over the entity's live rows (deleted and merged ones left out)."""
    model = SPECS[entity].model
    live = and_(model.deleted_at.is_(None), model.merged_into_id.is_(None))
    parts = [_rule(entity, r) for r in flt.rules]
    if not parts:
        return live
    combined = and_(*parts) if flt.match == "all" else or_(*parts)
    return and_(live, combined)


def count(session: Session, entity: str, flt: SegmentFilter) -> int:
    model = SPECS[entity].model
    return int(session.scalar(select(func.count()).select_from(model).where(condition(entity, flt))) or 0)


def count_statement(entity: str, flt: SegmentFilter) -> Any:
    """The count's statement (for EXPLAIN in the benchmark and tests)."""
    model = SPECS[entity].model
    return select(func.count()).select_from(model).where(condition(entity, flt))


def preview(session: Session, entity: str, flt: SegmentFilter, limit: int) -> list[dict[str, Any]]:
    """The newest ``limit`` matches: id, name, e-mail, city, company."""
    if entity == "contact":
        name = func.btrim(func.concat_ws(" ", Contact.first_name, Contact.last_name))
        stmt = select(Contact.id, name, Contact.email, Contact.city, Account.name.label("company")).outerjoin(
            Account, Account.id == Contact.account_id
        )
        model: Any = Contact
    else:
        name = func.btrim(func.concat_ws(" ", Lead.first_name, Lead.last_name))
        stmt = select(Lead.id, name, Lead.email, Lead.city, Lead.company_name)
        model = Lead
    rows = session.execute(
        stmt.where(condition(entity, flt)).order_by(model.created_at.desc(), model.id.desc()).limit(limit)
    ).all()
    keys = ("id", "name", "email", "city", "company")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def contact_ids(session: Session, flt: SegmentFilter) -> list[uuid.UUID]:
    """Every contact the filter matches now (a campaign send's audience)."""
    return list(session.scalars(select(Contact.id).where(condition("contact", flt))).all())


def segment_names(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    rows = session.execute(select(Segment.id, Segment.name).where(Segment.id.in_(ids))).all()
    return {r[0]: r[1] for r in rows}


def live_segments(session: Session, entity: str, limit: int = 200) -> list[Segment]:
    """The tenant's segments of an entity, by name (the campaign page's picker)."""
    stmt = (
        select(Segment)
        .where(Segment.deleted_at.is_(None), Segment.entity == entity)
        .order_by(Segment.name, Segment.id)
        .limit(limit)
    )
    return list(session.scalars(stmt).all())
