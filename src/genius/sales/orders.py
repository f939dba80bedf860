"""From quote to invoice: quotes (oferte) and orders (comenzi), their states, and the conversions
quote → order → one or several (partial) invoices.

* A quote: draft → sent (numbered in its series, e.g. ``OF-2026-000001``) → accepted (an order draft is
  made from it, lines copied, linked back) | declined; a sent quote past ``valid_until`` is expired.
* An order: draft → confirmed (numbered, ``CMD-…``; publishes ``sales.order.created``, which the CRM
  shows in Account 360) → partially_invoiced → invoiced; or cancelled before anything is invoiced.
* Invoicing an order makes a normal invoice draft (issued through the usual path) for the chosen lines
  and quantities; the order's row lock serialises invoicers, so concurrent partial invoices never bill
  more than was ordered.
* A won CRM opportunity (``crm.opportunity.stage_changed`` to ``won``) starts a draft quote for its
  account and amount, once per opportunity.

Lines, VAT by date, totals and numbering are the invoices' own (``service``). Never commits.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from genius.core.db.base import new_id
from genius.core.events.schemas import Envelope
from genius.core.events.service import publish
from genius.core.kit.errors import Conflict, NotFound, Unprocessable, field_error
from genius.core.kit.pagination import Page
from genius.sales import repository, service
from genius.sales.models import Document, Order, OrderLine
from genius.sales.schemas import (
    InvoiceCreate,
    LineIn,
    OrderCreate,
    OrderInvoiceCreate,
    QuoteCreate,
    SalesDocUpdate,
)
from genius.sales.service import Actor
from genius.sales.vat import RateClass, VatCategory
from genius.vettify.events import OpportunityStageChanged, SalesOrderCreated

LABEL = {"quote": "quote", "order": "order"}
CENT = Decimal("0.01")


def _now() -> datetime:
    return datetime.now(UTC)


def status_of(row: Order) -> str:
    """The status shown: a sent quote past its validity date is expired."""
    if row.kind == "quote" and row.status == "sent" and row.valid_until and row.valid_until < service.today():
        return "expired"
    return row.status


def get(session: Session, kind: str, row_id: uuid.UUID, *, lock: bool = False) -> Order:
    row = repository.order(session, row_id, lock=lock)
    if row is None or row.kind != kind:
        raise NotFound(f"No {LABEL[kind]} {row_id}.")
    return row


def page(
    session: Session,
    kind: str,
    *,
    status: str | None,
    customer_id: uuid.UUID | None,
    cursor: str | None,
    limit: int,
) -> Page[Order]:
    return repository.order_page(
        session,
        kind=kind,
        status=status,
        customer_id=customer_id,
        today=service.today(),
        cursor=cursor,
        limit=limit,
    )


def _new(session: Session, actor: Actor, kind: str, body: QuoteCreate | OrderCreate, **extra: Any) -> Order:
    service.customer_account(session, body.customer_id)
    now = _now()
    row = Order(
        id=new_id(),
        tid=actor.tid,
        kind=kind,
        status="draft",
        series=body.series,
        issue_date=body.issue_date,
        currency=body.currency,
        customer_id=body.customer_id,
        notes=body.notes,
        version=1,
        created_by=actor.name,
        created_at=now,
        updated_at=now,
        **extra,
    )
    row.lines = service.build_lines(session, actor.tid, body.lines, OrderLine)
    service.compute(row, body.issue_date or service.today())
    repository.add(session, row)
    return row


def create_quote(session: Session, actor: Actor, body: QuoteCreate) -> Order:
    if body.opportunity_id is not None:
        if repository.quote_of_opportunity(session, body.opportunity_id) is not None:
            raise Conflict("This opportunity has a quote already.", field="opportunity_id")
    return _new(
        session, actor, "quote", body, valid_until=body.valid_until, opportunity_id=body.opportunity_id
    )


def create_order(session: Session, actor: Actor, body: OrderCreate) -> Order:
    return _new(session, actor, "order", body)


def update(
    session: Session, actor: Actor, kind: str, row_id: uuid.UUID, body: SalesDocUpdate, if_match: str | None
) -> Order:
    row = get(session, kind, row_id, lock=True)
    service.check_if_match(row, if_match, required=True)
    if row.status != "draft":
        raise Conflict(f"{row.number} is {status_of(row)} and cannot change.", code="not-draft")
    changes = body.changes()
    if "customer_id" in changes:
        service.customer_account(session, changes["customer_id"])
    if body.lines is not None:
        row.lines = service.build_lines(session, actor.tid, body.lines, OrderLine)
    names = ("customer_id", "issue_date", "currency", "notes") + (("valid_until",) if kind == "quote" else ())
    for name in names:
        if name in changes:
            setattr(row, name, changes[name])
    service.compute(row, row.issue_date or service.today())
    service.touch(row)
    return row


def _transition(
    session: Session, kind: str, row_id: uuid.UUID, if_match: str | None, allowed: set[str], action: str
) -> Order:
    row = get(session, kind, row_id, lock=True)
    service.check_if_match(row, if_match, required=False)
    if status_of(row) not in allowed:
        raise Conflict(
            f"A {status_of(row)} {LABEL[kind]} cannot be {action}.", code=f"{LABEL[kind]}-{status_of(row)}"
        )
    return row


def _number(session: Session, actor: Actor, row: Order) -> None:
    """Number a draft in its series (gapless, as invoices are at issue) and date it."""
    if not row.lines:
        raise field_error("lines", f"a {LABEL[row.kind]} needs at least one line")
    on = row.issue_date or service.today()
    service.compute(row, on)
    row.seq, row.number = service.take_number(session, actor.tid, row.series, on)
    row.year, row.issue_date = on.year, on


# --- quotes ------------------------------------------------------------------------------------------
def send_quote(session: Session, actor: Actor, quote_id: uuid.UUID, if_match: str | None) -> Order:
    row = _transition(session, "quote", quote_id, if_match, {"draft"}, "sent")
    _number(session, actor, row)
    row.status = "sent"
    service.touch(row)
    return row


def decline_quote(session: Session, actor: Actor, quote_id: uuid.UUID, if_match: str | None) -> Order:
    row = _transition(session, "quote", quote_id, if_match, {"sent", "expired"}, "declined")
    row.status = "declined"
    service.touch(row)
    return row


def accept_quote(session: Session, actor: Actor, quote_id: uuid.UUID, if_match: str | None) -> Order:
    """Accept a sent quote (not past its validity) and make the order draft from it: its lines copied,
    linked back to the quote. Returns the order."""
    row = _transition(session, "quote", quote_id, if_match, {"sent"}, "accepted")
    row.status = "accepted"
    service.touch(row)
    now = _now()
    order = Order(
        id=new_id(),
        tid=actor.tid,
        kind="order",
        status="draft",
        series=OrderCreate.model_fields["series"].default,
        currency=row.currency,
        customer_id=row.customer_id,
        opportunity_id=row.opportunity_id,
        quote_id=row.id,
        notes=row.notes,
        version=1,
        created_by=actor.name,
        created_at=now,
        updated_at=now,
    )
    order.lines = [
        OrderLine(
            **{c: getattr(line, c) for c in _LINE_COPY},
            id=new_id(),
            tid=actor.tid,
            invoiced=Decimal(0),
        )
        for line in row.lines
    ]
    service.compute(order, service.today())
    repository.add(session, order)
    return order


_LINE_COPY = (
    "position",
    "product_id",
    "description",
    "quantity",
    "unit_code",
    "unit_price",
    "discount",
    "vat_category",
    "rate_class",
)


# --- orders ------------------------------------------------------------------------------------------
def confirm_order(session: Session, actor: Actor, order_id: uuid.UUID, if_match: str | None) -> Order:
    """Number the order and publish ``sales.order.created`` (the CRM's Account 360 shows it)."""
    row = _transition(session, "order", order_id, if_match, {"draft"}, "confirmed")
    _number(session, actor, row)
    row.status = "confirmed"
    service.touch(row)
    account = service.customer_account(session, row.customer_id)
    session.flush()
    publish(
        session,
        "sales.order.created",
        SalesOrderCreated(
            order_id=str(row.id),
            number=row.number,
            account_id=row.customer_id,
            opportunity_id=row.opportunity_id,
            customer_cui=(account.cui or None),
            customer_name=account.name[:300],
            total_amount=row.gross_total,
            currency=row.currency,
            status=row.status,
            ordered_at=row.updated_at,
            created_by=actor.name,
        ),
        tid=actor.tid,
        aggregate_id=row.id,
        correlation_id=actor.correlation_id,
    )
    return row


def cancel_order(session: Session, actor: Actor, order_id: uuid.UUID, if_match: str | None) -> Order:
    row = _transition(session, "order", order_id, if_match, {"draft", "confirmed"}, "cancelled")
    row.status = "cancelled"
    service.touch(row)
    return row


def invoice_order(session: Session, actor: Actor, order_id: uuid.UUID, body: OrderInvoiceCreate) -> Document:
    """An invoice draft for the chosen lines and quantities (all that is left when none are chosen).
    The order's row is locked first: a concurrent invoicer waits and then sees these quantities."""
    row = _transition(
        session, "order", order_id, None, {"confirmed", "partially_invoiced"}, "invoiced (confirm it first)"
    )
    by_position = {line.position: line for line in row.lines}
    wanted: list[tuple[OrderLine, Decimal]] = []
    errors: list[dict[str, str]] = []
    if body.lines is None:
        wanted = [
            (line, line.quantity - line.invoiced) for line in row.lines if line.quantity > line.invoiced
        ]
        if not wanted:
            raise Conflict("Everything on this order is invoiced.", code="order-invoiced")
    else:
        if not body.lines:
            raise field_error("lines", "choose at least one line to invoice")
        seen: set[int] = set()
        for i, chosen in enumerate(body.lines):
            line = by_position.get(chosen.position)
            if line is None:
                errors.append(_error(f"lines.{i}.position", "the order has no line at this position"))
            elif chosen.position in seen:
                errors.append(_error(f"lines.{i}.position", "this line is chosen twice"))
            elif chosen.quantity > line.quantity - line.invoiced:
                left = line.quantity - line.invoiced
                errors.append(
                    _error(f"lines.{i}.quantity", f"more than is left to invoice on this line ({left:f})")
                )
            else:
                wanted.append((line, chosen.quantity))
            seen.add(chosen.position)
    if errors:
        raise Unprocessable("The request has invalid fields.", errors=errors)
    invoice = InvoiceCreate(
        type="invoice",
        series=body.series,
        customer_id=row.customer_id,
        issue_date=body.issue_date,
        due_date=body.due_date,
        currency=row.currency,
        exchange_rate=body.exchange_rate,
        notes=f"Comanda {row.number}",
        lines=[
            LineIn(
                product_id=line.product_id,
                description=line.description,
                quantity=quantity,
                unit_code=line.unit_code,
                unit_price=line.unit_price,
                discount=(line.discount * quantity / line.quantity).quantize(CENT),
                vat_category=VatCategory(line.vat_category),
                rate_class=RateClass(line.rate_class),
            )
            for line, quantity in wanted
        ],
    )
    doc = service.create_document(session, actor, invoice)
    doc.order_id = row.id
    for line, quantity in wanted:
        line.invoiced += quantity
    row.status = "invoiced" if all(li.invoiced >= li.quantity for li in row.lines) else "partially_invoiced"
    service.touch(row)
    session.flush()
    return doc


def _error(field: str, message: str) -> dict[str, str]:
    return {"field": field, "in": "body", "message": message, "type": "value_error"}


# --- a won CRM opportunity starts a quote ------------------------------------------------------------
WON = "won"


def on_opportunity_stage_changed(session: Session, envelope: Envelope) -> Order | None:
    """A draft quote for a won opportunity's account, with its amount as one line (net, standard VAT);
    one quote per opportunity however often the event comes."""
    changed = OpportunityStageChanged.model_validate(envelope.data)
    if changed.to_stage != WON or repository.quote_of_opportunity(session, changed.opportunity_id):
        return None
    lines = []
    if changed.amount is not None and changed.amount > 0:
        lines.append(
            LineIn(
                description="Conform oportunității câștigate", quantity=Decimal(1), unit_price=changed.amount
            )
        )
    body = QuoteCreate(
        customer_id=changed.account_id,
        currency="EUR" if changed.currency == "EUR" else "RON",
        opportunity_id=changed.opportunity_id,
        lines=lines,
    )
    actor = Actor(envelope.tid, changed.changed_by, envelope.correlation_id)
    try:
        return create_quote(session, actor, body)
    except Unprocessable:  # the account is gone (merged, deleted): nothing to quote
        return None
