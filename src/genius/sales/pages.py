"""Sales pages in the Shell: the invoice list (drafts and issued, credit notes too) and one document
with its lines, VAT breakdown and totals; a draft is issued from its page (numbered, its e-Factura XML
generated and validated, the SPV upload queued), an issued one offers its XML.

The pages call the same service as ``/v1/sales`` under the same scopes."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from genius.core.auth.scopes import Scope
from genius.core.kit.errors import Conflict, NotFound, Problem
from genius.core.kit.manifest import N_
from genius.core.kit.pagination import BadCursor
from genius.sales import service
from genius.sales.models import Document
from genius.vettify import service as crm
from genius.web.kit import (
    CsrfChecked,
    PageDB,
    PageUser,
    _,
    context,
    error_page,
    flash,
    page_requires,
    platform_of,
    render,
)

router = APIRouter(include_in_schema=False)
SalesReader = Annotated[PageUser, Depends(page_requires(Scope.SALES_READ))]
SalesWriter = Annotated[PageUser, Depends(page_requires(Scope.SALES_WRITE))]
PAGE_SIZE = 50

KIND_LABELS = {"invoice": N_("Invoice"), "credit_note": N_("Credit note")}
STATUS_LABELS = {"draft": N_("Draft"), "issued": N_("Issued")}
STATUS_KINDS = {"draft": "", "issued": "ok"}
# The units most invoices use, as Romanian invoices print them (UN/ECE Rec 20 code → short name);
# any other code is shown as it is.
UNIT_NAMES = {
    "C62": N_("pcs"),
    "H87": N_("pcs"),
    "HUR": N_("h"),
    "DAY": N_("day"),
    "MON": N_("month"),
    "ANN": N_("year"),
    "KGM": "kg",
    "GRM": "g",
    "TNE": "t",
    "MTR": "m",
    "KMT": "km",
    "MTK": "m²",
    "MTQ": "m³",
    "LTR": "l",
    "KWH": "kWh",
    "SET": N_("set"),
}
CATEGORY_LABELS = {
    "S": N_("VAT"),
    "Z": N_("Zero rate"),
    "E": N_("Exempt"),
    "AE": N_("Reverse charge"),
    "K": N_("Intra-EU supply"),
    "G": N_("Export outside the EU"),
    "O": N_("Not subject to VAT"),
}


def _labels() -> dict[str, Any]:
    return {
        "kind_labels": {k: _(v) for k, v in KIND_LABELS.items()},
        "status_labels": {k: _(v) for k, v in STATUS_LABELS.items()},
        "status_kinds": STATUS_KINDS,
        "category_labels": {k: _(v) for k, v in CATEGORY_LABELS.items()},
        "unit_names": {k: _(v) for k, v in UNIT_NAMES.items()},
    }


def _customer_names(db: PageDB, docs: list[Document]) -> dict[uuid.UUID, str]:
    """Issued documents keep the customer's name as it was at issue; drafts show the CRM's."""
    names = crm.account_names(db, [d.customer_id for d in docs if not d.customer])
    for d in docs:
        if d.customer and d.customer.get("name"):
            names[d.id] = str(d.customer["name"])
    return names


def _customer_of(doc: Document, names: dict[uuid.UUID, str]) -> str:
    return names.get(doc.id) or names.get(doc.customer_id) or "—"


@router.get("/sales/invoices", response_class=HTMLResponse)
def invoices(
    request: Request,
    user: SalesReader,
    db: PageDB,
    status: Annotated[str | None, Query(max_length=10)] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    status = status if status in STATUS_LABELS else None
    try:
        page = service.document_page(db, status=status, cursor=cursor, limit=PAGE_SIZE)
    except (BadCursor, Problem):  # an old or edited link: the first page
        page = service.document_page(db, status=status, cursor=None, limit=PAGE_SIZE)
    names = _customer_names(db, page.items)
    base = "/sales/invoices" + (f"?status={status}" if status else "")
    joiner = "&" if status else "?"
    ctx = context(
        request,
        account=user.account,
        tenant=user.tenant,
        rows=[(d, _customer_of(d, names)) for d in page.items],
        status=status or "",
        next_url=f"{base}{joiner}cursor={page.next}" if page.next else None,
        first_url=base if cursor else None,
        **_labels(),
    )
    return render(request, "sales/invoices.html", ctx)


def _document_context(
    request: Request, user: PageUser, db: PageDB, doc: Document, **extra: Any
) -> dict[str, Any]:
    names = _customer_names(db, [doc])
    totals = service.document_totals(doc)
    return context(
        request,
        account=user.account,
        tenant=user.tenant,
        doc=doc,
        customer_name=_customer_of(doc, names),
        vat_lines=totals.breakdown,
        can_issue=Scope.SALES_WRITE in user.account.scopes and doc.status == "draft",
        **_labels(),
        **({"findings": []} | extra),
    )


@router.get("/sales/invoices/{document_id}", response_class=HTMLResponse)
def invoice(request: Request, document_id: uuid.UUID, user: SalesReader, db: PageDB) -> Response:
    try:
        doc = service.get_document(db, document_id)
    except NotFound:
        return error_page(request, 404)
    return render(request, "sales/invoice.html", _document_context(request, user, db, doc))


@router.post("/sales/invoices/{document_id}/issue", dependencies=[CsrfChecked])
def invoice_issue(request: Request, document_id: uuid.UUID, user: SalesWriter, db: PageDB) -> Response:
    try:
        doc = service.get_document(db, document_id)
    except NotFound:
        return error_page(request, 404)
    who = service.Actor(tid=user.account.tid, name=user.account.email)
    try:
        with db.begin_nested():  # a refused issue leaves the draft exactly as it was
            issued = service.issue(
                db, who, document_id, None, artefacts_dir=platform_of(request).settings.efactura_artefacts_dir
            )
    except (Problem, Conflict) as exc:
        db.expire_all()
        doc = service.get_document(db, document_id)
        findings = [(str(e.get("field") or ""), str(e.get("message") or "")) for e in (exc.errors or [])] or [
            ("", exc.detail or exc.title)
        ]
        ctx = _document_context(request, user, db, doc, findings=findings)
        return render(request, "sales/invoice.html", ctx, 422)
    response = RedirectResponse(f"/sales/invoices/{issued.id}", status_code=303)
    return flash(response, _("%(number)s issued; its upload to SPV is queued.", number=issued.number or ""))


@router.get("/sales/invoices/{document_id}/ubl")
def invoice_ubl(request: Request, document_id: uuid.UUID, user: SalesReader, db: PageDB) -> Response:
    try:
        doc = service.get_document(db, document_id)
        xml = service.ubl(db, document_id)
    except (NotFound, Problem):
        return error_page(request, 404)
    filename = f"{doc.number or doc.id}.xml"
    return Response(
        xml.encode(),
        media_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
