"""The delivery note (aviz de însoțire a mărfii) of an order, as a PDF: the supplier (the tenant's
company) and the customer, every line of the order with its tariff code, and — once the order has an
e-Transport notification — the transport data, the UIT with its validity window and a QR code of the
UIT (segno, inline SVG in the page: the renderer fetches nothing).

A legal Romanian document, so its labels are Romanian whatever the reader's language. Rendered on
request (WeasyPrint, the ``pdf.render`` worker's engine): the note follows the UIT as ANAF issues it."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import segno
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy.orm import Session

from genius.compliance.etransport.schemas import OPERATION_NAMES
from genius.core.kit.errors import Conflict
from genius.core.tenancy import service as tenancy
from genius.sales import orders, repository, service, transport

TEMPLATES = Path(__file__).resolve().parent / "pdf_templates"
PRINTABLE = frozenset({"confirmed", "partially_invoiced", "invoiced"})


def _amount(value: Decimal | None, places: int = 2) -> str:
    """Romanian number format: ``1234567.5`` → ``1.234.567,50`` (at least ``places`` decimals)."""
    if value is None:
        return ""
    exponent = value.normalize().as_tuple().exponent
    decimals = max(places, -exponent if isinstance(exponent, int) and exponent < 0 else 0)
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def _day(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else "—"


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["amount"] = _amount
    env.filters["day"] = _day
    return env


def qr_data_uri(text: str) -> str:
    """A QR code of ``text`` as a PNG ``data:`` URI (error correction M), for the web page."""
    return str(segno.make(text, error="m", micro=False).png_data_uri(scale=6, border=2))


def qr_svg(text: str) -> Markup:
    """The same QR code as inline SVG, for the PDF. Safe as markup: segno writes only its own elements,
    the text is encoded as path data (no title, no description), never copied into the SVG."""
    svg = segno.make(text, error="m", micro=False).svg_inline(scale=5, border=2)
    return Markup(svg)  # noqa: S704  (see above: no caller text in segno's output)


def context(session: Session, tid: uuid.UUID, order_id: uuid.UUID) -> dict[str, Any]:
    """What the note prints; 409 for an order not confirmed (a draft or cancelled ships nothing)."""
    order = orders.get(session, "order", order_id)
    if orders.status_of(order) not in PRINTABLE:
        raise Conflict("Only a confirmed order has a delivery note.", code="order-not-confirmed")
    profile = tenancy.company_profile(session, tid)
    account = service.customer_account(session, order.customer_id)
    catalogue = repository.products(session, {li.product_id for li in order.lines if li.product_id})
    lines = [
        {
            "position": li.position,
            "description": li.description,
            "cod_tarifar": catalogue[li.product_id].cod_tarifar if li.product_id in catalogue else None,
            "unit_code": li.unit_code,
            "quantity": li.quantity,
            "unit_price": li.unit_price,
            "net_amount": li.net_amount,
        }
        for li in order.lines
    ]
    out = transport.views(session, tid, [order.id]).get(order.id)
    row = transport.get(session, order.id)
    shipped: dict[str, Any] | None = None
    if out is not None and row is not None:
        snap = row.transport or {}
        shipped = {
            **out.model_dump(),
            "trailer1": snap.get("trailer1"),
            "trailer2": snap.get("trailer2"),
            "operation": OPERATION_NAMES.get(out.operation_type, out.operation_type),
        }
    return {
        "order": order,
        "on": out.transport_date if out is not None else service.today(),
        "supplier": {
            "name": profile.company_name or profile.anaf_name or "",
            "cui": profile.cui,
            "registration": profile.registration_number,
            "address": profile.address,
        },
        "customer": {
            "name": account.name,
            "cui": account.cui,
            "address": ", ".join(p for p in (account.address, account.city, account.county) if p),
        },
        "lines": lines,
        "transport": shipped,
        "qr": qr_svg(out.uit) if out is not None and out.uit else None,
    }


def html(session: Session, tid: uuid.UUID, order_id: uuid.UUID) -> str:
    return _env().get_template("delivery_note.html.j2").render(**context(session, tid, order_id))


def pdf(session: Session, tid: uuid.UUID, order_id: uuid.UUID) -> bytes:
    from genius.workers.pdf_render.tasks import render_pdf  # heavy: WeasyPrint only when a note is asked

    return render_pdf(html(session, tid, order_id))
