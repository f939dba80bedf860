"""Mercantiq Sales & Billing: catalogue, quotes, orders, invoices and credit notes issued to e-Factura."""

from genius.core.auth.scopes import Scope
from genius.core.kit.manifest import N_, BeatEntry, Module, NavEntry

MANIFEST = Module(
    name="sales",
    description="Sales & Billing: catalogue, invoices, credit notes (e-Factura on issue)",
    schema="sales",
    routers=(
        "genius.sales.api:router",
        "genius.sales.orders_api:router",
        "genius.sales.supplier_api:router",
    ),
    # the editor before ``/sales/invoices/{id}`` (it would take /sales/invoices/new), the inbox before the
    # orders' ``/sales/{plural}/{row_id}`` (which would take /sales/efactura/inbox)
    pages=(
        "genius.sales.editor_pages:router",
        "genius.sales.pages:router",
        "genius.sales.inbox_pages:router",
        # Before the orders' /sales/{plural}/{row_id}: /sales/efactura/validate is the desk's own page.
        "genius.sales.desk_pages:router",
        "genius.sales.transport_pages:router",  # before order_pages' /sales/{plural}/{row_id}/{action}
        # the compliance desk's SAF-T and REGES pages and the catalogue: /sales/saft/{id} and
        # /sales/products/{id} would be taken by /sales/{plural}/{row_id}
        "genius.sales.saft_pages:router",
        "genius.sales.reges_pages:router",
        "genius.sales.product_pages:router",
        "genius.sales.order_pages:router",
    ),
    nav=(
        NavEntry(
            N_("Quotes"), "/sales/quotes", Scope.SALES_READ, icon="file-pen", section=N_("Sales"), key="q"
        ),
        NavEntry(
            N_("Orders"),
            "/sales/orders",
            Scope.SALES_READ,
            icon="clipboard-list",
            section=N_("Sales"),
            key="k",
        ),
        NavEntry(
            N_("Invoices"), "/sales/invoices", Scope.SALES_READ, icon="receipt", section=N_("Sales"), key="f"
        ),
        NavEntry(
            N_("New invoice"),
            "/sales/invoices/new",
            Scope.SALES_WRITE,
            icon="file-plus",
            section=N_("Sales"),
            key="n",
        ),
        NavEntry(
            N_("e-Factura outbox"),
            "/sales/efactura",
            Scope.SALES_READ,
            icon="send",
            section=N_("Sales"),
            key="e",
        ),
        NavEntry(
            N_("e-Transport"),
            "/sales/etransport",
            Scope.SALES_READ,
            icon="truck",
            section=N_("Sales"),
            key="t",
        ),
        NavEntry(
            N_("Products"),
            "/sales/products",
            Scope.SALES_READ,
            icon="package",
            section=N_("Sales"),
        ),
        NavEntry(
            N_("SAF-T (D406)"),
            "/sales/saft",
            Scope.SALES_READ,
            icon="file-spreadsheet",
            section=N_("Sales"),
        ),
        NavEntry(
            N_("REGES"),
            "/sales/reges",
            Scope.COMPLIANCE_READ,  # employees' messages (CNPs): the page takes compliance:read
            icon="users",
            section=N_("Sales"),
        ),
        NavEntry(
            N_("ANAF lookup"),
            "/sales/anaf",
            Scope.SALES_READ,
            icon="landmark",
            section=N_("Sales"),
        ),
    ),
    topics=("genius.sales.events",),
    consumers="genius.sales.consumers:consumers",
    tasks={"sales": "genius.sales.tasks"},
    beat=(BeatEntry("sales-efactura-deadlines", "sales.efactura.deadline_sweep", 86400.0, "sales"),),
    demo="genius.sales.demo:seed_demo",
    web="genius.sales",
)
