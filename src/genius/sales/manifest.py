"""Mercantiq Sales & Billing: catalogue, invoices and credit notes issued to e-Factura."""

from genius.core.auth.scopes import Scope
from genius.core.kit.manifest import N_, BeatEntry, Module, NavEntry

MANIFEST = Module(
    name="sales",
    description="Sales & Billing: catalogue, invoices, credit notes (e-Factura on issue)",
    schema="sales",
    routers=("genius.sales.api:router",),
    pages=("genius.sales.pages:router",),
    nav=(
        NavEntry(
            N_("Invoices"), "/sales/invoices", Scope.SALES_READ, icon="receipt", section=N_("Sales"), key="f"
        ),
        NavEntry(
            N_("e-Factura outbox"),
            "/sales/efactura",
            Scope.SALES_READ,
            icon="send",
            section=N_("Sales"),
            key="e",
        ),
    ),
    topics=("genius.sales.events",),
    consumers="genius.sales.consumers:consumers",
    tasks={"sales": "genius.sales.tasks"},
    beat=(BeatEntry("sales-efactura-deadlines", "sales.efactura.deadline_sweep", 86400.0, "sales"),),
    demo="genius.sales.demo:seed_demo",
    web="genius.sales",
)
