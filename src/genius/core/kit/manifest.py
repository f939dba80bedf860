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


@dataclass(frozen=True)
class NavEntry:
    """One entry of the Shell's navigation: shown to users holding ``scope``."""

    label: str  # gettext msgid (English); the Shell translates it
    url: str
    scope: str | None = None
    icon: str = ""
    section: str = ""


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
    demo: str | None = None  # "genius.x.demo:seed": (platform, tid) -> None, idempotent


def resolve(path: str) -> Any:
    """``"package.module:attribute"`` → the attribute; ``"package.module"`` → the module."""
    module_name, _, attribute = path.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attribute) if attribute else module
