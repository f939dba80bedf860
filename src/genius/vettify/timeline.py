"""Account 360 timeline: one paginated feed of everything that happened around an account.

Sources, merged newest first with a keyset cursor on ``(occurred_at, id)``:

* activities (notes, calls, meetings, e-mails) on the account, its contacts or its opportunities;
* opportunities opened and their stage changes (who, when, why);
* ``crm.account_events``: sales orders and shipments consumed from other modules, ANAF compliance
  results, merges and lead conversions.

Consumed events (``sales.order.created``, ``wms.shipment.delivered``) are recorded here too. The SQL is
in ``genius.vettify.repository.timeline``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.orm import Session

from genius.core.events.schemas import Envelope
from genius.core.kit.pagination import Page
from genius.vettify import events
from genius.vettify.models import AccountEvent, SalesOrder
from genius.vettify.repository import timeline as repository
from genius.vettify.service import ACCOUNTS, get_record

log = structlog.get_logger("genius.crm.timeline")


def account_timeline(
    session: Session,
    account_id: uuid.UUID,
    *,
    limit: int = 50,
    cursor: str | None = None,
    kinds: list[str] | None = None,
) -> Page[dict[str, Any]]:
    get_record(session, ACCOUNTS, account_id)  # 404 for a missing or another tenant's account
    page = repository.feed_page(session, account_id, limit=limit, cursor=cursor, kinds=kinds)
    return page.map(
        lambda r: {
            "id": r.item_id,
            "kind": r.kind,
            "occurred_at": r.occurred_at,
            "title": r.title,
            "data": {k: v for k, v in (r.data or {}).items() if v is not None},
        }
    )


# --- consumed events ------------------------------------------------------------------------------
def _account_by_cui(session: Session, cui: str | None) -> uuid.UUID | None:
    if not cui:
        return None
    digits = cui.strip().upper().removeprefix("RO").strip()
    if not digits.isdigit():
        return None
    return repository.live_account_with_cui(session, digits)


def _live_account(session: Session, account_id: uuid.UUID | None) -> uuid.UUID | None:
    """The account, following merges to the survivor (an order may name a merged duplicate)."""
    seen = 0
    while account_id is not None and seen < 10:
        row = repository.account_link(session, account_id)
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
        if repository.has_event(session, account_id, source_event_id):
            return
    repository.add(
        session,
        AccountEvent(
            tid=tid,
            account_id=account_id,
            kind=kind,
            title=title[:300],
            occurred_at=occurred_at,
            data=data,
            source_event_id=source_event_id,
        ),
    )


def on_sales_order_created(session: Session, envelope: Envelope) -> bool:
    """Link the order to its account/opportunity and put it on the timeline. False when no account."""
    order = events.SalesOrderCreated.model_validate(envelope.data)
    opportunity_account = None
    opportunity_id = order.opportunity_id
    if opportunity_id is not None:
        opportunity_account = repository.opportunity_account(session, opportunity_id)
        if opportunity_account is None:
            opportunity_id = None  # unknown here (or another tenant's): do not link it
    account_id = (
        _live_account(session, order.account_id)
        or _live_account(session, opportunity_account)
        or _account_by_cui(session, order.customer_cui)
    )
    existing = repository.sales_order(session, order.order_id)
    if existing is None:
        repository.add(
            session,
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
            ),
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
        linked = repository.sales_order_account(session, shipment.order_id)
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
