"""Sales API under ``/v1/sales`` (scopes ``sales:read`` for reads, ``sales:write`` for changes).

* ``/products``: create, list (``Page``), get, ``PATCH`` (``If-Match`` required: 428 without, 412 stale);
* ``/payments`` (încasări): record one allocated to issued invoices (422 with the field over the open
  balance), list (``Page``, newest first), get;
* ``/invoices`` (invoices and credit notes): create a draft, list (``?status=draft|issued``), get,
  ``PATCH`` a draft (409 once issued, unless SPV rejected it), ``POST /{id}/issue``, ``POST /{id}/resend``
  (correct and resend a rejected document under its number) (422 with the e-Factura findings mapped to
  fields), ``GET /{id}/ubl`` (the exact XML queued for SPV), ``GET /{id}/efactura.zip`` (ANAF's signed
  ZIP once accepted). Every document carries its SPV status (``efactura``) and balance (``paid_total``,
  ``balance``, ``payment_status``). A EUR document issued without ``exchange_rate`` takes BNR's rate for
  its issue date (422 on ``exchange_rate`` when BNR has none and cannot be reached);
* ``/exchange-rates?currency=EUR&date=…``: the BNR rate a document of that date takes (cached).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import Response as RawResponse

from genius.compliance.efactura import service as efactura
from genius.core.auth.deps import PlatformDep, TenantDB, requires
from genius.core.auth.scopes import Scope
from genius.core.auth.tokens import Principal
from genius.core.kit.errors import Problem
from genius.core.kit.pagination import CursorParam, LimitParam, Page
from genius.core.storage import tenant_files_from_settings
from genius.sales import bnr, payments, service, spv, vat
from genius.sales import schemas as s
from genius.sales.models import Document, EfacturaStatus, Payment, Product

SalesRead = Annotated[Principal, Depends(requires(Scope.SALES_READ))]
SalesWrite = Annotated[Principal, Depends(requires(Scope.SALES_WRITE))]

router = APIRouter(prefix="/v1/sales", tags=["sales"])

IfMatch = Annotated[str | None, Header(max_length=400, description="ETag from a GET")]
CorrId = Annotated[str | None, Header(alias="x-corr-id", max_length=64, pattern=r"^[A-Za-z0-9._:\-]+$")]
PROBLEMS: dict[int | str, dict[str, Any]] = {
    404: {"description": "Not found (or another tenant's)"},
    409: {"description": "Conflict (duplicate code, issued document)"},
    412: {"description": "If-Match does not match the current ETag"},
    422: {"description": "Invalid fields (problem+json with errors[])"},
}


def actor(principal: Principal, request: Request, corr: str | None) -> service.Actor:
    request_id = str(getattr(request.state, "request_id", "") or "")
    return service.Actor(principal.tid, principal.email or principal.sub, corr or request_id or None)


def product_out(response: Response | None, row: Product) -> s.ProductOut:
    if response is not None:
        response.headers["ETag"] = service.etag(row)
    return s.ProductOut.model_validate(
        {
            **{c: getattr(row, c) for c in s.ProductOut.model_fields if c != "vat_rate"},
            "vat_rate": service.product_rate(row),
        }
    )


def document_out(doc: Document, status: EfacturaStatus | None, balance: payments.Balance) -> s.DocumentOut:
    totals = service.document_totals(doc)
    breakdown = []
    for part in totals.breakdown:
        reason = vat.exemption(part.category)
        breakdown.append(
            s.VatLineOut(
                category=part.category,
                rate=part.rate,
                base=part.base,
                vat=part.vat,
                exemption_reason=reason.reason if reason else None,
            )
        )
    return s.DocumentOut.model_validate(
        {
            **{name: getattr(doc, name) for name in s.DocumentOut.model_fields if hasattr(doc, name)},
            "type": doc.kind,
            "corrects_id": doc.corrected_id,
            "lines": [s.LineOut.model_validate(line) for line in doc.lines],
            "vat_breakdown": breakdown,
            "efactura": spv.summary(doc, status),
            "efactura_deadline": spv.efactura_deadline(doc),
            "paid_total": balance.paid,
            "credited_total": balance.credited,
            "balance": balance.open,
            "payment_status": balance.status,
        }
    )


def documents_out(db: TenantDB, docs: list[Document]) -> list[s.DocumentOut]:
    """Several documents with their SPV status and balances, read in two queries."""
    statuses = spv.statuses(db, [d.id for d in docs])
    balances = payments.balances(db, docs)
    return [document_out(d, statuses.get(d.id), balances[d.id]) for d in docs]


def one_document_out(db: TenantDB, response: Response, doc: Document) -> s.DocumentOut:
    response.headers["ETag"] = service.etag(doc)
    return documents_out(db, [doc])[0]


# --- products ----------------------------------------------------------------------------------------
@router.post(
    "/products",
    status_code=201,
    response_model=s.ProductOut,
    responses=PROBLEMS,
    summary="Add a product or service to the catalogue",
)
def create_product(
    body: s.ProductCreate,
    principal: SalesWrite,
    db: TenantDB,
    request: Request,
    response: Response,
    corr: CorrId = None,
) -> s.ProductOut:
    row = service.create_product(db, actor(principal, request, corr), body)
    response.headers["Location"] = f"/v1/sales/products/{row.id}"
    return product_out(response, row)


@router.get("/products", response_model=Page[s.ProductOut], summary="The catalogue, oldest first")
def list_products(
    principal: SalesRead, db: TenantDB, cursor: CursorParam = None, limit: LimitParam = 50
) -> Page[s.ProductOut]:
    return service.product_page(db, cursor=cursor, limit=limit).map(lambda p: product_out(None, p))


@router.get("/products/{product_id}", response_model=s.ProductOut, responses=PROBLEMS, summary="A product")
def get_product(
    product_id: uuid.UUID, principal: SalesRead, db: TenantDB, response: Response
) -> s.ProductOut:
    return product_out(response, service.get_product(db, product_id))


@router.patch(
    "/products/{product_id}",
    response_model=s.ProductOut,
    responses=PROBLEMS,
    summary="Change a product (If-Match required)",
)
def update_product(
    product_id: uuid.UUID,
    body: s.ProductUpdate,
    principal: SalesWrite,
    db: TenantDB,
    response: Response,
    if_match: IfMatch = None,
) -> s.ProductOut:
    return product_out(response, service.update_product(db, product_id, body, if_match))


# --- invoices and credit notes ---------------------------------------------------------------------
@router.post(
    "/invoices",
    status_code=201,
    response_model=s.DocumentOut,
    responses=PROBLEMS,
    summary="Draft an invoice or a credit note (no number until issued)",
)
def create_invoice(
    body: s.DocumentCreate,
    principal: SalesWrite,
    db: TenantDB,
    request: Request,
    response: Response,
    corr: CorrId = None,
) -> s.DocumentOut:
    doc = service.create_document(db, actor(principal, request, corr), body)
    response.headers["Location"] = f"/v1/sales/invoices/{doc.id}"
    return one_document_out(db, response, doc)


@router.get(
    "/invoices", response_model=Page[s.DocumentOut], summary="Invoices and credit notes, newest first"
)
def list_invoices(
    principal: SalesRead,
    db: TenantDB,
    status: Annotated[Literal["draft", "issued"] | None, Query()] = None,
    cursor: CursorParam = None,
    limit: LimitParam = 50,
) -> Page[s.DocumentOut]:
    page = service.document_page(db, status=status, cursor=cursor, limit=limit)
    return Page[s.DocumentOut](items=documents_out(db, page.items), next=page.next, total=page.total)


@router.get(
    "/invoices/{invoice_id}",
    response_model=s.DocumentOut,
    responses=PROBLEMS,
    summary="An invoice or credit note",
)
def get_invoice(
    invoice_id: uuid.UUID, principal: SalesRead, db: TenantDB, response: Response
) -> s.DocumentOut:
    return one_document_out(db, response, service.get_document(db, invoice_id))


@router.patch(
    "/invoices/{invoice_id}",
    response_model=s.DocumentOut,
    responses=PROBLEMS,
    summary="Change a draft (If-Match required; an issued document is a 409)",
)
def update_invoice(
    invoice_id: uuid.UUID,
    body: s.DocumentUpdate,
    principal: SalesWrite,
    db: TenantDB,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
    corr: CorrId = None,
) -> s.DocumentOut:
    doc = service.update_document(db, actor(principal, request, corr), invoice_id, body, if_match)
    return one_document_out(db, response, doc)


@router.post(
    "/invoices/{invoice_id}/issue",
    response_model=s.DocumentOut,
    responses=PROBLEMS,
    summary="Issue: number it, generate and validate the e-Factura XML, queue the SPV upload",
)
def issue_invoice(
    invoice_id: uuid.UUID,
    principal: SalesWrite,
    db: TenantDB,
    platform: PlatformDep,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
    corr: CorrId = None,
) -> s.DocumentOut:
    doc = service.issue(
        db,
        actor(principal, request, corr),
        invoice_id,
        if_match,
        artefacts_dir=platform.settings.efactura_artefacts_dir,
        rates=bnr.BnrClient.from_settings(platform.settings),
    )
    return one_document_out(db, response, doc)


@router.post(
    "/invoices/{invoice_id}/resend",
    response_model=s.DocumentOut,
    responses=PROBLEMS,
    summary="Correct and resend: upload a rejected (or failed) document again under the same number",
    description="A document SPV rejected was never legally received: correct it (PATCH, If-Match; its "
    "number and issue date stay) and resend it. 409 unless its SPV status is rejected or failed and "
    "the earlier upload is final at ANAF (an upload still waiting for ANAF's reply is never repeated); "
    "422 with the e-Factura findings mapped to fields.",
)
def resend_invoice(
    invoice_id: uuid.UUID,
    principal: SalesWrite,
    db: TenantDB,
    platform: PlatformDep,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
    corr: CorrId = None,
) -> s.DocumentOut:
    doc = service.resend(
        db,
        actor(principal, request, corr),
        invoice_id,
        if_match,
        artefacts_dir=platform.settings.efactura_artefacts_dir,
        rates=bnr.BnrClient.from_settings(platform.settings),
    )
    return one_document_out(db, response, doc)


@router.get(
    "/invoices/{invoice_id}/ubl",
    responses={**PROBLEMS, 200: {"content": {"application/xml": {}}}},
    response_class=RawResponse,
    summary="The exact UBL CIUS-RO XML queued for SPV",
)
def invoice_ubl(invoice_id: uuid.UUID, principal: SalesRead, db: TenantDB) -> RawResponse:
    return RawResponse(service.ubl(db, invoice_id).encode(), media_type="application/xml")


@router.get(
    "/invoices/{invoice_id}/efactura.zip",
    responses={**PROBLEMS, 200: {"content": {"application/zip": {}}}},
    response_class=RawResponse,
    summary="ANAF's signed ZIP of an accepted document (409 until SPV accepted it)",
)
def invoice_zip(
    invoice_id: uuid.UUID, principal: SalesRead, db: TenantDB, platform: PlatformDep
) -> RawResponse:
    name, id_descarcare = accepted_download(db, invoice_id)
    data = efactura.signed_zip(platform, principal.tid, id_descarcare)
    return RawResponse(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}.zip"'},
    )


def accepted_download(db: TenantDB, invoice_id: uuid.UUID) -> tuple[str, str]:
    """(file name, ANAF download id) of an accepted document; 409 before SPV accepted it."""
    doc = service.get_document(db, invoice_id)
    status = spv.status_of(db, doc.id)
    if status is None or status.state != "accepted" or not status.id_descarcare:
        raise Problem(
            "SPV has not accepted this document (yet): its signed ZIP is not available.",
            status=409,
            code="efactura-not-accepted",
            title="Conflict",
        )
    return doc.number or str(doc.id), status.id_descarcare


@router.get(
    "/invoices/{invoice_id}/pdf",
    responses={
        **PROBLEMS,
        200: {"content": {"application/pdf": {}}},
        202: {"description": "The PDF is being rendered: ask again after Retry-After seconds"},
    },
    response_class=RawResponse,
    summary="The PDF of an issued document (rendered on the pdf.render queue after it was issued)",
)
def invoice_pdf(
    invoice_id: uuid.UUID, principal: SalesRead, db: TenantDB, platform: PlatformDep
) -> RawResponse:
    doc = service.get_document(db, invoice_id)
    service.ubl(db, invoice_id)  # a draft has no PDF: 409
    files = tenant_files_from_settings(platform.settings).for_tenant(principal.tid)
    pdf = service.stored_pdf(files, doc)
    if pdf is None:
        return RawResponse(
            b'{"status":"rendering"}',
            status_code=202,
            media_type="application/json",
            headers={"Retry-After": "5"},
        )
    name = doc.number or str(doc.id)
    return RawResponse(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'},
    )


# --- payments (încasări) ---------------------------------------------------------------------------
def payment_out(row: Payment) -> s.PaymentOut:
    return s.PaymentOut(
        id=row.id,
        received_on=row.received_on,
        amount=row.amount,
        currency=row.currency,
        method=row.method,
        reference=row.reference,
        customer_id=row.customer_id,
        allocated=row.allocated,
        unallocated=row.amount - row.allocated,
        allocations=[s.AllocationOut(invoice_id=a.document_id, amount=a.amount) for a in row.allocations],
        created_by=row.created_by,
        created_at=row.created_at,
    )


@router.post(
    "/payments",
    status_code=201,
    response_model=s.PaymentOut,
    responses=PROBLEMS,
    summary="Record a payment and allocate it to issued invoices (never over their open balance)",
)
def create_payment(
    body: s.PaymentCreate,
    principal: SalesWrite,
    db: TenantDB,
    request: Request,
    response: Response,
    corr: CorrId = None,
) -> s.PaymentOut:
    row = payments.record(db, actor(principal, request, corr), body)
    response.headers["Location"] = f"/v1/sales/payments/{row.id}"
    return payment_out(row)


@router.get("/payments", response_model=Page[s.PaymentOut], summary="Payments, newest first")
def list_payments(
    principal: SalesRead, db: TenantDB, cursor: CursorParam = None, limit: LimitParam = 50
) -> Page[s.PaymentOut]:
    return payments.page(db, cursor=cursor, limit=limit).map(payment_out)


@router.get("/payments/{payment_id}", response_model=s.PaymentOut, responses=PROBLEMS, summary="A payment")
def get_payment(payment_id: uuid.UUID, principal: SalesRead, db: TenantDB) -> s.PaymentOut:
    return payment_out(payments.get(db, payment_id))


# --- customers who are persons (B2C) -----------------------------------------------------------------
def buyer_cnp_out(row: service.BuyerCnp) -> s.BuyerCnpOut:
    return s.BuyerCnpOut(
        account_id=row.account_id,
        individual=row.individual,
        cnp_masked=row.masked,
        updated_at=row.updated_at,
    )


@router.get(
    "/customers/{account_id}/cnp",
    response_model=s.BuyerCnpOut,
    responses=PROBLEMS,
    summary="Whether a customer who is a person has a CNP on file (masked)",
)
def get_buyer_cnp(account_id: uuid.UUID, principal: SalesRead, db: TenantDB) -> s.BuyerCnpOut:
    return buyer_cnp_out(service.buyer_cnp(db, account_id))


@router.put(
    "/customers/{account_id}/cnp",
    response_model=s.BuyerCnpOut,
    responses=PROBLEMS,
    summary="Keep (or forget, with null) the CNP a person's invoices carry",
    description="An individual customer (a CRM account without a CUI) is identified on e-Factura by their "
    "CNP (BR-RO-120), or by ANAF's 0000000000000 when none is kept. The CNP is validated (date, county "
    "code, check digit), kept by sales only, shown masked, and audited without the number. A company "
    "(an account with a CUI) is refused: 422 on `cnp`.",
)
def put_buyer_cnp(
    account_id: uuid.UUID,
    body: s.BuyerCnpIn,
    principal: SalesWrite,
    db: TenantDB,
    request: Request,
    corr: CorrId = None,
) -> s.BuyerCnpOut:
    return buyer_cnp_out(service.set_buyer_cnp(db, actor(principal, request, corr), account_id, body.cnp))


# --- BNR exchange rates ------------------------------------------------------------------------------
@router.get(
    "/exchange-rates",
    response_model=s.ExchangeRateOut,
    responses={422: PROBLEMS[422]},
    summary="The BNR rate a document of this date takes (the last fixing published before it)",
    description="Codul fiscal art. 290 (2) and its Norms (HG 1/2016, title VII pt. 35 (1)): the rate BNR "
    "communicated the day before, valid for the operations of the next day. Read from the cache, else "
    "fetched from BNR once and cached for every tenant. 422 on `date` when BNR has not published it yet or "
    "cannot be reached with nothing cached, on `currency` when BNR publishes no rate for it.",
)
def exchange_rate(
    principal: SalesRead,
    db: TenantDB,
    platform: PlatformDep,
    currency: Annotated[str, Query(pattern=r"^[A-Za-z]{3}$", description="ISO 4217 code")] = "EUR",
    day: Annotated[date | None, Query(alias="date", description="Document date (default: today)")] = None,
) -> s.ExchangeRateOut:
    on = day or service.today()
    try:
        rate = service.bnr_rate(db, bnr.BnrClient.from_settings(platform.settings), currency, on)
    except bnr.RateUnavailable as exc:
        field = "currency" if exc.reason == "unknown-currency" else "date"
        raise exc.problem(field, "query") from None
    return s.ExchangeRateOut(
        currency=rate.currency,
        date=rate.day,
        rate_date=rate.rate_date,
        rate=rate.rate,
        value=rate.value,
        multiplier=rate.multiplier,
    )
