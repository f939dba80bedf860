"""e-Transport pages in the Shell: start an order's notification from its page (the transport data the
order lacks, errors shown beside their fields), cancel its UIT (a deletion, behind a confirmation) or
correct it (the same UIT, the corrected data), the order's delivery note (aviz) PDF, and the compliance
desk's list of UITs with their validity countdown (days and hours left, expired), linked to the orders.

Mounted before ``order_pages``, whose ``/sales/{plural}/{row_id}/{action}`` would take
``/sales/orders/{id}/etransport``. The pages call the same service as ``/v1/sales/orders/{id}/etransport``
under the same scopes."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from genius.core.kit.errors import NotFound, Problem
from genius.core.kit.manifest import N_
from genius.core.kit.pagination import BadCursor
from genius.sales import delivery_note, orders, service, transport
from genius.sales.order_pages import ETR_MESSAGES, ETR_STATES, _detail, countdown_label
from genius.sales.pages import PAGE_SIZE, SalesReader, SalesWriter
from genius.sales.schemas import OrderTransportIn
from genius.vettify import service as crm
from genius.web.kit import CsrfChecked, PageDB, PageForm, _, context, error_page, flash, platform_of, render

router = APIRouter(include_in_schema=False)

FIELDS = ("vehicle", "trailer1", "carrier_name", "carrier_code", "transport_date", "operation_type")
PLACE_FIELDS = ("county", "locality", "street")
# what the schema refuses, in the page's words (by the form field)
PLATE = N_("Letters and digits, 2 to 20 (spaces and dashes are dropped).")
FIELD_HINTS = {
    "vehicle": PLATE,
    "trailer1": PLATE,
    "carrier_code": N_("The carrier's CUI (digits, optionally with RO), or PF for a person."),
    "transport_date": N_("Enter a date."),
    "exchange_rate": N_("Enter the rate, e.g. 4.9750."),
}


# why a UIT cannot be cancelled or corrected (the service's 409 codes), in the page's words
AMEND_PROBLEMS = {
    "etransport-none": N_("This order has declared no transport to e-Transport."),
    "etransport-not-valid": N_("Only a UIT that ANAF confirmed can be cancelled or corrected."),
    "etransport-amendment-pending": N_(
        "A cancellation or correction of this UIT is under way: wait for ANAF's answer."
    ),
    "etransport-expired": N_("This UIT has expired: it can no longer be cancelled or corrected."),
    "order-not-confirmed": N_("Confirm the order first."),
}


def _amend_problem(exc: Problem) -> str:
    return _(AMEND_PROBLEMS[exc.code]) if exc.code in AMEND_PROBLEMS else exc.detail or exc.title


def _form_body(form: PageForm, order_lines: list[int]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the form's values as typed, the API body made of them)."""
    values = {name: str(form.get(name) or "").strip()[:200] for name in FIELDS}
    values["exchange_rate"] = str(form.get("exchange_rate") or "").strip()[:40]
    body: dict[str, Any] = {k: v for k, v in values.items() if v}
    for where in ("start", "end"):
        place = {}
        for name in PLACE_FIELDS:
            value = str(form.get(f"{where}_{name}") or "").strip()[:200]
            values[f"{where}_{name}"] = value
            if value:
                place[name] = value
        if place:
            body[where] = place
    weights = []
    for position in order_lines:
        value = str(form.get(f"weight-{position}") or "").strip().replace(",", ".")[:40]
        values[f"weight-{position}"] = value
        if value:
            weights.append({"position": position, "gross_weight_kg": value})
    if weights:
        body["lines"] = weights
    return values, body


def _schema_errors(exc: ValidationError, body: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for e in exc.errors():
        loc = [str(p) for p in e["loc"]]
        if loc[:1] == ["lines"] and len(loc) > 1 and loc[1].isdigit():
            name = f"weight-{body['lines'][int(loc[1])]['position']}"
            errors[name] = _("Enter a weight in kg, more than 0.")
        elif loc[:1] in (["start"], ["end"]):
            name = "_".join(loc[:2]) if len(loc) > 1 else f"{loc[0]}_street"
            errors[name] = _("Check this value.")
        else:
            name = loc[0] if loc else "vehicle"
            errors[name] = _(FIELD_HINTS[name]) if name in FIELD_HINTS else _("Check this value.")
    return errors


def _service_errors(exc: Problem) -> dict[str, str]:
    """The service's field errors under the form's field names, in the page's words."""
    errors: dict[str, str] = {}
    for e in exc.errors or []:
        field, kind = str(e.get("field") or ""), str(e.get("type") or "")
        if kind == "missing_weight" or kind == "bad_weight":
            name = f"weight-{e.get('line')}"
        elif field in ("start", "end"):
            name = f"{field}_street"
        elif field.startswith(("start.", "end.")):
            name = field.replace(".", "_")
        elif field == "supplier.cui":
            name = "company"
        else:
            name = field or "form"
        errors[name] = _(ETR_MESSAGES[kind]) if kind in ETR_MESSAGES else str(e.get("message") or "")
    if not errors:
        errors["form"] = exc.detail or exc.title
    return errors


@router.post("/sales/orders/{order_id}/etransport", dependencies=[CsrfChecked])
def start(request: Request, order_id: uuid.UUID, user: SalesWriter, db: PageDB, form: PageForm) -> Response:
    try:
        row = orders.get(db, "order", order_id)
    except NotFound:
        return error_page(request, 404)
    values, body = _form_body(form, [line.position for line, _code, _w in transport.risky_lines(db, row)])
    try:
        parsed = OrderTransportIn.model_validate(body)
    except ValidationError as exc:
        return _detail(request, user, db, row, 422, transport_form=(values, _schema_errors(exc, body)))
    who = service.Actor(tid=user.account.tid, name=user.account.email)
    try:
        with db.begin_nested():
            transport.start(db, who, order_id, parsed, settings=platform_of(request).settings)
    except Problem as exc:
        db.expire_all()
        errors = _service_errors(exc)
        return _detail(
            request, user, db, orders.get(db, "order", order_id), 422, transport_form=(values, errors)
        )
    response = RedirectResponse(f"/sales/orders/{order_id}", status_code=303)
    return flash(response, _("e-Transport notification queued for ANAF: the UIT shows here once issued."))


@router.post("/sales/orders/{order_id}/etransport/cancel", dependencies=[CsrfChecked])
def cancel(request: Request, order_id: uuid.UUID, user: SalesWriter, db: PageDB) -> Response:
    """Cancel the order's UIT at ANAF (a deletion, queued through the outbox; idempotent)."""
    try:
        orders.get(db, "order", order_id)
    except NotFound:
        return error_page(request, 404)
    who = service.Actor(tid=user.account.tid, name=user.account.email)
    try:
        with db.begin_nested():
            _row, created = transport.cancel(db, who, order_id, settings=platform_of(request).settings)
    except Problem as exc:
        db.expire_all()
        problems = [_amend_problem(exc)]
        return _detail(request, user, db, orders.get(db, "order", order_id), 409, problems=problems)
    response = RedirectResponse(f"/sales/orders/{order_id}#etransport", status_code=303)
    if not created:
        return flash(response, _("The cancellation of this UIT is already on its way to ANAF."), "info")
    return flash(response, _("Cancellation of the UIT queued for ANAF."))


@router.post("/sales/orders/{order_id}/etransport/correct", dependencies=[CsrfChecked])
def correct(request: Request, order_id: uuid.UUID, user: SalesWriter, db: PageDB, form: PageForm) -> Response:
    """Send a correction of the order's notification (the same UIT) with the data typed in the form."""
    try:
        row = orders.get(db, "order", order_id)
    except NotFound:
        return error_page(request, 404)
    values, body = _form_body(form, [line.position for line, _code, _w in transport.risky_lines(db, row)])
    try:
        parsed = OrderTransportIn.model_validate(body)
    except ValidationError as exc:
        return _detail(request, user, db, row, 422, fix_form=(values, _schema_errors(exc, body)))
    who = service.Actor(tid=user.account.tid, name=user.account.email)
    try:
        with db.begin_nested():
            _row, created = transport.correct(
                db, who, order_id, parsed, settings=platform_of(request).settings
            )
    except Problem as exc:
        db.expire_all()
        row = orders.get(db, "order", order_id)
        if exc.status == 409:
            return _detail(request, user, db, row, 409, problems=[_amend_problem(exc)])
        return _detail(request, user, db, row, 422, fix_form=(values, _service_errors(exc)))
    response = RedirectResponse(f"/sales/orders/{order_id}#etransport", status_code=303)
    if not created:
        return flash(response, _("A correction of this UIT is already on its way to ANAF."), "info")
    return flash(response, _("Correction queued for ANAF: the UIT stays the same."))


@router.get("/sales/orders/{order_id}/delivery-note.pdf")
def delivery_note_pdf(request: Request, order_id: uuid.UUID, user: SalesReader, db: PageDB) -> Response:
    try:
        row = orders.get(db, "order", order_id)
        data = delivery_note.pdf(db, user.account.tid, order_id)
    except NotFound:
        return error_page(request, 404)
    except Problem:  # not confirmed: no delivery note
        return error_page(request, 409)
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="aviz-{row.number or row.id}.pdf"'},
    )


@router.get("/sales/etransport", response_class=HTMLResponse)
def desk(
    request: Request,
    user: SalesReader,
    db: PageDB,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    """The compliance desk's e-Transport list: each order's UIT with its validity countdown."""
    try:
        rows, next_cursor = transport.page(db, user.account.tid, cursor=cursor, limit=PAGE_SIZE)
    except (BadCursor, Problem):  # an old or edited link: the first page
        rows, next_cursor = transport.page(db, user.account.tid, cursor=None, limit=PAGE_SIZE)
    names = crm.account_names(db, [o.customer_id for o, _out in rows])
    ctx = context(
        request,
        account=user.account,
        tenant=user.tenant,
        rows=[
            {
                "order": o,
                "customer": names.get(o.customer_id, "—"),
                "etr": out,
                "countdown": countdown_label(transport.countdown(out)),
            }
            for o, out in rows
        ],
        etr_states={k: (_(label), tone) for k, (label, tone) in ETR_STATES.items()},
        next_url=f"/sales/etransport?cursor={next_cursor}" if next_cursor else None,
        first_url="/sales/etransport" if cursor else None,
    )
    return render(request, "sales/etransport.html", ctx)
