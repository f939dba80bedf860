"""Mercantiq Sales & Billing: catalogue, invoices and credit notes issued to e-Factura."""

from genius.core.auth.scopes import Scope
from genius.core.kit.manifest import N_, Module, NavEntry

MANIFEST = Module(
    name="sales",
    description="Sales & Billing: catalogue, invoices, credit notes (e-Factura on issue)",
    schema="sales",
    routers=("genius.sales.api:router", "genius.sales.orders_api:router"),
    pages=("genius.sales.pages:router",),
    nav=(
        NavEntry(
            N_("Invoices"), "/sales/invoices", Scope.SALES_READ, icon="receipt", section=N_("Sales"), key="f"
        ),
    ),
    topics=("genius.sales.events",),
    consumers="genius.sales.consumers:consumers",
    demo="genius.sales.demo:seed_demo",
    web="genius.sales",
)
