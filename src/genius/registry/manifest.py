"""The Worker Registry: the live fleet, its health checks and the ops page."""

from genius.core.auth.scopes import Scope
from genius.core.kit.manifest import Module, NavEntry

MANIFEST = Module(
    name="registry",
    description="Worker Registry: heartbeats, health checks, failed tasks, ops page",
    routers=("genius.registry.api:router",),
    pages=("genius.registry.pages:router",),
    nav=(NavEntry("Workers", "/ops", Scope.WORKERS_ADMIN, icon="cpu", section="Administration"),),
    topics=("genius.registry.events",),
    tasks={"registry": "genius.registry.tasks"},
    health="genius.registry.pages:health",
)
