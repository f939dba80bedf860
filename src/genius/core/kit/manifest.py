"""A module's manifest: everything the platform needs to know about a module, in one value.

Each module has ``manifest.py`` with one ``MANIFEST = Module(...)``; ``genius/modules.py`` lists the
modules in order. The app (API routers and pages), the event registry (topics), ``genius consume``
(consumers), the worker fleet (task modules and queues), the migrations (schemas and their grants), the
demo (seeding) and the Shell's navigation read that list. ``core`` never imports a module; modules
import ``core``.

Everything is named by import path (``"package.module:attribute"``) so reading the manifests imports
nothing heavy: the app imports routers, the worker its task modules, ``genius consume`` its consumers.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any


def N_(message: str) -> str:  # noqa: N802 - gettext's conventional name
    """Marks a text for the web app's catalogues without translating it (``genius i18n update`` finds
    it): modules name texts the Shell shows later, in the reader's language."""
    return message


@dataclass(frozen=True)
class NavEntry:
    """One entry of the Shell's navigation: shown to users holding ``scope``."""

    label: str  # gettext msgid (English); the Shell translates it
    url: str
    scope: str | None = None
    icon: str = ""  # a Lucide icon name (the Shell's sprite)
    section: str = ""  # gettext msgid of the sidebar group
    key: str = ""  # go-to shortcut: "g" then this letter
    when: str = ""  # a setting (``Settings`` attribute) that must be set for the entry to show


@dataclass(frozen=True)
class SearchHit:
    """One result of the Shell's command menu, from a module's ``search`` provider."""

    kind: str  # translated label of the record type ("Client", "Lead", …)
    title: str
    url: str
    subtitle: str = ""
    icon: str = ""


@dataclass(frozen=True)
class HealthSignal:
    """One gauge of the Shell's health widget, from a module's ``health`` provider."""

    key: str  # stable id, also the sparkline's history key
    label: str  # gettext msgid
    value: float | None  # None: could not be read
    unit: str = ""  # "s", "ms", ""
    warn_at: float | None = None  # the value at which the signal turns amber
    fail_at: float | None = None  # … and red


@dataclass(frozen=True)
class ConnectionStatus:
    """One external connection of the tenant on the Shell's settings page, from a module's
    ``connections`` provider (ANAF SPV, REGES, …)."""

    label: str  # gettext msgid
    state: str  # "ok" | "warn" | "err" | "off" (not configured)
    detail: str = ""  # gettext msgid, or plain text (a host name, a date)


@dataclass(frozen=True)
class CompanyInfo:
    """What an official registry says about a CUI, from a module's ``company_lookup``."""

    cui: str
    found: bool
    name: str = ""
    address: str = ""
    error: str = ""  # the registry could not be asked (the CUI may still be right)


@dataclass(frozen=True)
class BeatEntry:
    """A periodic task ``genius beat`` sends every ``seconds`` to ``queue``."""

    name: str
    task: str
    seconds: float
    queue: str


@dataclass(frozen=True)
class Module:
    name: str
    description: str = ""
    # PostgreSQL schema holding the module's tables (RLS and grants by the migrations); None: no tables.
    schema: str | None = None
    routers: tuple[str, ...] = ()  # "genius.x.api:router"
    pages: tuple[str, ...] = ()  # web routers, mounted by the Shell
    nav: tuple[NavEntry, ...] = ()
    topics: tuple[str, ...] = ()  # modules whose import registers the event contracts published here
    consumers: str | None = None  # "genius.x.consumers:consumers": () -> list[EventConsumer]
    # Queue (worker tag of the fleet) -> the module holding its Celery tasks and ``health()``.
    tasks: dict[str, str] = field(default_factory=dict)
    beat: tuple[BeatEntry, ...] = ()  # periodic tasks (on queues the module serves)
    demo: str | None = None  # "genius.x.demo:seed": (platform, tid) -> None, idempotent
    # The package whose ``templates/`` folder joins the Shell's template loader (keep templates under
    # ``templates/<module name>/``) and whose ``static/`` folder is served at ``/static/<module name>/``
    # (a ``static/<module name>.css`` there is linked from every page).
    web: str | None = None
    # "genius.x.pages:command_search": (db, account, query, limit) -> list[SearchHit], for Ctrl+K.
    search: str | None = None
    # "genius.x.pages:health": (platform) -> list[HealthSignal], for the Shell's health widget.
    health: str | None = None
    # "genius.x.y:connections": (db, platform, tid) -> list[ConnectionStatus], for the settings page.
    connections: str | None = None
    # "genius.x.y:company_lookup": (platform, cui) -> CompanyInfo: "Verify at ANAF" on the settings page.
    company_lookup: str | None = None


def resolve(path: str) -> Any:
    """``"package.module:attribute"`` → the attribute; ``"package.module"`` → the module."""
    module_name, _, attribute = path.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attribute) if attribute else module
