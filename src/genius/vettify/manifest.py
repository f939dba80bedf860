"""Vettify: the CRM (accounts, contacts, leads, opportunities, activities, imports, campaigns)."""

from genius.core.kit.manifest import Module

MANIFEST = Module(
    name="vettify",
    description="CRM: accounts, contacts, leads, opportunities, activities, imports, attachments, campaigns",
    schema="crm",
    routers=(
        "genius.vettify.api:router",
        "genius.vettify.imports.api:router",
        "genius.vettify.attachments.api:router",
        "genius.vettify.campaigns:router",
    ),
    topics=("genius.vettify.events", "genius.vettify.imports.events"),
    consumers="genius.vettify.consumers:consumers",
    demo="genius.vettify.demo:seed_demo",
)
