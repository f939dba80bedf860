"""CSV import, the job API: upload → preview → mapping → validate → start/cancel → status, errors.csv.

Every function takes the caller's tenant session and flushes, never commits (the API's ``TenantDB``
does). The job itself runs in ``genius.vettify.imports.runner`` (called by the ``etl.sync`` worker),
which alone commits, one transaction per batch; the SQL (staging ``COPY``, the plan, the batch
statements, the ledger) is in ``genius.vettify.imports.repository``.

Rows whose cells are all blank are counted and skipped (spreadsheets export trailing ``;;;`` lines);
blank lines are not rows. Duplicates inside the file: the first occurrence is imported; later ones are
skipped (``skip`` and ``update``) or created as well (``create``). For accounts, whose CUI is unique,
``create`` rejects a row whose CUI is already taken.
"""

from __future__ import annotations

import csv
import hashlib
import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from genius.config import Settings
from genius.core.audit import service as audit
from genius.core.db.base import utcnow
from genius.core.events.service import publish
from genius.core.jobs import service as jobs
from genius.core.kit.errors import Conflict, NotFound, Unprocessable, field_error
from genius.core.kit.pagination import Page
from genius.core.storage import Storage, storage_from_settings, tenant_sse_key
from genius.vettify.imports import parsing, repository
from genius.vettify.imports.models import ImportJob, ImportMapping
from genius.vettify.imports.repository import TARGETS, Counts, Tables, Target
from genius.vettify.imports.schemas import MappingIn

__all__ = ["TARGETS", "Counts", "Target", "Unprocessable", "field_error"]

TASK = "etl.sync.crm_import"
JOB_KIND = "crm.import"
ENTITIES = ("leads", "contacts", "accounts")
ON_DUPLICATE = ("skip", "update", "create")
FINISHED = ("completed", "cancelled", "failed")


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
    repository.add(session, job)
    session.flush()
    return job


def get_job(session: Session, import_id: uuid.UUID, *, lock: bool = False) -> ImportJob:
    job = repository.find_job(session, import_id, lock=lock)
    if job is None:
        raise NotFound(f"No import {import_id}.")
    return job


def list_jobs(session: Session, *, limit: int = 50, cursor: str | None = None) -> Page[ImportJob]:
    """The tenant's imports, newest first."""
    return repository.jobs_page(session, limit=limit, cursor=cursor)


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


def set_mapping(session: Session, job: ImportJob, body: MappingIn, actor: str) -> ImportJob:
    """The column mapping (given, or a saved one), ``on_duplicate``, optionally saved under a name."""
    mapping = None if body.mapping is None else {k: v or "" for k, v in body.mapping.items()}
    on_duplicate = body.on_duplicate.value if body.on_duplicate else None
    mapping_id, save_as = body.mapping_id, body.save_as
    if job.status != "uploaded":
        raise Conflict(f"The import is {job.status}; the mapping can only change before it starts.")
    saved: ImportMapping | None = None
    if mapping_id is not None:
        saved = repository.saved_mapping(session, mapping_id)
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
    existing = repository.mapping_named(session, job.entity, name)
    if existing is None:
        existing = ImportMapping(id=uuid.uuid4(), tid=job.tid, name=name, entity=job.entity, created_by=actor)
        repository.add(session, existing)
    existing.mapping = dict(job.mapping or {})
    existing.on_duplicate = job.on_duplicate
    existing.updated_at = utcnow()
    session.flush()
    return existing


def list_mappings(session: Session, entity: str | None) -> list[ImportMapping]:
    return repository.mappings(session, entity)


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
        record_end(session, job, actor)
    elif job.status == "running":
        job.status = "cancelling"  # the worker stops at its next batch boundary
    elif job.status != "cancelling":
        raise Conflict(f"The import is already {job.status}.")
    job.updated_at = utcnow()
    session.flush()
    return job


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
    text_data = decoded_file(files, job)
    nested = session.begin_nested()
    try:
        total = repository.build_plan(session, job, text_data, tables)
        counts = repository.counts(session, tables)
        samples = repository.reject_samples(session, job, tables)
    finally:
        nested.rollback()
    return ValidationReport(
        total, counts, [{"row": r.row_no, "reason": r.reason, "cells": r.cells} for r in samples]
    )


def queue_run(session: Session, job: ImportJob) -> None:
    """Queue the job's run in the caller's transaction: its lease and its ``etl.sync`` task (outbox)."""
    jobs.start(
        session, job_id=job.id, tid=job.tid, kind=JOB_KIND, task=TASK, args=[str(job.tid), str(job.id)]
    )


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


def record_end(session: Session, job: ImportJob, actor: str) -> None:
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


def decoded_file(files: Files, job: ImportJob) -> str:
    """The stored file's text, in the encoding detected at upload (or the one the user chose)."""
    return parsing.decode(files.get(job.tid, job.storage_key), job.encoding).text


def reparse(session: Session, files: Files, job: ImportJob, *, encoding: str, delimiter: str) -> ImportJob:
    """Read the stored file again with the encoding and separator the user chose (the preview step):
    header, preview and suggested mapping are recomputed. Only before the import starts."""
    if job.status != "uploaded":
        raise Conflict(f"The import is {job.status}; the file can only be re-read before it starts.")
    errors = []
    if encoding not in parsing.ENCODINGS:
        errors.append(_err("encoding", f"must be one of {', '.join(parsing.ENCODINGS)}"))
    if delimiter not in parsing.DELIMITERS:
        errors.append(_err("delimiter", "must be one of , ; or a tab"))
    if errors:
        raise Unprocessable("The request has invalid fields.", errors=errors)
    data = files.get(job.tid, job.storage_key)
    try:
        decoded = parsing.decode(data, encoding)
    except parsing.CsvProblem as exc:
        raise field_error("encoding", str(exc)) from None
    try:
        columns = parsing.header(decoded.text, delimiter)
    except parsing.CsvProblem as exc:
        raise field_error("delimiter", str(exc)) from None
    changed = (decoded.encoding, delimiter) != (job.encoding, job.delimiter)
    job.encoding, job.delimiter = decoded.encoding, delimiter
    if changed or columns != job.columns:
        job.columns = columns
        job.preview = parsing.preview(decoded.text, delimiter, len(columns))
        job.mapping = parsing.suggest_mapping(columns, list(target(job.entity).fields), job.entity)
        job.mapping_id = None
    job.updated_at = utcnow()
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
    width = len(job.columns)
    for n, (row_no, reason, cells) in enumerate(repository.rejected_rows(session, job.id), 1):
        cells = [c if c is not None else "" for c in cells]
        writer.writerow([row_no, reason, *cells[:width], *([""] * (width - len(cells))), *cells[width:]])
        if n % 5000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def count_rejected(session: Session, import_id: uuid.UUID) -> int:
    return repository.count_rejected(session, import_id)
