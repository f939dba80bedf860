"""Cerniq outreach: journeys over CRM leads, the WhatsApp quota guardian, reply sentiment."""

from genius.core.kit.manifest import Module

MANIFEST = Module(
    name="outreach",
    description="Cold outreach: journeys and their state machine, WhatsApp quota guardian, reply sentiment",
    schema="outreach",
    routers=("genius.outreach.api:router",),
    topics=("genius.outreach.events",),
)
