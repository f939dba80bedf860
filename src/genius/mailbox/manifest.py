"""The demo mailbox: the local mail catcher ``genius demo`` runs, and the page that shows its mail."""

from genius.core.auth.scopes import Scope
from genius.core.kit.manifest import N_, Module, NavEntry

MANIFEST = Module(
    name="mailbox",
    description="Demo mailbox: the local SMTP sink of genius demo and its page",
    pages=("genius.mailbox.pages:router",),
    nav=(
        NavEntry(
            N_("Demo mailbox"),
            "/mailbox",
            Scope.TENANT_ADMIN,
            icon="inbox",
            section="Administration",
            when="mailbox_dir",
        ),
    ),
    web="genius.mailbox",
    demo="genius.mailbox.demo:seed_demo",
)
