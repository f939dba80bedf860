"""CSV import's SQL: the job rows, the staging table (``COPY``), the plan (one set-based statement), the
batch statements (``INSERT … SELECT`` / ``UPDATE … FROM`` from the plan), the ledger and the rejected rows.

Identifiers built into statements come from ``TARGETS`` and the job's uuid; values are bound.
Nothing here commits: ``runner`` owns the job's transactions, ``service`` the API's.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg.copy import QueuedLibpqWriter
from sqlalchemy import Engine, func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from genius.core.kit.errors import Unprocessable
from genius.core.kit.pagination import Page, cursor_after, decode_cursor, page_of
from genius.vettify.imports import parsing
from genius.vettify.imports.models import ImportBatch, ImportJob, ImportMapping, RejectedRow
from genius.vettify.schemas import VAT_PREFIX_COUNTRY, normalise_eu_vat

SAMPLE_ERRORS = 20


# --- what each entity's columns are -----------------------------------------------------------------
@dataclass(frozen=True)
class Field:
    kind: str  # text | email | phone | cui (checked in SQL) | vat_id (checked in Python, ``PYTHON_CHECKS``)
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
            "vat_id": Field("vat_id", 16),
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
        keys=("cui", "vat_id", "email", "phone"),  # a foreign company: its EU VAT id
    ),
}
IMPORT_SOURCE = "import"
# Kinds checked by Python while the file is parsed (no SQL mirror): python-stdnum knows every member
# state's VAT id format and check digits, as the API's schema (``vettify.schemas.normalise_eu_vat``).
PYTHON_CHECKS: dict[str, Callable[[str], str]] = {"vat_id": normalise_eu_vat}
# An imported account's country is its EU VAT id's, as the API requires (``service._check_vat_id``).
_VAT_COUNTRY_CASES = "".join(f" WHEN '{p}' THEN '{c}'" for p, c in VAT_PREFIX_COUNTRY.items())


def vat_country_sql(column: str) -> str:
    """The ISO country of the EU VAT id in ``column`` (``vettify.schemas.vat_id_country`` in SQL)."""
    return f"CASE left({column}, 2){_VAT_COUNTRY_CASES} ELSE left({column}, 2) END"


INVALID = {
    "email": "not a valid e-mail address",
    "phone": "not a phone number in E.164 format (a Romanian 07xx/02x/03x number gets +40)",
    "cui": "not a valid Romanian CUI/CIF (format or check digit)",
}


@dataclass(frozen=True)
class Tables:
    stage: str
    plan: str

    @classmethod
    def for_job(cls, import_id: uuid.UUID) -> Tables:
        return cls(f"pg_temp.crm_import_stage_{import_id.hex}", f"pg_temp.crm_import_plan_{import_id.hex}")


def _mapped_fields(job: ImportJob) -> dict[str, int]:
    """Each mapped field and the index of its file column."""
    index = {name: i for i, name in enumerate(job.columns)}
    return {field: index[column] for column, field in (job.mapping or {}).items()}


def _validated(job: ImportJob) -> dict[str, tuple[str, int]]:
    """The mapped fields with a validator (e-mail, phone, CUI in SQL; EU VAT id in Python):
    ``field → (kind, column index)``."""
    spec = TARGETS[job.entity]
    return {
        f: (spec.fields[f].kind, i) for f, i in _mapped_fields(job).items() if spec.fields[f].kind != "text"
    }


def _checked_in_python(job: ImportJob) -> dict[str, tuple[str, int]]:
    return {f: (kind, i) for f, (kind, i) in _validated(job).items() if kind in PYTHON_CHECKS}


def _python_cells(checks: list[tuple[str, int]], cells: list[str]) -> list[str]:
    """For each Python-checked field, its normalised value and the reason it is refused (one of the two
    is empty, i.e. NULL in the COPY; both for a blank cell)."""
    out: list[str] = []
    for kind, i in checks:
        value = cells[i].strip() if i < len(cells) else ""
        if not value:
            out += ["", ""]
            continue
        try:
            out += [PYTHON_CHECKS[kind](value), ""]
        except ValueError as exc:
            out += ["", str(exc)]
    return out


def copy_rows(session: Session, job: ImportJob, text_data: str, table: str) -> int:
    """Parse the file and COPY every record into the staging table; returns the number of rows.

    The staging table computes the normalised e-mail, phone and CUI as generated columns (``n_<field>``):
    PostgreSQL runs the validators while it receives the COPY, on the second core, as this process
    parses the next rows, instead of afterwards while this process waits."""
    width = len(job.columns)
    cols = ", ".join(f"c{i} text" for i in range(width))
    in_python = _checked_in_python(job)
    # Written by this process beside the cells (COPY leaves generated columns out of its column list).
    python_cols = "".join(f", n_{f} text, e_{f} text" for f in in_python)
    checks = list(in_python.values())
    generated = "".join(
        f", n_{f} text GENERATED ALWAYS AS (crm.import_{kind}(nullif(btrim(c{i}), ''))) STORED"
        for f, (kind, i) in _validated(job).items()
        if f not in in_python
    )
    session.execute(
        text(
            f"CREATE TEMP TABLE {table} (seq integer, row_no integer, problem text, extra text, {cols}"
            f"{python_cols}{generated})"
        )
    )
    raw = session.connection().connection.driver_connection
    assert raw is not None
    pad = [""] * width
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    seq = 0
    # A writer thread sends each chunk while this one parses the next (libpq releases the GIL): without
    # it a chunk larger than the socket's buffer blocks parsing until PostgreSQL has read most of it.
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY {table} FROM STDIN WITH (FORMAT csv)", writer=QueuedLibpqWriter(cursor)) as copy,
    ):
        try:
            for row_no, cells in parsing.records(text_data, job.delimiter):
                seq += 1
                n = len(cells)
                checked = _python_cells(checks, cells) if checks else []
                if n == width:
                    writer.writerow((seq, row_no, "", "", *cells, *checked))
                elif n < width:
                    writer.writerow((seq, row_no, "", "", *cells, *pad[n:], *checked))
                else:
                    extra = cells[width:]
                    if any(x.strip() for x in extra):
                        problem = f"has {n} cells but the header has {width} columns"
                        writer.writerow(
                            (seq, row_no, problem, job.delimiter.join(extra), *cells[:width], *checked)
                        )
                    else:
                        writer.writerow((seq, row_no, "", "", *cells[:width], *checked))
                if seq % 20_000 == 0:
                    copy.write(buffer.getvalue())
                    buffer.seek(0)
                    buffer.truncate()
        except csv.Error as exc:
            raise Unprocessable(f"The file cannot be read as CSV after row {seq + 1}: {exc}") from None
        copy.write(buffer.getvalue())
    return seq


# Files up to this many rows find their matches among existing rows by index lookups (one per row and
# key, through the (tid, key) indexes); larger ones by one hash join over the entity's rows, which reads
# every row of the tenant: 1,000 rows into a tenant of 1,000,000 leads spent most of its time there.
LOOKUP_MAX_ROWS = 10_000


def plan_sql(job: ImportJob, tables: Tables, *, lookups: frozenset[str] = frozenset()) -> str:
    """One statement from staging to the plan: check, find duplicates, decide per row (the e-mail,
    phone and CUI arrive normalised by the staging table's generated columns).

    The match of a key is the oldest live row with that key (not created by this job); for the keys in
    ``lookups`` it is found per row through the key's index instead of by reading all the entity's rows
    (same result).
    An aggregate, not ``ORDER BY … LIMIT 1``: with a LIMIT the planner walks the (tid, created_at) index
    testing every row of the tenant for the key, which for a key nobody has is the whole tenant.

    ``OFFSET 0`` keeps each level a separate subquery, so every expression runs once per row even though
    the levels above refer to its result several times."""
    spec = TARGETS[job.entity]
    fields = _mapped_fields(job)
    validated = _validated(job)
    in_python = _checked_in_python(job)
    blank = " AND ".join(f"coalesce(btrim(c{i}), '') = ''" for i in range(len(job.columns)))
    raw_cols = ", ".join(
        [f"nullif(btrim(c{i}), '') AS r_{f}" for f, i in fields.items()]
        + [f"n_{f}" for f in validated]
        + [f"e_{f}" for f in in_python]
    )
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
        elif f in in_python:  # the checker's own reason, e.g. stdnum's "checksum does not match"
            normalised += [f"n_{f} AS {f}", f"e_{f}"]
            reasons.append(f"CASE WHEN r_{f} IS NOT NULL AND {f} IS NULL THEN '{f}: ' || e_{f} END")
        else:
            normalised.append(f"n_{f} AS {f}")  # computed by the staging table (``copy_rows``)
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
        f" LEFT JOIN LATERAL (SELECT (array_agg(t.id ORDER BY t.created_at, t.id))[1] AS id "  # noqa: S608
        f"FROM {spec.table} t "
        f"WHERE {spec.key_expr(k, 't')} = d.{k} AND t.deleted_at IS NULL AND t.{k} IS NOT NULL "
        f"AND t.import_id IS DISTINCT FROM '{job.id}'::uuid) m_{k} ON true"
        if k in lookups
        else f" LEFT JOIN (SELECT DISTINCT ON ({spec.key_expr(k, 't')}) {spec.key_expr(k, 't')} AS k, t.id "  # noqa: S608
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


def cells_json(job: ImportJob) -> str:
    cells = ", ".join(f"s.c{i}" for i in range(len(job.columns)))
    return (
        f"jsonb_build_array({cells}) || "
        "CASE WHEN s.extra IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(s.extra) END"
    )


def build_plan(session: Session, job: ImportJob, text_data: str, tables: Tables) -> int:
    """Stage the file and build the plan; returns the number of rows."""
    total = copy_rows(session, job, text_data, tables.stage)
    session.execute(text(f"CREATE INDEX ON {tables.stage} (seq)"))
    # The duplicate windows sort every row three times: in memory rather than in temp files.
    session.execute(text("SET LOCAL work_mem = '256MB'"))
    session.execute(text(plan_sql(job, tables, lookups=lookup_keys(session, job, total))))
    # No ANALYZE (a fifth of a second per 100,000 rows): every statement that reads the plan selects a
    # range of ``seq``, which the index serves whatever the estimates.
    session.execute(text(f"CREATE INDEX ON {tables.plan} (seq)"))
    return total


def lookup_keys(session: Session, job: ImportJob, total: int) -> frozenset[str]:
    """The keys a file of ``total`` rows matches by index lookups: none for a large file; the e-mail
    (``lower(email)``) only where ``lower`` is LEAKPROOF (migration 0014), as RLS otherwise keeps the
    index from being used and each lookup would test every row of the tenant."""
    if total > LOOKUP_MAX_ROWS:
        return frozenset()
    keys = frozenset(TARGETS[job.entity].keys)
    return keys if _lower_is_leakproof(session) else keys - {"email"}


_LEAKPROOF_LOWER: dict[str, bool] = {}


def _lower_is_leakproof(session: Session) -> bool:
    """Whether ``lower(text)`` is LEAKPROOF in this database (cached per server and database)."""
    url = session.get_bind().engine.url
    key = f"{url.host}:{url.port}/{url.database}"
    if key not in _LEAKPROOF_LOWER:
        found = session.scalar(
            text("SELECT proleakproof FROM pg_proc WHERE oid = 'pg_catalog.lower(text)'::regprocedure")
        )
        _LEAKPROOF_LOWER[key] = bool(found)
    return _LEAKPROOF_LOWER[key]


def drop_tables(session: Session, tables: Tables) -> None:
    session.execute(text(f"DROP TABLE IF EXISTS {tables.plan}, {tables.stage}"))


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.skipped + self.rejected


def counts(session: Session, tables: Tables, first: int | None = None, last: int | None = None) -> Counts:
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


def apply_batch(
    session: Session, spec: Target, job: ImportJob, tables: Tables, fields: list[str], first: int, last: int
) -> list[tuple[uuid.UUID, str]]:
    """Apply rows ``first..last`` of the plan; returns the accounts whose CUI is now to be checked."""
    params = {"tid": job.tid, "iid": job.id, "a": first, "b": last, "actor": job.created_by}
    session.execute(
        text(
            "INSERT INTO crm.import_errors (tid, import_id, row_no, reason, cells) "  # noqa: S608
            f"SELECT :tid, :iid, p.row_no, p.reason, {cells_json(job)} "
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
    if "vat_id" in fields:  # an account's VAT id and its country go together (the API's rule)
        columns.append("country")
        values.append(f"coalesce({vat_country_sql('vat_id')}, 'RO')")
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
    to_check: list[tuple[uuid.UUID, str]] = (
        [(row.id, row.cui) for row in created if row.cui] if checks_cui else []
    )
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
        if "vat_id" in fields:
            vat_country = vat_country_sql("p.vat_id")
            sets += f", country = CASE WHEN p.vat_id IS NULL THEN t.country ELSE {vat_country} END"
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
    return to_check


def reject_samples(session: Session, job: ImportJob, tables: Tables, limit: int = SAMPLE_ERRORS) -> list[Any]:
    """The first rejected rows of the plan: ``row_no, reason, cells``."""
    return list(
        session.execute(
            text(
                f"SELECT p.row_no, p.reason, {cells_json(job)} AS cells FROM {tables.plan} p "  # noqa: S608
                f"JOIN {tables.stage} s ON s.seq = p.seq WHERE p.action = 'reject' ORDER BY p.seq LIMIT :n"
            ),
            {"n": limit},
        ).all()
    )


def more_temp_buffers(session: Session) -> None:
    """Staging a million rows thrashes the default 8 MB of local buffers. PostgreSQL refuses the change
    once the session has touched a temporary table, which a reused connection may have: then keep it."""
    try:
        with session.begin_nested():
            session.execute(text("SET temp_buffers = '256MB'"))
    except DBAPIError:
        pass


# --- jobs, ledger, mappings ----------------------------------------------------------------------------
def add(session: Session, row: Any) -> None:
    session.add(row)


def find_job(session: Session, import_id: uuid.UUID, *, lock: bool = False) -> ImportJob | None:
    stmt = select(ImportJob).where(ImportJob.id == import_id).execution_options(populate_existing=True)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).one_or_none()


def job_status(session: Session, import_id: uuid.UUID) -> str | None:
    return session.scalar(select(ImportJob.status).where(ImportJob.id == import_id))


JOBS_ORDER = "imports"  # the cursor's order tag: newest first


def jobs_page(session: Session, *, limit: int, cursor: str | None) -> Page[ImportJob]:
    stmt = select(ImportJob)
    if cursor:
        key = decode_cursor(cursor, JOBS_ORDER, (datetime, uuid.UUID))
        stmt = stmt.where(cursor_after((ImportJob.created_at, ImportJob.id), key, desc=True))
    rows = session.scalars(
        stmt.order_by(ImportJob.created_at.desc(), ImportJob.id.desc()).limit(limit + 1)
    ).all()
    return page_of(rows, limit, JOBS_ORDER, key=lambda j: (j.created_at, j.id))


def mark_failed(session: Session, import_id: uuid.UUID, error: str, now: datetime) -> None:
    """An unfinished job becomes ``failed`` (a finished one keeps its state)."""
    session.execute(
        update(ImportJob)
        .where(ImportJob.id == import_id, ImportJob.status.in_(("queued", "running", "cancelling")))
        .values(status="failed", error=error, updated_at=now, finished_at=now)
    )


def try_lock(session: Session, import_id: uuid.UUID) -> bool:
    """The job's session advisory lock (held by the job's connection until ``unlock`` or its close)."""
    return bool(
        session.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _lock_key(import_id)}).scalar()
    )


def unlock(session: Session, import_id: uuid.UUID) -> None:
    session.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _lock_key(import_id)})


def _lock_key(import_id: uuid.UUID) -> int:
    return int.from_bytes(import_id.bytes[:8], "big", signed=True)


def committed_prefix(session: Session, import_id: uuid.UUID) -> tuple[int, int]:
    """``(last row, last batch number)`` of the ledger (``(0, -1)`` when empty): batches commit in order,
    so the committed ones are a prefix of the file."""
    done_upto, last_no = session.execute(
        select(
            func.coalesce(func.max(ImportBatch.last_row), 0),
            func.coalesce(func.max(ImportBatch.batch_no), -1),
        ).where(ImportBatch.import_id == import_id)
    ).one()
    return int(done_upto), int(last_no)


def saved_mapping(session: Session, mapping_id: uuid.UUID) -> ImportMapping | None:
    return session.get(ImportMapping, mapping_id)


def mapping_named(session: Session, entity: str, name: str) -> ImportMapping | None:
    return session.scalars(
        select(ImportMapping).where(ImportMapping.entity == entity, ImportMapping.name == name)
    ).one_or_none()


def mappings(session: Session, entity: str | None) -> list[ImportMapping]:
    stmt = select(ImportMapping).order_by(ImportMapping.entity, ImportMapping.name)
    if entity:
        stmt = stmt.where(ImportMapping.entity == entity)
    return list(session.scalars(stmt))


def rejected_rows(session: Session, import_id: uuid.UUID) -> Iterator[Sequence[Any]]:
    """``row_no, reason, cells`` of the job's rejected rows in file order, streamed."""
    stmt = (
        select(RejectedRow.row_no, RejectedRow.reason, RejectedRow.cells)
        .where(RejectedRow.import_id == import_id)
        .order_by(RejectedRow.row_no)
        .execution_options(yield_per=5000)
    )
    yield from session.execute(stmt)


def count_rejected(session: Session, import_id: uuid.UUID) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(RejectedRow).where(RejectedRow.import_id == import_id)
        )
        or 0
    )


def health_check(engine: Engine) -> str:
    """The etl.sync worker's deep check: the SQL validators answer and a ``COPY`` into a temporary
    table loads (rolled back)."""
    with engine.connect() as conn, conn.begin() as trans:
        cui = conn.execute(text("SELECT crm.import_cui('RO 185 472 90')")).scalar()
        if cui != "18547290":
            raise RuntimeError(f"crm.import_cui returned {cui!r}")
        conn.execute(text("CREATE TEMP TABLE etl_health (a text, b text) ON COMMIT DROP"))
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cursor:
            with cursor.copy("COPY etl_health FROM STDIN WITH (FORMAT csv)") as copy:
                copy.write("x,ș\ny,ț\n")
            rows = cursor.execute("SELECT count(*) FROM etl_health").fetchone()
        trans.rollback()
    if not rows or rows[0] != 2:
        raise RuntimeError("COPY into a temporary table did not load the rows")
    return "postgres COPY ok, import validators installed"
