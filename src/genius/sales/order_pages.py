"""Quote and order pages in the Shell: the lists (filtered by status) and one quote or order with its
lines, VAT and totals and the actions its state allows (send, accept, decline; confirm, cancel), an
order's invoices, and invoicing an order whole or in part (a quantity per line) into an invoice draft.

The pages call the same service as ``/v1/sales/quotes|orders`` under the same scopes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from genius.core.auth.scopes import Scope
from genius.core.kit.errors import NotFound, Problem
from genius.core.kit.manifest import N_
from genius.core.kit.pagination import BadCursor
from genius.sales import orders, repository, service
from genius.sales.models import Order
from genius.sales.pages import PAGE_SIZE, SalesReader, SalesWriter, _amount, _labels
from genius.sales.schemas import InvoiceLineIn, OrderInvoiceCreate
from genius.vettify import service as crm
from genius.web.kit import CsrfChecked, PageDB, PageForm, PageUser, _, context, error_page, flash, render

router = APIRouter(include_in_schema=False)

KINDS = {"quote": (N_("Quotes"), N_("Quote")), "order": (N_("Orders"), N_("Order"))}
STATUSES = {
    "quote": {
        "draft": (N_("Draft"), ""),
        "sent": (N_("Sent to the customer"), "info"),
        "accepted": (N_("Accepted"), "ok"),
        "declined": (N_("Declined"), "err"),
        "expired": (N_("Expired"), "warn"),
    },
    "order": {
        "draft": (N_("Draft"), ""),
        "confirmed": (N_("Confirmed"), "info"),
        "partially_invoiced": (N_("Partially invoiced"), "warn"),
        "invoiced": (N_("Invoiced"), "ok"),
        "cancelled": (N_("Cancelled"), "err"),
    },
}
Action = Callable[..., Order]
# action → (the service call, the states it is offered in, its button label, its icon)
ACTIONS: dict[str, dict[str, tuple[Action, set[str], str, str]]] = {
    "quote": {
        "send": (orders.send_quote, {"draft"}, N_("Send"), "send"),
        "accept": (orders.accept_quote, {"sent"}, N_("Accept: make the order"), "check"),
        "decline": (orders.decline_quote, {"sent", "expired"}, N_("Declined"), "x"),
    },
    "order": {
        "confirm": (orders.confirm_order, {"draft"}, N_("Confirm"), "check"),
        "cancel": (orders.cancel_order, {"draft", "confirmed"}, N_("Cancel order"), "x"),
    },
}
DONE = {
    "send": N_("%(number)s sent."),
    "accept": N_("Quote accepted: the order draft is ready to confirm."),
    "decline": N_("Quote marked as declined."),
    "confirm": N_("Order %(number)s confirmed."),
    "cancel": N_("Order cancelled."),
}


def _kind(plural: str) -> str | None:
    return {"quotes": "quote", "orders": "order"}.get(plural)


def _ctx_labels(kind: str) -> dict[str, Any]:
    many, one = KINDS[kind]
    return {
        **_labels(),
        "kind": kind,
        "plural": f"{kind}s",
        "many": _(many),
        "one": _(one),
        "states": {k: (_(label), tone) for k, (label, tone) in STATUSES[kind].items()},
    }


def _list(
    request: Request, user: PageUser, db: PageDB, kind: str, status: str | None, cursor: str | None
) -> Response:
    status = status if status in STATUSES[kind] else None
    try:
        page = orders.page(db, kind, status=status, customer_id=None, cursor=cursor, limit=PAGE_SIZE)
    except (BadCursor, Problem):  # an old or edited link: the first page
        page = orders.page(db, kind, status=status, customer_id=None, cursor=None, limit=PAGE_SIZE)
    names = crm.account_names(db, [r.customer_id for r in page.items])
    base = f"/sales/{kind}s" + (f"?status={status}" if status else "")
    joiner = "&" if status else "?"
    ctx = context(
        request,
        account=user.account,
        tenant=user.tenant,
        rows=[(r, orders.status_of(r), names.get(r.customer_id, "—")) for r in page.items],
        status=status or "",
        next_url=f"{base}{joiner}cursor={page.next}" if page.next else None,
        first_url=base if cursor else None,
        **_ctx_labels(kind),
    )
    return render(request, "sales/orders.html", ctx)


@router.get("/sales/quotes", response_class=HTMLResponse)
def quotes(
    request: Request,
    user: SalesReader,
    db: PageDB,
    status: Annotated[str | None, Query(max_length=20)] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    return _list(request, user, db, "quote", status, cursor)


@router.get("/sales/orders", response_class=HTMLResponse)
def orders_list(
    request: Request,
    user: SalesReader,
    db: PageDB,
    status: Annotated[str | None, Query(max_length=20)] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    return _list(request, user, db, "order", status, cursor)


def _detail(
    request: Request, user: PageUser, db: PageDB, row: Order, status: int = 200, **extra: Any
) -> Response:
    state = orders.status_of(row)
    can_write = Scope.SALES_WRITE in user.account.scopes
    actions = [
        (name, _(label), icon)
        for name, (_call, allowed, label, icon) in ACTIONS[row.kind].items()
        if can_write and state in allowed
    ]
    linked: tuple[str, Order | None] | None = None
    if row.kind == "quote":
        linked = ("/sales/orders", repository.order_of_quote(db, row.id))
    elif row.quote_id:
        linked = ("/sales/quotes", repository.order(db, row.quote_id))
    ctx = context(
        request,
        account=user.account,
        tenant=user.tenant,
        doc=row,
        state=state,
        customer_name=crm.account_names(db, [row.customer_id]).get(row.customer_id, "—"),
        vat_lines=service.document_totals(row).breakdown,
        actions=actions,
        linked=linked,
        invoices=repository.invoices_of_orders(db, [row.id])[row.id] if row.kind == "order" else [],
        can_invoice=can_write and state in ("confirmed", "partially_invoiced"),
        **_ctx_labels(row.kind),
        **({"errors": {}, "problems": []} | extra),
    )
    return render(request, "sales/order.html", ctx, status)


@router.get("/sales/{plural}/{row_id}", response_class=HTMLResponse)
def detail(request: Request, plural: str, row_id: uuid.UUID, user: SalesReader, db: PageDB) -> Response:
    kind = _kind(plural)
    if kind is None:
        return error_page(request, 404)
    try:
        row = orders.get(db, kind, row_id)
    except NotFound:
        return error_page(request, 404)
    return _detail(request, user, db, row)


@router.post("/sales/orders/{order_id}/invoice", dependencies=[CsrfChecked])
def invoice(request: Request, order_id: uuid.UUID, user: SalesWriter, db: PageDB, form: PageForm) -> Response:
    """Invoice the quantities typed per line (``qty-<position>``; empty or 0: not on this invoice)."""
    try:
        row = orders.get(db, "order", order_id)
    except NotFound:
        return error_page(request, 404)
    chosen: list[InvoiceLineIn] = []
    errors: dict[int, str] = {}
    for line in row.lines:
        raw = str(form.get(f"qty-{line.position}") or "")[:40]
        value = _amount(raw) if raw.strip() else Decimal(0)
        if value is None or value < 0:
            errors[line.position] = _("Enter a quantity, 0 or more.")
        elif value > 0:
            try:
                chosen.append(InvoiceLineIn(position=line.position, quantity=value))
            except ValidationError:
                errors[line.position] = _("Enter a quantity, 0 or more.")
    if not chosen and not errors:
        errors[0] = _("Type the quantity to invoice on at least one line.")
    if not errors:
        who = service.Actor(tid=user.account.tid, name=user.account.email)
        try:
            with db.begin_nested():
                doc = orders.invoice_order(db, who, order_id, OrderInvoiceCreate(lines=chosen))
        except Problem as exc:
            db.expire_all()
            for e in exc.errors or [{"field": "", "message": exc.detail or exc.title}]:
                index = str(e.get("field") or "").split(".")
                position = chosen[int(index[1])].position if len(index) > 1 and index[1].isdigit() else 0
                errors[position] = (
                    _("More than is left to invoice on this line.")
                    if position
                    else str(e.get("message") or "")
                )
        else:
            response = RedirectResponse(f"/sales/invoices/{doc.id}", status_code=303)
            return flash(response, _("Invoice draft made from the order: check it and issue it."))
    return _detail(request, user, db, orders.get(db, "order", order_id), 422, errors=errors)


# after the specific routes above: /sales/orders/{id}/invoice is not an action
@router.post("/sales/{plural}/{row_id}/{action}", dependencies=[CsrfChecked])
def act(
    request: Request, plural: str, row_id: uuid.UUID, action: str, user: SalesWriter, db: PageDB
) -> Response:
    kind = _kind(plural)
    if kind is None or action not in ACTIONS[kind]:
        return error_page(request, 404)
    try:
        orders.get(db, kind, row_id)
    except NotFound:
        return error_page(request, 404)
    who = service.Actor(tid=user.account.tid, name=user.account.email)
    try:
        with db.begin_nested():
            result = ACTIONS[kind][action][0](db, who, row_id, None)
    except Problem as exc:
        db.expire_all()
        problems = [str(e.get("message") or "") for e in (exc.errors or [])] or [exc.detail or exc.title]
        return _detail(request, user, db, orders.get(db, kind, row_id), 409, problems=problems)
    response = RedirectResponse(f"/sales/{result.kind}s/{result.id}", status_code=303)
    return flash(response, _(DONE[action], number=result.number or ""))
