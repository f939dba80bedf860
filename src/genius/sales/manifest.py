"""Mercantiq Sales & Billing: catalogue, invoices and credit notes issued to e-Factura."""

from genius.core.kit.manifest import Module

MANIFEST = Module(
    name="sales",
    description="Sales & Billing: catalogue, invoices, credit notes (e-Factura on issue)",
    schema="sales",
    routers=("genius.sales.api:router",),
    topics=("genius.sales.events",),
    demo="genius.sales.demo:seed_demo",
)
