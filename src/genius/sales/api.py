"""Sales API under ``/v1/sales`` (scopes ``sales:read`` for reads, ``sales:write`` for changes).

* ``/products``: create, list (``Page``), get, ``PATCH`` (``If-Match`` required: 428 without, 412 stale);
* ``/invoices`` (invoices and credit notes): create a draft, list (``?status=draft|issued``), get,
  ``PATCH`` a draft (409 once issued), ``POST /{id}/issue`` (422 with the e-Factura findings mapped to
  fields), ``GET /{id}/ubl`` (the exact XML queued for SPV).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import Response as RawResponse

from genius.core.auth.deps import PlatformDep, TenantDB, requires
from genius.core.auth.scopes import Scope
from genius.core.auth.tokens import Principal
from genius.core.kit.pagination import CursorParam, LimitParam, Page
from genius.sales import schemas as s
from genius.sales import service, vat
from genius.sales.models import Document, Product

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


def document_out(response: Response | None, doc: Document) -> s.DocumentOut:
    if response is not None:
        response.headers["ETag"] = service.etag(doc)
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
        }
    )


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
    return document_out(response, doc)


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
    return page.map(lambda d: document_out(None, d))


@router.get(
    "/invoices/{invoice_id}",
    response_model=s.DocumentOut,
    responses=PROBLEMS,
    summary="An invoice or credit note",
)
def get_invoice(
    invoice_id: uuid.UUID, principal: SalesRead, db: TenantDB, response: Response
) -> s.DocumentOut:
    return document_out(response, service.get_document(db, invoice_id))


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
    return document_out(response, doc)


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
    )
    return document_out(response, doc)


@router.get(
    "/invoices/{invoice_id}/ubl",
    responses={**PROBLEMS, 200: {"content": {"application/xml": {}}}},
    response_class=RawResponse,
    summary="The exact UBL CIUS-RO XML queued for SPV",
)
def invoice_ubl(invoice_id: uuid.UUID, principal: SalesRead, db: TenantDB) -> RawResponse:
    return RawResponse(service.ubl(db, invoice_id).encode(), media_type="application/xml")
