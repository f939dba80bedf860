"""Declaring transports to ANAF: validate, record, upload (idempotently), confirm the UIT.

* ``create`` validates a declaration (our rules; the XSD too when ``GENIUS_ETRANSPORT_XSD`` points at
  it) and records it under an idempotency key (by default the SHA-256 of the XML and the CIF): the
  same key again returns the first row. A declaration with fatal findings is refused (422) with them.
* ``upload`` commits ``uploading`` before calling ANAF, then records the outcome: ``uploaded`` with the
  upload index and the UIT — whose check digits are verified (BR-019; a wrong one → ``uit_invalid``)
  — or ``xml_errors``. A timeout leaves ``unknown``: the next attempt looks for the upload in ANAF's
  ``lista`` (an upload index none of our rows knows, with our ``refDeclarant`` when we sent one)
  before uploading again, and only after ``unknown_grace`` does it upload again.
* ``poll`` reads ``stareMesaj``: ``ok`` → ``valid``; for a notification the UIT's validity window is
  recorded (``validity``) and ``wms.shipment.etransport_code`` is published (a correction, ``corectie``,
  keeps the UIT it corrects: the event carries it again with the corrected window); a deletion marks the
  notifications it deletes ``deleted`` and publishes ``anaf.etransport.deleted``. ``nok`` /
  ``XML cu erori`` → ``anaf.etransport.rejected``.

Events are written in the same tenant transaction as the state change, with the declaration's
correlation id.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import structlog
from sqlalchemy.orm import Session

from genius.compliance.common.backoff import poll_until
from genius.compliance.common.errors import AnafApiError, AnafTimeout, OAuthError
from genius.compliance.common.lifecycle import touch
from genius.compliance.common.oauth import TokenStore, token_provider
from genius.compliance.etransport import codes, repository
from genius.compliance.etransport import events as _events  # noqa: F401  (registers the topics)
from genius.compliance.etransport.applicability import Applicability, ShipmentLine, requires_etransport
from genius.compliance.etransport.applicability import is_high_risk as _is_high_risk
from genius.compliance.etransport.build import from_xml, to_xml
from genius.compliance.etransport.client import ETransportClient, UploadResult
from genius.compliance.etransport.declaration import INBOUND_OPERATIONS
from genius.compliance.etransport.declaration import Declaration as DeclarationModel
from genius.compliance.etransport.models import FINAL_STATES, Declaration
from genius.compliance.etransport.rules import validate
from genius.compliance.etransport.uit import is_valid_uit
from genius.config import Settings
from genius.core.db.session import Database
from genius.core.events.service import defer, publish
from genius.core.kit.crypto import sha256_hex
from genius.core.kit.errors import Conflict, NotFound, Problem
from genius.core.kit.ratelimit import RateLimiter
from genius.core.platform import Platform

log = structlog.get_logger("genius.etransport")

MAX_XML_BYTES = 5 * 1024 * 1024
RECONCILE_SLACK = timedelta(minutes=5)
VALID_DAYS_DOMESTIC_START = 5
VALID_DAYS_FOREIGN_START = 15


class InvalidDeclaration(Problem):
    status, code, title = 422, "etransport-invalid", "Invalid e-Transport declaration"


def xsd_path_of(settings: Settings) -> Path | None:
    """The optional official XSD (``GENIUS_ETRANSPORT_XSD``); the product works without it."""
    value = getattr(settings, "etransport_xsd", None)
    return Path(value) if value else None


def validity(operation_type: str | None, transport_date: date) -> tuple[date, date]:
    """The UIT's validity window: from the transport date, 5 days (15 when the route starts abroad)."""
    days = VALID_DAYS_FOREIGN_START if operation_type in INBOUND_OPERATIONS else VALID_DAYS_DOMESTIC_START
    return transport_date, transport_date + timedelta(days=days)


@dataclass
class Context:
    """What the service needs besides the session (built by the API and the tasks)."""

    db: Database
    settings: Settings
    limiter: RateLimiter | None = None
    http: httpx.Client | None = None
    timeout: float | None = None
    unknown_grace: timedelta = timedelta(hours=2)
    sleep: Callable[[float], None] = field(default=time.sleep)

    def client(self, tid: uuid.UUID) -> ETransportClient:
        """A client authorized with the tenant's ANAF OAuth token (``common.oauth``, as e-Factura's)."""
        token = token_provider(self.db, self.settings, tid, self.http)
        return ETransportClient(
            self.settings, token, http=self.http, limiter=self.limiter, timeout=self.timeout, sleep=self.sleep
        )


def _now() -> datetime:
    return datetime.now(UTC)


def summary(row: Declaration) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "kind": row.kind,
        "state": row.state,
        "cif": row.cif,
        "shipment_ref": row.shipment_ref,
        "ref_declarant": row.ref_declarant,
        "operation_type": row.operation_type,
        "target_uit": row.target_uit,
        "index_incarcare": row.index_incarcare,
        "uit": row.uit,
        "uit_issued_at": row.uit_issued_at.isoformat() if row.uit_issued_at else None,
        "uit_valid_from": row.uit_valid_from.isoformat() if row.uit_valid_from else None,
        "uit_valid_until": row.uit_valid_until.isoformat() if row.uit_valid_until else None,
        "errors": list(row.errors or []),
        "warnings": list(row.warnings or []),
        "attempts": row.attempts,
        "xml_sha256": row.xml_sha256,
        "correlation_id": row.correlation_id,
        "created_at": row.created_at.isoformat() if row.created_at else None,
        "updated_at": row.updated_at.isoformat() if row.updated_at else None,
    }


# --- create ------------------------------------------------------------------------------------------------
def check(xml: bytes, settings: Settings | None = None) -> list[dict[str, str]]:
    """Every finding for the XML (``rule``, ``severity``, ``location``, ``message``)."""
    xsd = xsd_path_of(settings) if settings is not None else None
    return [f.as_dict() for f in validate(xml, xsd)]


def create(
    session: Session,
    tid: uuid.UUID,
    declaration: DeclarationModel | bytes,
    *,
    settings: Settings | None = None,
    shipment_ref: str | None = None,
    idempotency_key: str | None = None,
    correlation_id: str | None = None,
) -> tuple[Declaration, bool]:
    """Validate and record a declaration to upload; the same key again returns the first row."""
    xml = to_xml(declaration) if isinstance(declaration, DeclarationModel) else declaration
    if not xml.strip():
        raise InvalidDeclaration("the declaration XML is empty")
    if len(xml) > MAX_XML_BYTES:
        raise InvalidDeclaration("the declaration is larger than 5 MB, ANAF's limit")
    findings = check(xml, settings)
    if any(f["severity"] == "fatal" for f in findings):
        raise InvalidDeclaration("the declaration has errors", findings=findings)
    try:
        model = declaration if isinstance(declaration, DeclarationModel) else from_xml(xml)
    except ValueError as exc:
        raise InvalidDeclaration(str(exc)) from None
    cif = model.declarant_code
    xml_hash = sha256_hex(xml)
    key = idempotency_key or sha256_hex(f"{xml_hash}|{cif}".encode())
    if len(key) > 128:
        raise InvalidDeclaration("the idempotency key is longer than 128 characters")
    existing = repository.declarations.by_key(session, tid, key)
    if existing is not None:
        if existing.xml_sha256 != xml_hash:
            raise Conflict("This idempotency key was used for a different declaration.")
        return existing, False
    notification = model.notification
    row = Declaration(
        id=uuid.uuid4(),
        tid=tid,
        idempotency_key=key,
        kind=model.kind,
        cif=cif,
        ref_declarant=model.declarant_ref,
        shipment_ref=shipment_ref,
        operation_type=notification.operation_type if notification else None,
        target_uit=model.target_uit,
        xml=xml.decode("utf-8"),
        xml_sha256=xml_hash,
        state="pending",
        errors=[],
        warnings=[f for f in findings if f["severity"] == "warning"],
        attempts=0,
        polls=0,
        correlation_id=correlation_id or uuid.uuid4().hex,
        transport_date=notification.transport.transport_date if notification else None,
        created_at=_now(),
        updated_at=_now(),
    )
    repository.declarations.add(session, row)
    return row, True


def get(session: Session, tid: uuid.UUID, declaration_id: uuid.UUID) -> Declaration:
    row = repository.declarations.get(session, tid, declaration_id)
    if row is None:
        raise NotFound(f"No e-Transport declaration {declaration_id}.")
    return row


def _locked(session: Session, tid: uuid.UUID, declaration_id: uuid.UUID) -> Declaration:
    row = repository.declarations.locked(session, tid, declaration_id)
    if row is None:
        raise NotFound(f"No e-Transport declaration {declaration_id}.")
    return row


def _rejected(session: Session, row: Declaration, stage: str) -> None:
    publish(
        session,
        "anaf.etransport.rejected",
        {
            "declaration_id": row.id,
            "shipment_ref": row.shipment_ref,
            "cif": row.cif,
            "kind": row.kind,
            "stage": stage,
            "index_incarcare": row.index_incarcare,
            "uit": row.uit,
            "messages": list(row.errors or []),
        },
        tid=row.tid,
        aggregate_id=row.id,
        correlation_id=row.correlation_id,
    )


def _record_upload(session: Session, row: Declaration, reply: UploadResult) -> None:
    if not (reply.ok and reply.index_incarcare):
        touch(row, "xml_errors", reply.errors or ["ANAF refused the upload"])
        _rejected(session, row, "upload")
        return
    row.index_incarcare = reply.index_incarcare
    row.uit = reply.uit
    row.uploaded_at = _now()
    if reply.warning:
        row.warnings = [*list(row.warnings or []), {"rule": "ANAF", "message": reply.warning}]
    if row.kind == "notificare" and not reply.uit_ok:
        touch(row, "uit_invalid", [f"the UIT {reply.uit!r} ANAF returned fails its check digits (BR-019)"])
        _rejected(session, row, "uit")
        return
    touch(row, "uploaded", [])


# --- upload ------------------------------------------------------------------------------------------------
def _reconcile(ctx: Context, tid: uuid.UUID, declaration_id: uuid.UUID, client: ETransportClient) -> str:
    """After a timeout: find the earlier upload in ANAF's list. Returns the new state."""
    with ctx.db.tenant_session(tid) as session:
        row = _locked(session, tid, declaration_id)
        started = row.upload_started_at or row.created_at
        cif, ref = row.cif, row.ref_declarant
        known = repository.declarations.known_upload_indexes(session, tid)
    age = _now() - started
    listing = client.messages(max(1, min(60, age.days + 1)), cif)
    since = (started - RECONCILE_SLACK).replace(second=0, microsecond=0)
    candidates = [
        m
        for m in listing.messages
        if m.id_incarcare.lstrip("0") not in {k.lstrip("0") for k in known if k}
        and (m.data_creare is None or m.data_creare >= since)
        and (ref is None or m.ref_decl in (None, ref))
    ]
    if len(candidates) == 1:
        found = candidates[0]
        with ctx.db.tenant_session(tid) as session:
            row = _locked(session, tid, declaration_id)
            reply = UploadResult(
                ok=not found.errors,
                index_incarcare=found.id_incarcare.lstrip("0") or found.id_incarcare,
                uit=found.uit,
                uit_ok=bool(found.uit) and is_valid_uit(found.uit or ""),
                errors=found.errors,
            )
            _record_upload(session, row, reply)
            log.info("etransport_reconciled", declaration=str(row.id), index=row.index_incarcare)
            return row.state
    with ctx.db.tenant_session(tid) as session:
        row = _locked(session, tid, declaration_id)
        if age >= ctx.unknown_grace:
            touch(row, "pending", [f"upload of {started.isoformat()} not found at ANAF; uploading again"])
            return "pending"
        touch(row, "unknown")
        return "unknown"


def upload(ctx: Context, tid: uuid.UUID, declaration_id: uuid.UUID) -> dict[str, Any]:
    """Upload once (or reconcile an earlier attempt that timed out). Returns the summary."""
    client = ctx.client(tid)
    with ctx.db.tenant_session(tid) as session:
        state = _locked(session, tid, declaration_id).state
    if state in ("unknown", "uploading"):
        state = _reconcile(ctx, tid, declaration_id, client)
    if state != "pending":
        with ctx.db.tenant_session(tid) as session:
            return summary(get(session, tid, declaration_id))

    with ctx.db.tenant_session(tid) as session:
        row = _locked(session, tid, declaration_id)
        if row.state != "pending":
            return summary(row)
        row.attempts += 1
        row.upload_started_at = _now()
        touch(row, "uploading")
        xml, cif = row.xml.encode(), row.cif

    try:
        reply = client.upload(xml, cif)
    except AnafTimeout:
        with ctx.db.tenant_session(tid) as session:
            row = _locked(session, tid, declaration_id)
            touch(row, "unknown", ["the upload timed out; ANAF may have received it"])
            return summary(row)
    except (AnafApiError, OAuthError) as exc:
        with ctx.db.tenant_session(tid) as session:
            row = _locked(session, tid, declaration_id)
            permanent = isinstance(exc, OAuthError) and exc.kind in ("config", "not_connected")
            touch(row, "failed" if permanent else "pending", [str(exc)])
        raise

    with ctx.db.tenant_session(tid) as session:
        row = _locked(session, tid, declaration_id)
        _record_upload(session, row, reply)
        return summary(row)


# --- status ------------------------------------------------------------------------------------------------
def poll(ctx: Context, tid: uuid.UUID, declaration_id: uuid.UUID) -> dict[str, Any]:
    """One ``stareMesaj``; final states are recorded with their event."""
    with ctx.db.tenant_session(tid) as session:
        row = get(session, tid, declaration_id)
        if row.state in FINAL_STATES or row.state != "uploaded" or not row.index_incarcare:
            return summary(row)
        index = row.index_incarcare
    status = ctx.client(tid).status(index)
    with ctx.db.tenant_session(tid) as session:
        row = _locked(session, tid, declaration_id)
        row.polls += 1
        if row.state != "uploaded":
            return summary(row)
        if status.state == "in_progress":
            row.updated_at = _now()
            return summary(row)
        if status.state != "ok":
            final = "nok" if status.state == "nok" else "xml_errors"
            touch(row, final, status.errors or [f"ANAF: {status.state}"])
            _rejected(session, row, "processing")
            return summary(row)
        touch(row, "valid", [])
        if row.kind == "notificare" and row.uit:
            row.uit_issued_at = _now()
            start = row.transport_date or row.uit_issued_at.date()
            row.uit_valid_from, row.uit_valid_until = validity(row.operation_type, start)
            publish(
                session,
                "wms.shipment.etransport_code",
                {
                    "declaration_id": row.id,
                    "shipment_ref": row.shipment_ref,
                    "cif": row.cif,
                    "uit": row.uit,
                    "index_incarcare": index,
                    "operation_type": row.operation_type,
                    "transport_date": row.transport_date,
                    "valid_from": row.uit_valid_from,
                    "valid_until": row.uit_valid_until,
                },
                tid=row.tid,
                aggregate_id=row.id,
                correlation_id=row.correlation_id,
            )
        elif row.kind == "stergere" and row.target_uit:
            deleted = []
            for original in repository.notifications_with_uit(session, tid, row.target_uit, besides=row.id):
                touch(original, "deleted")
                deleted.append(original.id)
            publish(
                session,
                "anaf.etransport.deleted",
                {
                    "declaration_id": row.id,
                    "shipment_ref": row.shipment_ref,
                    "cif": row.cif,
                    "uit": row.target_uit,
                    "index_incarcare": index,
                    "deleted": deleted,
                },
                tid=row.tid,
                aggregate_id=row.id,
                correlation_id=row.correlation_id,
            )
        return summary(row)


def follow(
    ctx: Context,
    tid: uuid.UUID,
    declaration_id: uuid.UUID,
    *,
    initial: float = 2.0,
    factor: float = 2.0,
    max_delay: float = 60.0,
    max_polls: int = 20,
) -> dict[str, Any]:
    """Poll with exponential backoff until the state is final (or ``max_polls``)."""
    return poll_until(
        lambda: poll(ctx, tid, declaration_id),
        lambda result: result["state"] == "uploaded",
        ctx.sleep,
        initial=initial,
        factor=factor,
        max_delay=max_delay,
        max_polls=max_polls,
    )


# --- for the business modules (sales' orders): the public surface they call ------------------------------
SUBMIT_TASK = "anaf.etransport.submit"
REJECTED_STATES = frozenset({"nok", "xml_errors", "uit_invalid", "failed", "deleted"})


def context_for(platform: Platform) -> Context:
    """The service context of a web process (the API's, with the platform's Redis rate limiter)."""
    return Context(
        db=platform.db,
        settings=platform.settings,
        limiter=RateLimiter(platform.redis, prefix="genius:anaf:") if platform.redis is not None else None,
    )


def is_high_risk(tariff_code: str | None) -> bool:
    """Whether goods of this CN code are of high fiscal risk (ANAF's list, ``applicability``)."""
    return _is_high_risk(tariff_code)


def applicability(lines: list[ShipmentLine], operation_type: str = "30") -> Applicability:
    """Whether a shipment of these lines must be declared, and why (``applicability.requires_etransport``)."""
    return requires_etransport(lines, operation_type)


def county_code(county: str | None) -> int | None:
    """ANAF's county code (``codJudet``) of a county name or abbreviation; ``None`` when it names none."""
    return codes.county_code(county)


def create_and_queue(
    session: Session,
    tid: uuid.UUID,
    declaration: DeclarationModel,
    *,
    settings: Settings | None = None,
    shipment_ref: str | None = None,
    idempotency_key: str | None = None,
    correlation_id: str | None = None,
    queue: bool = True,
) -> tuple[Declaration, bool]:
    """``create`` and, when it recorded a new declaration, its upload as an outbox task of the same
    transaction (``anaf.etransport.submit``: a broker outage only delays it). The same key again queues
    nothing. ``queue=False`` records it only (the caller uploads it itself, e.g. the demo)."""
    row, created = create(
        session,
        tid,
        declaration,
        settings=settings,
        shipment_ref=shipment_ref,
        idempotency_key=idempotency_key,
        correlation_id=correlation_id,
    )
    if created and queue:
        defer(session, SUBMIT_TASK, tid=tid, args=[str(tid), str(row.id)])
    return row, created


def queue_upload(session: Session, tid: uuid.UUID, declaration_id: uuid.UUID) -> bool:
    """Queue the upload of a pending declaration (outbox task of the caller's transaction); False when
    it is not pending (uploaded, or being uploaded)."""
    if get(session, tid, declaration_id).state != "pending":
        return False
    defer(session, SUBMIT_TASK, tid=tid, args=[str(tid), str(declaration_id)])
    return True


def summaries(session: Session, tid: uuid.UUID, ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """``summary`` of each of the tenant's declarations among ``ids`` (one statement)."""
    return {k: summary(v) for k, v in repository.declarations_by_id(session, tid, ids).items()}


def connected(session: Session, tid: uuid.UUID, settings: Settings) -> bool:
    """Whether the tenant has connected its ANAF account (an OAuth token is stored)."""
    return bool(TokenStore(settings).status(session, tid).get("connected"))


def upload_and_follow(
    ctx: Context, tid: uuid.UUID, declaration_id: uuid.UUID, *, max_polls: int = 10
) -> dict[str, Any]:
    """Upload now and follow the status to its end (the worker's two tasks in one call, for a caller
    that waits: the demo). Left as it is when the tenant has no ANAF connection."""
    with ctx.db.tenant_session(tid) as session:
        if not connected(session, tid, ctx.settings):
            return summary(get(session, tid, declaration_id))
    upload(ctx, tid, declaration_id)
    return follow(ctx, tid, declaration_id, initial=0.5, max_delay=2.0, max_polls=max_polls)
