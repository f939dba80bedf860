"""SAF-T D406 reports: check a file, record a report request, build + validate + store it.

* ``check(xml, settings)`` — our findings (``rules.validate``) plus DUKIntegrator's when
  ``GENIUS_DUK_JAR`` is set (only when ours have no fatal finding: DUK's verdict on a broken file
  adds nothing and takes minutes);
* ``create(session, tid, ledger, kind, …)`` — stores the ledger JSON (object storage) and records a
  ``queued`` report under an idempotency key (default: the ledger's SHA-256, the kind and the variant);
  the same key again returns the first row;
* ``generate(ctx, tid, report_id)`` — builds the AuditFile, splits it into segments
  (``GENIUS_SAFT_MAX_SEGMENT_BYTES``), validates each, stores them under
  ``saft/<tid>/<report>/D406_<cui>_<period>_<n>of<total>.xml`` and publishes ``accounting.saft.ready``
  — or ``accounting.saft.failed`` (fatal findings, or a ledger that cannot be built) — in the same
  transaction as the status change, with the report's correlation id.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog
from pydantic import ValidationError
from sqlalchemy.orm import Session

from genius.compliance.common.findings import Finding, pydantic_code
from genius.compliance.saft import duk, repository
from genius.compliance.saft import events as _events  # noqa: F401  (registers the topics)
from genius.compliance.saft.audit_file import NS_D406, NS_D406T
from genius.compliance.saft.build import from_ledger, namespace_of, segment
from genius.compliance.saft.ledger import Ledger
from genius.compliance.saft.models import FINAL_STATUSES, MAX_FINDINGS, SaftReport
from genius.compliance.saft.rules import TEMPLATES, validate
from genius.config import Settings
from genius.core.db.session import Database
from genius.core.events.service import publish
from genius.core.kit.errors import Conflict, NotFound, Problem
from genius.core.kit.pagination import Page
from genius.core.storage import TenantFiles

log = structlog.get_logger("genius.saft")
# The findings' English templates by code, for the pages that show them in the user's language.
FINDING_TEMPLATES: dict[str, str] = TEMPLATES


class InvalidLedger(Problem):
    status, code, title = 422, "saft-invalid-ledger", "Invalid SAF-T ledger"


@dataclass
class Context:
    db: Database
    settings: Settings
    storage: TenantFiles  # files are read and written per tenant (storage.for_tenant)


def _now() -> datetime:
    return datetime.now(UTC)


def check(xml: bytes, settings: Settings | None = None) -> list[Finding]:
    """Our findings, then DUKIntegrator's when it is configured and ours found nothing fatal."""
    findings = validate(xml)
    jar = getattr(settings, "duk_jar", None) if settings is not None else None
    if jar and not any(f.severity == "fatal" for f in findings):
        timeout = getattr(settings, "duk_timeout", duk.DEFAULT_TIMEOUT)
        findings += duk.run(xml, jar, form=duk.form_of(namespace_of(xml)), timeout=timeout)
    return findings


def summary(row: SaftReport) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "kind": row.kind,
        "status": row.status,
        "cui": row.cui,
        "period_start": row.period_start.isoformat(),
        "period_end": row.period_end.isoformat(),
        "variant": "d406t" if row.namespace == NS_D406T else "d406",
        "segments": list(row.segments or []),
        "findings": list(row.findings or []),
        "fatal_count": row.fatal_count,
        "warning_count": row.warning_count,
        "error": row.error,
        "correlation_id": row.correlation_id,
        "created_at": row.created_at.isoformat() if row.created_at else None,
        "updated_at": row.updated_at.isoformat() if row.updated_at else None,
        "finished_at": row.finished_at.isoformat() if row.finished_at else None,
    }


def parse_ledger(data: bytes | dict[str, Any]) -> Ledger:
    try:
        if isinstance(data, bytes):
            return Ledger.model_validate_json(data)
        return Ledger.model_validate(data)
    except ValidationError as exc:
        errors = []
        for e in exc.errors()[:100]:
            error: dict[str, Any] = {
                "field": ".".join(str(x) for x in e["loc"]),
                "in": "body",
                "message": e["msg"],
            }
            coded = pydantic_code(e, "saft.ledger.", TEMPLATES)
            if coded:  # the message's code and params: a page shows it in the user's language
                error["code"], error["params"] = coded
            errors.append(error)
        raise InvalidLedger("the ledger does not fit the SAF-T ledger format", errors=errors) from None


def create(
    session: Session,
    storage: TenantFiles,
    tid: uuid.UUID,
    ledger: Ledger,
    kind: str,
    *,
    test_variant: bool = False,
    idempotency_key: str | None = None,
    correlation_id: str | None = None,
) -> tuple[SaftReport, bool]:
    """Store the ledger and record a queued report; the same key again returns the first row."""
    from genius.compliance.saft.build import check_period

    try:
        check_period(ledger, kind)
    except ValueError as exc:
        raise InvalidLedger(
            str(exc), errors=[{"field": "kind", "in": "query", "message": str(exc)}]
        ) from None
    payload = ledger.model_dump_json().encode()
    digest = hashlib.sha256(payload).hexdigest()
    namespace = NS_D406T if test_variant else NS_D406
    key = idempotency_key or hashlib.sha256(f"{digest}|{kind}|{namespace}".encode()).hexdigest()
    existing = repository.reports.by_key(session, tid, key)
    if existing is not None:
        if existing.ledger_sha256 != digest or existing.kind != kind:
            raise Conflict("This idempotency key was used for a different report.")
        return existing, False
    report_id = uuid.uuid4()
    ledger_key = f"saft/{tid}/{report_id}/ledger.json"
    storage.for_tenant(tid).put(ledger_key, payload, "application/json")
    row = SaftReport(
        id=report_id,
        tid=tid,
        idempotency_key=key,
        kind=kind,
        period_start=ledger.period_start,
        period_end=ledger.period_end,
        cui=ledger.company.cui[:20],
        namespace=namespace,
        status="queued",
        ledger_key=ledger_key,
        ledger_sha256=digest,
        segments=[],
        findings=[],
        fatal_count=0,
        warning_count=0,
        correlation_id=correlation_id or uuid.uuid4().hex,
        created_at=_now(),
        updated_at=_now(),
    )
    repository.reports.add(session, row)
    return row, True


def get(session: Session, tid: uuid.UUID, report_id: uuid.UUID) -> SaftReport:
    row = repository.reports.get(session, tid, report_id)
    if row is None:
        raise NotFound(f"No SAF-T report {report_id}.")
    return row


def recent(
    session: Session, tid: uuid.UUID, *, cursor: str | None = None, limit: int = 50
) -> Page[SaftReport]:
    """The tenant's reports, newest first (a keyset page)."""
    return repository.reports.page(session, tid, cursor=cursor, limit=limit)


def segment_name(row: SaftReport, index: int, total: int) -> str:
    digits = "".join(ch for ch in row.cui if ch.isdigit()) or "0"
    return f"D406_{digits}_{row.period_start:%Y%m}-{row.period_end:%Y%m}_{row.kind}_{index}of{total}.xml"


def _finish(session: Session, row: SaftReport, status: str) -> None:
    row.status = status
    row.updated_at = _now()
    row.finished_at = row.updated_at


def _failed(session: Session, row: SaftReport, stage: str, messages: list[str]) -> None:
    publish(
        session,
        "accounting.saft.failed",
        {
            "report_id": row.id,
            "kind": row.kind,
            "cui": row.cui,
            "period_start": row.period_start,
            "period_end": row.period_end,
            "stage": stage,
            "findings": {"fatal": row.fatal_count, "warning": row.warning_count},
            "messages": messages[:20],
        },
        tid=row.tid,
        aggregate_id=row.id,
        correlation_id=row.correlation_id,
    )


def generate(ctx: Context, tid: uuid.UUID, report_id: uuid.UUID) -> dict[str, Any]:
    """Build, validate and store the report (idempotent: a finished report is returned as it is)."""
    with ctx.db.tenant_session(tid) as session:
        row = repository.reports.locked(session, tid, report_id)
        if row is None:
            raise NotFound(f"No SAF-T report {report_id}.")
        if row.status in FINAL_STATUSES:
            return summary(row)
        row.status, row.updated_at = "building", _now()
        ledger_key, kind, namespace = row.ledger_key, row.kind, row.namespace

    try:
        ledger = Ledger.model_validate_json(ctx.storage.for_tenant(tid).get(ledger_key))
        audit = from_ledger(ledger, kind)
        files = segment(audit, ctx.settings.saft_max_segment_bytes, namespace)
    except (ValueError, ArithmeticError, ValidationError, OSError) as exc:
        with ctx.db.tenant_session(tid) as session:
            row = get(session, tid, report_id)
            row.error = str(exc)[:2000]
            _finish(session, row, "failed")
            _failed(session, row, "build", [row.error])
            return summary(row)

    findings: list[dict[str, Any]] = []
    fatal = warning = 0
    for index, xml in enumerate(files, start=1):
        for f in check(xml, ctx.settings):
            fatal += f.severity == "fatal"
            warning += f.severity == "warning"
            if len(findings) < MAX_FINDINGS:
                findings.append({"segment": index, **f.as_dict()})

    with ctx.db.tenant_session(tid) as session:
        row = repository.reports.locked(session, tid, report_id)
        assert row is not None
        if row.status in FINAL_STATUSES:  # another copy (a requeued build) finished it meanwhile
            return summary(row)
        stored = []
        for index, xml in enumerate(files, start=1):
            key = f"saft/{tid}/{report_id}/{segment_name(row, index, len(files))}"
            ctx.storage.for_tenant(tid).put(key, xml, "application/xml")
            stored.append(
                {"index": index, "key": key, "sha256": hashlib.sha256(xml).hexdigest(), "size": len(xml)}
            )
        row.segments, row.findings = stored, findings
        row.fatal_count, row.warning_count = fatal, warning
        if fatal:
            _finish(session, row, "invalid")
            messages = [
                f"{f['rule']} at {f['location']}: {f['message']}"
                for f in findings
                if f["severity"] == "fatal"
            ]
            _failed(session, row, "validation", messages)
        else:
            _finish(session, row, "ready")
            publish(
                session,
                "accounting.saft.ready",
                {
                    "report_id": row.id,
                    "kind": row.kind,
                    "cui": row.cui,
                    "period_start": row.period_start,
                    "period_end": row.period_end,
                    "segments": stored,
                    "findings": {"fatal": fatal, "warning": warning},
                },
                tid=row.tid,
                aggregate_id=row.id,
                correlation_id=row.correlation_id,
            )
        log.info("saft_report_built", report=str(report_id), status=row.status, segments=len(files))
        return summary(row)


def validate_stored(ctx: Context, tid: uuid.UUID, key: str) -> list[dict[str, str]]:
    """Findings for a D406 file already in storage under the tenant's ``saft/<tid>/`` prefix."""
    if not key.startswith(f"saft/{tid}/"):
        raise Problem("the key is not one of this tenant's SAF-T files", status=403, code="forbidden")
    return [f.as_dict() for f in check(ctx.storage.for_tenant(tid).get(key), ctx.settings)]


def ledger_json_schema() -> str:
    return json.dumps(Ledger.model_json_schema(), indent=2)
