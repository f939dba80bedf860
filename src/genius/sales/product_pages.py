"""The catalogue in the Shell: the products with their e-Transport data (tariff code, whether ANAF lists
it as goods of high fiscal risk, unit weight), and each product's form that sets them.

``transport.risky_lines`` decides from the tariff code (``cod_tarifar``, an 8-digit CN code) which order
lines an e-Transport notification declares, and from the unit weight their weights: this form is where
they are set (the API's ``PATCH /v1/sales/products/{id}`` too, which cannot clear them). The risk shown
is compliance's own list (``etransport.service.is_high_risk``), the one the notification uses.

Mounted before ``order_pages``, whose ``/sales/{plural}/{row_id}`` would take ``/sales/products/{id}``."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from genius.compliance.etransport import service as etransport
from genius.core.auth.scopes import Scope
from genius.core.kit.errors import NotFound, PreconditionFailed
from genius.core.kit.pagination import BadCursor
from genius.sales import service
from genius.sales.models import Product
from genius.sales.pages import PAGE_SIZE, UNIT_NAMES, SalesReader, SalesWriter
from genius.sales.transport import MASS_UNITS
from genius.web.kit import CsrfChecked, PageDB, PageForm, PageUser, _, context, error_page, flash, render

router = APIRouter(include_in_schema=False)

MAX_UNIT_WEIGHT = Decimal("999999999.999")
GRAM = Decimal("0.001")
# what people type in a CN code besides its digits: "2710 19 43", "2710.19.43"
_CN_SEPARATORS = re.compile(r"[\s.\-]")


def tariff_code_of(raw: str) -> tuple[str | None, str | None]:
    """(the CN code, None) from what was typed, separators dropped; (None, the error) when it is not 8
    digits; (None, None) when empty (the code is cleared)."""
    code = _CN_SEPARATORS.sub("", raw)
    if not code:
        return None, None
    if not (code.isascii() and code.isdigit()):
        return None, _("A tariff code has digits only, e.g. 2710 19 43.")
    if len(code) != 8:
        return None, _("A CN tariff code has 8 digits (this one has %(n)s).", n=len(code))
    return code, None


def unit_weight_of(raw: str) -> tuple[Decimal | None, str | None]:
    text = raw.strip().replace(" ", "").replace(",", ".")
    if not text:
        return None, None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, _("Enter the weight of one unit in kg, e.g. 0.75.")
    if not value.is_finite() or not 0 < value <= MAX_UNIT_WEIGHT or value != value.quantize(GRAM):
        return None, _("Enter a weight above 0 kg, with at most 3 decimals.")
    return value, None


def _risk(product: Product) -> bool:
    return bool(product.cod_tarifar) and etransport.is_high_risk(product.cod_tarifar)


@router.get("/sales/products", response_class=HTMLResponse)
def products(
    request: Request,
    user: SalesReader,
    db: PageDB,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    try:
        page = service.product_page(db, cursor=cursor, limit=PAGE_SIZE)
    except BadCursor:  # an old or edited link: the first page
        page = service.product_page(db, cursor=None, limit=PAGE_SIZE)
    ctx = context(
        request,
        account=user.account,
        tenant=user.tenant,
        rows=[(p, _risk(p)) for p in page.items],
        unit_names={k: _(v) for k, v in UNIT_NAMES.items()},
        next_url=f"/sales/products?cursor={page.next}" if page.next else None,
        first_url="/sales/products" if cursor else None,
    )
    return render(request, "sales/products.html", ctx)


def _detail(
    request: Request,
    user: PageUser,
    row: Product,
    status: int = 200,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    weight = row.unit_weight_kg
    ctx = context(
        request,
        account=user.account,
        tenant=user.tenant,
        product=row,
        high_risk=_risk(row),
        mass_unit=row.unit_code in MASS_UNITS,
        unit_names={k: _(v) for k, v in UNIT_NAMES.items()},
        can_write=Scope.SALES_WRITE in user.account.scopes,
        values=values
        or {
            "cod_tarifar": row.cod_tarifar or "",
            "unit_weight_kg": f"{weight.normalize():f}" if weight is not None else "",
        },
        errors=errors or {},
    )
    return render(request, "sales/product.html", ctx, status)


@router.get("/sales/products/{product_id}", response_class=HTMLResponse)
def product(request: Request, product_id: uuid.UUID, user: SalesReader, db: PageDB) -> Response:
    try:
        row = service.get_product(db, product_id)
    except NotFound:
        return error_page(request, 404)
    return _detail(request, user, row)


@router.post("/sales/products/{product_id}", response_class=HTMLResponse, dependencies=[CsrfChecked])
def save(request: Request, product_id: uuid.UUID, user: SalesWriter, db: PageDB, form: PageForm) -> Response:
    """Set (or clear) the product's tariff code and unit weight; errors beside their fields."""
    try:
        row = service.get_product(db, product_id)
    except NotFound:
        return error_page(request, 404)
    values: dict[str, Any] = {
        "cod_tarifar": str(form.get("cod_tarifar") or "")[:40],
        "unit_weight_kg": str(form.get("unit_weight_kg") or "")[:40],
    }
    code, code_error = tariff_code_of(values["cod_tarifar"])
    weight, weight_error = unit_weight_of(values["unit_weight_kg"])
    errors = {k: v for k, v in (("cod_tarifar", code_error), ("unit_weight_kg", weight_error)) if v}
    version = str(form.get("version") or "")
    if errors or not version.isdigit():
        return _detail(
            request, user, row, 422, values, errors or {"form": _("Reload the page and try again.")}
        )
    try:
        with db.begin_nested():
            service.set_transport_data(db, product_id, code, weight, version=int(version))
    except PreconditionFailed:
        db.expire_all()
        message = _("Someone changed this product meanwhile: check its values and save again.")
        return _detail(request, user, service.get_product(db, product_id), 409, values, {"form": message})
    response = RedirectResponse(f"/sales/products/{product_id}", status_code=303)
    return flash(response, _("Product saved."))
