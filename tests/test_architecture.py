"""Architecture rules that are enforced, not only written (docs/architecture.md, "Enforced").

* SQL and sessions in their place: an AST lint over ``src/genius`` with an explicit allow-list.
* No migration drift: Alembic's ``compare_metadata`` between the migrated test database and the models.
* No blocking on the event loop: ``tests/test_event_loop.py``.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine
from sqlalchemy.engine import URL

import genius
from genius.core.db.base import Base

SRC = Path(genius.__file__).resolve().parent


# --- no migration drift ---------------------------------------------------------------------------
def _import_every_model() -> None:
    for info in pkgutil.walk_packages(genius.__path__, "genius."):
        if info.name.startswith("genius.migrations"):
            continue
        if info.name.rsplit(".", 1)[-1] in {"models", "models_db"}:
            importlib.import_module(info.name)


# Differences that are deliberate, each with its reason. Anything else fails the test.
TABLES_WITHOUT_MODELS = {
    "crm.search_words": "search vocabulary maintained by statement-level triggers (migration 0012); read "
    "with SQL in vettify/vocabulary.py, never mapped",
    "crm.search_trigrams": "trigrams of crm.search_words, maintained by the same triggers",
}
INDEX_RULE = (
    "indexes belong to the migrations (expression, partial, DESC and GIN indexes the models do not "
    "restate); the models declare none, so an index only the database has is expected, while an index "
    "only a model declares still fails"
)
TENANT_FK_RULE = (
    "tid → core.tenants(id) ON DELETE CASCADE is declared by the migrations; module models keep tid a "
    "plain column so mapping a module's tables never needs core's tenant directory loaded (a worker maps "
    "its module alone)"
)


def _deliberate(diff: Any) -> str | None:
    if isinstance(diff, list):  # column-level changes come grouped per column
        return None
    kind, obj = diff[0], diff[1]
    if kind == "remove_table" and obj.fullname in TABLES_WITHOUT_MODELS:
        return TABLES_WITHOUT_MODELS[obj.fullname]
    if kind == "remove_index":
        return INDEX_RULE
    if kind == "remove_fk":
        cols = [c.name for c in obj.columns]
        target = obj.elements[0].target_fullname
        if cols == ["tid"] and target == "core.tenants.id" and obj.ondelete == "CASCADE":
            return TENANT_FK_RULE
    return None


def _describe(diff: Any) -> str:
    if isinstance(diff, list):
        return "; ".join(f"{d[0]} {d[1]}.{d[2]}.{d[3]}: database {d[5]!r}, model {d[6]!r}" for d in diff)
    kind, obj = diff[0], diff[1]
    table = getattr(getattr(obj, "table", None), "fullname", getattr(obj, "fullname", ""))
    return f"{kind} {table} {getattr(obj, 'name', '')} {obj!r}"[:400]


def test_models_match_the_migrations(owner_url: URL) -> None:
    """The migrated database and the ORM models describe the same tables, columns, types, nullability,
    foreign keys and unique constraints (Alembic autogenerate would produce an empty migration)."""
    _import_every_model()
    schemas = {t.schema for t in Base.metadata.tables.values()}
    assert {"core", "crm", "compliance"} <= schemas

    def include_name(name: str | None, type_: str, parent: Any) -> bool:
        return name in schemas if type_ == "schema" else True

    engine = create_engine(owner_url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(
                conn,
                opts={"include_schemas": True, "include_name": include_name, "compare_type": True},
            )
            diffs = compare_metadata(ctx, Base.metadata)
    finally:
        engine.dispose()
    drift = [_describe(d) for d in diffs if _deliberate(d) is None]
    assert not drift, "models and migrations differ:\n" + "\n".join(drift)


def test_models_declare_no_indexes() -> None:
    """The rule that makes ignoring database-only indexes safe: no model restates (or invents) one."""
    _import_every_model()
    declared = [f"{t.fullname}: {ix.name}" for t in Base.metadata.tables.values() for ix in t.indexes]
    assert not declared, f"indexes belong to the migrations, not the models: {declared}"
