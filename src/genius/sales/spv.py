"""What SPV said about issued documents, from the compliance module's events (never its tables).

``anaf.efactura.submitted`` → uploaded (ANAF's upload index); ``anaf.efactura.accepted`` → accepted
(index, download id of the signed ZIP) and ``sales.invoice.efactura_accepted``;
``anaf.efactura.rejected`` → rejected, ANAF's messages each mapped to the document field to correct,
and ``sales.invoice.efactura_rejected``; ``anaf.efactura.failed`` (compliance gave the upload up
before ANAF received it) → failed, with its reason, never "queued" forever. Each handler runs in the
consumer's tenant transaction with its inbox row (a redelivered event changes nothing) and never moves a final
state back; only a resend (``service.resend``: a new submission, the row back to ``queued``) does.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from genius.compliance.efactura.events import (
    EfacturaAccepted,
    EfacturaFailed,
    EfacturaRejected,
    EfacturaSubmitted,
)
from genius.compliance.efactura.schemas import Finding
from genius.core.events.schemas import Envelope
from genius.core.events.service import publish
from genius.sales import deadlines, repository
from genius.sales.events import (
    DeadlineInvoice,
    FieldError,
    InvoiceEfacturaAccepted,
    InvoiceEfacturaRejected,
    InvoicesNearDeadline,
)
from genius.sales.models import Document, EfacturaStatus
from genius.sales.service import fields_of

FINAL = frozenset({"accepted", "rejected", "failed"})

# ANAF's own words for the parties (its messages name the seller/buyer in Romanian).
_PARTY_WORDS = (
    (re.compile(r"v[aâ]nz[aă]tor|furnizor|emitent", re.I), "supplier"),
    (re.compile(r"cump[aă]r[aă]tor|beneficiar|client", re.I), "customer"),
)


def map_messages(messages: list[str]) -> list[FieldError]:
    """Each ANAF message with the document field it is about: the business terms or the rule it names
    (as our own validator's findings), else the party its words name, else the whole document."""
    out: list[FieldError] = []
    for message in messages:
        fields = fields_of(Finding(rule="", severity="fatal", location="", message=message))
        if fields == ["document"]:
            fields = [name for pattern, name in _PARTY_WORDS if pattern.search(message)][:1] or fields
        out.extend(FieldError(field=f, message=message) for f in fields)
    return out


def _status(session: Session, doc: Document, submission_id: uuid.UUID) -> EfacturaStatus:
    row = repository.efactura_status(session, doc.id, lock=True)
    if row is not None and row.submission_id != submission_id:  # the resend's first news
        row.submission_id, row.state, row.messages, row.errors = submission_id, "queued", [], []
    if row is None:
        row = EfacturaStatus(
            document_id=doc.id,
            tid=doc.tid,
            submission_id=submission_id,
            state="uploaded",
            messages=[],
            errors=[],
            updated_at=datetime.now(UTC),
        )
        repository.add(session, row)
    return row


def _document(session: Session, submission_id: uuid.UUID) -> Document | None:
    """The issued document of a submission (None: a submission sales did not make, e.g. a raw upload)."""
    return repository.document_by_submission(session, submission_id)


def on_submitted(session: Session, envelope: Envelope) -> None:
    event = EfacturaSubmitted.model_validate(envelope.data)
    doc = _document(session, event.submission_id)
    if doc is None:
        return
    row = _status(session, doc, event.submission_id)
    if row.state not in FINAL:
        row.state, row.index_incarcare, row.updated_at = "uploaded", event.index_incarcare, datetime.now(UTC)


def on_failed(session: Session, envelope: Envelope) -> None:
    event = EfacturaFailed.model_validate(envelope.data)
    doc = _document(session, event.submission_id)
    if doc is None:
        return
    row = _status(session, doc, event.submission_id)
    if row.state in FINAL:
        return
    row.state, row.messages, row.updated_at = "failed", [event.reason], datetime.now(UTC)
    row.errors = [e.model_dump() for e in map_messages([event.reason])]


def on_accepted(session: Session, envelope: Envelope) -> None:
    event = EfacturaAccepted.model_validate(envelope.data)
    doc = _document(session, event.submission_id)
    if doc is None:
        return
    row = _status(session, doc, event.submission_id)
    if row.state in FINAL:
        return
    row.state, row.index_incarcare, row.id_descarcare = "accepted", event.index_incarcare, event.id_descarcare
    row.messages, row.errors, row.updated_at = [], [], datetime.now(UTC)
    session.flush()
    publish(
        session,
        "sales.invoice.efactura_accepted",
        InvoiceEfacturaAccepted(
            invoice_id=doc.id,
            type=doc.kind,
            number=doc.number or "",
            customer_id=doc.customer_id,
            efactura_submission_id=event.submission_id,
            index_incarcare=event.index_incarcare,
            id_descarcare=event.id_descarcare,
        ),
        tid=doc.tid,
        aggregate_id=doc.id,
        correlation_id=envelope.correlation_id,
    )


def on_rejected(session: Session, envelope: Envelope) -> None:
    event = EfacturaRejected.model_validate(envelope.data)
    doc = _document(session, event.submission_id)
    if doc is None:
        return
    row = _status(session, doc, event.submission_id)
    if row.state in FINAL:
        return
    errors = map_messages(event.messages)
    row.state = "rejected"
    row.index_incarcare = event.index_incarcare or row.index_incarcare
    row.id_descarcare = event.id_descarcare
    row.messages = list(event.messages)
    row.errors = [e.model_dump() for e in errors]
    row.updated_at = datetime.now(UTC)
    session.flush()
    publish(
        session,
        "sales.invoice.efactura_rejected",
        InvoiceEfacturaRejected(
            invoice_id=doc.id,
            type=doc.kind,
            number=doc.number or "",
            customer_id=doc.customer_id,
            efactura_submission_id=event.submission_id,
            stage=event.stage,
            index_incarcare=row.index_incarcare,
            messages=list(event.messages),
            errors=errors,
        ),
        tid=doc.tid,
        aggregate_id=doc.id,
        correlation_id=envelope.correlation_id,
    )


def outbox_page(session: Session, *, state: str | None, cursor: str | None, limit: int) -> Any:
    """The e-Factura outbox: issued documents with their SPV status, newest first."""
    return repository.efactura_outbox_page(session, state=state, cursor=cursor, limit=limit)


def status_of(session: Session, document_id: uuid.UUID) -> EfacturaStatus | None:
    return repository.efactura_status(session, document_id)


def statuses(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, EfacturaStatus]:
    return repository.efactura_statuses(session, ids)


def summary(doc: Document, row: EfacturaStatus | None) -> dict[str, Any] | None:
    """The SPV status as the API shows it (None for a draft); issued with no news yet is ``queued``."""
    if doc.status != "issued":
        return None
    if row is None:
        return {"state": "queued", "submission_id": doc.efactura_submission_id}
    return {
        "state": row.state,
        "submission_id": row.submission_id,
        "index_incarcare": row.index_incarcare,
        "id_descarcare": row.id_descarcare,
        "messages": list(row.messages or []),
        "errors": list(row.errors or []),
        "updated_at": row.updated_at,
    }


# --- the legal upload term ------------------------------------------------------------------------------
NEAR_WORKING_DAYS = 2  # the daily notice lists documents whose term ends within this many working days
LOOKBACK_DAYS = 60  # overdue documents older than this are left to the compliance desk's list


def efactura_deadline(doc: Document) -> date | None:
    """The last day to upload an issued document to SPV (``deadlines``: dated rule, Romanian holidays)."""
    if doc.status != "issued" or doc.issue_date is None:
        return None
    return deadlines.deadline(doc.issue_date)


def countdown(doc: Document, state: str | None, today: date) -> int | None:
    """Calendar days left to upload (negative: overdue); None once SPV accepted it, or for a draft."""
    due = efactura_deadline(doc)
    if due is None or state == "accepted":
        return None
    return deadlines.days_left(due, today)


def deadline_sweep(session: Session, tid: uuid.UUID, today: date) -> int:
    """Publish the tenant's daily ``sales.invoice.efactura_deadline_near`` notice: documents not accepted
    whose term ends within ``NEAR_WORKING_DAYS`` working days or has passed, each at most once a day
    (``deadline_notified_on``; a queued document gets its status row here). Returns how many it lists."""
    near: list[tuple[Document, EfacturaStatus | None, date, int]] = []
    for doc, row in repository.unaccepted_since(session, today - timedelta(days=LOOKBACK_DAYS)):
        due = efactura_deadline(doc)
        if due is None or (row is not None and row.deadline_notified_on == today):
            continue
        left = deadlines.working_days_left(due, today)
        if left <= NEAR_WORKING_DAYS:
            near.append((doc, row, due, left))
    if not near:
        return 0
    listed: list[DeadlineInvoice] = []
    for doc, row, due, left in near:
        if row is None:
            assert doc.efactura_submission_id is not None
            row = _status(session, doc, doc.efactura_submission_id)
            row.state = "queued"
        row.deadline_notified_on = today
        listed.append(
            DeadlineInvoice(
                invoice_id=doc.id,
                type=doc.kind,
                number=doc.number or "",
                issue_date=doc.issue_date or today,
                deadline=due,
                working_days_left=left,
                efactura_state=row.state,
            )
        )
    session.flush()
    publish(
        session,
        "sales.invoice.efactura_deadline_near",
        InvoicesNearDeadline(day=today, within_working_days=NEAR_WORKING_DAYS, invoices=listed),
        tid=tid,
    )
    return len(listed)
