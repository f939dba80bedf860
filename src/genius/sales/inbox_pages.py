"""The e-Factura inbox pages: the supplier invoices received in SPV (``/sales/efactura/inbox``, a tab of
the e-Factura desk beside the outbox) and a readable view of one (parties, lines, VAT breakdown,
totals) read by our parser from the archived XML, with the XML and ANAF's signed ZIP to download.
A supplier invoice whose ANAF signature did not verify says so on both pages."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from genius.compliance.efactura.schemas import Invoice, Party
from genius.core.kit.errors import NotFound, Problem
from genius.core.kit.pagination import BadCursor
from genius.sales import supplier_invoices
from genius.sales.pages import PAGE_SIZE, SalesReader, _labels
from genius.web.kit import PageDB, _, context, error_page, flash, platform_of, render

router = APIRouter(include_in_schema=False)


@router.get("/sales/efactura/inbox", response_class=HTMLResponse)
def efactura_inbox(
    request: Request,
    user: SalesReader,
    db: PageDB,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    try:
        page = supplier_invoices.page(db, cursor=cursor, limit=PAGE_SIZE)
    except (BadCursor, Problem):
        page = supplier_invoices.page(db, cursor=None, limit=PAGE_SIZE)
    base = "/sales/efactura/inbox"
    ctx = context(
        request,
        account=user.account,
        tenant=user.tenant,
        rows=page.items,
        next_url=f"{base}?cursor={page.next}" if page.next else None,
        first_url=base if cursor else None,
        **_labels(),
    )
    return render(request, "sales/efactura_inbox.html", ctx)


# --- the readable view: our parser's Invoice in the shapes the sales document macros print ---------------
@dataclass
class LineView:
    position: str
    description: str
    quantity: Decimal
    unit_code: str
    unit_price: Decimal
    discount: Decimal | None
    vat_rate: Decimal | None
    vat_category: str
    net_amount: Decimal


@dataclass
class VatView:
    category: str
    rate: Decimal | None
    base: Decimal
    vat: Decimal


@dataclass
class DocView:
    currency: str
    lines: list[LineView]
    net_total: Decimal
    vat_total: Decimal
    gross_total: Decimal


def party_lines(party: Party) -> list[str]:
    a = party.address
    place = ", ".join(p for p in (a.street, a.additional_street, a.city, a.county, a.country) if p)
    return [x for x in (party.vat_id or (party.legal_id.value if party.legal_id else None), place) if x]


def view_of(invoice: Invoice) -> tuple[DocView, list[VatView]]:
    totals = invoice.totals or invoice.compute_totals()
    lines = [
        LineView(
            position=line.id,
            description=line.item.name,
            quantity=line.quantity,
            unit_code=line.unit_code,
            unit_price=line.price.amount,
            discount=sum((a.amount for a in line.allowances_charges if not a.is_charge), Decimal(0)) or None,
            vat_rate=line.item.vat_rate,
            vat_category=str(line.item.vat_category.value),
            net_amount=line.effective_net_amount(),
        )
        for line in invoice.lines
    ]
    vat = [
        VatView(str(b.category.value), b.rate, b.taxable_amount, b.tax_amount)
        for b in (invoice.vat_breakdown or invoice.compute_vat_breakdown())
    ]
    doc = DocView(
        invoice.currency,
        lines,
        totals.tax_exclusive,
        totals.vat_total or Decimal(0),
        totals.payable,
    )
    return doc, vat


@router.get("/sales/efactura/inbox/{invoice_id}", response_class=HTMLResponse)
def supplier_invoice(request: Request, invoice_id: uuid.UUID, user: SalesReader, db: PageDB) -> Response:
    try:
        row = supplier_invoices.get(db, invoice_id)
    except NotFound:
        return error_page(request, 404)
    extra: dict[str, Any] = {"invoice": None, "view": None, "vat_lines": []}
    try:
        invoice = supplier_invoices.documents(platform_of(request), row).invoice()
    except (Problem, ValueError):
        invoice = None
    if invoice is not None:
        view, vat_lines = view_of(invoice)
        extra = {
            "invoice": invoice,
            "view": view,
            "vat_lines": vat_lines,
            "seller_lines": party_lines(invoice.seller),
            "buyer_lines": party_lines(invoice.buyer),
        }
    ctx = context(
        request, account=user.account, tenant=user.tenant, row=row, today=date.today(), **extra, **_labels()
    )
    return render(request, "sales/supplier_invoice.html", ctx)


def _download(request: Request, db: PageDB, invoice_id: uuid.UUID, which: str) -> Response:
    try:
        row = supplier_invoices.get(db, invoice_id)
        files = supplier_invoices.documents(platform_of(request), row)
    except NotFound:
        return error_page(request, 404)
    except Problem:
        return error_page(request, 404)
    if which == "xml":
        data, media, name = files.xml, "application/xml", f"{row.id_descarcare}.xml"
    else:
        data, media, name = files.zip, "application/zip", f"{row.id_descarcare}.zip"
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/sales/efactura/inbox/{invoice_id}/xml")
def supplier_invoice_xml(request: Request, invoice_id: uuid.UUID, user: SalesReader, db: PageDB) -> Response:
    return _download(request, db, invoice_id, "xml")


@router.get("/sales/efactura/inbox/{invoice_id}/zip")
def supplier_invoice_zip(request: Request, invoice_id: uuid.UUID, user: SalesReader, db: PageDB) -> Response:
    return _download(request, db, invoice_id, "zip")


@router.get("/sales/efactura/inbox/{invoice_id}/pdf")
def supplier_invoice_pdf(request: Request, invoice_id: uuid.UUID, user: SalesReader, db: PageDB) -> Response:
    """The PDF once rendered; the first ask queues its rendering and comes back to the page."""
    try:
        row = supplier_invoices.get(db, invoice_id)
        data = supplier_invoices.pdf(platform_of(request), db, row)
    except NotFound:
        return error_page(request, 404)
    except supplier_invoices.PdfRendering:
        response = RedirectResponse(f"/sales/efactura/inbox/{invoice_id}", status_code=303)
        return flash(response, _("The PDF is being rendered; try again in a few seconds."), "info")
    except Problem:  # not in the archive
        return error_page(request, 404)
    name = f"{row.id_descarcare}.pdf"
    return Response(
        data, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
