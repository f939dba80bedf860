"""The invoice editor in the Shell: a new invoice (``/sales/invoices/new``), a draft's or a rejected
document's edit page (``…/{id}/edit``), and a credit note (storno) from an issued invoice
(``…/{id}/credit-note``).

The customer is picked among the CRM's accounts (searched as one types, through the CRM's service); a
line is a catalogue product (its description, unit, price and VAT filled in) or a free line; lines are
added and removed with buttons (htmx: the server renders the lines again, no inline script). Totals and
VAT are recomputed on every change by the same ``service.compute`` the API uses. Saving, issuing and
resending call the same services as ``/v1/sales/invoices`` under the same scope (``sales:write``), in a
savepoint: a refusal (a field error of the models or of the service, or e-Factura's findings) is shown
beside the field it names and leaves everything as it was. A draft's print preview is the HTML the PDF
is rendered from."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from genius.core.kit import etag as kit_etag
from genius.core.kit.errors import NotFound, Problem
from genius.core.kit.manifest import N_
from genius.sales import bnr, service, spv, vat
from genius.sales.models import Document, DocumentLine, Product
from genius.sales.pages import CATEGORY_LABELS, UNIT_NAMES, SalesReader, SalesWriter, _amount, _labels
from genius.sales.schemas import CreditNoteCreate, DocumentUpdate, InvoiceCreate, LineIn
from genius.vettify import service as crm
from genius.web.kit import CsrfChecked, PageDB, PageForm, PageUser, _, context, error_page, flash, render

router = APIRouter(include_in_schema=False)

HEADER = ("customer_id", "series", "issue_date", "due_date", "currency", "exchange_rate", "notes")
LINE = ("product_id", "description", "quantity", "unit_code", "unit_price", "discount", "vat")
NUMBERS = ("quantity", "unit_price", "discount")
BLANK_LINE = {"quantity": "1", "unit_code": "H87", "vat": "S/standard", "discount": ""}
PICKER_SIZE = 8
# Where an error the services name is shown: the editor's field (a line's own fields keep their name).
FIELD_MAP = {
    "customer": "customer_id",
    "customer.address": "customer_id",
    "corrects_id": "lines",
    "totals": "lines",
    "vat_breakdown": "lines",
    "number": "series",
}
RATE_LABELS = {
    "standard": N_("%(rate)s %% standard"),
    "reduced": N_("%(rate)s %% reduced"),
    "reduced_low": N_("%(rate)s %% (formerly 5 %%)"),
}
EDITOR_LABELS = {
    "customer_id": N_("Customer"),
    "series": N_("Series"),
    "issue_date": N_("Issue date"),
    "due_date": N_("Due date"),
    "currency": N_("Currency"),
    "exchange_rate": N_("Exchange rate (BNR)"),
    "notes": N_("Notes"),
    "lines": N_("Lines"),
    "supplier": N_("Supplier (company settings)"),
    "supplier.address": N_("Supplier address (company settings)"),
    "document": N_("Document"),
}


@dataclass
class Form:
    """The editor's values as typed (strings, re-shown as they were) and the errors beside them."""

    values: dict[str, str]
    lines: list[dict[str, str]]
    errors: dict[str, str] = field(default_factory=dict)


@dataclass
class Draft:
    """What ``service.compute`` prices: the lines that can be priced so far (never saved)."""

    lines: list[DocumentLine]
    net_total: Decimal = Decimal(0)
    vat_total: Decimal = Decimal(0)
    gross_total: Decimal = Decimal(0)


def _vat_value(category: str, rate_class: str) -> str:
    return f"{category}/{rate_class}"


def _vat_options(on: date) -> list[tuple[str, str]]:
    options = [
        (
            _vat_value("S", rc.value),
            _(RATE_LABELS[rc.value], rate=vat.rate_for(vat.VatCategory.STANDARD, rc, on)),
        )
        for rc in vat.RateClass
    ]
    return options + [
        (_vat_value(c.value, "standard"), _(CATEGORY_LABELS[c.value]))
        for c in vat.VatCategory
        if c != vat.VatCategory.STANDARD
    ]


def _unit_options(lines: list[dict[str, str]]) -> list[tuple[str, str]]:
    options = [(code, f"{_(name)} ({code})") for code, name in UNIT_NAMES.items()]
    known = {code for code, _label in options}
    return options + [
        (c, c) for c in dict.fromkeys(ln.get("unit_code", "") for ln in lines) if c and c not in known
    ]


# --- the form as posted ---------------------------------------------------------------------------------
_LINE_KEY = re.compile(r"^lines\.(\d{1,3})\.(\w+)$")


def read_form(form: Any) -> Form:
    """Header values and the lines in their order on the page (``lines.<i>.<field>``), renumbered."""
    values = {name: str(form.get(name) or "")[:400] for name in (*HEADER, "version", "customer_q")}
    rows: dict[int, dict[str, str]] = {}
    for key in form:
        m = _LINE_KEY.match(key)
        if m and m.group(2) in LINE:
            rows.setdefault(int(m.group(1)), {})[m.group(2)] = str(form.get(key) or "")[:400]
    return Form(values, [rows[i] for i in sorted(rows)])


def _blank(line: dict[str, str]) -> bool:
    return not any(line.get(k, "").strip() for k in ("product_id", "description", "unit_price"))


def _line_in(line: dict[str, str], i: int, errors: dict[str, str]) -> LineIn | None:
    """One line as the API takes it; its field errors under ``lines.<i>.<field>``."""
    raw: dict[str, Any] = {}
    for name in NUMBERS:
        text = line.get(name, "").strip()
        if text:
            number = _amount(text)
            if number is None:
                errors[f"lines.{i}.{name}"] = _("Enter a number, e.g. 1.234,50.")
                continue
            raw[name] = number
    category, _sep, rate_class = line.get("vat", "").partition("/")
    raw |= {
        "product_id": line.get("product_id") or None,
        "description": line.get("description", "").strip() or None,
        "unit_code": line.get("unit_code") or None,
        "vat_category": category or None,
        "rate_class": rate_class or None,
    }
    if f"lines.{i}.quantity" not in errors and "quantity" not in raw:
        errors[f"lines.{i}.quantity"] = _("Enter the quantity.")
    if any(k.startswith(f"lines.{i}.") for k in errors):
        return None
    try:
        return LineIn.model_validate(raw)
    except ValidationError as exc:
        for e in exc.errors():
            name = str(e["loc"][0]) if e["loc"] else "description"
            name = "vat" if name in ("vat_category", "rate_class") else name
            errors.setdefault(f"lines.{i}.{name}", _message(e))
        return None


def _message(error: Any) -> str:
    """A model's error in the user's language (the models speak English: the common ones are said here)."""
    kind = str(error.get("type", ""))
    if kind in ("decimal_max_places", "decimal_max_digits"):
        return _("Too many digits.")
    if kind in ("greater_than", "greater_than_equal"):
        return _("Enter a value greater than 0.")
    if kind in ("string_too_long",):
        return _("Too long.")
    if kind in ("date_from_datetime_parsing", "date_parsing", "date_type"):
        return _("Enter a date.")
    if kind in ("missing", "uuid_parsing", "uuid_type"):
        return _("Choose a value.")
    return _("This value is not valid.")


def _body(f: Form, *, credit_of: Document | None = None) -> tuple[dict[str, Any], list[int]]:
    """The API body of the form (blank lines left out) and each body line's row on the page."""
    body: dict[str, Any] = {}
    for name in ("customer_id", "issue_date", "due_date", "notes"):
        body[name] = f.values.get(name, "").strip() or None
    body["currency"] = credit_of.currency if credit_of is not None else (f.values.get("currency") or "RON")
    rate = f.values.get("exchange_rate", "").strip()
    body["exchange_rate"] = _amount(rate) if rate else None
    if rate and body["exchange_rate"] is None:
        f.errors["exchange_rate"] = _("Enter a number, e.g. 4,9750.")
    rows: list[int] = []
    lines: list[LineIn] = []
    for i, line in enumerate(f.lines):
        if _blank(line):
            continue
        parsed = _line_in(line, i, f.errors)
        if parsed is not None:
            rows.append(i)
            lines.append(parsed)
    body["lines"] = lines
    return body, rows


def _field(name: str, rows: list[int]) -> str:
    """The editor's field for a field the API or the service named (``lines.<n>…`` of the body is the
    page's row)."""
    m = re.match(r"^lines\.(\d+)(?:\.(\w+))?", name)
    if m and int(m.group(1)) < len(rows):
        row = rows[int(m.group(1))]
        sub = m.group(2)
        sub = "vat" if sub in ("vat_category", "rate_class") else sub
        return f"lines.{row}.{sub}" if sub in LINE else f"lines.{row}"
    return FIELD_MAP.get(name, name)


def _validation_errors(f: Form, exc: ValidationError, rows: list[int]) -> None:
    for e in exc.errors():
        loc = ".".join(str(p) for p in e["loc"] if p not in ("invoice", "credit_note"))
        f.errors.setdefault(_field(loc or "document", rows), _message(e))


def problem_errors(f: Form, exc: Problem, rows: list[int]) -> None:
    """A service's field errors (or e-Factura's findings) beside the fields they name; a problem that
    names none goes to the document."""
    found = exc.errors or [{"field": "document", "message": exc.detail or exc.title}]
    for e in found:
        name = _field(str(e.get("field") or "document"), rows)
        message = str(e.get("message") or "")
        f.errors[name] = f"{f.errors[name]} {message}" if name in f.errors else message


# --- pricing the lines as typed ---------------------------------------------------------------------------
def _priced(db: PageDB, user: PageUser, f: Form) -> tuple[Draft, dict[int, DocumentLine]]:
    """The lines that can be priced, through the API's own ``build_lines`` and ``compute``."""
    errors: dict[str, str] = {}
    by_row: dict[int, DocumentLine] = {}
    for i, line in enumerate(f.lines):
        if _blank(line):
            continue
        parsed = _line_in(line, i, errors)
        if parsed is None:
            continue
        try:
            by_row[i] = service.build_lines(db, user.account.tid, [parsed], DocumentLine)[0]
        except Problem:
            continue
    draft = Draft(list(by_row.values()))
    try:
        on = (
            date.fromisoformat(f.values.get("issue_date", ""))
            if f.values.get("issue_date")
            else service.today()
        )
    except ValueError:
        on = service.today()
    service.compute(draft, on)
    return draft, by_row


def _fill_from_product(db: PageDB, line: dict[str, str]) -> None:
    try:
        product: Product = service.get_product(db, uuid.UUID(line.get("product_id", "")))
    except (ValueError, NotFound):
        return
    line |= {
        "description": product.name,
        "unit_code": product.unit_code,
        "unit_price": f"{product.price:.2f}".replace(".", ","),
        "vat": _vat_value(product.vat_category, product.rate_class),
    }


# --- rendering --------------------------------------------------------------------------------------------
@dataclass
class Target:
    """What the editor edits: a new invoice, a new credit note of ``credit_of``, or ``doc``."""

    doc: Document | None = None
    credit_of: Document | None = None

    @property
    def action(self) -> str:
        if self.doc is not None:
            return f"/sales/invoices/{self.doc.id}/edit"
        if self.credit_of is not None:
            return f"/sales/invoices/{self.credit_of.id}/credit-note"
        return "/sales/invoices/new"

    @property
    def correcting(self) -> bool:
        return self.doc is not None and self.doc.status == "issued"


def _customers(db: PageDB, term: str, chosen: str) -> list[tuple[str, str, bool]]:
    """The accounts matching ``term`` (CRM search), the chosen one first: (id, label, chosen)."""
    found: list[Any] = []
    if term.strip():
        found = list(
            crm.list_records(db, crm.ACCOUNTS, crm.ListQuery(search=term.strip(), limit=PICKER_SIZE)).items
        )
    elif not chosen:
        found = list(crm.list_records(db, crm.ACCOUNTS, crm.ListQuery(sort="name", limit=PICKER_SIZE)).items)
    out: list[tuple[str, str, bool]] = []
    if chosen:
        try:
            account = crm.get_record(db, crm.ACCOUNTS, uuid.UUID(chosen))
            out.append((str(account.id), _account_label(account), True))
        except (ValueError, NotFound):
            pass
    out += [(str(a.id), _account_label(a), False) for a in found if str(a.id) != chosen]
    return out


def _account_label(account: Any) -> str:
    parts = [account.name, f"CUI {account.cui}" if account.cui else None, account.city]
    return " · ".join(p for p in parts if p)


def _editor_context(
    request: Request, user: PageUser, db: PageDB, target: Target, f: Form, **extra: Any
) -> dict[str, Any]:
    draft, by_row = _priced(db, user, f)
    currency = (
        target.credit_of.currency if target.credit_of is not None else (f.values.get("currency") or "RON")
    )
    try:
        on = date.fromisoformat(f.values.get("issue_date") or "")
    except ValueError:
        on = service.today()
    products = service.product_page(db, cursor=None, limit=200).items
    kind = (
        "credit_note"
        if target.credit_of is not None or (target.doc and target.doc.kind == "credit_note")
        else "invoice"
    )
    spv_state = None
    if target.doc is not None:
        summary = spv.summary(target.doc, spv.status_of(db, target.doc.id))
        spv_state = summary["state"] if summary else None
    fx = _exchange(request, db, draft, currency, f, on, target.credit_of) if currency != "RON" else None
    return context(
        request,
        account=user.account,
        tenant=user.tenant,
        target=target,
        doc=target.doc,
        credit_of=target.credit_of,
        kind=kind,
        f=f,
        errors=f.errors,
        draft=draft,
        nets={i: line.net_amount for i, line in by_row.items()},
        currency=currency,
        vat_lines=draft_breakdown(draft),
        vat_options=_vat_options(on),
        unit_options=_unit_options(f.lines),
        products=[(str(p.id), f"{p.code} · {p.name}") for p in products],
        customers=_customers(db, f.values.get("customer_q", ""), f.values.get("customer_id", "")),
        spv_state=spv_state,
        fx=fx,
        editor_labels={k: _(v) for k, v in EDITOR_LABELS.items()},
        **_labels(),
        **({"focus": None} | extra),
    )


BNR_REFUSALS = {
    "unreachable": N_("BNR cannot be reached and no rate is cached for this date: enter the exchange rate."),
    "not-published": N_("BNR has not published the rate for this date yet: enter the exchange rate."),
    "unknown-currency": N_("BNR publishes no rate for this currency: enter the exchange rate."),
}


@dataclass
class Exchange:
    """What the editor says about a foreign-currency document's RON equivalent."""

    rate: Decimal | None  # the rate used: the one typed, else the corrected invoice's, else BNR's
    typed: bool
    invoice_rate: bool = False
    bnr: bnr.ExchangeRate | None = None
    refusal: str | None = None
    vat_ron: Decimal | None = None
    gross_ron: Decimal | None = None


def _exchange(
    request: Request, db: PageDB, draft: Draft, currency: str, f: Form, on: date, credit_of: Document | None
) -> Exchange:
    """The rate the document will be issued with: the one typed, else (a credit note) its invoice's, else
    BNR's for the issue date (read from the cache, or fetched once), and the VAT and total in lei at that
    rate (the VAT in lei is what the invoice must state, Codul fiscal art. 319 (20) j)."""
    typed = _amount(f.values.get("exchange_rate", "").strip()) if f.values.get("exchange_rate") else None
    out = Exchange(rate=typed, typed=typed is not None)
    if typed is None and credit_of is not None and credit_of.exchange_rate is not None:
        out.rate, out.invoice_rate = credit_of.exchange_rate, True
    elif typed is None:
        try:
            out.bnr = service.bnr_rate(db, _rates(request), currency, on)
            out.rate = out.bnr.document_rate
        except bnr.RateUnavailable as exc:
            out.refusal = _(BNR_REFUSALS[exc.reason])
    if out.rate is not None and out.rate > 0:
        cent = Decimal("0.01")
        out.vat_ron = (draft.vat_total * out.rate).quantize(cent, rounding=ROUND_HALF_UP)
        out.gross_ron = (draft.gross_total * out.rate).quantize(cent, rounding=ROUND_HALF_UP)
    return out


def draft_breakdown(draft: Draft) -> tuple[vat.CategoryTotal, ...]:
    return service.document_totals(draft).breakdown


def _render(
    request: Request, user: PageUser, db: PageDB, target: Target, f: Form, status: int = 200, **extra: Any
) -> Response:
    return render(
        request, "sales/editor.html", _editor_context(request, user, db, target, f, **extra), status
    )


def _money_text(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")


def _qty_text(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text.replace(".", ",")


def form_of(doc: Document) -> Form:
    """A saved document's values as the editor shows them."""
    values = {
        "customer_id": str(doc.customer_id),
        "series": doc.series,
        "issue_date": doc.issue_date.isoformat() if doc.issue_date else "",
        "due_date": doc.due_date.isoformat() if doc.due_date else "",
        "currency": doc.currency,
        "exchange_rate": f"{doc.exchange_rate.normalize():f}".replace(".", ",") if doc.exchange_rate else "",
        "notes": doc.notes or "",
        "version": str(doc.version),
        "customer_q": "",
    }
    lines = [
        {
            "product_id": str(line.product_id) if line.product_id else "",
            "description": line.description,
            "quantity": _qty_text(line.quantity),
            "unit_code": line.unit_code,
            "unit_price": _money_text(line.unit_price),
            "discount": _money_text(line.discount) if line.discount else "",
            "vat": _vat_value(line.vat_category, line.rate_class),
        }
        for line in doc.lines
    ]
    return Form(values, lines or [dict(BLANK_LINE)])


def _spv_errors(db: PageDB, doc: Document, f: Form) -> None:
    """A rejected document's SPV errors beside the fields they name (on the editor's first view)."""
    summary = spv.summary(doc, spv.status_of(db, doc.id))
    if not summary:
        return
    for e in summary.get("errors") or []:
        name = FIELD_MAP.get(str(e.get("field")), str(e.get("field") or "document"))
        f.errors[name] = f"{f.errors[name]} {e.get('message')}" if name in f.errors else str(e.get("message"))
    if not f.errors:
        for message in summary.get("messages") or []:
            f.errors["document"] = f"{f.errors.get('document', '')} {message}".strip()


# --- routes -----------------------------------------------------------------------------------------------
@router.get("/sales/invoices/new", response_class=HTMLResponse)
def new_invoice(
    request: Request, user: SalesWriter, db: PageDB, customer_id: Annotated[uuid.UUID | None, Query()] = None
) -> Response:
    values = {
        "customer_id": str(customer_id) if customer_id else "",
        "series": "GEN",
        "issue_date": "",
        "due_date": "",
        "currency": "RON",
        "exchange_rate": "",
        "notes": "",
        "customer_q": "",
        "version": "",
    }
    return _render(request, user, db, Target(), Form(values, [dict(BLANK_LINE)]))


def _issued_invoice(db: PageDB, document_id: uuid.UUID) -> Document | None:
    try:
        doc = service.get_document(db, document_id)
    except NotFound:
        return None
    return doc if doc.status == "issued" and doc.kind == "invoice" else None


@router.get("/sales/invoices/{document_id}/credit-note", response_class=HTMLResponse)
def new_credit_note(request: Request, document_id: uuid.UUID, user: SalesWriter, db: PageDB) -> Response:
    """A credit note (storno) of an issued invoice, pre-filled with its lines: the whole invoice is
    corrected unless lines are removed or lowered (a credit note states positive amounts, type 381)."""
    invoice = _issued_invoice(db, document_id)
    if invoice is None:
        return error_page(request, 404)
    f = form_of(invoice)
    f.values |= {
        "issue_date": "",
        "due_date": "",
        "version": "",
        "notes": _("Storno of %(number)s", number=invoice.number or ""),
    }
    return _render(request, user, db, Target(credit_of=invoice), f)


def _editable(db: PageDB, document_id: uuid.UUID) -> Document | None:
    try:
        doc = service.get_document(db, document_id)
    except NotFound:
        return None
    return doc if doc.status == "draft" or service.correctable(db, doc) else None


@router.get("/sales/invoices/{document_id}/edit", response_class=HTMLResponse)
def edit(request: Request, document_id: uuid.UUID, user: SalesWriter, db: PageDB) -> Response:
    doc = _editable(db, document_id)
    if doc is None:
        try:
            service.get_document(db, document_id)
        except NotFound:
            return error_page(request, 404)
        return RedirectResponse(f"/sales/invoices/{document_id}", status_code=303)
    f = form_of(doc)
    if doc.status == "issued":
        _spv_errors(db, doc, f)
    return _render(request, user, db, Target(doc=doc), f)


def _save(request: Request, user: PageUser, db: PageDB, target: Target, form: Any) -> Response:
    """Save (create or update) and, when asked, issue or resend: all in one savepoint, so a refusal
    anywhere leaves everything as it was and shows the errors beside their fields."""
    f = read_form(form)
    action = str(form.get("action") or "save")
    who = service.Actor(tid=user.account.tid, name=user.account.email)
    body, rows = _body(f, credit_of=target.credit_of)
    doc: Document | None = None
    if not f.errors:
        try:
            with db.begin_nested():
                doc = _store(db, who, target, f, body, rows)
                if doc is not None and action == "issue" and doc.status == "draft":
                    doc = service.issue(
                        db, who, doc.id, None, artefacts_dir=_artefacts(request), rates=_rates(request)
                    )
                elif doc is not None and action == "resend" and doc.status == "issued":
                    doc = service.resend(
                        db, who, doc.id, None, artefacts_dir=_artefacts(request), rates=_rates(request)
                    )
                if f.errors:
                    raise _Invalid
        except _Invalid:
            doc = None
        except Problem as exc:
            doc = None
            problem_errors(f, exc, rows)
    if doc is None:
        db.expire_all()
        if target.doc is not None:
            target = Target(doc=service.get_document(db, target.doc.id))
        return _render(request, user, db, target, f, 422)
    if action == "issue":
        message = _("%(number)s issued; its upload to SPV is queued.", number=doc.number or "")
        return flash(RedirectResponse(f"/sales/invoices/{doc.id}", status_code=303), message)
    if action == "resend":
        message = _("%(number)s corrected and queued for SPV again.", number=doc.number or "")
        return flash(RedirectResponse(f"/sales/invoices/{doc.id}", status_code=303), message)
    response = RedirectResponse(f"/sales/invoices/{doc.id}/edit", status_code=303)
    return flash(response, _("Saved."))


class _Invalid(Exception):
    """Errors gathered while saving: roll the savepoint back."""


def _artefacts(request: Request) -> Any:
    from genius.web.kit import platform_of

    return platform_of(request).settings.efactura_artefacts_dir


def _rates(request: Request) -> bnr.BnrClient:
    from genius.web.kit import platform_of

    return bnr.BnrClient.from_settings(platform_of(request).settings)


def _store(
    db: PageDB, who: service.Actor, target: Target, f: Form, body: dict[str, Any], rows: list[int]
) -> Document | None:
    if not body.get("customer_id"):
        f.errors["customer_id"] = _("Choose the customer.")
    if target.doc is None:
        fields = {**body, "series": f.values.get("series") or "GEN"}
        try:
            if target.credit_of is not None:
                create: InvoiceCreate | CreditNoteCreate = CreditNoteCreate.model_validate(
                    {**fields, "type": "credit_note", "corrects_id": target.credit_of.id}
                )
            else:
                create = InvoiceCreate.model_validate({**fields, "type": "invoice"})
        except ValidationError as exc:
            _validation_errors(f, exc, rows)
            return None
        if f.errors:
            return None
        return service.create_document(db, who, create)
    fields = dict(body)
    if target.doc.status == "issued":
        fields.pop("issue_date")  # a rejected document is resent with its number and issue date
    try:
        update = DocumentUpdate.model_validate(fields)
    except ValidationError as exc:
        _validation_errors(f, exc, rows)
        return None
    if f.errors:
        return None
    version = f.values.get("version", "")
    return service.update_document(
        db, who, target.doc.id, update, kit_etag.etag(int(version)) if version.isdigit() else None
    )


@router.post("/sales/invoices/new", dependencies=[CsrfChecked])
def create(request: Request, user: SalesWriter, db: PageDB, form: PageForm) -> Response:
    return _save(request, user, db, Target(), form)


@router.post("/sales/invoices/{document_id}/credit-note", dependencies=[CsrfChecked])
def create_credit_note(
    request: Request, document_id: uuid.UUID, user: SalesWriter, db: PageDB, form: PageForm
) -> Response:
    invoice = _issued_invoice(db, document_id)
    if invoice is None:
        return error_page(request, 404)
    return _save(request, user, db, Target(credit_of=invoice), form)


@router.post("/sales/invoices/{document_id}/edit", dependencies=[CsrfChecked])
def save(request: Request, document_id: uuid.UUID, user: SalesWriter, db: PageDB, form: PageForm) -> Response:
    doc = _editable(db, document_id)
    if doc is None:
        try:
            service.get_document(db, document_id)
        except NotFound:
            return error_page(request, 404)
        message = _("This document is issued and cannot change: correct it with a credit note.")
        return flash(RedirectResponse(f"/sales/invoices/{document_id}", status_code=303), message, "info")
    return _save(request, user, db, Target(doc=doc), form)


# --- htmx partials -----------------------------------------------------------------------------------------
@router.post("/sales/invoices/editor/totals", response_class=HTMLResponse, dependencies=[CsrfChecked])
def totals(request: Request, user: SalesWriter, db: PageDB, form: PageForm) -> Response:
    """The totals and VAT of the lines as typed, and each line's net (out of band)."""
    f = read_form(form)
    return render(
        request,
        "sales/_editor_totals.html",
        _editor_context(request, user, db, _target(db, form), f, nets_oob=True),
    )


@router.post("/sales/invoices/editor/lines", response_class=HTMLResponse, dependencies=[CsrfChecked])
def lines(request: Request, user: SalesWriter, db: PageDB, form: PageForm) -> Response:
    """The lines again after adding one (``add``), removing one (``remove=<row>``) or picking a product
    on one (``picked=<row>``: its description, unit, price and VAT from the catalogue); the totals out of
    band. The row to type in next gets the focus."""
    f = read_form(form)
    focus: str | None = None
    picked, remove = str(form.get("picked") or ""), str(form.get("remove") or "")
    if picked.isdigit() and int(picked) < len(f.lines):
        _fill_from_product(db, f.lines[int(picked)])
        focus = f"lines.{picked}.quantity"
    elif remove.isdigit() and int(remove) < len(f.lines):
        del f.lines[int(remove)]
        if not f.lines:
            f.lines.append(dict(BLANK_LINE))
        focus = f"lines.{min(int(remove), len(f.lines) - 1)}.description"
    elif form.get("add"):
        f.lines.append(dict(BLANK_LINE))
        focus = f"lines.{len(f.lines) - 1}.product_id"
    ctx = _editor_context(request, user, db, _target(db, form), f, focus=focus, oob=True)
    return render(request, "sales/_editor_lines.html", ctx)


def _target(db: PageDB, form: Any) -> Target:
    """For a partial: the currency of the corrected invoice of a credit note (else the form's)."""
    raw = str(form.get("corrects") or "")
    try:
        invoice = _issued_invoice(db, uuid.UUID(raw)) if raw else None
    except ValueError:
        invoice = None
    return Target(credit_of=invoice)


@router.get("/sales/invoices/editor/customers", response_class=HTMLResponse)
def customers(
    request: Request,
    user: SalesWriter,
    db: PageDB,
    customer_q: Annotated[str, Query(max_length=100)] = "",
    customer_id: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    """The customer picker's options: the CRM accounts matching what is typed, the chosen one first."""
    ctx = context(request, customers=_customers(db, customer_q, customer_id), errors={}, editor_labels={})
    return render(request, "sales/_editor_customers.html", ctx)


@router.get("/sales/invoices/{document_id}/preview", response_class=HTMLResponse)
def preview(request: Request, document_id: uuid.UUID, user: SalesReader, db: PageDB) -> Response:
    """The document as it will print: the HTML its PDF is rendered from, in its own strict policy
    (its styles only, nothing run)."""
    try:
        html = service.preview_html(db, user.account.tid, document_id)
    except NotFound:
        return error_page(request, 404)
    except Problem as exc:
        names = {k: _(v) for k, v in EDITOR_LABELS.items()}
        problems = [
            (names.get(str(e.get("field")), str(e.get("field") or "")), str(e.get("message") or ""))
            for e in (exc.errors or [])
        ] or [("", exc.detail or exc.title)]
        ctx = context(
            request, account=user.account, tenant=user.tenant, document_id=document_id, problems=problems
        )
        return render(request, "sales/preview_refused.html", ctx, 422)
    return HTMLResponse(
        html,
        headers={
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
            "font-src data:; form-action 'none'; base-uri 'none'",
            "Cache-Control": "no-store",
        },
    )
