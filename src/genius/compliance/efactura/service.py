"""Submitting invoices to ANAF with an idempotency guard, following them, archiving the replies.

The guard: ``submit`` writes a ``Submission`` row keyed by (tenant, idempotency key — by default the
SHA-256 of the XML and its upload parameters) *before* anything is sent. ``upload`` commits the state
``uploading`` before calling ANAF, then records the outcome in a second transaction:

* a reply → ``uploaded`` (with ``index_incarcare``; event ``anaf.efactura.submitted``) or
  ``xml_errors`` (refused at upload; event ``anaf.efactura.rejected``);
* a timeout (or a crash mid-call, which leaves ``uploading``) → ``unknown``. The next attempt does
  not upload again: it first looks for the upload in ``listaMesajeFactura`` (messages of the CIF since
  the attempt that ANAF lists for an upload index none of our submissions knows; several candidates
  are told apart by downloading them and comparing the invoice). Found → ``uploaded`` with that
  index. Not found → still ``unknown`` until ``unknown_grace`` has passed since the attempt (ANAF
  lists an upload only once processed), after which uploading again is the right thing to do.

``poll`` reads ``stareMesaj``: ``ok`` → ``anaf.efactura.accepted``; ``nok`` → the ZIP with ANAF's
error report is downloaded and archived and ``anaf.efactura.rejected`` carries its messages.
Events are written in the same tenant transaction as the state change, with the submission's
correlation id.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import structlog
from lxml import etree
from sqlalchemy.orm import Session

from genius.compliance.common.backoff import poll_until
from genius.compliance.common.errors import AnafApiError, AnafTimeout, OAuthError
from genius.compliance.common.findings import Finding
from genius.compliance.common.lifecycle import touch
from genius.compliance.common.oauth import token_provider
from genius.compliance.efactura import archive, repository
from genius.compliance.efactura import events as _events  # noqa: F401  (registers the topics)
from genius.compliance.efactura.client import STANDARDS, EFacturaClient
from genius.compliance.efactura.invoice import Invoice
from genius.compliance.efactura.models import FINAL_STATES, ArchivedZip, Submission
from genius.compliance.efactura.replies import Message, StatusReply, parse_error_report
from genius.compliance.efactura.signature import split_zip
from genius.config import Settings
from genius.core.db.session import Database
from genius.core.events.service import defer, publish
from genius.core.kit.crypto import sha256_hex
from genius.core.kit.errors import Conflict, NotFound, Problem, ServiceUnavailable
from genius.core.kit.ratelimit import RateLimiter
from genius.core.storage import TenantFiles, tenant_files_from_settings

if TYPE_CHECKING:
    from genius.core.platform import Platform

log = structlog.get_logger("genius.efactura")

MAX_XML_BYTES = 10 * 1024 * 1024  # ANAF refuses larger files
RECONCILE_SLACK = timedelta(minutes=5)
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


class InvalidSubmission(Problem):
    status, code, title = 422, "efactura-invalid", "Invalid e-Factura submission"


class AnafUnavailable(Problem):
    status, code, title = 502, "anaf-error", "ANAF refused or failed the request"


def anaf_problem(exc: AnafApiError | OAuthError) -> Problem:
    """What an API answers when ANAF (or the tenant's connection to it) failed a request."""
    if isinstance(exc, OAuthError):
        if exc.kind in ("not_connected", "config", "state"):
            return Problem(
                str(exc), status=409, code="anaf-not-connected", title="ANAF account not connected"
            )
        return ServiceUnavailable(str(exc), headers={"Retry-After": "60"})
    error = exc.error
    if error.kind in ("rate_limited", "limit"):
        retry = str(int(error.retry_after or 60))
        return Problem(
            error.message,
            status=429,
            code="anaf-limit",
            title="ANAF limit reached",
            headers={"Retry-After": retry},
        )
    if error.retryable:
        return ServiceUnavailable(f"ANAF is unavailable: {error.message}", headers={"Retry-After": "30"})
    if error.kind == "not_found":
        return Problem(error.message, status=404, code="anaf-not-found", title="Not found at ANAF")
    return AnafUnavailable(error.message, anaf_kind=error.kind)


@dataclass
class Context:
    """What the service needs besides the database session (built by the API and the tasks)."""

    db: Database
    settings: Settings
    storage: TenantFiles  # files are read and written per tenant (storage.for_tenant)
    limiter: RateLimiter | None = None
    http: httpx.Client | None = None
    timeout: float | None = None
    certs_dir: Path | None = None
    unknown_grace: timedelta = timedelta(hours=2)
    sleep: Callable[[float], None] = field(default=time.sleep)

    def client(self, tid: uuid.UUID) -> EFacturaClient:
        token = token_provider(self.db, self.settings, tid, self.http)
        return EFacturaClient(
            self.settings, token, http=self.http, limiter=self.limiter, timeout=self.timeout, sleep=self.sleep
        )


def context_for(platform: Platform) -> Context:
    """The service's context in the API process (the workers build theirs in ``tasks``)."""
    return Context(
        db=platform.db,
        settings=platform.settings,
        storage=tenant_files_from_settings(platform.settings),
        certs_dir=platform.settings.efactura_certs_dir,
        # the same buckets as the workers (tasks.context): ANAF's limits are per CUI/message, not per process
        limiter=RateLimiter(platform.redis, prefix="genius:anaf:") if platform.redis is not None else None,
    )


def _now() -> datetime:
    return datetime.now(UTC)


def _c14n_hash(xml: bytes) -> str | None:
    try:
        return hashlib.sha256(etree.tostring(etree.fromstring(xml, _PARSER), method="c14n")).hexdigest()
    except (etree.XMLSyntaxError, ValueError):
        return None


def summary(sub: Submission) -> dict[str, Any]:
    return {
        "id": str(sub.id),
        "state": sub.state,
        "cif": sub.cif,
        "standard": sub.standard,
        "b2c": sub.b2c,
        "index_incarcare": sub.index_incarcare,
        "id_descarcare": sub.id_descarcare,
        "errors": list(sub.errors or []),
        "attempts": sub.attempts,
        "xml_sha256": sub.xml_sha256,
        "correlation_id": sub.correlation_id,
        "created_at": sub.created_at.isoformat() if sub.created_at else None,
        "updated_at": sub.updated_at.isoformat() if sub.updated_at else None,
    }


# --- submit ----------------------------------------------------------------------------------------------
def submit(
    session: Session,
    tid: uuid.UUID,
    xml: bytes,
    cif: str,
    standard: str = "UBL",
    *,
    extern: bool = False,
    autofactura: bool = False,
    b2c: bool = False,
    idempotency_key: str | None = None,
    correlation_id: str | None = None,
) -> tuple[Submission, bool]:
    """Record an invoice to upload; the same key again returns the first row (``created`` False).
    ``b2c``: an invoice to an individual (buyer identified by CNP or ANAF's thirteen zeros), uploaded
    through ANAF's ``uploadb2c`` instead of ``upload``."""
    if standard not in STANDARDS:
        raise InvalidSubmission(f"standard must be one of {', '.join(STANDARDS)}")
    cif = cif.strip().upper().removeprefix("RO")
    if not cif.isdigit() or not 2 <= len(cif) <= 13:
        raise InvalidSubmission("cif must be the numeric fiscal code (CUI/CIF) of the sender")
    if not xml.strip():
        raise InvalidSubmission("the invoice XML is empty")
    if len(xml) > MAX_XML_BYTES:
        raise InvalidSubmission("the invoice XML is larger than 10 MB, ANAF's limit")
    try:
        etree.fromstring(xml, _PARSER)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise InvalidSubmission(f"the body is not well-formed XML: {exc}") from None
    xml_hash = sha256_hex(xml)
    # "|b2c" only when set: the keys of the submissions made before the flag existed stay the same
    key = idempotency_key or sha256_hex(
        f"{xml_hash}|{cif}|{standard}|{int(extern)}|{int(autofactura)}{'|b2c' if b2c else ''}".encode()
    )
    if len(key) > 128:
        raise InvalidSubmission("the idempotency key is longer than 128 characters")
    existing = repository.submissions.by_key(session, tid, key)
    if existing is not None:
        if existing.xml_sha256 != xml_hash:
            raise Conflict("This idempotency key was used for a different invoice XML.")
        return existing, False
    try:
        text = xml.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidSubmission("the invoice XML must be UTF-8") from None
    sub = Submission(
        id=uuid.uuid4(),
        tid=tid,
        idempotency_key=key,
        xml_sha256=xml_hash,
        xml=text,
        cif=cif,
        standard=standard,
        extern=extern,
        autofactura=autofactura,
        b2c=b2c,
        state="pending",
        errors=[],
        attempts=0,
        polls=0,
        correlation_id=correlation_id or uuid.uuid4().hex,
        created_at=_now(),
        updated_at=_now(),
    )
    repository.submissions.add(session, sub)
    return sub, True


def get_submission(session: Session, tid: uuid.UUID, submission_id: uuid.UUID) -> Submission:
    sub = repository.submissions.get(session, tid, submission_id)
    if sub is None:
        raise NotFound(f"No e-Factura submission {submission_id}.")
    return sub


def _locked(session: Session, tid: uuid.UUID, submission_id: uuid.UUID) -> Submission:
    sub = repository.submissions.locked(session, tid, submission_id)
    if sub is None:
        raise NotFound(f"No e-Factura submission {submission_id}.")
    return sub


def _event(session: Session, sub: Submission, topic: str, data: dict[str, Any]) -> None:
    publish(
        session,
        topic,
        {"submission_id": sub.id, "cif": sub.cif, **data},
        tid=sub.tid,
        aggregate_id=sub.id,
        correlation_id=sub.correlation_id,
    )


def _adopt(ctx: Context, tid: uuid.UUID, submission_id: uuid.UUID, index: str, how: str) -> None:
    with ctx.db.tenant_session(tid) as session:
        sub = _locked(session, tid, submission_id)
        sub.index_incarcare = index
        sub.uploaded_at = sub.uploaded_at or _now()
        touch(sub, "uploaded", [])
        _event(
            session,
            sub,
            "anaf.efactura.submitted",
            {"standard": sub.standard, "index_incarcare": index, "xml_sha256": sub.xml_sha256},
        )
        log.info("efactura_uploaded", submission=str(sub.id), index=index, how=how)


# --- upload ------------------------------------------------------------------------------------------------
def _reconcile(ctx: Context, tid: uuid.UUID, submission_id: uuid.UUID, client: EFacturaClient) -> str:
    """After a timeout: find the earlier upload at ANAF. Returns the new state."""
    with ctx.db.tenant_session(tid) as session:
        sub = _locked(session, tid, submission_id)
        started = sub.upload_started_at or sub.created_at
        cif, xml = sub.cif, sub.xml.encode()
        known = repository.submissions.known_upload_indexes(session, tid)
    age = _now() - started
    zile = max(1, min(60, age.days + 1))
    listing = client.messages(zile, cif)
    since = started - RECONCILE_SLACK
    candidates: list[Message] = [
        m
        for m in listing.messages
        if m.id_solicitare
        and m.id_solicitare not in known
        and m.kind in ("sent", "errors")
        and (m.data_creare is None or m.data_creare >= since.replace(second=0, microsecond=0))
    ]
    unique = {m.id_solicitare for m in candidates}
    if len(unique) > 1:
        # Several unknown uploads of this CIF: compare the signed invoices with ours.
        ours = _c14n_hash(xml)
        matched = set()
        for m in candidates:
            if m.kind != "sent":
                continue
            with ctx.db.tenant_session(tid) as session:
                _, data = archive.fetch(
                    session, ctx.storage, tid, m.id, client.download, certs_dir=ctx.certs_dir
                )
            _, document, _, _, _ = split_zip(data)
            if document is not None and _c14n_hash(document) == ours:
                matched.add(m.id_solicitare)
        unique = {u for u in matched if u}
    if len(unique) == 1:
        index = next(iter(unique))
        assert index is not None
        _adopt(ctx, tid, submission_id, index, "reconciled")
        return "uploaded"
    with ctx.db.tenant_session(tid) as session:
        sub = _locked(session, tid, submission_id)
        if age >= ctx.unknown_grace:
            # ANAF lists an upload once processed; this long after the attempt it never arrived.
            touch(sub, "pending", [f"upload of {started.isoformat()} not found at ANAF; uploading again"])
            return "pending"
        touch(sub, "unknown")
        return "unknown"


def upload(ctx: Context, tid: uuid.UUID, submission_id: uuid.UUID) -> dict[str, Any]:
    """Upload once (or reconcile an earlier attempt). Returns the submission's summary."""
    client = ctx.client(tid)
    with ctx.db.tenant_session(tid) as session:
        sub = _locked(session, tid, submission_id)
        state = sub.state
    if state in ("unknown", "uploading"):
        try:
            state = _reconcile(ctx, tid, submission_id, client)
        except (AnafApiError, OAuthError) as exc:
            log.warning("efactura_reconcile_failed", submission=str(submission_id), error=str(exc))
            raise
    if state != "pending":
        with ctx.db.tenant_session(tid) as session:
            return summary(get_submission(session, tid, submission_id))

    # 1. Commit "uploading" before the call: a timeout or a crash leaves evidence behind.
    with ctx.db.tenant_session(tid) as session:
        sub = _locked(session, tid, submission_id)
        if sub.state != "pending":
            return summary(sub)
        sub.attempts += 1
        sub.upload_started_at = _now()
        touch(sub, "uploading")
        xml, cif, standard = sub.xml.encode(), sub.cif, sub.standard
        extern, autofactura, b2c = sub.extern, sub.autofactura, sub.b2c

    # 2. The call, outside any transaction.
    try:
        reply = client.upload(
            xml,
            cif,
            standard,  # type: ignore[arg-type]
            extern=extern,
            autofactura=autofactura,
            b2c=b2c,
        )
    except AnafTimeout:
        with ctx.db.tenant_session(tid) as session:
            sub = _locked(session, tid, submission_id)
            touch(sub, "unknown", ["the upload timed out; ANAF may have received it"])
            return summary(sub)
    except (AnafApiError, OAuthError) as exc:
        # Refused before ANAF read it (token, 429, 5xx, firewall): safe to upload again later.
        with ctx.db.tenant_session(tid) as session:
            sub = _locked(session, tid, submission_id)
            permanent = isinstance(exc, OAuthError) and exc.kind in ("config", "not_connected")
            if permanent:
                _fail(session, sub, str(exc))
            else:
                touch(sub, "pending", [str(exc)])
        raise

    # 3. The outcome, with its event, in one transaction.
    with ctx.db.tenant_session(tid) as session:
        sub = _locked(session, tid, submission_id)
        if reply.ok and reply.index_incarcare:
            sub.index_incarcare = reply.index_incarcare
            sub.uploaded_at = _now()
            touch(sub, "uploaded", [])
            _event(
                session,
                sub,
                "anaf.efactura.submitted",
                {
                    "standard": sub.standard,
                    "index_incarcare": reply.index_incarcare,
                    "xml_sha256": sub.xml_sha256,
                },
            )
        else:
            touch(sub, "xml_errors", reply.errors or ["ANAF refused the upload"])
            _event(session, sub, "anaf.efactura.rejected", {"stage": "upload", "messages": list(sub.errors)})
        return summary(sub)


def _fail(session: Session, sub: Submission, reason: str) -> None:
    touch(sub, "failed", [reason])
    _event(
        session,
        sub,
        "anaf.efactura.failed",
        {"stage": "upload", "reason": reason, "attempts": sub.attempts},
    )
    log.warning("efactura_upload_failed", submission=str(sub.id), reason=reason)


def give_up(ctx: Context, tid: uuid.UUID, submission_id: uuid.UUID, reason: str) -> dict[str, Any]:
    """The upload task ran out of retries: a submission still ``pending`` (ANAF never received it)
    becomes ``failed`` with its event. Any other state is left alone (``unknown`` may yet be found at
    ANAF; a final state is final)."""
    with ctx.db.tenant_session(tid) as session:
        sub = _locked(session, tid, submission_id)
        if sub.state == "pending":
            _fail(session, sub, reason)
        return summary(sub)


# --- status ------------------------------------------------------------------------------------------------
def poll(ctx: Context, tid: uuid.UUID, submission_id: uuid.UUID) -> dict[str, Any]:
    """One ``stareMesaj`` call; final states are recorded with their event."""
    with ctx.db.tenant_session(tid) as session:
        sub = get_submission(session, tid, submission_id)
        if sub.state in FINAL_STATES or not sub.index_incarcare:
            return summary(sub)
        index = sub.index_incarcare
    client = ctx.client(tid)
    status: StatusReply = client.status(index)
    messages: list[str] = list(status.errors)
    if status.state == "nok" and status.id_descarcare:
        try:
            with ctx.db.tenant_session(tid) as session:
                _, data = archive.fetch(
                    session, ctx.storage, tid, status.id_descarcare, client.download, certs_dir=ctx.certs_dir
                )
            _, document, _, _, _ = split_zip(data)
            report = parse_error_report(document) if document else None
            if report is not None and report.errors:
                messages = report.errors
        except (AnafApiError, Problem) as exc:
            log.warning("efactura_error_report_unavailable", index=index, error=str(exc))
    with ctx.db.tenant_session(tid) as session:
        sub = _locked(session, tid, submission_id)
        sub.polls += 1
        if sub.state in FINAL_STATES:
            return summary(sub)
        if status.state == "in_progress":
            sub.updated_at = _now()
        elif status.state == "ok":
            sub.id_descarcare = status.id_descarcare
            touch(sub, "ok", [])
            _event(
                session,
                sub,
                "anaf.efactura.accepted",
                {"index_incarcare": index, "id_descarcare": status.id_descarcare},
            )
        else:
            sub.id_descarcare = status.id_descarcare
            final = "nok" if status.state == "nok" else "xml_errors"
            touch(sub, final, messages or [f"ANAF: {status.state}"])
            _event(
                session,
                sub,
                "anaf.efactura.rejected",
                {
                    "stage": "processing",
                    "index_incarcare": index,
                    "id_descarcare": status.id_descarcare,
                    "messages": list(sub.errors),
                },
            )
        return summary(sub)


def follow(
    ctx: Context,
    tid: uuid.UUID,
    submission_id: uuid.UUID,
    *,
    initial: float = 2.0,
    factor: float = 2.0,
    max_delay: float = 60.0,
    max_polls: int = 20,
) -> dict[str, Any]:
    """Poll with exponential backoff until the state is final (or ``max_polls``)."""
    return poll_until(
        lambda: poll(ctx, tid, submission_id),
        lambda result: result["state"] not in FINAL_STATES,
        ctx.sleep,
        initial=initial,
        factor=factor,
        max_delay=max_delay,
        max_polls=max_polls,
    )


# --- downloads ---------------------------------------------------------------------------------------
def signed_zip(platform: Platform, tid: uuid.UUID, id_descarcare: str) -> bytes:
    """ANAF's signed ZIP of a message, for a business module's page or API (from the archive once
    fetched); ANAF's failures are problems (409 not connected, 429, 502/503)."""
    try:
        _, data = download(context_for(platform), tid, id_descarcare)
    except (AnafApiError, OAuthError) as exc:
        raise anaf_problem(exc) from exc
    return data


def download(
    ctx: Context, tid: uuid.UUID, id_descarcare: str, *, refresh: bool = False
) -> tuple[ArchivedZip, bytes]:
    """The ZIP of a message, from the archive or (once) from ANAF."""
    if not id_descarcare.isdigit() or len(id_descarcare) > 20:
        raise InvalidSubmission("the download id must be numeric")
    client = ctx.client(tid)
    with ctx.db.tenant_session(tid) as session:
        return archive.fetch(
            session,
            ctx.storage,
            tid,
            id_descarcare,
            client.download,
            certs_dir=ctx.certs_dir,
            refresh=refresh,
        )


# --- for the business modules (sales): generate and check a document built in code -----------------
def document_xml(invoice: Invoice) -> bytes:
    """The CIUS-RO UBL XML of an invoice or credit note (totals computed when the model has none).

    Raises ``ValueError`` for text XML cannot carry and ``ArithmeticError`` for amounts too large."""
    from genius.compliance.efactura.ubl import to_ubl_xml

    return to_ubl_xml(invoice)


def document_html(xml: bytes, *, logo: str | None = None) -> str:
    """The printable Romanian layout of a UBL invoice or credit note, as HTML for ``pdf.render``
    (``logo``: the issuer's, as a ``data:image/…`` URI)."""
    from genius.compliance.efactura.parse import parse_invoice
    from genius.compliance.efactura.render import render_html

    return render_html(parse_invoice(xml), logo=logo)


def check_document(xml: bytes, *, artefacts_dir: Path | None = None) -> list[Finding]:
    """Every finding of our validator (XSD when configured, EN 16931 rules, the official XSLT when
    ``artefacts_dir`` holds it)."""
    from genius.compliance.efactura.validate import validate

    return validate(xml, artefacts_dir=artefacts_dir)


@dataclass(frozen=True)
class LocatedFinding:
    """A finding with the line of the uploaded file it points at (None: a document-wide finding)."""

    finding: Finding
    line: int | None
    source: str  # that line of the file, trimmed (empty without a line)


_ROOT_STEP = {"/Invoice": "/inv:Invoice", "/CreditNote": "/cn:CreditNote"}


def _line_of(root: etree._Element, location: str) -> int | None:
    """The source line of the element a finding's XPath names (our rules' ``/Invoice/cac:…[1]`` form)."""
    from genius.compliance.efactura.rules.engine import NS

    path = location
    for plain, prefixed in _ROOT_STEP.items():
        if path == plain or path.startswith(plain + "/"):
            path = prefixed + path[len(plain) :]
            break
    else:
        if path.startswith("line "):  # a parse error: "line 12"
            digits = path[5:].split()[0] if path[5:].split() else ""
            return int(digits) if digits.isdigit() else None
        return None
    try:
        found = root.getroottree().xpath(path, namespaces=NS)
    except etree.XPathError:
        return None
    node = found[0] if isinstance(found, list) and found else None
    if isinstance(node, etree._ElementUnicodeResult):
        node = node.getparent()
    return node.sourceline if isinstance(node, etree._Element) else None


def check_document_lines(xml: bytes) -> list[LocatedFinding]:
    """:func:`check_document`, each finding placed on the line of the file it points at, so a user sees
    the findings line by line (the e-Factura desk's "validate an XML file")."""
    findings = check_document(xml)
    lines = xml.decode("utf-8", "replace").splitlines()
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    try:
        root: etree._Element | None = etree.fromstring(xml, parser)
    except (etree.XMLSyntaxError, ValueError):
        root = None
    out = []
    for f in findings:
        if root is not None:
            line = _line_of(root, f.location)
        else:
            line = _line_of(etree.Element("x"), f.location) if f.location.startswith("line ") else None
        source = lines[line - 1].strip()[:240] if line and 0 < line <= len(lines) else ""
        out.append(LocatedFinding(f, line, source))
    return sorted(out, key=lambda lf: (lf.line is not None, lf.line or 0, lf.finding.rule))


def submit_and_queue(
    session: Session,
    tid: uuid.UUID,
    xml: bytes,
    cif: str,
    standard: str = "UBL",
    **options: Any,
) -> tuple[Submission, bool]:
    """``submit`` and, when it recorded a new submission, its upload as an outbox task of the same
    transaction (a broker outage only delays it). The same idempotency key again queues nothing."""
    sub, created = submit(session, tid, xml, cif, standard, **options)
    if created:
        defer(session, "anaf.efactura.upload", tid=tid, args=[str(tid), str(sub.id)])
    return sub, created


# --- the SPV inbox (received supplier invoices; see ``inbox``) ------------------------------------------
def sync_inbox(ctx: Context, tid: uuid.UUID) -> dict[str, Any]:
    """List and fetch the tenant's received invoices once (the periodic task's work)."""
    from genius.compliance.efactura import inbox

    return inbox.sync(ctx, tid).as_dict()


def received_files(platform: Platform, tid: uuid.UUID, id_descarcare: str) -> tuple[bytes, bytes] | None:
    """The archived ``(invoice XML, signed ZIP)`` of a received supplier invoice, for a business module's
    page or API; ``None`` when the message is not in the tenant's inbox."""
    from genius.compliance.efactura import inbox

    return inbox.received_document(context_for(platform), tid, id_descarcare)


def read_document(xml: bytes) -> Invoice:
    """Our parser's reading of a UBL invoice or credit note (parties, lines, VAT, totals)."""
    from genius.compliance.efactura.parse import parse_invoice

    return parse_invoice(xml)


def inbox_has_messages(ctx: Context, tid: uuid.UUID) -> bool:
    from genius.compliance.efactura import inbox

    return inbox.has_messages(ctx, tid)
