"""Cerniq outreach: journeys over CRM leads, the WhatsApp quota guardian, reply sentiment."""

from genius.core.auth.scopes import Scope
from genius.core.kit.manifest import N_, BeatEntry, Module, NavEntry

MANIFEST = Module(
    name="outreach",
    description="Cold outreach: journeys and their state machine, WhatsApp quota guardian, reply sentiment",
    schema="outreach",
    routers=(
        "genius.outreach.api:router",
        "genius.outreach.sequences.api:router",
        "genius.outreach.review.api:router",
        "genius.outreach.overview.api:router",
        "genius.outreach.webhooks.api:router",
    ),
    topics=("genius.outreach.events",),
    pages=("genius.outreach.pages:router", "genius.outreach.sequences.pages:router"),
    nav=(
        NavEntry(
            N_("Overview"),
            "/outreach",
            Scope.OUTREACH_READ,
            icon="send-horizontal",
            section=N_("Outreach"),
            key="w",
        ),
        NavEntry(
            N_("Leads"),
            "/outreach/leads",
            Scope.OUTREACH_READ,
            icon="users",
            section=N_("Outreach"),
            key="j",
        ),
        NavEntry(
            N_("Sequences"),
            "/outreach/sequences",
            Scope.OUTREACH_READ,
            icon="list-ordered",
            section=N_("Outreach"),
        ),
        NavEntry(
            N_("Review queue"),
            "/outreach/review",
            Scope.OUTREACH_REVIEW,
            icon="message-square-check",
            section=N_("Outreach"),
            key="r",
        ),
    ),
    tasks={
        "outreach": "genius.outreach.sequences.tasks",
        "outreach.review": "genius.outreach.review.tasks",
        "outreach.whatsapp": "genius.outreach.channels.tasks",
        "outreach.email": "genius.outreach.channels.email_tasks",
    },
    beat=(
        BeatEntry("outreach-scheduler", "outreach.scheduler.tick", 30.0, "outreach"),
        BeatEntry("outreach-review-sla", "outreach.review.sla_sweep", 60.0, "outreach.review"),
        BeatEntry("outreach-stats-rollup", "outreach.stats.rollup", 300.0, "outreach"),
    ),
    demo="genius.outreach.demo:seed_demo",
    web="genius.outreach",
)
