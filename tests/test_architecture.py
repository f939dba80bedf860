"""Architecture rules that are enforced, not only written (docs/architecture.md, "Enforced").

* SQL and sessions in their place: an AST lint over ``src/genius`` with an explicit allow-list.
* No migration drift: Alembic's ``compare_metadata`` between the migrated test database and the models.
* No blocking on the event loop: ``tests/test_event_loop.py``.

The allow-lists name every remaining departure and why; an entry fails once its file no longer departs,
so the lists only shrink.
"""

from __future__ import annotations

import ast
import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine
from sqlalchemy.engine import URL

import genius
from genius.core.db.base import Base

SRC = Path(genius.__file__).resolve().parent
ROOT = SRC.parents[1]


# --- SQL and sessions in their place --------------------------------------------------------------
# SQL constructs: sqlalchemy's text/select/insert/update/delete, ``.execute(stmt)`` /
# ``.exec_driver_sql`` / ``.executemany`` on anything (a Session, a Connection, a cursor) and
# ``.query(…)``. Allowed in ``repository.py`` / ``repository/`` modules, the migrations and ``core/db``.
#
# Session creation means opening a unit of work of one's own instead of using the caller's or the
# request's session: ``create_engine``, ``sessionmaker``, ``Session(…)``, ``psycopg.connect`` and
# ``tenant_session(…)`` / ``platform_session(…)`` (which begin and commit a transaction). Allowed in
# ``core/db`` only. Request handlers take ``TenantDB`` (API) or ``PageDB`` (pages) and services receive
# a session.
#
# Scanned: ``src/genius`` and ``bench``. Not scanned: ``tests`` (tests read and arrange the database
# directly, in their rolled-back transaction) and the migrations.
SQL_FUNCS = {"text", "select", "insert", "update", "delete"}
SESSION_FUNCS = {"create_engine", "create_async_engine", "sessionmaker", "async_sessionmaker", "Session"}
UNIT_OF_WORK = {"tenant_session", "platform_session"}
EXECUTE = {"execute", "exec_driver_sql", "executemany"}

_BENCH = "benchmarks arrange and measure data outside any request"
_COMPLIANCE_UOW = (
    "compliance: handlers and tasks open short tenant transactions of their own around the ANAF/REGES "
    "calls (never holding one across a call)"
)

SQL_ALLOWED: dict[str, str] = {
    "bench/__main__.py": _BENCH,
    "bench/crm_import.py": _BENCH,
    "bench/crm_search.py": _BENCH,
    "bench/marketing.py": _BENCH,
    "bench/outreach_leads.py": _BENCH,
    "bench/workers.py": _BENCH,
}

SESSION_ALLOWED: dict[str, str] = {
    "bench/__main__.py": _BENCH,
    "bench/crm_import.py": _BENCH,
    "bench/crm_search.py": _BENCH,
    "bench/marketing.py": _BENCH,
    "bench/outreach_leads.py": _BENCH,
    "bench/sales.py": _BENCH,
    "bench/workers.py": _BENCH,
    "src/genius/bootstrap.py": "process start-up (genius demo): ensures the demo tenant, no request",
    "src/genius/cli.py": "each CLI command is its own unit of work",
    "src/genius/core/auth/deps.py": "defines TenantDB and PlatformDB, the API's request-scoped transactions",
    "src/genius/web/kit.py": "defines PageDB, the pages' request-scoped tenant transaction",
    "src/genius/core/auth/keys.py": "the process-wide signing-key cache loads, creates and rotates keys in "
    "platform transactions of its own (a rotation commits whatever the request does next)",
    "src/genius/core/auth/throttle.py": "a failed login is audited before any session exists (platform "
    "directory, then the tenant's transaction); a refused attempt commits nothing else",
    "src/genius/core/auth/service.py": "the token grants run before authentication: they read the tenant "
    "directory, then the tenant's (possibly dedicated) database, so no request session can exist yet; "
    "load_account serves the API docs' cookie check, outside any request dependency",
    "src/genius/core/audit/api.py": "the signed export streams after the handler returns, when TenantDB is "
    "closed: the stream reads in a transaction of its own",
    "src/genius/core/tenancy/service.py": "provisioning is one transaction on the platform database, or on "
    "a dedicated database after migrating it; not the caller's tenant (the API audits in TenantDB)",
    "src/genius/web/pages.py": "login: the tenant is known only once the form is authenticated; the "
    "auth.web_login audit entry is written in that tenant's own transaction",
    "src/genius/core/tenancy/demo.py": "demo seeding (genius demo) runs outside any request, in the demo "
    "tenant's own transaction",
    "src/genius/web/admin/oidc.py": "single sign-on: the tenant is known only once the ID token is verified; "
    "the auth.web_login audit entry is written in that tenant's own transaction (as pages.login)",
    "src/genius/core/events/consumer.py": "a consumer's handler transaction (inbox + effect) per message",
    "src/genius/core/events/relay.py": "the relay's own engine as genius_relay (cross-tenant outbox reads)",
    "src/genius/compliance/common/oauth.py": "the ANAF token store: a token is read and refreshed in "
    "transactions of its own, between HTTP calls",
    "src/genius/compliance/efactura/api.py": _COMPLIANCE_UOW,
    "src/genius/compliance/efactura/inbox.py": _COMPLIANCE_UOW,
    "src/genius/compliance/efactura/service.py": _COMPLIANCE_UOW,
    "src/genius/compliance/etransport/api.py": _COMPLIANCE_UOW,
    "src/genius/compliance/etransport/service.py": _COMPLIANCE_UOW,
    "src/genius/compliance/reges/api.py": _COMPLIANCE_UOW,
    "src/genius/compliance/reges/service.py": _COMPLIANCE_UOW,
    "src/genius/compliance/saft/service.py": _COMPLIANCE_UOW,
    "src/genius/compliance/taxpayer/tasks.py": "a Celery task's unit of work (compliance branch)",
    "src/genius/compliance/efactura/tasks.py": "the SPV inbox sweep reads the tenant directory (platform) "
    "before queueing one inbox task per tenant",
    "src/genius/outreach/sequences/tasks.py": "the sequence scheduler's tick: one short tenant transaction "
    "per batch of due steps (the picked rows stay locked only until it commits), and the tenant directory",
    "src/genius/sales/tasks.py": "the daily e-Factura deadline notice: the tenant directory, then one short "
    "transaction per tenant (its notice and the marks that send it once a day commit together)",
    "src/genius/outreach/channels/tasks.py": "a WhatsApp send reads its row, calls TimelinesAI with no "
    "transaction open, then records the outcome in a transaction of its own",
    "src/genius/outreach/channels/email_tasks.py": "an e-mail send reads its row, calls Resend or "
    "Instantly with no transaction open, then records the outcome in a transaction of its own",
    "src/genius/outreach/webhooks/api.py": "provider webhooks have no principal: the tenant is the URL's "
    "(checked in the directory), the verified delivery is kept in that tenant's own transaction",
    "src/genius/outreach/webhooks/tasks.py": "a Celery task's unit of work (one webhook delivery)",
    "src/genius/core/jobs/service.py": "a job lease is taken, renewed (from a background thread), released "
    "and finished in transactions of its own, apart from the job's work",
    "src/genius/registry/ops.py": "a failed task is sent again through the outbox of the tenant that sent "
    "it (or the platform's nil tenant), not the operator's",
    "src/genius/mailbox/demo.py": "demo seeding at start-up, no request (the welcome mail's outbox row)",
    "src/genius/vettify/demo.py": "demo seeding at start-up, no request (CRM branch)",
    "src/genius/compliance/demo.py": "demo seeding at start-up, no request (the tenant's CUI before the "
    "SPV inbox's first run)",
    "src/genius/sales/demo.py": "demo seeding at start-up, no request (sales: products, one issued invoice)",
    "src/genius/outreach/demo.py": "demo seeding at start-up, no request (outreach: phones, journeys, usage)",
    "src/genius/outreach/overview/tasks.py": "the daily statistics roll-up: one short transaction per tenant",
    "src/genius/outreach/review/tasks.py": "Celery tasks' units of work (SLA sweep per tenant, sends)",
    "src/genius/vettify/campaigns/delivery.py": "a campaign batch (email.send.campaign task) commits each "
    "recipient's claim before its message goes out and its outcome right after, one transaction per message; "
    "a DSN mail (email.send.dsn task) is applied in its tenant's transaction",
    "src/genius/vettify/sequences/tasks.py": "the e-mail sequence scheduler's pass: the tenant directory, "
    "then one short tenant transaction per batch of due steps (the claimed rows stay locked until it "
    "commits)",
    "src/genius/vettify/campaigns/bounce_mailbox.py": "the bounce mailbox poll (email.send.bounces_poll) "
    "has no principal: each DSN is applied and committed in the transaction of the tenant whose Message-ID "
    "it returns, before the message is marked read",
    "src/genius/vettify/campaigns/tracking_api.py": "tracking links have no principal: the tenant comes from "
    "the verified signed token, and the hit is recorded in that tenant's own transaction",
    "src/genius/vettify/campaigns/webhooks_api.py": "bounce/complaint webhooks have no principal: the "
    "tenant is named in the path, its event is applied in its own transaction once the signature verifies",
    "src/genius/vettify/churn/tasks.py": "ai.churn reads the labelled history in a short transaction, fits "
    "the model with none open (seconds), then stores it and rescores in a transaction of its own",
    "src/genius/vettify/summaries/tasks.py": "ai.summary reads the input in a short transaction, calls the "
    "model with none open (seconds on a chat server), then stores the summary in a transaction of its own",
    "src/genius/vettify/imports/runner.py": "the CSV import job runs on one pinned connection (its staging "
    "tables are TEMPORARY) and its batches are the job's only commits",
}


@dataclass(frozen=True)
class Hit:
    kind: str  # "sql" | "session"
    line: int
    what: str


def scan(source: str) -> list[Hit]:
    """SQL constructs and session creation in one module's source."""
    tree = ast.parse(source)
    from_sqlalchemy: dict[str, str] = {}  # local name -> sqlalchemy name
    modules: set[str] = set()  # local names bound to sqlalchemy / psycopg modules
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "sqlalchemy":
            for alias in node.names:
                if alias.name in SQL_FUNCS | SESSION_FUNCS:
                    from_sqlalchemy[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in {"sqlalchemy", "psycopg"}:
                    modules.add(alias.asname or alias.name.split(".")[0])
    hits: list[Hit] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        if isinstance(f, ast.Name):
            if f.id in from_sqlalchemy:
                name = from_sqlalchemy[f.id]
                hits.append(Hit("sql" if name in SQL_FUNCS else "session", node.lineno, f"{name}()"))
            elif f.id in UNIT_OF_WORK:
                hits.append(Hit("session", node.lineno, f"{f.id}()"))
        elif isinstance(f, ast.Attribute):
            base = f.value
            if isinstance(base, ast.Name) and base.id in modules:
                if f.attr in SQL_FUNCS:
                    hits.append(Hit("sql", node.lineno, f"{base.id}.{f.attr}()"))
                elif f.attr in SESSION_FUNCS or f.attr == "connect":
                    hits.append(Hit("session", node.lineno, f"{base.id}.{f.attr}()"))
            elif f.attr in EXECUTE and (node.args or node.keywords):  # redis' pipe.execute() has none
                hits.append(Hit("sql", node.lineno, f".{f.attr}()"))
            elif f.attr == "query" and node.args:
                hits.append(Hit("sql", node.lineno, ".query()"))
            elif f.attr in UNIT_OF_WORK:
                hits.append(Hit("session", node.lineno, f".{f.attr}()"))
    return hits


def _exempt(rel: str, hit: Hit) -> bool:
    if rel.startswith(("src/genius/migrations/", "src/genius/core/db/")):
        return True
    parts = rel.split("/")
    if hit.kind == "sql" and (parts[-1] == "repository.py" or "repository" in parts[:-1]):
        return True
    # In table definitions text() is DDL (server defaults, partial-index predicates), not a statement.
    return hit.kind == "sql" and hit.what == "text()" and parts[-1] in {"models.py", "models_db.py"}


def _departures() -> dict[str, dict[str, list[Hit]]]:
    """kind -> path -> hits, for every scanned file that departs from the rules."""
    found: dict[str, dict[str, list[Hit]]] = {"sql": {}, "session": {}}
    files = sorted([*(ROOT / "src" / "genius").rglob("*.py"), *(ROOT / "bench").rglob("*.py")])
    for path in files:
        rel = path.relative_to(ROOT).as_posix()
        for hit in scan(path.read_text(encoding="utf-8")):
            if not _exempt(rel, hit):
                found[hit.kind].setdefault(rel, []).append(hit)
    return found


@pytest.mark.parametrize(("kind", "allowed"), [("sql", SQL_ALLOWED), ("session", SESSION_ALLOWED)])
def test_sql_and_sessions_stay_in_their_place(kind: str, allowed: dict[str, str]) -> None:
    found = _departures()[kind]
    new = {
        path: ", ".join(f"line {h.line} {h.what}" for h in hits)
        for path, hits in found.items()
        if path not in allowed
    }
    assert not new, (
        f"{kind} outside its place (move it to a repository / use TenantDB, PageDB or the caller's "
        f"session, or add the file to the allow-list with its reason): {new}"
    )
    stale = sorted(set(allowed) - set(found))
    assert not stale, (
        f"allow-list entries that no longer depart (delete them, the list only shrinks): {stale}"
    )


def test_the_lint_sees_what_it_should() -> None:
    source = """
import sqlalchemy as sa
from sqlalchemy import select, text as sql_text
from sqlalchemy.orm import Session
def f(db, s, pipe, redis):
    sql_text("SELECT 1"); sa.update(X); s.execute(select(X)); s.query(X)
    Session(bind=None); db.tenant_session(1); pipe.execute(); redis.get("k")
"""
    kinds = sorted((h.kind, h.what) for h in scan(source))
    assert kinds == [
        ("session", ".tenant_session()"),
        ("session", "Session()"),
        ("sql", ".execute()"),
        ("sql", ".query()"),
        ("sql", "sa.update()"),
        ("sql", "select()"),
        ("sql", "text()"),
    ]
    assert scan("def g(pipe):\n    pipe.execute()\n") == []


# --- no migration drift ---------------------------------------------------------------------------
def _import_every_model() -> None:
    """Every module that maps a table (wherever it lives: models.py, models_db.py, campaigns.py…)."""
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC.parent).with_suffix("").as_posix()
        if not rel.startswith("genius/migrations") and "__tablename__" in path.read_text(encoding="utf-8"):
            importlib.import_module(rel.replace("/", ".").removesuffix(".__init__"))


# Differences that are deliberate, each with its reason. Anything else fails the test.
TABLES_WITHOUT_MODELS = {
    "crm.search_words": "search vocabulary maintained by statement-level triggers (migration 0012); read "
    "with SQL in vettify/vocabulary.py, never mapped",
    "crm.search_trigrams": "trigrams of crm.search_words, maintained by the same triggers",
}
INDEX_RULE = (
    "indexes belong to the migrations (expression, partial, DESC and GIN indexes the models need not "
    "restate): an index only the database has is expected; one a model declares must exist as declared "
    "(add_index still fails)"
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


# --- import direction -----------------------------------------------------------------------------
# package -> packages it must not import (anywhere in it, lazily or not)
FORBIDDEN_IMPORTS: dict[str, tuple[str, ...]] = {
    "genius.core.directory": ("genius.core.auth", "genius.core.tenancy"),
    "genius.core.auth": ("genius.core.tenancy",),  # tenancy provisions with auth; never the reverse
    "genius.web": (
        "genius.registry",
        "genius.vettify",
        "genius.compliance",
        "genius.outreach",
        "genius.workers",
    ),
    "genius.core": (
        "genius.registry",
        "genius.vettify",
        "genius.compliance",
        "genius.outreach",
        "genius.web",
        "genius.workers",
    ),
}
# Remaining departures from FORBIDDEN_IMPORTS, file -> reason (stale entries fail).
IMPORTS_ALLOWED: dict[str, str] = {}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_import_direction() -> None:
    bad: dict[str, list[str]] = {}
    for package, forbidden in FORBIDDEN_IMPORTS.items():
        folder = ROOT / "src" / Path(*package.split("."))
        for path in sorted(folder.rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            hits = sorted(
                n for n in _imports(path) if any(n == f or n.startswith(f + ".") for f in forbidden)
            )
            if hits:
                bad.setdefault(rel, []).extend(hits)
    new = {rel: hits for rel, hits in bad.items() if rel not in IMPORTS_ALLOWED}
    assert not new, f"imports against the direction rules: {new}"
    stale = sorted(set(IMPORTS_ALLOWED) - set(bad))
    assert not stale, f"allow-list entries that no longer depart (delete them; lists only shrink): {stale}"
