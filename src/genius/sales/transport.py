"""e-Transport from orders (issue 17): an order that ships goods of high fiscal risk gets an e-Transport
notification built from its lines, uploaded by the existing ``anaf.etransport`` worker.

* ``start``: the order's lines whose product carries a tariff code (``cod_tarifar``) of high fiscal
  risk (compliance's list) become the notification's goods: quantity, unit, net/gross weight (the line's
  given weights, else quantity x the product's unit weight; a KGM/TNE/GRM quantity is its own weight),
  value in RON without VAT (a EUR order at the given BNR rate). The partner is the customer (CRM
  account), the declarant and default carrier the tenant's company, the route from the company's
  address to the customer's unless given, the transport documents the delivery note (aviz, numbered as
  the order) and the order's issued invoices. Compliance validates it and records it under the key
  ``sales-order:<id>:etransport:<attempt>``; its upload is an outbox task of the same transaction.
  A second start returns the declaration the order has, unless compliance rejected it (``nok``, XML
  errors, a bad UIT, failed, deleted): then a new one is made as the next attempt.
* What sales knows of the outcome comes from compliance's events (never its tables):
  ``wms.shipment.etransport_code`` → ``valid`` with the UIT and its validity window;
  ``anaf.etransport.rejected`` → ``rejected`` with ANAF's messages. The pages and the API show the
  declaration's live state through compliance's service (``summaries``) over that record.
* ``cancel`` / ``correct``: the UIT deleted (``stergere``) or corrected (``corectie``), from the order's
  page or ``POST /v1/sales/orders/{id}/etransport/cancel|correct``; audited; 409 when there is no UIT
  ANAF confirmed, when it was deleted, when the other amendment is under way, or once the UIT expired.
* ``countdown``: what is left of a UIT's validity (it ends at the end of ``valid_until``, Romanian time).

Never commits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy.orm import Session

from genius.compliance.etransport import service as etransport
from genius.compliance.etransport.events import EtransportDeleted, EtransportRejected, ShipmentEtransportCode
from genius.compliance.etransport.schemas import (
    EU_COUNTRIES,
    Declaration,
    Deletion,
    Goods,
    Location,
    Notification,
    Partner,
    RoutePlace,
    TransportData,
    TransportDocument,
)
from genius.config import Settings
from genius.core.audit import service as audit
from genius.core.events.schemas import Envelope
from genius.core.kit.errors import Conflict, Unprocessable
from genius.core.tenancy import service as tenancy
from genius.sales import orders, repository, service
from genius.sales.models import Order, OrderLine, OrderTransport, Product
from genius.sales.schemas import OrderTransportIn, OrderTransportOut, TransportGoodsOut, TransportPlaceIn
from genius.sales.service import Actor

ROMANIA = ZoneInfo("Europe/Bucharest")
CENT = Decimal("0.01")
STARTABLE = frozenset({"confirmed", "partially_invoiced", "invoiced"})
# codScopOperatiune: 101 commerce for a sale in Romania or to the EU; export takes 9999 (BR-205)
PURPOSE = {"30": "101", "20": "101", "50": "9999"}
# units whose quantity is a mass: its weight in kg
MASS_UNITS = {"KGM": Decimal(1), "TNE": Decimal(1000), "GRM": Decimal("0.001")}
DELIVERY_NOTE = "30"  # tipDocument: aviz de însoțire a mărfii
INVOICE = "20"


def shipment_ref(order: Order) -> str:
    return f"sales-order:{order.id}"


@dataclass
class Built:
    declaration: Declaration
    snapshot: dict[str, Any]


def _error(field: str, message: str, kind: str = "value_error", **extra: Any) -> dict[str, Any]:
    """A field error as FastAPI writes them; ``type`` names the rule (the pages word it in Romanian)."""
    return {"field": field, "in": "body", "message": message, "type": kind, **extra}


def _digits(code: str | None) -> str:
    return (code or "").upper().removeprefix("RO").strip()


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _weights(
    line: OrderLine, product: Product | None, given: dict[int, Any]
) -> tuple[Decimal | None, Decimal | None]:
    """(net, gross) kg of a line: the weights given for it, else from the unit or the product."""
    override = given.get(line.position)
    per_unit = MASS_UNITS.get(line.unit_code) or (product.unit_weight_kg if product else None)
    computed = _cents(line.quantity * per_unit) if per_unit else None
    given_gross = _cents(override.gross_weight_kg) if override and override.gross_weight_kg else None
    given_net = _cents(override.net_weight_kg) if override and override.net_weight_kg else None
    gross = given_gross or computed
    net = given_net or computed
    if given_gross and not given_net and net is not None:
        net = min(net, given_gross)  # only the gross given: the net cannot exceed it
    return (net if net is not None else gross), gross


def _address(
    street: str, locality: str, county: str | None, field: str, errors: list[dict[str, Any]]
) -> RoutePlace | None:
    code = etransport.county_code(county)
    if code is None:
        errors.append(
            _error(
                f"{field}.county",
                f"{county!r} is not a Romanian county" if county else "the county is missing",
            )
        )
        return None
    if len(street.strip()) < 2 or len(locality.strip()) < 2:
        message = "the address needs a street and a locality (2 to 100 characters each)"
        errors.append(_error(field, message, "address_incomplete"))
        return None
    return RoutePlace(
        location=Location(county_code=code, locality=locality.strip()[:100], street=street.strip()[:100])
    )


def _place(
    given: TransportPlaceIn | None,
    default: tuple[str, str, str | None] | None,
    field: str,
    errors: list[dict[str, Any]],
) -> tuple[RoutePlace | None, str]:
    """A route place and how it prints: the one given (border point, customs office or address), else
    the default address (street, locality, county)."""
    if given is not None and (given.border_point is not None or given.customs_office is not None):
        if given.border_point is not None and given.customs_office is not None:
            errors.append(
                _error(field, "give a border crossing point or a customs office, not both", "place_both")
            )
            return None, ""
        if given.border_point is not None:
            return RoutePlace(border_point=given.border_point), f"PTF {given.border_point}"
        return RoutePlace(customs_office=given.customs_office), f"Birou vamal {given.customs_office}"
    if given is not None and (given.street or given.locality or given.county):
        place = _address(given.street or "", given.locality or "", given.county, field, errors)
        if place is not None and place.location is not None:
            place.location.postal_code = given.postal_code
            place.location.other_info = given.other_info
        return place, ", ".join(p for p in (given.street, given.locality, given.county) if p)
    if default is None:
        errors.append(_error(field, "give the address (there is no default for it)", "place_missing"))
        return None, ""
    street, locality, county = default
    return _address(street, locality, county, field, errors), ", ".join(p for p in default if p)


def _company_address(address: str) -> tuple[str, str, str | None] | None:
    """The tenant's address as the settings keep it: 'street and number, city, county'."""
    parts = [p.strip() for p in address.split(",") if p.strip()]
    if len(parts) < 3:
        return None
    return ", ".join(parts[:-2]), parts[-2], parts[-1]


def risky_lines(session: Session, order: Order) -> list[tuple[OrderLine, str, Decimal | None]]:
    """The order's lines of high fiscal risk: (line, its product's tariff code, its gross weight as
    computed without weights given: the unit's or the product's; None when it cannot be)."""
    catalogue = repository.products(session, {li.product_id for li in order.lines if li.product_id})
    out = []
    for line in order.lines:
        product = catalogue.get(line.product_id) if line.product_id else None
        code = product.cod_tarifar if product else None
        if code and etransport.is_high_risk(code):
            out.append((line, code, _weights(line, product, {})[1]))
    return out


def build(session: Session, order: Order, body: OrderTransportIn) -> Built:
    """The notification of an order's high-risk goods; 422 naming the fields that cannot be filled."""
    errors: list[dict[str, Any]] = []
    profile = tenancy.company_profile(session, order.tid)
    cui = _digits(profile.cui)
    company = profile.company_name or profile.anaf_name or ""
    if not cui.isdigit():
        errors.append(_error("supplier.cui", "set the company's CUI in the tenant settings", "company_cui"))
    account = service.customer_account(session, order.customer_id)
    country = (account.country or "RO").strip().upper()
    op = body.operation_type
    if op == "30" and country != "RO":
        errors.append(
            _error(
                "operation_type",
                f"national transport (30) is for a customer in Romania, not {country}",
                "operation_country",
            )
        )
    elif op == "20" and (country == "RO" or country not in EU_COUNTRIES):
        errors.append(
            _error(
                "operation_type",
                "an intra-EU delivery (20) needs a customer in another EU country",
                "operation_country",
            )
        )
    elif op == "50" and country in EU_COUNTRIES:
        message = "an export (50) needs a customer outside the EU"
        errors.append(_error("operation_type", message, "operation_country"))
    rate = Decimal(1)
    if order.currency != "RON":
        if body.exchange_rate is None:
            errors.append(
                _error(
                    "exchange_rate",
                    "a EUR order needs the BNR rate (RON per EUR): values are in RON",
                    "exchange_rate_missing",
                )
            )
        else:
            rate = body.exchange_rate

    catalogue = repository.products(session, {li.product_id for li in order.lines if li.product_id})
    positions = {li.position for li in order.lines}
    given = {}
    for i, w in enumerate(body.lines):
        if w.position not in positions:
            errors.append(_error(f"lines.{i}.position", "the order has no line at this position"))
        given[w.position] = w
    goods: list[Goods] = []
    printed: list[dict[str, Any]] = []
    for line in order.lines:
        product = catalogue.get(line.product_id) if line.product_id else None
        code = product.cod_tarifar if product else None
        if not etransport.is_high_risk(code):
            continue
        assert code is not None
        net, gross = _weights(line, product, given)
        quantity = _cents(line.quantity)
        if gross is None or net is None:
            errors.append(
                _error(
                    "lines",
                    f"line {line.position} ({line.description}): give its weights "
                    "(the product has no unit weight)",
                    "missing_weight",
                    line=line.position,
                )
            )
            continue
        if quantity <= 0 or gross <= 0 or net <= 0:
            errors.append(
                _error(
                    "lines",
                    f"line {line.position}: quantity and weights must be at least 0.01",
                    "bad_weight",
                    line=line.position,
                )
            )
            continue
        if net > gross:
            errors.append(
                _error(
                    "lines",
                    f"line {line.position}: the net weight is more than the gross weight",
                    "bad_weight",
                    line=line.position,
                )
            )
            continue
        value = _cents(line.net_amount * rate)
        goods.append(
            Goods(
                purpose_code=PURPOSE[op],
                tariff_code=code,
                description=line.description[:200],
                quantity=quantity,
                unit_code=line.unit_code,
                net_weight=net,
                gross_weight=gross,
                value_ron=value,
                ref=f"{line.position}",
            )
        )
        printed.append(
            {
                "position": line.position,
                "description": line.description,
                "cod_tarifar": code,
                "quantity": str(quantity),
                "unit_code": line.unit_code,
                "net_weight_kg": str(net),
                "gross_weight_kg": str(gross),
                "value_ron": str(value),
            }
        )
    if not goods and not any(e["field"] == "lines" for e in errors):
        errors.append(
            _error(
                "lines",
                "no line of this order carries a tariff code of high fiscal risk: set cod_tarifar on its "
                "products (e-Transport declares only those goods)",
                "no_risky_line",
            )
        )

    company_address = _company_address(profile.address or "")
    start, start_text = _place(body.start, company_address, "start", errors)
    customer_address = (
        (account.address or "", account.city or "", account.county)
        if country == "RO" and account.address
        else None
    )
    end, end_text = _place(body.end, customer_address, "end", errors)
    if errors:
        raise Unprocessable("The e-Transport notification cannot be built from this order.", errors=errors)
    assert start is not None and end is not None and order.number is not None

    partner_code = _digits(account.cui) if country == "RO" else (account.cui or None)
    if country == "RO" and not (partner_code or "").isdigit():
        partner_code = "PF"  # BR-007: a person, or a buyer whose code is unknown
    carrier_name = body.carrier_name or company
    carrier_code = _digits(body.carrier_code) if body.carrier_code else (None if body.carrier_name else cui)
    on = body.transport_date or service.today()
    invoices = repository.invoices_of_orders(session, [order.id])[order.id]
    documents = [TransportDocument(type=DELIVERY_NOTE, number=order.number, document_date=on)] + [
        TransportDocument(type=INVOICE, number=d.number, document_date=d.issue_date)
        for d in invoices
        if d.status == "issued" and d.number and d.issue_date
    ]
    try:
        declaration = Declaration(
            declarant_code=cui,
            declarant_ref=order.number[:50],
            notification=Notification(
                operation_type=op,
                goods=goods,
                partner=Partner(country=country, code=partner_code, name=account.name[:200]),
                transport=TransportData(
                    vehicle=body.vehicle,
                    trailer1=body.trailer1,
                    trailer2=body.trailer2,
                    carrier_country=body.carrier_country,
                    carrier_code=carrier_code,
                    carrier_name=carrier_name[:200],
                    transport_date=on,
                ),
                start=start,
                end=end,
                documents=documents,
            ),
        )
    except ValidationError as exc:
        raise Unprocessable(
            "The e-Transport notification cannot be built from this order.",
            errors=[_error(".".join(str(p) for p in e["loc"]) or "body", e["msg"]) for e in exc.errors()],
        ) from None
    snapshot = {
        "vehicle": body.vehicle,
        "trailer1": body.trailer1,
        "trailer2": body.trailer2,
        "carrier_name": carrier_name,
        "carrier_code": carrier_code,
        "start": start_text,
        "end": end_text,
        "goods": printed,
    }
    return Built(declaration, snapshot)


# where in the notification a rule's finding is (its XPath) → the request field that fills it
_FINDING_FIELDS = (
    ("locStartTraseuRutier", "start"),
    ("locFinalTraseuRutier", "end"),
    ("bunuriTransportate", "lines"),
    ("partenerComercial", "customer_id"),
    ("dateTransport", "carrier_name"),
    ("documenteTransport", "transport_date"),
)


def _field_of(location: str) -> str:
    for part, field in _FINDING_FIELDS:
        if part in location:
            return field
    return "operation_type" if "notificare" in location else "body"


def _refused(exc: etransport.InvalidDeclaration) -> Unprocessable:
    """Our schematron's fatal findings on a notification, on the request's fields."""
    findings = list(exc.extra.get("findings") or [])
    return Unprocessable(
        "The e-Transport rules refuse this notification.",
        errors=[
            _error(_field_of(str(f.get("location") or "")), str(f.get("message")), "rule", rule=f.get("rule"))
            for f in findings
            if f.get("severity") == "fatal"
        ]
        or None,
        findings=findings,
    )


def _snapshot(built: Built, body: OrderTransportIn) -> dict[str, Any]:
    """What the order shows of a notification: its data, and whether the law requires it (and why)."""
    applicability = etransport.applicability(
        [
            etransport.ShipmentLine(g.tariff_code, g.value_ron or Decimal(0), g.gross_weight)
            for g in built.declaration.notification.goods  # type: ignore[union-attr]
        ],
        body.operation_type,
    )
    return {**built.snapshot, "required": applicability.required, "reasons": applicability.reasons}


def _order(session: Session, order_id: uuid.UUID) -> Order:
    row = orders.get(session, "order", order_id, lock=True)
    state = orders.status_of(row)
    if state not in STARTABLE:
        raise Conflict(
            f"A {state} order has no transport to declare: confirm it first.", code="order-not-confirmed"
        )
    return row


def start(
    session: Session,
    actor: Actor,
    order_id: uuid.UUID,
    body: OrderTransportIn,
    *,
    settings: Settings | None = None,
    queue: bool = True,
) -> tuple[OrderTransport, bool]:
    """Build, validate and queue the order's notification; ``(row, created)``. The order's row lock
    serialises two starts: the second sees the first's declaration and returns it."""
    order = _order(session, order_id)
    existing = repository.order_transport(session, order.id, lock=True)
    attempt = 1
    if existing is not None:
        live = etransport.summaries(session, actor.tid, [existing.declaration_id]).get(
            existing.declaration_id
        )
        live_state = str(live["state"]) if live else existing.state
        if existing.state != "rejected" and live_state not in etransport.REJECTED_STATES:
            return existing, False
        attempt = existing.attempt + 1
    built = build(session, order, body)
    try:
        declaration, _created = etransport.create_and_queue(
            session,
            actor.tid,
            built.declaration,
            settings=settings,
            shipment_ref=shipment_ref(order),
            idempotency_key=f"{shipment_ref(order)}:etransport:{attempt}",
            correlation_id=actor.correlation_id,
            queue=queue,
        )
    except etransport.InvalidDeclaration as exc:  # our schematron's fatal findings, on the body's fields
        raise _refused(exc) from None
    snapshot = _snapshot(built, body)
    now = datetime.now(UTC)
    row = existing or OrderTransport(order_id=order.id, tid=actor.tid, created_at=now)
    row.declaration_id, row.attempt, row.state = declaration.id, attempt, "queued"
    row.operation_type = body.operation_type
    row.transport_date = body.transport_date or service.today()
    row.uit, row.valid_from, row.valid_until = None, None, None
    row.transport, row.messages = snapshot, []
    row.amend_kind, row.amend_declaration_id, row.amend_state = None, None, None
    row.amend_messages, row.amend_transport = [], None
    row.created_by, row.updated_at = actor.name, now
    if existing is None:
        repository.add(session, row)
    session.flush()
    return row, True


# --- amendments: cancel the UIT (stergere) or correct the notification (corectie) ---------------------
AMEND_KINDS = ("stergere", "corectie")


def _amendable(
    session: Session, actor: Actor, order_id: uuid.UUID, kind: str, if_match: str | None = None
) -> tuple[Order, OrderTransport, str, str] | OrderTransport:
    """The order, its transport row, the CIF and the UIT an amendment acts on; or the row itself when
    the same amendment is already under way (a second click). 409 when the UIT cannot be amended: none
    yet, not valid at ANAF, deleted, or the other amendment under way. The order is not required to be
    open: cancelling an order is when its UIT is deleted."""
    order = orders.get(session, "order", order_id, lock=True)
    service.check_if_match(order, if_match, required=False)  # the API's If-Match: the order's ETag
    row = repository.order_transport(session, order.id, lock=True)
    if row is None:
        raise Conflict("This order has declared no transport.", code="etransport-none")
    live = etransport.summaries(
        session, actor.tid, [d for d in (row.declaration_id, row.amend_declaration_id) if d]
    )
    if row.amend_state == "queued" and row.amend_declaration_id is not None:
        pending = live.get(row.amend_declaration_id)
        if pending is None or str(pending["state"]) not in etransport.REJECTED_STATES:
            if row.amend_kind == kind:
                return row
            raise Conflict(
                "A deletion or correction of this UIT is under way: wait for ANAF's answer.",
                code="etransport-amendment-pending",
            )
    current = live.get(row.declaration_id)
    state = str(current["state"]) if current else row.state
    uit = (current.get("uit") if current else None) or row.uit
    if state != "valid" or not uit or row.state == "deleted":
        raise Conflict(
            "Only a UIT that ANAF confirmed can be cancelled or corrected.", code="etransport-not-valid"
        )
    valid_until = (_day(current.get("uit_valid_until")) if current else None) or row.valid_until
    if valid_until is not None and _expired(valid_until):
        # the transport the UIT covered is over: there is nothing left to cancel or correct
        raise Conflict(
            f"The UIT expired at the end of {valid_until.isoformat()}: it can no longer be cancelled or "
            "corrected.",
            code="etransport-expired",
        )
    cif = str(current["cif"]) if current else _digits(tenancy.company_profile(session, order.tid).cui)
    return order, row, cif, uit


def _amend(
    session: Session,
    actor: Actor,
    order: Order,
    row: OrderTransport,
    kind: str,
    declaration: Declaration,
    *,
    settings: Settings | None,
    queue: bool,
) -> OrderTransport:
    number = row.amend_count + 1
    try:
        created, _new = etransport.create_and_queue(
            session,
            actor.tid,
            declaration,
            settings=settings,
            shipment_ref=shipment_ref(order),
            idempotency_key=f"{shipment_ref(order)}:etransport:{row.attempt}:{kind}:{number}",
            correlation_id=actor.correlation_id,
            queue=queue,
        )
    except etransport.InvalidDeclaration as exc:
        raise _refused(exc) from None
    row.amend_kind, row.amend_declaration_id, row.amend_state = kind, created.id, "queued"
    row.amend_messages, row.amend_count, row.updated_at = [], number, datetime.now(UTC)
    session.flush()
    return row


def cancel(
    session: Session,
    actor: Actor,
    order_id: uuid.UUID,
    *,
    settings: Settings | None = None,
    queue: bool = True,
    if_match: str | None = None,
) -> tuple[OrderTransport, bool]:
    """Delete the order's UIT at ANAF (``stergere``): recorded at compliance under the key
    ``sales-order:<id>:etransport:<attempt>:stergere:<n>``, its upload an outbox task of the same
    transaction; ``(row, created)``. A second call while it is under way returns it. The order shows
    ``deleted`` once compliance's ``anaf.etransport.deleted`` arrives (a new notification can follow)."""
    found = _amendable(session, actor, order_id, "stergere", if_match)
    if isinstance(found, OrderTransport):
        return found, False
    order, row, cif, uit = found
    declaration = Declaration(
        declarant_code=cif, declarant_ref=(order.number or "")[:50] or None, deletion=Deletion(uit=uit)
    )
    row.amend_transport = None
    row = _amend(session, actor, order, row, "stergere", declaration, settings=settings, queue=queue)
    _audit(session, actor, order, row, "sales.order.etransport_cancelled", uit)
    return row, True


def correct(
    session: Session,
    actor: Actor,
    order_id: uuid.UUID,
    body: OrderTransportIn,
    *,
    settings: Settings | None = None,
    queue: bool = True,
    if_match: str | None = None,
) -> tuple[OrderTransport, bool]:
    """Declare the order's transport again as a correction of its UIT (``corectie``): the notification
    built from the order and the corrected data (vehicle, date, route, weights) carries the UIT it
    corrects, which ANAF keeps. Queued like ``cancel``; the corrected data becomes the order's once
    compliance's ``wms.shipment.etransport_code`` for the correction arrives."""
    found = _amendable(session, actor, order_id, "corectie", if_match)
    if isinstance(found, OrderTransport):
        return found, False
    order, row, _cif, uit = found
    built = build(session, order, body)
    assert built.declaration.notification is not None
    built.declaration.notification.correction_uit = uit
    row.amend_transport = {
        **_snapshot(built, body),
        "operation_type": body.operation_type,
        "transport_date": (body.transport_date or service.today()).isoformat(),
    }
    row = _amend(session, actor, order, row, "corectie", built.declaration, settings=settings, queue=queue)
    _audit(session, actor, order, row, "sales.order.etransport_corrected", uit)
    return row, True


def _audit(session: Session, actor: Actor, order: Order, row: OrderTransport, action: str, uit: str) -> None:
    """An amendment asked for (from the page or the API), in the same transaction as its queueing."""
    audit.record(
        session,
        actor.tid,
        action,
        actor=actor.name,
        target=f"sales.order:{order.id}",
        data={"uit": uit, "number": order.number, "declaration_id": str(row.amend_declaration_id)},
        request_id=actor.correlation_id or "",
    )


def amendment(row: OrderTransport, live: dict[str, Any] | None) -> dict[str, Any] | None:
    """The row's last amendment as the order shows it: kind, state (compliance's live one while sales
    has no outcome), ANAF's messages."""
    if row.amend_kind is None:
        return None
    state = row.amend_state or "queued"
    messages = [str(m) for m in row.amend_messages or []]
    if state == "queued" and live is not None:
        if str(live["state"]) in etransport.REJECTED_STATES:
            state, messages = "rejected", [str(m) for m in live.get("errors") or []] or messages
    return {"kind": row.amend_kind, "state": state, "messages": messages}


def get(session: Session, order_id: uuid.UUID) -> OrderTransport | None:
    return repository.order_transport(session, order_id)


def live_states(
    session: Session, tid: uuid.UUID, rows: list[OrderTransport]
) -> dict[uuid.UUID, dict[str, Any]]:
    """Compliance's summary of each row's declaration and of its amendment (their live state), by
    declaration id."""
    ids = [d for r in rows for d in (r.declaration_id, r.amend_declaration_id) if d is not None]
    return etransport.summaries(session, tid, ids)


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def view(
    row: OrderTransport,
    live: dict[str, Any] | None,
    *,
    queued: bool | None = None,
    amend_live: dict[str, Any] | None = None,
) -> OrderTransportOut:
    """What the API and the pages show: sales' record, the declaration's live state over it (and its
    amendment's, ``amend_live``)."""
    snap = row.transport or {}
    messages = [str(m) for m in (row.messages or [])]
    state, uit, valid_from, valid_until = row.state, row.uit, row.valid_from, row.valid_until
    if live is not None:
        state = str(live["state"])
        uit = live.get("uit") or uit
        valid_from = _day(live.get("uit_valid_from")) or valid_from
        valid_until = _day(live.get("uit_valid_until")) or valid_until
        if state in etransport.REJECTED_STATES:
            messages = [str(m) for m in live.get("errors") or []] or messages
    return OrderTransportOut(
        declaration_id=row.declaration_id,
        attempt=row.attempt,
        state=state,
        uit=uit,
        valid_from=valid_from,
        valid_until=valid_until,
        operation_type=row.operation_type,
        transport_date=row.transport_date,
        vehicle=str(snap.get("vehicle") or ""),
        carrier_name=str(snap.get("carrier_name") or ""),
        start=str(snap.get("start") or ""),
        end=str(snap.get("end") or ""),
        goods=[TransportGoodsOut.model_validate(g) for g in snap.get("goods") or []],
        messages=messages,
        required=snap.get("required"),
        reasons=list(snap.get("reasons") or []),
        queued=queued,
        amendment=amendment(row, amend_live),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def views(session: Session, tid: uuid.UUID, order_ids: list[uuid.UUID]) -> dict[uuid.UUID, OrderTransportOut]:
    rows = repository.order_transports(session, order_ids)
    live = live_states(session, tid, list(rows.values()))
    return {oid: _view_live(row, live) for oid, row in rows.items()}


def _view_live(
    row: OrderTransport, live: dict[uuid.UUID, dict[str, Any]], *, queued: bool | None = None
) -> OrderTransportOut:
    amend_live = live.get(row.amend_declaration_id) if row.amend_declaration_id else None
    return view(row, live.get(row.declaration_id), queued=queued, amend_live=amend_live)


def view_one(
    session: Session, tid: uuid.UUID, row: OrderTransport, *, queued: bool | None = None
) -> OrderTransportOut:
    """One row as the API shows it, with its live state and its amendment's."""
    return _view_live(row, live_states(session, tid, [row]), queued=queued)


def page(
    session: Session, tid: uuid.UUID, *, cursor: str | None, limit: int
) -> tuple[list[tuple[Order, OrderTransportOut]], str | None]:
    """The desk's list: orders' declarations, the most recently started first, with their live state."""
    got = repository.order_transport_page(session, cursor=cursor, limit=limit)
    live = live_states(session, tid, [t for t, _o in got.items])
    return [(o, _view_live(t, live)) for t, o in got.items], got.next


# --- the UIT's validity ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Countdown:
    kind: str  # pending | not_yet | active | expired
    days: int = 0
    hours: int = 0
    starts: date | None = None


def _expired(valid_until: date, now: datetime | None = None) -> bool:
    """The UIT is valid through the end of ``valid_until``, Romanian time."""
    end = datetime.combine(valid_until + timedelta(days=1), time(0), tzinfo=ROMANIA)
    return (now or datetime.now(UTC)) >= end


def countdown(out: OrderTransportOut, now: datetime | None = None) -> Countdown:
    """What is left of the UIT's validity: it runs from ``valid_from`` to the end of ``valid_until``
    (Romanian time)."""
    if out.state != "valid" or out.valid_until is None:
        return Countdown("pending")
    moment = (now or datetime.now(UTC)).astimezone(ROMANIA)
    if out.valid_from and moment.date() < out.valid_from:
        return Countdown("not_yet", starts=out.valid_from)
    end = datetime.combine(out.valid_until + timedelta(days=1), time(0), tzinfo=ROMANIA)
    left = end - moment
    if left.total_seconds() <= 0:
        return Countdown("expired")
    hours = int(left.total_seconds() // 3600)
    return Countdown("active", days=hours // 24, hours=hours % 24)


# --- compliance's events (the sales consumer) ----------------------------------------------------------
def on_etransport_code(session: Session, envelope: Envelope) -> None:
    """ANAF confirmed an order's notification (or its correction): its UIT and validity window on the
    order; a correction's data becomes the order's transport data, its declaration the one followed."""
    event = ShipmentEtransportCode.model_validate(envelope.data)
    row = repository.order_transport_by_declaration(session, event.declaration_id)
    if row is None:
        row = repository.order_transport_by_amendment(session, event.declaration_id)
        if row is None or row.amend_kind != "corectie":
            return  # a declaration sales did not make (another module's, or an earlier attempt's)
        corrected = dict(row.amend_transport or {})
        row.declaration_id, row.amend_state, row.amend_messages = event.declaration_id, "valid", []
        row.operation_type = str(corrected.pop("operation_type", None) or row.operation_type)
        when = corrected.pop("transport_date", None)
        row.transport_date = event.transport_date or (_day(when) if when else None) or row.transport_date
        row.transport, row.amend_transport = corrected or row.transport, None
    row.state, row.uit = "valid", event.uit
    row.valid_from, row.valid_until = event.valid_from, event.valid_until
    row.messages, row.updated_at = [], datetime.now(UTC)


def on_etransport_rejected(session: Session, envelope: Envelope) -> None:
    """ANAF refused an order's notification: rejected with its messages (a new start makes another)."""
    event = EtransportRejected.model_validate(envelope.data)
    row = repository.order_transport_by_declaration(session, event.declaration_id)
    if row is None:  # the refusal of a deletion or a correction: the UIT stays as it was
        row = repository.order_transport_by_amendment(session, event.declaration_id)
        if row is not None:
            row.amend_state, row.amend_messages = "rejected", list(event.messages)
            row.updated_at = datetime.now(UTC)
        return
    row.state, row.messages, row.updated_at = "rejected", list(event.messages), datetime.now(UTC)


def on_etransport_deleted(session: Session, envelope: Envelope) -> None:
    """ANAF took the deletion of an order's UIT (the order's, or one made through the compliance API for
    its notification): ``deleted``; the order can declare a new transport."""
    event = EtransportDeleted.model_validate(envelope.data)
    rows = [repository.order_transport_by_amendment(session, event.declaration_id)]
    rows += [repository.order_transport_by_declaration(session, d) for d in event.deleted]
    now = datetime.now(UTC)
    for row in {r.order_id: r for r in rows if r is not None}.values():
        row.state, row.updated_at = "deleted", now
        if row.amend_declaration_id == event.declaration_id:
            row.amend_state, row.amend_messages = "valid", []
