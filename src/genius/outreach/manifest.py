"""Cerniq outreach: journeys over CRM leads, the WhatsApp quota guardian, reply sentiment."""

from genius.core.kit.manifest import BeatEntry, Module

MANIFEST = Module(
    name="outreach",
    description="Cold outreach: journeys and their state machine, WhatsApp quota guardian, reply sentiment",
    schema="outreach",
    routers=("genius.outreach.api:router", "genius.outreach.sequences.api:router"),
    topics=("genius.outreach.events",),
    tasks={
        "outreach": "genius.outreach.sequences.tasks",
        "outreach.whatsapp": "genius.outreach.channels.tasks",
    },
    beat=(BeatEntry("outreach-scheduler", "outreach.scheduler.tick", 30.0, "outreach"),),
)
