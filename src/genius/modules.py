"""The platform's modules, in order: adding a module means adding its folder and one line here.

Everything that needs to know the modules (the app, the event registry, ``genius consume``, the worker
fleet, the migrations' grants, the demo, the Shell's navigation) reads this list; ``core`` never
imports a module.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from genius.core.kit.manifest import BeatEntry, Module, NavEntry, resolve

if TYPE_CHECKING:
    from genius.core.events.consumer import EventConsumer

MODULE_MANIFESTS = [
    "genius.core.manifest",
    "genius.registry.manifest",
    "genius.compliance.manifest",
    "genius.vettify.manifest",
    "genius.mailbox.manifest",
    "genius.sales.manifest",
    "genius.outreach.manifest",
]


@cache
def modules() -> tuple[Module, ...]:
    found = tuple(resolve(path + ":MANIFEST") for path in MODULE_MANIFESTS)
    names = [m.name for m in found]
    if len(set(names)) != len(names):
        raise RuntimeError(f"two modules share a name: {names}")
    return found


def schemas() -> list[str]:
    return [m.schema for m in modules() if m.schema]


def load_events() -> None:
    """Import every module's event contracts, so the event registry is complete."""
    for module in modules():
        for path in module.topics:
            resolve(path)


def all_consumers() -> list[EventConsumer]:
    consumers: list[EventConsumer] = []
    for module in modules():
        if module.consumers:
            consumers.extend(resolve(module.consumers)())
    return consumers


def task_modules() -> dict[str, str]:
    """Queue → task module, over every module."""
    out: dict[str, str] = {}
    for module in modules():
        for queue, path in module.tasks.items():
            if queue in out:
                raise RuntimeError(f"queue {queue!r} is served by two modules")
            out[queue] = path
    return out


def beat_entries() -> list[BeatEntry]:
    """Every module's periodic tasks (``genius beat``)."""
    return [entry for module in modules() for entry in module.beat]


def routers() -> list[Any]:
    return [resolve(path) for module in modules() for path in module.routers]


def pages() -> list[Any]:
    return [resolve(path) for module in modules() for path in module.pages]


def navigation(scopes: set[str] | frozenset[str]) -> list[NavEntry]:
    """The navigation entries the holder of ``scopes`` may see, in module order."""
    visible = [e for m in modules() for e in m.nav if e.scope is None or e.scope in scopes]
    # Business modules first, in module order; the platform's administration pages last.
    return sorted(visible, key=lambda e: e.section == ADMIN_SECTION)


ADMIN_SECTION = "Administration"


def start_page(scopes: set[str] | frozenset[str]) -> str | None:
    """Where ``/`` takes a user: the first business page they may see (None: the Shell's home)."""
    for entry in navigation(scopes):
        if entry.section != ADMIN_SECTION:
            return entry.url
    return None


def demo_seeders() -> list[Any]:
    return [resolve(m.demo) for m in modules() if m.demo]


def web_folders() -> list[tuple[str, Path]]:
    """(module name, package folder) for every module with templates or static files of its own."""
    out: list[tuple[str, Path]] = []
    for m in modules():
        if m.web:
            package = resolve(m.web)
            out.append((m.name, Path(package.__file__).parent))
    return out


def searchers() -> list[Any]:
    return [resolve(m.search) for m in modules() if m.search]


def health_providers() -> list[Any]:
    return [resolve(m.health) for m in modules() if m.health]


def connection_providers() -> list[Any]:
    """Each module's tenant connections (ANAF SPV, REGES…) for the Shell's settings page."""
    return [resolve(m.connections) for m in modules() if m.connections]


def company_lookup() -> Any | None:
    """The first module that looks a CUI up in an official registry (compliance: ANAF), if any."""
    return next((resolve(m.company_lookup) for m in modules() if m.company_lookup), None)
