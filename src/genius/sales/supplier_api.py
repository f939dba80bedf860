"""``/v1/sales/supplier-invoices``: the supplier invoices received in the tenant's SPV inbox.

List (``Page``, newest first), one, its invoice XML (``/xml``) and ANAF's signed ZIP (``/zip``), both from
compliance's archive under the tenant's key (409 when the archive lacks them), and its PDF (``/pdf``,
rendered once by ``pdf.render``: 202 with ``Retry-After`` while it is being rendered)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response as RawResponse

from genius.core.auth.deps import PlatformDep, TenantDB
from genius.core.kit.pagination import CursorParam, LimitParam, Page
from genius.sales import schemas as s
from genius.sales import supplier_invoices
from genius.sales.api import PROBLEMS, SalesRead
from genius.sales.models import SupplierInvoice

router = APIRouter(prefix="/v1/sales/supplier-invoices", tags=["sales"])

FILE_PROBLEMS: dict[int | str, dict[str, Any]] = {
    404: PROBLEMS[404],
    409: {"description": "The documents are not in the archive"},
}


def supplier_invoice_out(row: SupplierInvoice) -> s.SupplierInvoiceOut:
    return s.SupplierInvoiceOut.model_validate(
        {
            **{name: getattr(row, name) for name in s.SupplierInvoiceOut.model_fields if hasattr(row, name)},
            "type": row.kind,
        }
    )


@router.get(
    "", response_model=Page[s.SupplierInvoiceOut], summary="Supplier invoices received in SPV, newest first"
)
def list_supplier_invoices(
    principal: SalesRead, db: TenantDB, cursor: CursorParam = None, limit: LimitParam = 50
) -> Page[s.SupplierInvoiceOut]:
    return supplier_invoices.page(db, cursor=cursor, limit=limit).map(supplier_invoice_out)


@router.get(
    "/{invoice_id}",
    response_model=s.SupplierInvoiceOut,
    responses={404: PROBLEMS[404]},
    summary="A supplier invoice",
)
def get_supplier_invoice(invoice_id: uuid.UUID, principal: SalesRead, db: TenantDB) -> s.SupplierInvoiceOut:
    return supplier_invoice_out(supplier_invoices.get(db, invoice_id))


@router.get(
    "/{invoice_id}/xml",
    responses={**FILE_PROBLEMS, 200: {"content": {"application/xml": {}}}},
    response_class=RawResponse,
    summary="The supplier's invoice XML as received from SPV",
)
def supplier_invoice_xml(
    invoice_id: uuid.UUID, principal: SalesRead, db: TenantDB, platform: PlatformDep
) -> RawResponse:
    row = supplier_invoices.get(db, invoice_id)
    files = supplier_invoices.documents(platform, row)
    return RawResponse(files.xml, media_type="application/xml")


@router.get(
    "/{invoice_id}/zip",
    responses={**FILE_PROBLEMS, 200: {"content": {"application/zip": {}}}},
    response_class=RawResponse,
    summary="ANAF's signed ZIP of a supplier invoice (archived: SPV keeps it 60 days)",
)
def supplier_invoice_zip(
    invoice_id: uuid.UUID, principal: SalesRead, db: TenantDB, platform: PlatformDep
) -> RawResponse:
    row = supplier_invoices.get(db, invoice_id)
    files = supplier_invoices.documents(platform, row)
    return RawResponse(
        files.zip,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{row.id_descarcare}.zip"'},
    )


@router.get(
    "/{invoice_id}/pdf",
    responses={
        **FILE_PROBLEMS,
        200: {"content": {"application/pdf": {}}},
        202: {"description": "The PDF is being rendered: ask again after Retry-After seconds"},
    },
    response_class=RawResponse,
    summary="The supplier invoice as a PDF (the Romanian layout, from the XML as received)",
)
def supplier_invoice_pdf(
    invoice_id: uuid.UUID, principal: SalesRead, db: TenantDB, platform: PlatformDep
) -> RawResponse:
    row = supplier_invoices.get(db, invoice_id)
    try:
        data = supplier_invoices.pdf(platform, db, row)
    except supplier_invoices.PdfRendering:  # queued with this request's commit, as an issued invoice's
        return RawResponse(
            b'{"status":"rendering"}',
            status_code=202,
            media_type="application/json",
            headers={"Retry-After": "5"},
        )
    return RawResponse(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{row.id_descarcare}.pdf"'},
    )
