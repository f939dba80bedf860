"""Quote and order pages in the Shell: the lists (filtered by status) and one quote or order with its
lines, VAT and totals and the actions its state allows (send, accept, decline; confirm, cancel), an
order's invoices, and invoicing an order whole or in part (a quantity per line) into an invoice draft.

An order also shows its e-Transport notification (the UIT, its validity window and countdown, its QR
code, the state at ANAF, ANAF's messages when rejected) or the form that starts it, and links to its
delivery note (aviz) PDF; ``transport_pages`` holds the routes that start it and the desk's list.

The pages call the same service as ``/v1/sales/quotes|orders`` under the same scopes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from genius.compliance.etransport import service as etransport
from genius.core.auth.scopes import Scope
from genius.core.kit.errors import NotFound, Problem
from genius.core.kit.manifest import N_
from genius.core.kit.pagination import BadCursor
from genius.sales import delivery_note, orders, repository, service, transport
from genius.sales.models import Order, OrderTransport
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


# e-Transport: the declaration's state at compliance as the order shows it (label, badge kind)
ETR_STATES = {
    "queued": (N_("Queued for ANAF"), "info"),
    "pending": (N_("Queued for ANAF"), "info"),
    "uploading": (N_("Sent to ANAF"), "info"),
    "unknown": (N_("Sent to ANAF"), "info"),
    "uploaded": (N_("Sent to ANAF"), "info"),
    "valid": (N_("UIT valid"), "ok"),
    "nok": (N_("Rejected by ANAF"), "err"),
    "xml_errors": (N_("Rejected by ANAF"), "err"),
    "uit_invalid": (N_("Rejected by ANAF"), "err"),
    "rejected": (N_("Rejected by ANAF"), "err"),
    "failed": (N_("Not sent to ANAF"), "err"),
    "deleted": (N_("UIT cancelled"), "warn"),
}
ETR_OPERATIONS = (
    ("30", N_("30 TTN: transport in Romania")),
    ("20", N_("20 LIC: intra-EU delivery")),
    ("50", N_("50 EXP: export")),
)
# The service's rules (its error ``type``) in the page's words.
ETR_MESSAGES = {
    "no_risky_line": N_(
        "No line of this order carries a tariff code of high fiscal risk: set the tariff code (cod tarifar) "
        "of its products. e-Transport declares only those goods."
    ),
    "missing_weight": N_("Give this line's gross weight: its product has no unit weight."),
    "bad_weight": N_("The weights must be at least 0.01 kg and the net weight at most the gross weight."),
    "not_a_county": N_("Not a Romanian county."),
    "address_incomplete": N_("Give the street and number, and the locality."),
    "place_missing": N_("Give the address: there is no default for it."),
    "place_both": N_("Give a border crossing point or a customs office, not both."),
    "company_cui": N_("Set the company's CUI in the tenant settings."),
    "operation_country": N_("This operation type does not fit the customer's country."),
    "exchange_rate_missing": N_("A EUR order needs the BNR exchange rate: e-Transport values are in RON."),
}


# an amendment of the UIT (kind:state) in the order's words
AMEND_TEXTS = {
    "stergere:queued": N_(
        "The cancellation of the UIT was sent to ANAF: the order shows it once ANAF takes it."
    ),
    "stergere:valid": N_("ANAF cancelled the UIT: it no longer covers a transport."),
    "stergere:rejected": N_("ANAF refused to cancel the UIT; it stays valid:"),
    "corectie:queued": N_(
        "The correction was sent to ANAF: the UIT stays the same; the data shows here once ANAF takes it."
    ),
    "corectie:valid": N_("ANAF took the correction: the data above is the corrected one."),
    "corectie:rejected": N_("ANAF refused the correction; the UIT stays valid as first declared:"),
}


def countdown_label(left: transport.Countdown) -> tuple[str, str] | None:
    """A UIT's remaining validity as the pages show it, and its badge kind."""
    if left.kind == "pending":
        return None
    if left.kind == "expired":
        return _("expired"), "err"
    if left.kind == "not_yet":
        return _("valid from %(date)s", date=left.starts.strftime("%d.%m.%Y") if left.starts else ""), "info"
    if left.days == 0:
        return _("%(hours)s h left", hours=left.hours), "warn"
    return _("%(days)s d %(hours)s h left", days=left.days, hours=left.hours), "info"


def _fix_defaults(snap: OrderTransport) -> dict[str, str]:
    """The correction form's first values: the declared transport's (the route's default is the
    notification's own, so its fields start empty)."""
    data = snap.transport or {}
    return {
        "vehicle": str(data.get("vehicle") or ""),
        "trailer1": str(data.get("trailer1") or ""),
        "carrier_name": str(data.get("carrier_name") or ""),
        "carrier_code": str(data.get("carrier_code") or ""),
        "transport_date": snap.transport_date.isoformat(),
        "operation_type": snap.operation_type,
    } | {
        f"weight-{g['position']}": str(g.get("gross_weight_kg") or "")
        for g in data.get("goods") or []
        if g.get("position") is not None
    }


def transport_context(
    db: PageDB,
    user: PageUser,
    row: Order,
    state: str,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    fix: tuple[dict[str, Any], dict[str, str]] | None = None,
) -> dict[str, Any]:
    """The order page's e-Transport part: the declaration (UIT, window, countdown, QR) with its
    cancellation and correction, or the form that starts it."""
    if row.kind != "order":
        return {"etr": None, "etr_form": False, "etr_printable": False}
    out = transport.views(db, user.account.tid, [row.id]).get(row.id)
    can_write = Scope.SALES_WRITE in user.account.scopes
    startable = can_write and state in transport.STARTABLE
    again = out is not None and out.state in etransport.REJECTED_STATES | {"rejected"}
    risky = transport.risky_lines(db, row)
    snap = transport.get(db, row.id) if out is not None else None
    defaults = {
        "vehicle": (snap.transport or {}).get("vehicle", "") if snap else "",
        "transport_date": service.today().isoformat(),
        "operation_type": "30",
    }
    amend = None
    if snap is not None and snap.amend_declaration_id is not None:
        live = etransport.summaries(db, user.account.tid, [snap.amend_declaration_id])
        amend = transport.amendment(snap, live.get(snap.amend_declaration_id))
    can_amend = (
        can_write
        and out is not None
        and out.state == "valid"
        and bool(out.uit)
        and (amend is None or amend["state"] != "queued")
    )
    return {
        "etr_amend": amend,
        "etr_amend_texts": {k: _(v) for k, v in AMEND_TEXTS.items()},
        "etr_can_amend": can_amend,
        "etr_fix_values": fix[0] if fix else (_fix_defaults(snap) if snap is not None else {}),
        "etr_fix_errors": fix[1] if fix else {},
        "etr": out,
        "etr_countdown": countdown_label(transport.countdown(out)) if out else None,
        "etr_qr": delivery_note.qr_data_uri(out.uit) if out is not None and out.uit else None,
        "etr_states": {k: (_(label), tone) for k, (label, tone) in ETR_STATES.items()},
        "etr_form": startable and (out is None or again),
        "etr_again": again,
        "etr_printable": state in delivery_note.PRINTABLE,
        "etr_operations": [(k, _(label)) for k, label in ETR_OPERATIONS],
        "etr_risky": risky,
        "etr_values": values or defaults,
        "etr_errors": errors or {},
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
    request: Request,
    user: PageUser,
    db: PageDB,
    row: Order,
    status: int = 200,
    transport_form: tuple[dict[str, Any], dict[str, str]] | None = None,
    fix_form: tuple[dict[str, Any], dict[str, str]] | None = None,
    **extra: Any,
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
        **transport_context(
            db,
            user,
            row,
            state,
            values=transport_form[0] if transport_form else None,
            errors=transport_form[1] if transport_form else None,
            fix=fix_form,
        ),
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
