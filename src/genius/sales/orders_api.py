"""Quotes and orders under ``/v1/sales`` (scopes ``sales:read`` / ``sales:write``).

* ``/quotes``: create a draft (optionally for a CRM opportunity: one quote each), list (``Page``,
  ``?status=&customer_id=``), get, ``PATCH`` a draft (``If-Match`` required), actions ``send``
  (numbered ``OF-…``), ``accept`` (returns the order draft made from it, 201), ``decline``;
* ``/orders``: the same for orders, actions ``confirm`` (numbered ``CMD-…``, publishes
  ``sales.order.created``) and ``cancel``, and ``POST /orders/{id}/invoices``: an invoice draft for
  chosen lines and quantities (422 naming the line when more than is left to invoice);
* ``POST /orders/{id}/etransport``: the e-Transport notification of the order's goods of high fiscal
  risk, validated and queued to the ``anaf.etransport`` worker through the outbox (202; 200 with the
  declaration it has already, unless ANAF rejected it; 422 naming the fields when it cannot be built,
  e.g. no line carries a high-risk tariff code); ``GET`` the same path: its state, UIT and validity;
* ``POST /orders/{id}/etransport/cancel`` (the UIT deleted at ANAF) and ``…/etransport/correct`` (the
  same UIT, the corrected transport data as the body): queued like the notification (202; 200 when the
  same amendment is under way), audited, ``If-Match`` optional; 409 with the reason's ``code`` when there
  is nothing to amend (no UIT ANAF confirmed, deleted, the other amendment pending, the UIT expired);
* ``GET /orders/{id}/delivery-note.pdf``: the delivery note (aviz de însoțire) with the UIT and its QR.

A state change that the document's state forbids is a 409.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import Response as RawResponse

from genius.core.auth.deps import PlatformDep, TenantDB
from genius.core.auth.tokens import Principal
from genius.core.kit.errors import NotFound
from genius.core.kit.pagination import CursorParam, LimitParam, Page
from genius.sales import delivery_note, orders, repository, service, transport
from genius.sales import schemas as s
from genius.sales.api import PROBLEMS, CorrId, IfMatch, SalesRead, SalesWrite, actor, one_document_out
from genius.sales.models import Order, OrderTransport

router = APIRouter(prefix="/v1/sales", tags=["sales"])
CustomerFilter = Annotated[uuid.UUID | None, Query(description="Only this customer's (a CRM account)")]


def _base(row: Order) -> dict[str, object]:
    totals = service.document_totals(row)
    return {
        **{name: getattr(row, name) for name in s.SalesDocOut.model_fields if hasattr(row, name)},
        "status": orders.status_of(row),
        "lines": [s.OrderLineOut.model_validate(line) for line in row.lines],
        "vat_breakdown": [
            s.VatLineOut(category=p.category, rate=p.rate, base=p.base, vat=p.vat) for p in totals.breakdown
        ],
    }


def quotes_out(db: TenantDB, rows: list[Order]) -> list[s.QuoteOut]:
    made = repository.orders_of_quotes(db, [r.id for r in rows])
    return [
        s.QuoteOut.model_validate(
            {
                **_base(r),
                "valid_until": r.valid_until,
                "opportunity_id": r.opportunity_id,
                "order_id": made.get(r.id),
            }
        )
        for r in rows
    ]


def orders_out(db: TenantDB, rows: list[Order]) -> list[s.OrderOut]:
    invoices = repository.invoices_of_orders(db, [r.id for r in rows])
    shipped = transport.views(db, rows[0].tid, [r.id for r in rows]) if rows else {}
    return [
        s.OrderOut.model_validate(
            {
                **_base(r),
                "opportunity_id": r.opportunity_id,
                "quote_id": r.quote_id,
                "invoices": [
                    s.InvoiceRef(
                        id=d.id,
                        number=d.number,
                        status=d.status,
                        gross_total=d.gross_total,
                        currency=d.currency,
                    )
                    for d in invoices[r.id]
                ],
                "etransport": shipped.get(r.id),
            }
        )
        for r in rows
    ]


def quote_out(db: TenantDB, response: Response, row: Order) -> s.QuoteOut:
    response.headers["ETag"] = service.etag(row)
    return quotes_out(db, [row])[0]


def order_out(db: TenantDB, response: Response, row: Order) -> s.OrderOut:
    response.headers["ETag"] = service.etag(row)
    return orders_out(db, [row])[0]


# --- quotes ------------------------------------------------------------------------------------------
@router.post(
    "/quotes",
    status_code=201,
    response_model=s.QuoteOut,
    responses=PROBLEMS,
    summary="Draft a quote (oferta)",
)
def create_quote(
    body: s.QuoteCreate,
    principal: SalesWrite,
    db: TenantDB,
    request: Request,
    response: Response,
    corr: CorrId = None,
) -> s.QuoteOut:
    row = orders.create_quote(db, actor(principal, request, corr), body)
    response.headers["Location"] = f"/v1/sales/quotes/{row.id}"
    return quote_out(db, response, row)


@router.get("/quotes", response_model=Page[s.QuoteOut], summary="Quotes, newest first")
def list_quotes(
    principal: SalesRead,
    db: TenantDB,
    status: Annotated[s.QuoteStatus | None, Query()] = None,
    customer_id: CustomerFilter = None,
    cursor: CursorParam = None,
    limit: LimitParam = 50,
) -> Page[s.QuoteOut]:
    got = orders.page(db, "quote", status=status, customer_id=customer_id, cursor=cursor, limit=limit)
    return Page[s.QuoteOut](items=quotes_out(db, list(got.items)), next=got.next, total=got.total)


@router.get("/quotes/{quote_id}", response_model=s.QuoteOut, responses=PROBLEMS, summary="A quote")
def get_quote(quote_id: uuid.UUID, principal: SalesRead, db: TenantDB, response: Response) -> s.QuoteOut:
    return quote_out(db, response, orders.get(db, "quote", quote_id))


@router.patch(
    "/quotes/{quote_id}",
    response_model=s.QuoteOut,
    responses=PROBLEMS,
    summary="Change a draft quote (If-Match required; 409 once sent)",
)
def update_quote(
    quote_id: uuid.UUID,
    body: s.SalesDocUpdate,
    principal: SalesWrite,
    db: TenantDB,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
    corr: CorrId = None,
) -> s.QuoteOut:
    row = orders.update(db, actor(principal, request, corr), "quote", quote_id, body, if_match)
    return quote_out(db, response, row)


@router.post(
    "/quotes/{quote_id}/send",
    response_model=s.QuoteOut,
    responses=PROBLEMS,
    summary="Send a draft quote: it is numbered in its series",
)
def send_quote(
    quote_id: uuid.UUID,
    principal: SalesWrite,
    db: TenantDB,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
    corr: CorrId = None,
) -> s.QuoteOut:
    return quote_out(db, response, orders.send_quote(db, actor(principal, request, corr), quote_id, if_match))


@router.post(
    "/quotes/{quote_id}/decline",
    response_model=s.QuoteOut,
    responses=PROBLEMS,
    summary="The customer declined",
)
def decline_quote(
    quote_id: uuid.UUID,
    principal: SalesWrite,
    db: TenantDB,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
    corr: CorrId = None,
) -> s.QuoteOut:
    row = orders.decline_quote(db, actor(principal, request, corr), quote_id, if_match)
    return quote_out(db, response, row)


@router.post(
    "/quotes/{quote_id}/accept",
    status_code=201,
    response_model=s.OrderOut,
    responses=PROBLEMS,
    summary="The customer accepted a sent quote: the order draft made from it (lines copied)",
)
def accept_quote(
    quote_id: uuid.UUID,
    principal: SalesWrite,
    db: TenantDB,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
    corr: CorrId = None,
) -> s.OrderOut:
    row = orders.accept_quote(db, actor(principal, request, corr), quote_id, if_match)
    response.headers["Location"] = f"/v1/sales/orders/{row.id}"
    return order_out(db, response, row)


# --- orders ------------------------------------------------------------------------------------------
@router.post(
    "/orders",
    status_code=201,
    response_model=s.OrderOut,
    responses=PROBLEMS,
    summary="Draft an order (comanda)",
)
def create_order(
    body: s.OrderCreate,
    principal: SalesWrite,
    db: TenantDB,
    request: Request,
    response: Response,
    corr: CorrId = None,
) -> s.OrderOut:
    row = orders.create_order(db, actor(principal, request, corr), body)
    response.headers["Location"] = f"/v1/sales/orders/{row.id}"
    return order_out(db, response, row)


@router.get("/orders", response_model=Page[s.OrderOut], summary="Orders, newest first")
def list_orders(
    principal: SalesRead,
    db: TenantDB,
    status: Annotated[s.OrderStatus | None, Query()] = None,
    customer_id: CustomerFilter = None,
    cursor: CursorParam = None,
    limit: LimitParam = 50,
) -> Page[s.OrderOut]:
    got = orders.page(db, "order", status=status, customer_id=customer_id, cursor=cursor, limit=limit)
    return Page[s.OrderOut](items=orders_out(db, list(got.items)), next=got.next, total=got.total)


@router.get("/orders/{order_id}", response_model=s.OrderOut, responses=PROBLEMS, summary="An order")
def get_order(order_id: uuid.UUID, principal: SalesRead, db: TenantDB, response: Response) -> s.OrderOut:
    return order_out(db, response, orders.get(db, "order", order_id))


@router.patch(
    "/orders/{order_id}",
    response_model=s.OrderOut,
    responses=PROBLEMS,
    summary="Change a draft order (If-Match required; 409 once confirmed)",
)
def update_order(
    order_id: uuid.UUID,
    body: s.SalesDocUpdate,
    principal: SalesWrite,
    db: TenantDB,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
    corr: CorrId = None,
) -> s.OrderOut:
    row = orders.update(db, actor(principal, request, corr), "order", order_id, body, if_match)
    return order_out(db, response, row)


@router.post(
    "/orders/{order_id}/confirm",
    response_model=s.OrderOut,
    responses=PROBLEMS,
    summary="Confirm a draft order: numbered, and sales.order.created published",
)
def confirm_order(
    order_id: uuid.UUID,
    principal: SalesWrite,
    db: TenantDB,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
    corr: CorrId = None,
) -> s.OrderOut:
    row = orders.confirm_order(db, actor(principal, request, corr), order_id, if_match)
    return order_out(db, response, row)


@router.post(
    "/orders/{order_id}/cancel",
    response_model=s.OrderOut,
    responses=PROBLEMS,
    summary="Cancel an order nothing of which is invoiced",
)
def cancel_order(
    order_id: uuid.UUID,
    principal: SalesWrite,
    db: TenantDB,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
    corr: CorrId = None,
) -> s.OrderOut:
    row = orders.cancel_order(db, actor(principal, request, corr), order_id, if_match)
    return order_out(db, response, row)


@router.post(
    "/orders/{order_id}/invoices",
    status_code=201,
    response_model=s.DocumentOut,
    responses=PROBLEMS,
    summary="Invoice an order, whole or in part: an invoice draft (issued as any other)",
)
def invoice_order(
    order_id: uuid.UUID,
    body: s.OrderInvoiceCreate,
    principal: SalesWrite,
    db: TenantDB,
    request: Request,
    response: Response,
    corr: CorrId = None,
) -> s.DocumentOut:
    doc = orders.invoice_order(db, actor(principal, request, corr), order_id, body)
    response.headers["Location"] = f"/v1/sales/invoices/{doc.id}"
    return one_document_out(db, response, doc)


# --- e-Transport and the delivery note ----------------------------------------------------------------
@router.post(
    "/orders/{order_id}/etransport",
    status_code=202,
    response_model=s.OrderTransportOut,
    responses={
        **PROBLEMS,
        200: {"model": s.OrderTransportOut, "description": "The declaration the order has already"},
    },
    summary="Declare the order's goods of high fiscal risk to e-Transport (queued to the worker)",
)
def start_etransport(
    order_id: uuid.UUID,
    body: s.OrderTransportIn,
    principal: SalesWrite,
    db: TenantDB,
    platform: PlatformDep,
    request: Request,
    response: Response,
    corr: CorrId = None,
) -> s.OrderTransportOut:
    who = actor(principal, request, corr)
    row, created = transport.start(db, who, order_id, body, settings=platform.settings)
    if not created:
        response.status_code = 200
    return transport.view_one(db, principal.tid, row, queued=created)


AMEND_PROBLEMS: dict[int | str, dict[str, Any]] = {
    **PROBLEMS,
    409: {
        "description": "Nothing to amend (problem+json, its `code`): `etransport-none` (no transport "
        "declared), `etransport-not-valid` (no UIT ANAF confirmed, or it is deleted), "
        "`etransport-amendment-pending` (the other amendment is under way), `etransport-expired` (the "
        "UIT's validity is over)"
    },
}


def _amended(
    db: TenantDB, principal: Principal, row: OrderTransport, created: bool, response: Response
) -> s.OrderTransportOut:
    if not created:
        response.status_code = 200
    return transport.view_one(db, principal.tid, row, queued=created)


@router.post(
    "/orders/{order_id}/etransport/cancel",
    status_code=202,
    response_model=s.OrderTransportOut,
    responses={
        **AMEND_PROBLEMS,
        200: {"model": s.OrderTransportOut, "description": "The same cancellation is already under way"},
    },
    summary="Cancel the order's UIT at ANAF (an e-Transport deletion, queued to the worker)",
    description="A `stergere` of the UIT, queued through the outbox (202, `amendment.state` `queued`); the "
    "order's declaration shows `deleted` once ANAF took it, or `amendment.state` `rejected` with ANAF's "
    "messages. Asked again while it is under way: 200 with it, nothing queued. `If-Match` (the order's "
    "ETag) is optional.",
)
def cancel_etransport(
    order_id: uuid.UUID,
    principal: SalesWrite,
    db: TenantDB,
    platform: PlatformDep,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
    corr: CorrId = None,
) -> s.OrderTransportOut:
    who = actor(principal, request, corr)
    row, created = transport.cancel(db, who, order_id, settings=platform.settings, if_match=if_match)
    return _amended(db, principal, row, created, response)


@router.post(
    "/orders/{order_id}/etransport/correct",
    status_code=202,
    response_model=s.OrderTransportOut,
    responses={
        **AMEND_PROBLEMS,
        200: {"model": s.OrderTransportOut, "description": "A correction is already under way"},
    },
    summary="Correct the order's notification under the same UIT (an e-Transport correction)",
    description="The notification built again from the order and the corrected transport data (vehicle, "
    "date, route, weights), carrying the UIT it corrects, which ANAF keeps; queued like the cancellation. "
    "The corrected data becomes the declaration's once ANAF confirmed it. 422 names the fields the "
    "correction cannot be built or validated with.",
)
def correct_etransport(
    order_id: uuid.UUID,
    body: s.OrderTransportIn,
    principal: SalesWrite,
    db: TenantDB,
    platform: PlatformDep,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
    corr: CorrId = None,
) -> s.OrderTransportOut:
    who = actor(principal, request, corr)
    row, created = transport.correct(db, who, order_id, body, settings=platform.settings, if_match=if_match)
    return _amended(db, principal, row, created, response)


@router.get(
    "/orders/{order_id}/etransport",
    response_model=s.OrderTransportOut,
    responses=PROBLEMS,
    summary="The order's e-Transport declaration: state, UIT and its validity window",
)
def get_etransport(order_id: uuid.UUID, principal: SalesRead, db: TenantDB) -> s.OrderTransportOut:
    orders.get(db, "order", order_id)
    found = transport.views(db, principal.tid, [order_id]).get(order_id)
    if found is None:
        raise NotFound("This order has no e-Transport declaration.")
    return found


@router.get(
    "/orders/{order_id}/delivery-note.pdf",
    responses={**PROBLEMS, 200: {"content": {"application/pdf": {}}}},
    response_class=RawResponse,
    summary="The delivery note (aviz de însoțire a mărfii) with the UIT and its QR code",
)
def delivery_note_pdf(order_id: uuid.UUID, principal: SalesRead, db: TenantDB) -> RawResponse:
    data = delivery_note.pdf(db, principal.tid, order_id)
    name = orders.get(db, "order", order_id).number or str(order_id)
    return RawResponse(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="aviz-{name}.pdf"'},
    )
