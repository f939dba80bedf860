"""Account 360 timeline's SQL: the merged feed (keyset pages on ``(occurred_at, item_id)``) and the
lookups of the consumed sales/WMS events."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Select, String, cast, func, literal, or_, select, union_all
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from genius.core.kit.pagination import Page, cursor_after, decode_cursor, page_of
from genius.vettify.models import (
    Account,
    AccountEvent,
    Activity,
    Contact,
    Opportunity,
    SalesOrder,
    StageChange,
)

ORDER = "timeline"  # the cursor's order tag: newest first


def feed(account_id: uuid.UUID) -> Select[Any]:
    opportunities = select(Opportunity.id).where(
        Opportunity.account_id == account_id, Opportunity.deleted_at.is_(None)
    )
    contacts = select(Contact.id).where(Contact.account_id == account_id, Contact.deleted_at.is_(None))
    acts = select(
        ("activity:" + cast(Activity.id, String)).label("item_id"),
        Activity.occurred_at.label("occurred_at"),
        literal("activity").label("kind"),
        Activity.subject.label("title"),
        func.jsonb_build_object(
            "activity_id",
            Activity.id,
            "activity_kind",
            Activity.kind,
            "body",
            func.left(Activity.body, 500),
            "done",
            Activity.done,
            "contact_id",
            Activity.contact_id,
            "opportunity_id",
            Activity.opportunity_id,
            "by",
            Activity.created_by,
        ).label("data"),
    ).where(
        Activity.deleted_at.is_(None),
        or_(
            Activity.account_id == account_id,
            Activity.opportunity_id.in_(opportunities),
            Activity.contact_id.in_(contacts),
        ),
    )
    opened = select(
        ("opportunity:" + cast(Opportunity.id, String)).label("item_id"),
        Opportunity.created_at.label("occurred_at"),
        literal("opportunity").label("kind"),
        ("Opportunity opened: " + Opportunity.name).label("title"),
        func.jsonb_build_object(
            "opportunity_id",
            Opportunity.id,
            "amount",
            Opportunity.amount,
            "currency",
            Opportunity.currency,
            "by",
            Opportunity.created_by,
        ).label("data"),
    ).where(Opportunity.account_id == account_id, Opportunity.deleted_at.is_(None))
    stages = (
        select(
            ("stage:" + cast(StageChange.id, String)).label("item_id"),
            StageChange.changed_at.label("occurred_at"),
            literal("stage_change").label("kind"),
            (
                Opportunity.name
                + ": "
                + func.coalesce(StageChange.from_stage, "new")
                + " → "
                + StageChange.to_stage
            ).label("title"),
            func.jsonb_build_object(
                "opportunity_id",
                StageChange.opportunity_id,
                "from_stage",
                StageChange.from_stage,
                "to_stage",
                StageChange.to_stage,
                "reason",
                StageChange.reason,
                "by",
                StageChange.changed_by,
            ).label("data"),
        )
        .join(Opportunity, Opportunity.id == StageChange.opportunity_id)
        .where(Opportunity.account_id == account_id, Opportunity.deleted_at.is_(None))
    )
    others = select(
        ("event:" + cast(AccountEvent.id, String)).label("item_id"),
        AccountEvent.occurred_at.label("occurred_at"),
        AccountEvent.kind.label("kind"),
        AccountEvent.title.label("title"),
        cast(AccountEvent.data, JSONB).label("data"),
    ).where(AccountEvent.account_id == account_id)
    return union_all(acts, opened, stages, others).subquery("feed").select()


def feed_page(
    session: Session, account_id: uuid.UUID, *, limit: int, cursor: str | None, kinds: list[str] | None
) -> Page[Any]:
    """Rows ``item_id, occurred_at, kind, title, data``, newest first."""
    sub = feed(account_id).subquery("f")
    query = select(sub)
    if kinds:
        query = query.where(sub.c.kind.in_(kinds))
    if cursor:
        key = decode_cursor(cursor, ORDER, (datetime, str))
        query = query.where(cursor_after((sub.c.occurred_at, sub.c.item_id), key, desc=True))
    rows = session.execute(
        query.order_by(sub.c.occurred_at.desc(), sub.c.item_id.desc()).limit(limit + 1)
    ).all()
    return page_of(rows, limit, ORDER, key=lambda r: (r.occurred_at, r.item_id))


def live_account_with_cui(session: Session, digits: str) -> uuid.UUID | None:
    return session.scalar(
        select(Account.id)
        .where(Account.cui == digits, Account.deleted_at.is_(None), Account.merged_into_id.is_(None))
        .order_by(Account.created_at)
        .limit(1)
    )


def account_link(session: Session, account_id: uuid.UUID) -> Any:
    """``id, merged_into_id, deleted_at`` of an account (any state), or None."""
    return session.execute(
        select(Account.id, Account.merged_into_id, Account.deleted_at).where(Account.id == account_id)
    ).first()


def has_event(session: Session, account_id: uuid.UUID, source_event_id: uuid.UUID) -> bool:
    found = session.scalar(
        select(AccountEvent.id).where(
            AccountEvent.account_id == account_id, AccountEvent.source_event_id == source_event_id
        )
    )
    return found is not None


def opportunity_account(session: Session, opportunity_id: uuid.UUID) -> uuid.UUID | None:
    return session.scalar(
        select(Opportunity.account_id).where(
            Opportunity.id == opportunity_id, Opportunity.deleted_at.is_(None)
        )
    )


def sales_order(session: Session, order_id: str) -> SalesOrder | None:
    return session.scalar(select(SalesOrder).where(SalesOrder.order_id == order_id))


def sales_order_account(session: Session, order_id: str) -> uuid.UUID | None:
    return session.scalar(select(SalesOrder.account_id).where(SalesOrder.order_id == order_id))


def add(session: Session, row: Any) -> None:
    session.add(row)
