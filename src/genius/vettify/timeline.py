"""Account 360 timeline: one paginated feed of everything that happened around an account.

Sources, merged newest first with a keyset cursor on ``(occurred_at, id)``:

* activities (notes, calls, meetings, e-mails) on the account, its contacts or its opportunities;
* opportunities opened and their stage changes (who, when, why);
* ``crm.account_events``: sales orders and shipments consumed from other modules, ANAF compliance
  results, merges and lead conversions.

Consumed events (``sales.order.created``, ``wms.shipment.delivered``) are recorded here too.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import Select, String, cast, func, literal, or_, select, tuple_, union_all
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from genius.core.events.schemas import Envelope
from genius.vettify import events
from genius.vettify.models import (
    Account,
    AccountEvent,
    Activity,
    Contact,
    Opportunity,
    SalesOrder,
    StageChange,
)
from genius.vettify.service import ACCOUNTS, BadCursor, get_record

log = structlog.get_logger("genius.crm.timeline")


@dataclass
class TimelinePage:
    items: list[dict[str, Any]]
    next: str | None


def _encode(occurred_at: datetime, item_id: str) -> str:
    raw = json.dumps([occurred_at.isoformat(), item_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        when, item_id = json.loads(raw)
        parsed = datetime.fromisoformat(when)
        if parsed.tzinfo is None or not isinstance(item_id, str) or len(item_id) > 80:
            raise ValueError("bad cursor")
        return parsed, item_id
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError, UnicodeDecodeError):
        raise BadCursor("The cursor is not one this API returned; start again without it.") from None


def _feed(account_id: uuid.UUID) -> Select[Any]:
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


def account_timeline(
    session: Session,
    account_id: uuid.UUID,
    *,
    limit: int = 50,
    cursor: str | None = None,
    kinds: list[str] | None = None,
) -> TimelinePage:
    get_record(session, ACCOUNTS, account_id)  # 404 for a missing or another tenant's account
    feed = _feed(account_id).subquery("f")
    query = select(feed)
    if kinds:
        query = query.where(feed.c.kind.in_(kinds))
    if cursor:
        when, item_id = _decode(cursor)
        query = query.where(
            tuple_(feed.c.occurred_at, feed.c.item_id) < tuple_(literal(when), literal(item_id))
        )
    rows = session.execute(
        query.order_by(feed.c.occurred_at.desc(), feed.c.item_id.desc()).limit(limit + 1)
    ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    items = [
        {
            "id": r.item_id,
            "kind": r.kind,
            "occurred_at": r.occurred_at,
            "title": r.title,
            "data": {k: v for k, v in (r.data or {}).items() if v is not None},
        }
        for r in rows
    ]
    next_cursor = _encode(rows[-1].occurred_at, rows[-1].item_id) if more and rows else None
    return TimelinePage(items, next_cursor)


# --- consumed events ------------------------------------------------------------------------------
def _account_by_cui(session: Session, cui: str | None) -> uuid.UUID | None:
    if not cui:
        return None
    digits = cui.strip().upper().removeprefix("RO").strip()
    if not digits.isdigit():
        return None
    return session.scalar(
        select(Account.id)
        .where(Account.cui == digits, Account.deleted_at.is_(None), Account.merged_into_id.is_(None))
        .order_by(Account.created_at)
        .limit(1)
    )


def _live_account(session: Session, account_id: uuid.UUID | None) -> uuid.UUID | None:
    """The account, following merges to the survivor (an order may name a merged duplicate)."""
    seen = 0
    while account_id is not None and seen < 10:
        row = session.execute(
            select(Account.id, Account.merged_into_id, Account.deleted_at).where(Account.id == account_id)
        ).first()
        if row is None:
            return None
        if row.merged_into_id is None:
            return None if row.deleted_at is not None else row.id
        account_id = row.merged_into_id
        seen += 1
    return None


def _add_event(
    session: Session,
    tid: uuid.UUID,
    account_id: uuid.UUID,
    kind: str,
    title: str,
    occurred_at: datetime,
    data: dict[str, Any],
    source_event_id: uuid.UUID | None,
) -> None:
    if source_event_id is not None:
        exists = session.scalar(
            select(AccountEvent.id).where(
                AccountEvent.account_id == account_id, AccountEvent.source_event_id == source_event_id
            )
        )
        if exists is not None:
            return
    session.add(
        AccountEvent(
            tid=tid,
            account_id=account_id,
            kind=kind,
            title=title[:300],
            occurred_at=occurred_at,
            data=data,
            source_event_id=source_event_id,
        )
    )


def on_sales_order_created(session: Session, envelope: Envelope) -> bool:
    """Link the order to its account/opportunity and put it on the timeline. False when no account."""
    order = events.SalesOrderCreated.model_validate(envelope.data)
    opportunity_account = None
    opportunity_id = order.opportunity_id
    if opportunity_id is not None:
        opportunity_account = session.scalar(
            select(Opportunity.account_id).where(
                Opportunity.id == opportunity_id, Opportunity.deleted_at.is_(None)
            )
        )
        if opportunity_account is None:
            opportunity_id = None  # unknown here (or another tenant's): do not link it
    account_id = (
        _live_account(session, order.account_id)
        or _live_account(session, opportunity_account)
        or _account_by_cui(session, order.customer_cui)
    )
    existing = session.scalar(select(SalesOrder).where(SalesOrder.order_id == order.order_id))
    if existing is None:
        session.add(
            SalesOrder(
                tid=envelope.tid,
                order_id=order.order_id,
                number=order.number,
                account_id=account_id,
                opportunity_id=opportunity_id,
                customer_cui=(order.customer_cui or "").upper().removeprefix("RO").strip()[:10] or None,
                amount=order.total_amount,
                currency=order.currency,
                status=order.status,
                ordered_at=order.ordered_at,
                event_id=envelope.id,
            )
        )
    if account_id is None:
        log.info("sales_order_without_account", order=order.order_id)
        session.flush()
        return False
    amount = f" ({order.total_amount} {order.currency})" if order.total_amount is not None else ""
    _add_event(
        session,
        envelope.tid,
        account_id,
        "sales_order",
        f"Sales order {order.number or order.order_id}{amount}",
        order.ordered_at,
        {
            "order_id": order.order_id,
            "number": order.number,
            "opportunity_id": str(opportunity_id) if opportunity_id else None,
            "amount": str(order.total_amount) if order.total_amount is not None else None,
            "currency": order.currency,
            "status": order.status,
        },
        envelope.id,
    )
    session.flush()
    return True


def on_shipment_delivered(session: Session, envelope: Envelope) -> bool:
    shipment = events.ShipmentDelivered.model_validate(envelope.data)
    account_id = _live_account(session, shipment.account_id)
    if account_id is None and shipment.order_id:
        linked = session.scalar(select(SalesOrder.account_id).where(SalesOrder.order_id == shipment.order_id))
        account_id = _live_account(session, linked)
    if account_id is None:
        account_id = _account_by_cui(session, shipment.customer_cui)
    if account_id is None:
        log.info("shipment_without_account", shipment=shipment.shipment_id)
        return False
    _add_event(
        session,
        envelope.tid,
        account_id,
        "shipment",
        f"Shipment {shipment.shipment_id} delivered",
        shipment.delivered_at,
        {
            "shipment_id": shipment.shipment_id,
            "order_id": shipment.order_id,
            "carrier": shipment.carrier,
            "tracking_number": shipment.tracking_number,
            "uit": shipment.uit,
            "recipient_name": shipment.recipient_name,
        },
        envelope.id,
    )
    session.flush()
    return True


def record(
    session: Session,
    tid: uuid.UUID,
    account_id: uuid.UUID,
    kind: str,
    title: str,
    occurred_at: datetime,
    data: dict[str, Any],
) -> None:
    """A CRM change of our own that belongs on the timeline (merges, conversions)."""
    _add_event(session, tid, account_id, kind, title, occurred_at, data, None)
