"""CSV import: upload → preview → mapping → validate → job (COPY into staging, set-based batches).

The job (``run_import``, called by the ``etl.sync`` worker) works on one pinned connection:

1. the stored file is decoded and parsed once (``parsing``) and written with ``COPY`` into a per-job
   TEMPORARY staging table (every CSV column as text, plus the row number and any shape problem);
2. one set-based statement builds the *plan* table: normalised values (``crm.import_email``,
   ``crm.import_phone``, ``crm.import_cui``, the SQL mirrors of ``genius.vettify.schemas``), the reasons
   a row is rejected, duplicates inside the file (window functions over normalised e-mail, E.164 phone
   and CUI) and against existing rows (hash joins), and the action per row: create, update, skip or
   reject, following ``on_duplicate``;
3. batches of ``GENIUS_CRM_IMPORT_BATCH_ROWS`` rows are applied with ``INSERT … SELECT`` /
   ``UPDATE … FROM`` from the plan, each in its own transaction together with its rejected rows, its
   ledger row (``crm.import_batches``) and the job's progress, so the API shows progress live and a
   batch is either fully imported and recorded or not at all.

Idempotency: a retried or redelivered job rebuilds the plan (the file is deterministic) and skips the
batches already in the ledger; rows it created carry ``import_id``, and matching against existing rows
ignores them, so a resumed job decides exactly as the first run did. A session advisory lock keeps two
workers off the same job. Cancelling marks the job ``cancelling``; the worker stops at the next batch
boundary and records ``cancelled`` with the batches committed so far. The end publishes one
``crm.import.completed`` event and writes one audit entry.

Rows whose cells are all blank are counted and skipped (spreadsheets export trailing ``;;;`` lines);
blank lines are not rows. Duplicates inside the file: the first occurrence is imported; later ones are
skipped (``skip`` and ``update``) or created as well (``create``). For accounts, whose CUI is unique,
``create`` rejects a row whose CUI is already taken.
"""

from __future__ import annotations

import csv
import hashlib
import io
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from genius.config import Settings
from genius.core.audit import service as audit
from genius.core.db.base import utcnow
from genius.core.db.session import Database, set_tenant
from genius.core.events.service import publish
from genius.core.kit.errors import Conflict, NotFound, Unprocessable, field_error
from genius.core.storage import Storage, storage_from_settings, tenant_sse_key
from genius.vettify import verification
from genius.vettify.imports import parsing
from genius.vettify.imports.models import ImportBatch, ImportJob, ImportMapping, RejectedRow

log = structlog.get_logger("genius.crm.imports")

ENTITIES = ("leads", "contacts", "accounts")
ON_DUPLICATE = ("skip", "update", "create")
FINISHED = ("completed", "cancelled", "failed")
SAMPLE_ERRORS = 20


# --- what each entity's columns are -----------------------------------------------------------------
@dataclass(frozen=True)
class Field:
    kind: str  # text | email | phone | cui
    max_length: int


@dataclass(frozen=True)
class Target:
    entity: str
    table: str
    fields: dict[str, Field]
    needs_one_of: tuple[str, ...]  # the table's CHECK: at least one of these is set
    keys: tuple[str, ...]  # duplicate keys, strongest first
    default_source: bool = False

    def key_expr(self, key: str, alias: str) -> str:
        return f"lower({alias}.email)" if key == "email" else f"{alias}.{key}"


_TEXT100 = Field("text", 100)
TARGETS: dict[str, Target] = {
    "leads": Target(
        "leads",
        "crm.leads",
        {
            "first_name": _TEXT100,
            "last_name": _TEXT100,
            "email": Field("email", 320),
            "phone": Field("phone", 16),
            "company_name": Field("text", 300),
            "cui": Field("cui", 10),
            "job_title": Field("text", 150),
            "city": _TEXT100,
            "county": _TEXT100,
            "source": Field("text", 50),
            "notes": Field("text", 10_000),
            "owner": Field("text", 200),
        },
        needs_one_of=("first_name", "last_name", "company_name", "email"),
        keys=("email", "phone", "cui"),
        default_source=True,
    ),
    "contacts": Target(
        "contacts",
        "crm.contacts",
        {
            "first_name": _TEXT100,
            "last_name": _TEXT100,
            "email": Field("email", 320),
            "phone": Field("phone", 16),
            "job_title": Field("text", 150),
            "city": _TEXT100,
            "county": _TEXT100,
            "owner": Field("text", 200),
        },
        needs_one_of=("first_name", "last_name", "email"),
        keys=("email", "phone"),
    ),
    "accounts": Target(
        "accounts",
        "crm.accounts",
        {
            "name": Field("text", 300),
            "cui": Field("cui", 10),
            "registration_number": Field("text", 40),
            "email": Field("email", 320),
            "phone": Field("phone", 16),
            "website": Field("text", 300),
            "industry": _TEXT100,
            "address": Field("text", 500),
            "city": _TEXT100,
            "county": _TEXT100,
            "owner": Field("text", 200),
        },
        needs_one_of=("name",),
        keys=("cui", "email", "phone"),
    ),
}
IMPORT_SOURCE = "import"
INVALID = {
    "email": "not a valid e-mail address",
    "phone": "not a phone number in E.164 format (a Romanian 07xx/02x/03x number gets +40)",
    "cui": "not a valid Romanian CUI/CIF (format or check digit)",
}


def target(entity: str) -> Target:
    try:
        return TARGETS[entity]
    except KeyError:
        raise field_error("entity", f"must be one of {', '.join(ENTITIES)}") from None


# --- upload ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Files:
    """Uploaded CSVs hold personal data: stored encrypted with the tenant's key (SSE-C on S3, AES-GCM
    on disk), derived from the platform secret, so one tenant's key never opens another's file."""

    storage: Storage
    secret_key: str

    def put(self, tid: uuid.UUID, key: str, data: bytes) -> str:
        return self.storage.put(key, data, "text/csv", sse_key=tenant_sse_key(self.secret_key, tid))

    def get(self, tid: uuid.UUID, key: str) -> bytes:
        return self.storage.get(key, sse_key=tenant_sse_key(self.secret_key, tid))


def files_from_settings(settings: Settings) -> Files:
    if not settings.secret_key:
        from genius.embedded import ensure_secret_key

        ensure_secret_key(settings)
    assert settings.secret_key
    return Files(storage_from_settings(settings), settings.secret_key)


def storage_key(tid: uuid.UUID, import_id: uuid.UUID) -> str:
    return f"crm-imports/{tid}/{import_id}.csv"


def create_import(
    session: Session,
    files: Files,
    *,
    tid: uuid.UUID,
    entity: str,
    filename: str,
    data: bytes,
    actor: str,
) -> ImportJob:
    spec = target(entity)
    if not data.strip():
        raise field_error("file", "the file is empty")
    try:
        decoded = parsing.decode(data)
        delimiter = parsing.sniff_delimiter(decoded.text)
        columns = parsing.header(decoded.text, delimiter)
    except parsing.CsvProblem as exc:
        raise field_error("file", str(exc)) from None
    job = ImportJob(
        id=uuid.uuid4(),
        tid=tid,
        entity=entity,
        filename=filename[:255],
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=decoded.encoding,
        delimiter=delimiter,
        columns=columns,
        preview=parsing.preview(decoded.text, delimiter, len(columns)),
        mapping=parsing.suggest_mapping(columns, list(spec.fields), entity),
        on_duplicate="skip",
        created_by=actor,
    )
    job.storage_key = files.put(tid, storage_key(tid, job.id), data)
    session.add(job)
    session.flush()
    return job


def get_job(session: Session, import_id: uuid.UUID, *, lock: bool = False) -> ImportJob:
    stmt = select(ImportJob).where(ImportJob.id == import_id).execution_options(populate_existing=True)
    if lock:
        stmt = stmt.with_for_update()
    job = session.scalars(stmt).one_or_none()
    if job is None:
        raise NotFound(f"No import {import_id}.")
    return job


def list_jobs(session: Session, limit: int = 50) -> list[ImportJob]:
    stmt = select(ImportJob).order_by(ImportJob.created_at.desc(), ImportJob.id.desc()).limit(limit)
    return list(session.scalars(stmt))


# --- mapping -----------------------------------------------------------------------------------------
def check_mapping(job: ImportJob, mapping: dict[str, str]) -> dict[str, str]:
    """Every key a header column, every value a field of the entity, no field twice, enough to import."""
    spec = target(job.entity)
    columns = {parsing.normalise_text(c): c for c in job.columns}
    clean: dict[str, str] = {}
    errors: list[dict[str, Any]] = []
    used: dict[str, str] = {}
    for raw_column, raw_field in mapping.items():
        column = columns.get(parsing.normalise_text(raw_column).strip())
        if column is None:
            errors.append(_err(f"mapping.{raw_column[:100]}", "is not a column of the file's header"))
            continue
        if not raw_field:  # "" or null: the column is not imported
            continue
        if raw_field not in spec.fields:
            errors.append(
                _err(f"mapping.{column}", f"must be one of {', '.join(spec.fields)} (or empty to ignore)")
            )
            continue
        if raw_field in used:
            errors.append(
                _err(f"mapping.{column}", f"{raw_field} is already mapped from {used[raw_field]!r}")
            )
            continue
        used[raw_field] = column
        clean[column] = raw_field
    if not errors and not set(clean.values()) & set(spec.needs_one_of):
        errors.append(_err("mapping", f"map at least one of {', '.join(spec.needs_one_of)}"))
    if errors:
        raise Unprocessable("The mapping has invalid entries.", errors=errors)
    return clean


def _err(name: str, message: str) -> dict[str, Any]:
    return {"field": name, "in": "body", "message": message, "type": "value_error"}


def set_mapping(
    session: Session,
    job: ImportJob,
    *,
    mapping: dict[str, str] | None,
    on_duplicate: str | None,
    mapping_id: uuid.UUID | None,
    save_as: str | None,
    actor: str,
) -> ImportJob:
    if job.status != "uploaded":
        raise Conflict(f"The import is {job.status}; the mapping can only change before it starts.")
    saved: ImportMapping | None = None
    if mapping_id is not None:
        saved = session.get(ImportMapping, mapping_id)
        if saved is None or saved.entity != job.entity:
            raise field_error("mapping_id", f"no saved {job.entity} mapping with this id")
    if mapping is None:
        if saved is None:
            raise field_error("mapping", "give a mapping or a mapping_id")
        mapping = saved.mapping
    job.mapping = check_mapping(job, mapping)
    job.on_duplicate = on_duplicate or (saved.on_duplicate if saved else job.on_duplicate)
    job.mapping_id = saved.id if saved else None
    if save_as:
        job.mapping_id = save_mapping(session, job, save_as, actor).id
    job.updated_at = utcnow()
    session.flush()
    return job


def save_mapping(session: Session, job: ImportJob, name: str, actor: str) -> ImportMapping:
    existing = session.scalars(
        select(ImportMapping).where(ImportMapping.entity == job.entity, ImportMapping.name == name)
    ).one_or_none()
    if existing is None:
        existing = ImportMapping(id=uuid.uuid4(), tid=job.tid, name=name, entity=job.entity, created_by=actor)
        session.add(existing)
    existing.mapping = dict(job.mapping or {})
    existing.on_duplicate = job.on_duplicate
    existing.updated_at = utcnow()
    session.flush()
    return existing


def list_mappings(session: Session, entity: str | None) -> list[ImportMapping]:
    stmt = select(ImportMapping).order_by(ImportMapping.entity, ImportMapping.name)
    if entity:
        stmt = stmt.where(ImportMapping.entity == entity)
    return list(session.scalars(stmt))


# --- start / cancel ----------------------------------------------------------------------------------
def mark_queued(session: Session, job: ImportJob, correlation_id: str | None) -> ImportJob:
    if job.status != "uploaded":
        raise Conflict(f"The import is already {job.status}.")
    if not job.mapping:
        raise Conflict("Set the column mapping first (PUT …/mapping).")
    check_mapping(job, job.mapping)
    job.status = "queued"
    job.queued_at = job.updated_at = utcnow()
    job.correlation_id = correlation_id
    session.flush()
    return job


def cancel(session: Session, job: ImportJob, actor: str) -> ImportJob:
    if job.status in ("uploaded", "queued"):
        job.status = "cancelled"
        job.finished_at = utcnow()
        _record_end(session, job, actor)
    elif job.status == "running":
        job.status = "cancelling"  # the worker stops at its next batch boundary
    elif job.status != "cancelling":
        raise Conflict(f"The import is already {job.status}.")
    job.updated_at = utcnow()
    session.flush()
    return job


# --- staging and the plan ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Tables:
    stage: str
    plan: str

    @classmethod
    def for_job(cls, import_id: uuid.UUID) -> Tables:
        return cls(f"pg_temp.crm_import_stage_{import_id.hex}", f"pg_temp.crm_import_plan_{import_id.hex}")


def _copy_rows(session: Session, job: ImportJob, text_data: str, table: str) -> int:
    """Parse the file and COPY every record into the staging table; returns the number of rows."""
    width = len(job.columns)
    cols = ", ".join(f"c{i} text" for i in range(width))
    session.execute(
        text(f"CREATE TEMP TABLE {table} (seq integer, row_no integer, problem text, extra text, {cols})")
    )
    raw = session.connection().connection.driver_connection
    assert raw is not None
    pad = [""] * width
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    seq = 0
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} FROM STDIN WITH (FORMAT csv)") as copy:
        try:
            for row_no, cells in parsing.records(text_data, job.delimiter):
                seq += 1
                n = len(cells)
                if n == width:
                    writer.writerow((seq, row_no, "", "", *cells))
                elif n < width:
                    writer.writerow((seq, row_no, "", "", *cells, *pad[n:]))
                else:
                    extra = cells[width:]
                    if any(x.strip() for x in extra):
                        problem = f"has {n} cells but the header has {width} columns"
                        writer.writerow((seq, row_no, problem, job.delimiter.join(extra), *cells[:width]))
                    else:
                        writer.writerow((seq, row_no, "", "", *cells[:width]))
                if seq % 20_000 == 0:
                    copy.write(buffer.getvalue())
                    buffer.seek(0)
                    buffer.truncate()
        except csv.Error as exc:
            raise Unprocessable(f"The file cannot be read as CSV after row {seq + 1}: {exc}") from None
        copy.write(buffer.getvalue())
    return seq


def _plan_sql(job: ImportJob, tables: Tables) -> str:
    """One statement from staging to the plan: normalise, check, find duplicates, decide per row.

    ``OFFSET 0`` keeps each level a separate subquery, so every normalising function runs once per row
    even though the levels above refer to its result several times."""
    spec = target(job.entity)
    index = {name: i for i, name in enumerate(job.columns)}
    fields = {field: index[column] for column, field in (job.mapping or {}).items()}
    blank = " AND ".join(f"coalesce(btrim(c{i}), '') = ''" for i in range(len(job.columns)))
    raw_cols = ", ".join(f"nullif(btrim(c{i}), '') AS r_{f}" for f, i in fields.items())
    normalised: list[str] = []
    reasons = ["problem"]
    for f in fields:
        rule = spec.fields[f]
        if rule.kind == "text":
            normalised.append(f"r_{f} AS {f}")
            reasons.append(
                f"CASE WHEN length(r_{f}) > {rule.max_length} "
                f"THEN '{f}: longer than {rule.max_length} characters' END"
            )
        else:
            normalised.append(f"crm.import_{rule.kind}(r_{f}) AS {f}")
            reasons.append(
                f"CASE WHEN r_{f} IS NOT NULL AND {f} IS NULL THEN '{f}: {INVALID[rule.kind]}' END"
            )
    present = [f for f in spec.needs_one_of if f in fields]
    reasons.append(
        f"CASE WHEN coalesce({', '.join(f'r_{f}' for f in present)}) IS NULL "
        f"THEN 'needs one of: {', '.join(spec.needs_one_of)}' END"
    )
    keys = [k for k in spec.keys if k in fields]
    firsts = "".join(
        f", CASE WHEN {k} IS NOT NULL THEN min(seq) FILTER (WHERE reason0 IS NULL AND NOT empty) "
        f"OVER (PARTITION BY {k}) END AS first_{k}"
        for k in keys
    )
    dup_of = f"least({', '.join(f'first_{k}' for k in keys)})" if keys else "NULL::integer"
    joins = "".join(
        f" LEFT JOIN (SELECT DISTINCT ON ({spec.key_expr(k, 't')}) {spec.key_expr(k, 't')} AS k, t.id "  # noqa: S608
        f"FROM {spec.table} t WHERE t.deleted_at IS NULL AND t.{k} IS NOT NULL "
        f"AND t.import_id IS DISTINCT FROM '{job.id}'::uuid "
        f"ORDER BY {spec.key_expr(k, 't')}, t.created_at, t.id) m_{k} ON m_{k}.k = d.{k}"
        for k in keys
    )
    match = f"coalesce({', '.join(f'm_{k}.id' for k in keys)})" if keys else "NULL::uuid"
    mode = job.on_duplicate
    conflict = "NULL::text"
    if spec.entity == "accounts" and "cui" in keys and mode == "create":  # an account's CUI is unique
        conflict = (
            "CASE WHEN m_cui.id IS NOT NULL THEN 'cui: an account with this CUI already exists' "  # noqa: S608
            "WHEN first_cui < seq THEN 'cui: the same CUI is already on row ' || "
            f"(SELECT s.row_no FROM {tables.stage} s WHERE s.seq = first_cui) END"
        )
    on_match = {
        "skip": "'skip'",
        "update": "CASE WHEN rank_in_match > 1 THEN 'skip' ELSE 'update' END",
        "create": "'create'",
    }[mode]
    in_file = "" if mode == "create" else "WHEN dup_of < seq THEN 'skip'"
    rank = (
        "CASE WHEN match_id IS NOT NULL THEN row_number() OVER (PARTITION BY match_id, "
        "(reason IS NULL AND NOT empty AND coalesce(dup_of, seq) >= seq) ORDER BY seq) END"
        if mode == "update"
        else "NULL::bigint"
    )
    reason_expr = f"nullif(concat_ws('; ', {', '.join(reasons)}), '')"
    raw_list = ", ".join(f"r_{f}" for f in fields)
    empty = f"({blank} AND extra IS NULL)"
    return f"""
        CREATE TEMP TABLE {tables.plan} AS
        SELECT seq, row_no, match_id, dup_of, {", ".join(fields)},
               CASE WHEN reason IS NOT NULL THEN 'reject'
                    WHEN empty THEN 'skip'
                    {in_file}
                    WHEN match_id IS NOT NULL THEN {on_match}
                    ELSE 'create' END AS action,
               reason
        FROM (
            SELECT *, {rank} AS rank_in_match
            FROM (
                SELECT d.*, coalesce(d.reason0, {conflict}) AS reason, {match} AS match_id
                FROM (
                    SELECT *, {dup_of} AS dup_of
                    FROM (
                        SELECT *{firsts}
                        FROM (
                            SELECT *, CASE WHEN empty THEN NULL ELSE {reason_expr} END AS reason0
                            FROM (
                                SELECT seq, row_no, problem, empty, {raw_list}, {", ".join(normalised)}
                                FROM (
                                    SELECT seq, row_no, problem, {empty} AS empty, {raw_cols}
                                    FROM {tables.stage}
                                ) raw OFFSET 0
                            ) norm OFFSET 0
                        ) checked
                    ) firsts
                ) d{joins}
            ) matched
        ) ranked
    """  # noqa: S608 (identifiers come from TARGETS and uuid hex; values are bound)


def _cells_json(job: ImportJob) -> str:
    cells = ", ".join(f"s.c{i}" for i in range(len(job.columns)))
    return (
        f"jsonb_build_array({cells}) || "
        "CASE WHEN s.extra IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(s.extra) END"
    )


def build_plan(session: Session, job: ImportJob, text_data: str, tables: Tables) -> int:
    """Stage the file and build the plan; returns the number of rows."""
    total = _copy_rows(session, job, text_data, tables.stage)
    session.execute(text(f"CREATE INDEX ON {tables.stage} (seq)"))
    # The duplicate windows sort every row three times: in memory rather than in temp files.
    session.execute(text("SET LOCAL work_mem = '256MB'"))
    session.execute(text(_plan_sql(job, tables)))
    session.execute(text(f"CREATE INDEX ON {tables.plan} (seq)"))
    session.execute(text(f"ANALYZE {tables.plan}"))
    return total


def drop_tables(session: Session, tables: Tables) -> None:
    session.execute(text(f"DROP TABLE IF EXISTS {tables.plan}, {tables.stage}"))


def _decoded_file(files: Files, job: ImportJob) -> str:
    return parsing.decode(files.get(job.tid, job.storage_key)).text


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.skipped + self.rejected


def _counts(session: Session, tables: Tables, first: int | None = None, last: int | None = None) -> Counts:
    where = "WHERE seq BETWEEN :a AND :b" if first is not None else ""
    row = session.execute(
        text(
            "SELECT count(*) FILTER (WHERE action = 'create'), count(*) FILTER (WHERE action = 'update'), "  # noqa: S608
            f"count(*) FILTER (WHERE action = 'skip'), count(*) FILTER (WHERE action = 'reject') "
            f"FROM {tables.plan} {where}"
        ),
        {"a": first, "b": last},
    ).one()
    return Counts(*(int(v) for v in row))


@dataclass
class ValidationReport:
    total: int
    counts: Counts
    errors: list[dict[str, Any]]


def validate(session: Session, files: Files, job: ImportJob) -> ValidationReport:
    """What the import would do, without writing: the plan is built in a savepoint and rolled back."""
    if not job.mapping:
        raise Conflict("Set the column mapping first (PUT …/mapping).")
    check_mapping(job, job.mapping)
    tables = Tables.for_job(uuid.uuid4())
    text_data = _decoded_file(files, job)
    nested = session.begin_nested()
    try:
        total = build_plan(session, job, text_data, tables)
        counts = _counts(session, tables)
        samples = session.execute(
            text(
                f"SELECT p.row_no, p.reason, {_cells_json(job)} AS cells FROM {tables.plan} p "  # noqa: S608
                f"JOIN {tables.stage} s ON s.seq = p.seq WHERE p.action = 'reject' ORDER BY p.seq LIMIT :n"
            ),
            {"n": SAMPLE_ERRORS},
        ).all()
    finally:
        nested.rollback()
    return ValidationReport(
        total, counts, [{"row": r.row_no, "reason": r.reason, "cells": r.cells} for r in samples]
    )


# --- the job -----------------------------------------------------------------------------------------
@contextmanager
def job_session(database: Database, tid: uuid.UUID) -> Iterator[Session]:
    """One connection for the whole job: the staging tables are TEMPORARY, hence per connection."""
    if database.bound_connection is not None:  # tests: savepoints of the test's transaction
        session = Session(
            bind=database.bound_connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        try:
            yield session
        finally:
            session.close()
        return
    with database.engine(database.url_for_tenant(tid)).connect() as conn:
        session = Session(bind=conn, expire_on_commit=False)
        try:
            yield session
        finally:
            session.close()
            # Never hand this connection back to the pool: closing it is what guarantees that its
            # temporary tables and its session advisory lock are gone, even after a failed cleanup.
            conn.invalidate()


@dataclass
class RunResult:
    status: str
    total: int
    processed: int
    counts: Counts
    batches_run: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "total": self.total,
            "processed": self.processed,
            "created": self.counts.created,
            "updated": self.counts.updated,
            "skipped": self.counts.skipped,
            "rejected": self.counts.rejected,
            "batches_run": self.batches_run,
        }


class NotReady(Exception):
    """The job's ``queued`` state is not committed yet (the task can arrive before the API's commit)."""


def run_import(
    database: Database,
    files: Files,
    tid: uuid.UUID,
    import_id: uuid.UUID,
    *,
    batch_rows: int,
    max_batches: int | None = None,
) -> RunResult:
    """Run (or resume) the import. ``max_batches`` bounds this call's work: the job stays ``running``
    and a later call resumes after the last committed batch (the worker re-queues itself)."""
    tables = Tables.for_job(import_id)
    with job_session(database, tid) as session:
        lock_key = int.from_bytes(import_id.bytes[:8], "big", signed=True)
        locked = session.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": lock_key}).scalar()
        session.commit()
        if not locked:
            raise Conflict(f"Import {import_id} is being run by another worker.")
        try:
            return _run(session, files, tid, import_id, tables, batch_rows, max_batches)
        except Exception as exc:
            session.rollback()
            if not isinstance(exc, NotReady):
                _fail(session, tid, import_id, exc)
            raise
        finally:
            try:
                session.rollback()
                drop_tables(session, tables)
                session.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key})
                session.commit()
            except Exception:  # a dead connection: closing it releases both anyway
                log.warning("crm_import_cleanup_failed", import_id=str(import_id), exc_info=True)


def _begin(session: Session, tid: uuid.UUID) -> None:
    set_tenant(session, tid)


def _more_temp_buffers(session: Session) -> None:
    """Staging a million rows thrashes the default 8 MB of local buffers. PostgreSQL refuses the change
    once the session has touched a temporary table, which a reused connection may have: then keep it."""
    try:
        with session.begin_nested():
            session.execute(text("SET temp_buffers = '256MB'"))
    except DBAPIError:
        pass


def _run(
    session: Session,
    files: Files,
    tid: uuid.UUID,
    import_id: uuid.UUID,
    tables: Tables,
    batch_rows: int,
    max_batches: int | None,
) -> RunResult:
    _begin(session, tid)
    job = get_job(session, import_id, lock=True)  # serialised with the API's cancel
    if job.status == "uploaded":
        raise NotReady(str(import_id))
    if job.status in ("completed", "cancelled"):
        session.commit()
        return _result(job, 0)
    if job.status == "cancelling":
        _finish(session, job, "cancelled")
        return _result(job, 0)
    run_started = time.monotonic()
    processed_before = job.processed
    if job.started_at is None:
        job.started_at = utcnow()
    job.status = "running"  # also when resuming a failed job: its committed batches are kept
    job.error = None
    job.finished_at = None
    job.updated_at = utcnow()
    session.commit()

    text_data = _decoded_file(files, job)
    _begin(session, tid)
    _more_temp_buffers(session)
    total = build_plan(session, job, text_data, tables)
    del text_data
    # Batches commit in order, so the committed ones are a prefix of the file: resume right after it
    # (whatever batch size the previous run used).
    done_upto, last_no = session.execute(
        select(
            func.coalesce(func.max(ImportBatch.last_row), 0),
            func.coalesce(func.max(ImportBatch.batch_no), -1),
        ).where(ImportBatch.import_id == import_id)
    ).one()
    job = get_job(session, import_id)
    job.total = total
    session.commit()

    spec = target(job.entity)
    fields = list((job.mapping or {}).values())
    ran = 0
    for batch_no, first in enumerate(range(done_upto + 1, total + 1, batch_rows), start=last_no + 1):
        if max_batches is not None and ran >= max_batches:
            return _result(job, ran)
        _begin(session, tid)
        status = session.scalar(select(ImportJob.status).where(ImportJob.id == import_id))
        if status == "cancelling":
            job = get_job(session, import_id)
            _finish(session, job, "cancelled")
            return _result(job, ran)
        last = min(total, first + batch_rows - 1)
        t0 = time.monotonic()
        _apply_batch(session, spec, job, tables, fields, first, last)
        counts = _counts(session, tables, first, last)
        session.add(
            ImportBatch(
                import_id=import_id,
                batch_no=batch_no,
                tid=tid,
                first_row=first,
                last_row=last,
                created=counts.created,
                updated=counts.updated,
                skipped=counts.skipped,
                rejected=counts.rejected,
                seconds=time.monotonic() - t0,
            )
        )
        job = get_job(session, import_id)
        job.processed += counts.total
        job.created += counts.created
        job.updated += counts.updated
        job.skipped += counts.skipped
        job.rejected += counts.rejected
        elapsed = max(time.monotonic() - run_started, 1e-6)
        rate = (job.processed - processed_before) / elapsed
        job.rows_per_second = round(rate, 1)
        job.eta_seconds = round((total - job.processed) / rate, 1) if rate > 0 else None
        job.updated_at = utcnow()
        session.commit()
        ran += 1

    _begin(session, tid)
    job = get_job(session, import_id)
    _finish(session, job, "completed")
    return _result(job, ran)


def _apply_batch(
    session: Session, spec: Target, job: ImportJob, tables: Tables, fields: list[str], first: int, last: int
) -> None:
    params = {"tid": job.tid, "iid": job.id, "a": first, "b": last, "actor": job.created_by}
    session.execute(
        text(
            "INSERT INTO crm.import_errors (tid, import_id, row_no, reason, cells) "  # noqa: S608
            f"SELECT :tid, :iid, p.row_no, p.reason, {_cells_json(job)} "
            f"FROM {tables.plan} p JOIN {tables.stage} s ON s.seq = p.seq "
            "WHERE p.seq BETWEEN :a AND :b AND p.action = 'reject'"
        ),
        params,
    )
    columns = list(fields)
    values = list(fields)
    if spec.default_source:
        if "source" in fields:
            values[fields.index("source")] = f"coalesce(source, '{IMPORT_SOURCE}')"
        else:
            columns.append("source")
            values.append(f"'{IMPORT_SOURCE}'")
    # Accounts with a CUI are checked at ANAF like those created through the API (pending, then a
    # batched request through the outbox with this batch's commit).
    checks_cui = spec.entity == "accounts" and "cui" in fields
    if checks_cui:
        columns.append("compliance_status")
        values.append("CASE WHEN cui IS NOT NULL THEN 'pending' ELSE 'unchecked' END")
    created = session.execute(
        text(
            f"INSERT INTO {spec.table} (tid, {', '.join(columns)}, created_by, import_id, import_row) "  # noqa: S608
            f"SELECT :tid, {', '.join(values)}, :actor, :iid, row_no FROM {tables.plan} "
            "WHERE seq BETWEEN :a AND :b AND action = 'create'" + (" RETURNING id, cui" if checks_cui else "")
        ),
        params,
    )
    to_check = [(row.id, row.cui) for row in created if row.cui] if checks_cui else []
    if job.on_duplicate == "update":
        if checks_cui:  # keys only fill blanks: a CUI changes only where the account had none
            to_check += session.execute(
                text(
                    f"SELECT t.id, p.cui FROM {spec.table} t JOIN {tables.plan} p ON t.id = p.match_id "  # noqa: S608
                    "WHERE p.seq BETWEEN :a AND :b AND p.action = 'update' AND t.cui IS NULL "
                    "AND p.cui IS NOT NULL"
                ),
                params,
            ).all()
        # Keys only fill blanks (they are how the row was found); other fields take the file's value.
        sets = ", ".join(
            f"{f} = coalesce(t.{f}, p.{f})" if f in spec.keys else f"{f} = coalesce(p.{f}, t.{f})"
            for f in fields
        )
        if checks_cui:
            sets += (
                ", compliance_status = CASE WHEN t.cui IS NULL AND p.cui IS NOT NULL THEN 'pending' "
                "ELSE t.compliance_status END"
            )
        session.execute(
            text(
                f"UPDATE {spec.table} t SET {sets}, version = t.version + 1, updated_at = now() "  # noqa: S608
                f"FROM {tables.plan} p WHERE p.seq BETWEEN :a AND :b AND p.action = 'update' "
                "AND t.id = p.match_id"
            ),
            params,
        )
    if to_check:
        verification.request_checks(
            session,
            job.tid,
            [(account_id, cui) for account_id, cui in to_check],
            requested_by=job.created_by,
            correlation_id=job.correlation_id,
        )


def _result(job: ImportJob, ran: int) -> RunResult:
    return RunResult(
        job.status,
        job.total or 0,
        job.processed,
        Counts(job.created, job.updated, job.skipped, job.rejected),
        ran,
    )


def _finish(session: Session, job: ImportJob, status: str) -> None:
    job.status = status
    job.finished_at = job.updated_at = utcnow()
    job.eta_seconds = 0.0 if status == "completed" else None
    _record_end(session, job, job.created_by)
    session.commit()


def _record_end(session: Session, job: ImportJob, actor: str) -> None:
    from genius.vettify.imports.events import ImportCompleted

    data = {
        "import_id": str(job.id),
        "entity": job.entity,
        "status": job.status,
        "total": job.total,
        "processed": job.processed,
        "created": job.created,
        "updated": job.updated,
        "skipped": job.skipped,
        "rejected": job.rejected,
        "on_duplicate": job.on_duplicate,
    }
    if job.status == "completed":
        publish(
            session,
            "crm.import.completed",
            ImportCompleted.model_validate({**data, "finished_at": job.finished_at, "imported_by": actor}),
            tid=job.tid,
            aggregate_id=job.id,
            correlation_id=job.correlation_id,
        )
    audit.record(
        session, job.tid, f"crm.import.{job.status}", actor=actor, target=f"import:{job.id}", data=data
    )


def _fail(session: Session, tid: uuid.UUID, import_id: uuid.UUID, exc: BaseException) -> None:
    """Record the failure in its own transaction; committed batches stay, and stay in the ledger."""
    try:
        _begin(session, tid)
        session.execute(
            update(ImportJob)
            .where(ImportJob.id == import_id, ImportJob.status.in_(("queued", "running", "cancelling")))
            .values(
                status="failed",
                error=f"{type(exc).__name__}: {exc}"[:2000],
                updated_at=utcnow(),
                finished_at=utcnow(),
            )
        )
        session.commit()
    except Exception:  # the database itself may be what failed; the task's retry resumes
        session.rollback()
        log.exception("import_fail_record_failed", import_id=str(import_id))


def restart(session: Session, job: ImportJob, correlation_id: str | None) -> ImportJob:
    """A failed job can be started again: it resumes after its committed batches."""
    if job.status != "failed":
        raise Conflict(f"The import is {job.status}.")
    job.status = "queued"
    job.error = None
    job.finished_at = None
    job.queued_at = job.updated_at = utcnow()
    job.correlation_id = correlation_id or job.correlation_id
    session.flush()
    return job


# --- errors.csv --------------------------------------------------------------------------------------
def errors_csv(session: Session, job: ImportJob) -> Iterator[str]:
    """The rejected rows: row number, reason, then the original cells under the file's header."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=job.delimiter, lineterminator="\r\n")
    writer.writerow(["row", "reason", *job.columns, "extra"])
    yield "\ufeff" + buffer.getvalue()  # Excel opens BOM-marked UTF-8 with the diacritics intact
    buffer.seek(0)
    buffer.truncate()
    stmt = (
        select(RejectedRow.row_no, RejectedRow.reason, RejectedRow.cells)
        .where(RejectedRow.import_id == job.id)
        .order_by(RejectedRow.row_no)
        .execution_options(yield_per=5000)
    )
    width = len(job.columns)
    for n, (row_no, reason, cells) in enumerate(session.execute(stmt), 1):
        cells = [c if c is not None else "" for c in cells]
        writer.writerow([row_no, reason, *cells[:width], *([""] * (width - len(cells))), *cells[width:]])
        if n % 5000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def count_rejected(session: Session, import_id: uuid.UUID) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(RejectedRow).where(RejectedRow.import_id == import_id)
        )
        or 0
    )
