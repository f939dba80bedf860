"""Sales pages in the Shell: the invoice list (drafts and issued, credit notes too) and one document
with its lines, VAT breakdown and totals; a draft is issued from its page (numbered, its e-Factura XML
generated and validated, the SPV upload queued), an issued one offers its XML, shows its SPV status
(queued, uploaded, accepted with ANAF's index and the signed ZIP, rejected with ANAF's errors on the
fields to correct, or failed with its reason), the upload deadline's countdown while SPV has not
accepted it, a "correct and resend" button once rejected or failed, its payments and open balance, and
links to the page recording a payment.

The pages call the same service as ``/v1/sales`` under the same scopes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from genius.compliance.efactura import service as efactura
from genius.core.auth.scopes import Scope
from genius.core.kit.errors import Conflict, NotFound, Problem
from genius.core.kit.manifest import N_
from genius.core.kit.pagination import BadCursor
from genius.core.storage import tenant_files_from_settings
from genius.sales import bnr, payments, service, spv
from genius.sales.models import Document
from genius.sales.schemas import AllocationIn, PaymentCreate
from genius.vettify import service as crm
from genius.web.formats import money
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
log = structlog.get_logger("genius.sales.pages")
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


SPV_LABELS = {
    "queued": N_("Queued for SPV"),
    "uploaded": N_("Uploaded to SPV"),
    "accepted": N_("Accepted by SPV"),
    "rejected": N_("Rejected by SPV"),
    "failed": N_("SPV upload failed"),
}
SPV_KINDS = {"queued": "info", "uploaded": "info", "accepted": "ok", "rejected": "err", "failed": "err"}
NEAR_DAYS = 2  # a countdown this close (or overdue) is a warning
PAYMENT_LABELS = {"unpaid": N_("Unpaid"), "partially_paid": N_("Partially paid"), "paid": N_("Paid")}
PAYMENT_KINDS = {"unpaid": "warn", "partially_paid": "info", "paid": "ok"}
METHOD_LABELS = {
    "bank_transfer": N_("Bank transfer"),
    "cash": N_("Cash"),
    "card": N_("Card"),
    "other": N_("Other"),
}
FIELD_LABELS = {
    "supplier": N_("Supplier (company settings)"),
    "supplier.address": N_("Supplier address (company settings)"),
    "customer": N_("Customer (CRM account)"),
    "customer.address": N_("Customer address (CRM account)"),
    "document": N_("Document"),
}


def _labels() -> dict[str, Any]:
    return {
        "spv_labels": {k: _(v) for k, v in SPV_LABELS.items()},
        "spv_kinds": SPV_KINDS,
        "payment_labels": {k: _(v) for k, v in PAYMENT_LABELS.items()},
        "payment_kinds": PAYMENT_KINDS,
        "method_labels": {k: _(v) for k, v in METHOD_LABELS.items()},
        "field_labels": {k: _(v) for k, v in FIELD_LABELS.items()},
        "kind_labels": {k: _(v) for k, v in KIND_LABELS.items()},
        "status_labels": {k: _(v) for k, v in STATUS_LABELS.items()},
        "status_kinds": STATUS_KINDS,
        "category_labels": {k: _(v) for k, v in CATEGORY_LABELS.items()},
        "unit_names": {k: _(v) for k, v in UNIT_NAMES.items()},
    }


def countdown_label(days: int | None) -> tuple[str, str] | None:
    """The SPV deadline countdown as the pages show it ("3 zile rămase", "termen depășit") and its badge
    kind; None when there is none (a draft, or accepted by SPV)."""
    if days is None:
        return None
    if days < 0:
        return _("deadline passed"), "err"
    if days == 0:
        return _("last day today"), "warn"
    text = _("1 day left") if days == 1 else _("%(days)s days left", days=days)
    return text, "warn" if days <= NEAR_DAYS else "info"


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
    statuses = spv.statuses(db, [d.id for d in page.items])
    spv_states = {
        d.id: (statuses[d.id].state if d.id in statuses else "queued")
        for d in page.items
        if d.status == "issued"
    }
    today = service.today()
    countdowns = {
        d.id: countdown_label(spv.countdown(d, spv_states.get(d.id), today))
        for d in page.items
        if d.status == "issued"
    }
    base = "/sales/invoices" + (f"?status={status}" if status else "")
    joiner = "&" if status else "?"
    ctx = context(
        request,
        account=user.account,
        tenant=user.tenant,
        rows=[(d, _customer_of(d, names)) for d in page.items],
        spv_states=spv_states,
        countdowns=countdowns,
        balances=payments.balances(db, page.items),
        status=status or "",
        next_url=f"{base}{joiner}cursor={page.next}" if page.next else None,
        first_url=base if cursor else None,
        can_write=Scope.SALES_WRITE in user.account.scopes,
        **_labels(),
    )
    return render(request, "sales/invoices.html", ctx)


SPV_FILTERS = ("queued", "uploaded", "accepted", "rejected", "failed")


@router.get("/sales/efactura", response_class=HTMLResponse)
def efactura_outbox(
    request: Request,
    user: SalesReader,
    db: PageDB,
    state: Annotated[str | None, Query(max_length=10)] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    """The compliance desk's e-Factura outbox: issued documents with their SPV status and the upload
    deadline's countdown while not accepted, filtered by status."""
    state = state if state in SPV_FILTERS else None
    try:
        page = spv.outbox_page(db, state=state, cursor=cursor, limit=PAGE_SIZE)
    except (BadCursor, Problem):
        page = spv.outbox_page(db, state=state, cursor=None, limit=PAGE_SIZE)
    docs = [d for d, _row in page.items]
    names = _customer_names(db, docs)
    today = service.today()
    rows = []
    for doc, row in page.items:
        current = row.state if row is not None else "queued"
        rows.append(
            {
                "doc": doc,
                "customer": _customer_of(doc, names),
                "state": current,
                "index": row.index_incarcare if row is not None else None,
                "deadline": spv.efactura_deadline(doc),
                "countdown": countdown_label(spv.countdown(doc, current, today)),
            }
        )
    base = "/sales/efactura" + (f"?state={state}" if state else "")
    joiner = "&" if state else "?"
    ctx = context(
        request,
        account=user.account,
        tenant=user.tenant,
        rows=rows,
        state=state or "",
        filters=SPV_FILTERS,
        next_url=f"{base}{joiner}cursor={page.next}" if page.next else None,
        first_url=base if cursor else None,
        **_labels(),
    )
    return render(request, "sales/efactura.html", ctx)


def _document_context(
    request: Request, user: PageUser, db: PageDB, doc: Document, **extra: Any
) -> dict[str, Any]:
    names = _customer_names(db, [doc])
    totals = service.document_totals(doc)
    balance = payments.balances(db, [doc])[doc.id]
    can_write = Scope.SALES_WRITE in user.account.scopes
    summary = spv.summary(doc, spv.status_of(db, doc.id))
    try:
        buyer: service.BuyerCnp | None = service.buyer_cnp(db, doc.customer_id)
    except Problem:  # the CRM account is gone: the page still shows the document
        buyer = None
    state = summary["state"] if summary else None
    return context(
        request,
        account=user.account,
        tenant=user.tenant,
        doc=doc,
        customer_name=_customer_of(doc, names),
        vat_lines=totals.breakdown,
        spv=summary,
        deadline=spv.efactura_deadline(doc),
        countdown=countdown_label(spv.countdown(doc, state, service.today())),
        can_resend=can_write and state in service.CORRECTABLE,
        balance=balance,
        received=payments.of_invoice(db, doc.id),
        can_pay=can_write and balance.status in ("unpaid", "partially_paid"),
        can_issue=can_write and doc.status == "draft",
        can_edit=can_write and (doc.status == "draft" or state in service.CORRECTABLE),
        can_credit=can_write and doc.kind == "invoice" and doc.status == "issued",
        buyer=buyer if buyer and buyer.individual else None,
        can_set_cnp=can_write,
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


def _refused(request: Request, user: PageUser, db: PageDB, document_id: uuid.UUID, exc: Problem) -> Response:
    """The document's page with e-Factura's findings (or the refusal) on the fields to correct."""
    db.expire_all()
    doc = service.get_document(db, document_id)
    findings = [(str(e.get("field") or ""), str(e.get("message") or "")) for e in (exc.errors or [])] or [
        ("", exc.detail or exc.title)
    ]
    ctx = _document_context(request, user, db, doc, findings=findings)
    return render(request, "sales/invoice.html", ctx, 422)


def _send(
    request: Request,
    user: PageUser,
    db: PageDB,
    document_id: uuid.UUID,
    send: Callable[..., Document],
    done: Callable[[str], str],
) -> Response:
    """Issue or resend from the page: a refusal shows e-Factura's findings on the fields and leaves the
    document exactly as it was (savepoint); a resend refused as a conflict (resent meanwhile from
    another tab or by a double click, or not rejected) says so."""
    try:
        service.get_document(db, document_id)
    except NotFound:
        return error_page(request, 404)
    who = service.Actor(tid=user.account.tid, name=user.account.email)
    try:
        with db.begin_nested():
            settings = platform_of(request).settings
            doc = send(
                db,
                who,
                document_id,
                None,
                artefacts_dir=settings.efactura_artefacts_dir,
                rates=bnr.BnrClient.from_settings(settings),
            )
    except (Problem, Conflict) as exc:
        if exc.status == 409 and send is service.resend:
            response = RedirectResponse(f"/sales/invoices/{document_id}", status_code=303)
            message = _("Not resent: the earlier upload is still in progress or accepted.")
            return flash(response, message, "info")
        return _refused(request, user, db, document_id, exc)
    return flash(RedirectResponse(f"/sales/invoices/{doc.id}", status_code=303), done(doc.number or ""))


@router.post("/sales/invoices/{document_id}/issue", dependencies=[CsrfChecked])
def invoice_issue(request: Request, document_id: uuid.UUID, user: SalesWriter, db: PageDB) -> Response:
    return _send(
        request,
        user,
        db,
        document_id,
        service.issue,
        lambda number: _("%(number)s issued; its upload to SPV is queued.", number=number),
    )


@router.post("/sales/invoices/{document_id}/customer-cnp", dependencies=[CsrfChecked])
def invoice_customer_cnp(
    request: Request,
    document_id: uuid.UUID,
    user: SalesWriter,
    db: PageDB,
    cnp: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Keep (or, blank, forget) the CNP of the document's customer when it is a person: this invoice,
    if still to be issued or resent, and the next ones carry it. A bad CNP is shown on the field."""
    try:
        doc = service.get_document(db, document_id)
    except NotFound:
        return error_page(request, 404)
    who = service.Actor(tid=user.account.tid, name=user.account.email)
    try:
        with db.begin_nested():
            kept = service.set_buyer_cnp(db, who, doc.customer_id, cnp)
    except Problem as exc:
        refusal = [str(e.get("message")) for e in exc.errors or [] if e.get("field") == "cnp"]
        message = _cnp_message(refusal[0] if refusal else exc.detail or "")
        ctx = _document_context(request, user, db, doc, cnp_error=message, cnp_value=cnp)
        return render(request, "sales/invoice.html", ctx, 422)
    done = _("The customer's CNP is kept.") if kept.masked else _("The customer's CNP is removed.")
    return flash(RedirectResponse(f"/sales/invoices/{document_id}", status_code=303), done)


def _cnp_message(message: str) -> str:
    """The service's refusal in the user's language."""
    if message.startswith("this customer is a company"):
        return _("This customer is a company, identified by its CUI; a CNP is for a person.")
    return _("Not a valid CNP: check its 13 digits (date of birth, county code, check digit).")


@router.post("/sales/invoices/{document_id}/resend", dependencies=[CsrfChecked])
def invoice_resend(request: Request, document_id: uuid.UUID, user: SalesWriter, db: PageDB) -> Response:
    """Correct and resend: the corrected document goes to SPV again under the same number (the service
    first checks the earlier upload's status: a double click queues one upload)."""
    return _send(
        request,
        user,
        db,
        document_id,
        service.resend,
        lambda number: _("%(number)s corrected and queued for SPV again.", number=number),
    )


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


@router.get("/sales/invoices/{document_id}/efactura.zip")
def invoice_zip(request: Request, document_id: uuid.UUID, user: SalesReader, db: PageDB) -> Response:
    try:
        doc = service.get_document(db, document_id)
    except NotFound:
        return error_page(request, 404)
    status = spv.status_of(db, doc.id)
    if status is None or status.state != "accepted" or not status.id_descarcare:
        return error_page(request, 404)
    try:
        data = efactura.signed_zip(platform_of(request), user.account.tid, status.id_descarcare)
    except Problem:
        return error_page(request, 500)
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{doc.number or doc.id}.zip"'},
    )


@router.get("/sales/invoices/{document_id}/pdf")
def invoice_pdf(request: Request, document_id: uuid.UUID, user: SalesReader, db: PageDB) -> Response:
    try:
        doc = service.get_document(db, document_id)
    except NotFound:
        return error_page(request, 404)
    files = tenant_files_from_settings(platform_of(request).settings).for_tenant(user.account.tid)
    pdf = service.stored_pdf(files, doc) if doc.status == "issued" else None
    if pdf is None:
        response = RedirectResponse(f"/sales/invoices/{doc.id}", status_code=303)
        return flash(response, _("The PDF is still being rendered; try again in a few seconds."), "info")
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{doc.number or doc.id}.pdf"'},
    )


# --- recording a payment (încasare) from the invoice ----------------------------------------------------
def _payment_context(
    request: Request,
    user: PageUser,
    db: PageDB,
    doc: Document,
    values: dict[str, str],
    errors: dict[str, str],
) -> dict[str, Any]:
    balance = payments.balances(db, [doc])[doc.id]
    return context(
        request,
        account=user.account,
        tenant=user.tenant,
        doc=doc,
        customer_name=_customer_of(doc, _customer_names(db, [doc])),
        balance=balance,
        values=values,
        errors=errors,
        methods=[(k, _(v)) for k, v in METHOD_LABELS.items()],
        **_labels(),
    )


def _payable(request: Request, db: PageDB, document_id: uuid.UUID) -> Document | Response:
    try:
        doc = service.get_document(db, document_id)
    except NotFound:
        return error_page(request, 404)
    if payments.balances(db, [doc])[doc.id].status not in ("unpaid", "partially_paid"):
        return RedirectResponse(f"/sales/invoices/{doc.id}", status_code=303)
    return doc


@router.get("/sales/invoices/{document_id}/payment", response_class=HTMLResponse)
def payment_form(request: Request, document_id: uuid.UUID, user: SalesWriter, db: PageDB) -> Response:
    doc = _payable(request, db, document_id)
    if isinstance(doc, Response):
        return doc
    open_ = payments.balances(db, [doc])[doc.id].open
    values = {"received_on": service.today().isoformat(), "amount": f"{open_:.2f}", "method": "bank_transfer"}
    return render(request, "sales/payment.html", _payment_context(request, user, db, doc, values, {}))


def _amount(raw: str) -> Decimal | None:
    """A Romanian or plain amount ("1.234,56", "1234.56") as a Decimal; None when it is not one."""
    text = raw.strip().replace(" ", "")
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


FORM_FIELDS = ("received_on", "amount", "method", "reference")


def _form_errors(exc: ValidationError) -> dict[str, str]:
    """The model's field errors on the form's fields (an allocation's amount is the form's amount: the
    form allocates the whole payment to this invoice)."""
    out: dict[str, str] = {}
    for e in exc.errors():
        first = str(e["loc"][0]) if e["loc"] else ""
        out.setdefault(first if first in FORM_FIELDS else "amount", _("This value is not valid."))
    return out


@router.post("/sales/invoices/{document_id}/payment", dependencies=[CsrfChecked])
def payment_record(
    request: Request,
    document_id: uuid.UUID,
    user: SalesWriter,
    db: PageDB,
    received_on: Annotated[str, Form(max_length=20)] = "",
    amount: Annotated[str, Form(max_length=40)] = "",
    method: Annotated[str, Form(max_length=20)] = "bank_transfer",
    reference: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    doc = _payable(request, db, document_id)
    if isinstance(doc, Response):
        return doc
    values = {"received_on": received_on, "amount": amount, "method": method, "reference": reference}
    errors: dict[str, str] = {}
    try:
        day = date.fromisoformat(received_on)
    except ValueError:
        errors["received_on"] = _("Enter the date the money was received.")
    value = _amount(amount)
    if value is None or value <= 0:
        errors["amount"] = _("Enter an amount greater than 0, with at most 2 decimals.")
    if not errors:
        try:
            body = PaymentCreate(
                received_on=day,
                amount=value,
                currency=doc.currency,
                method=method if method in METHOD_LABELS else "other",
                reference=reference.strip() or None,
                allocations=[AllocationIn(invoice_id=doc.id, amount=value)],
            )
            with db.begin_nested():
                payments.record(db, service.Actor(user.account.tid, user.account.email), body)
        except ValidationError as exc:
            errors = _form_errors(exc)
        except Problem as exc:  # over the open balance (a payment recorded meanwhile): in the user's language
            db.expire_all()
            left = payments.balances(db, [doc])[doc.id].open
            errors = {
                "amount": _("More than the open balance, %(amount)s.", amount=money(left, doc.currency))
            }
            log.info("payment_refused", invoice=str(doc.id), errors=exc.errors)
    if errors:
        ctx = _payment_context(request, user, db, doc, values, errors)
        return render(request, "sales/payment.html", ctx, 422)
    response = RedirectResponse(f"/sales/invoices/{doc.id}", status_code=303)
    return flash(response, _("Payment recorded for %(number)s.", number=doc.number or ""))
