"""Vettify: the CRM (accounts, contacts, leads, opportunities, activities, imports, campaigns)."""

from genius.core.auth.scopes import Scope
from genius.core.kit.manifest import N_, BeatEntry, Module, NavEntry

MANIFEST = Module(
    name="vettify",
    description="CRM: accounts, contacts, leads, opportunities, activities, imports, attachments, campaigns, "
    "e-mail sequences",
    schema="crm",
    routers=(
        "genius.vettify.api:router",
        "genius.vettify.imports.api:router",
        "genius.vettify.attachments.api:router",
        "genius.vettify.campaigns:router",
        "genius.vettify.campaigns.marketing_api:router",
        "genius.vettify.campaigns.tracking_api:router",
        "genius.vettify.campaigns.webhooks_api:router",
        "genius.vettify.campaigns.webhooks_api:settings_router",
        "genius.vettify.summaries.api:router",
        "genius.vettify.churn.api:router",
        "genius.vettify.segments.api:router",
        "genius.vettify.campaigns.audience_api:router",
        "genius.vettify.sequences.api:router",
    ),
    topics=(
        "genius.vettify.events",
        "genius.vettify.imports.events",
        "genius.vettify.campaigns.events",
        "genius.vettify.summaries.events",
        "genius.vettify.churn.events",
    ),
    tasks={"ai.summary": "genius.vettify.summaries.tasks", "ai.churn": "genius.vettify.churn.tasks"},
    beat=(
        # scheduled campaigns: the task lives with the campaign batches on the email.send queue
        BeatEntry("crm-campaigns-due", "email.send.campaigns_due", 30.0, "email.send"),
        # e-mail sequences' due steps (genius.vettify.sequences.tasks, imported by the email.send worker)
        BeatEntry("crm-sequences-due", "email.send.sequences_due", 60.0, "email.send"),
        # the bounce mailbox (DSNs over IMAP): ticks every 30 s, polls every GENIUS_BOUNCE_IMAP_POLL_SECONDS
        BeatEntry("crm-bounce-mailbox", "email.send.bounces_poll", 30.0, "email.send"),
        BeatEntry("crm-churn-retrain", "ai.churn.train", 86400.0, "ai.churn"),
    ),
    consumers="genius.vettify.consumers:consumers",
    demo="genius.vettify.demo:seed_demo",
    pages=("genius.vettify.pages:router",),
    nav=(
        NavEntry(
            N_("Dashboard"), "/crm", Scope.CRM_READ, icon="layout-dashboard", section=N_("CRM"), key="d"
        ),
        NavEntry(N_("Leads"), "/crm/leads", Scope.CRM_READ, icon="user-plus", section=N_("CRM"), key="l"),
        NavEntry(
            N_("Accounts"), "/crm/accounts", Scope.CRM_READ, icon="building", section=N_("CRM"), key="a"
        ),
        NavEntry(N_("Contacts"), "/crm/contacts", Scope.CRM_READ, icon="contact", section=N_("CRM"), key="c"),
        NavEntry(
            N_("Opportunities"),
            "/crm/opportunities",
            Scope.CRM_READ,
            icon="kanban",
            section=N_("CRM"),
            key="o",
        ),
        NavEntry(
            N_("Campaigns"), "/crm/campaigns", Scope.CRM_READ, icon="megaphone", section=N_("CRM"), key="m"
        ),
        NavEntry(N_("Sequences"), "/crm/sequences", Scope.CRM_READ, icon="list-ordered", section=N_("CRM")),
        NavEntry(N_("Segments"), "/crm/segments", Scope.CRM_READ, icon="funnel", section=N_("CRM")),
        NavEntry(N_("Imports"), "/crm/imports", Scope.CRM_WRITE, icon="upload", section=N_("CRM"), key="i"),
        NavEntry(N_("CRM settings"), "/crm/settings", Scope.TENANT_ADMIN, icon="settings", section=N_("CRM")),
    ),
    web="genius.vettify",
    search="genius.vettify.pages:command_search",
)
