"""Summaries' rules (flush, never commit).

* **Input.** A lead's notes field, then its activities (notes, calls, meetings, e-mails, tasks; the
  newest 200, oldest first), or an opportunity's activities, each as one paragraph
  ``[kind, day] subject. body``. Its SHA-256 (with the prompt version) is the input hash.
* **Request** (``request``): the row becomes pending and an ``ai.summary.generate`` task row is written
  to the outbox in the caller's transaction (the relay sends it after commit). A ready summary whose
  input hash is unchanged is returned as it is: nothing is deferred.
* **Task** (``tasks.generate``): reads the input in a short transaction, summarises with no transaction
  open, and ``store``s the result, publishing ``crm.activity.summarized``. An unchanged input is not
  summarised again.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session

from genius.core.db.base import utcnow
from genius.core.events.service import defer, publish
from genius.core.kit.errors import Conflict
from genius.vettify import service as crm
from genius.vettify.models import Lead
from genius.vettify.summaries import extractive, repository
from genius.vettify.summaries.events import ActivitySummarized
from genius.vettify.summaries.models import Summary
from genius.vettify.summaries.providers import PROMPT_VERSION, Result, Summariser

SubjectType = Literal["lead", "opportunity"]
TASK = "ai.summary.generate"
QUEUE = "ai.summary"
KIND_LABELS = {"note": "Notă", "call": "Apel", "meeting": "Întâlnire", "email": "E-mail", "task": "Sarcină"}


class NothingToSummarize(Conflict):
    code, title = "nothing-to-summarize", "Nothing to summarise"


@dataclass(frozen=True)
class SummaryInput:
    text: str
    sources: int
    language: str
    input_hash: str


def _spec(subject_type: str) -> crm.EntitySpec[crm.CrmRecord]:
    return crm.LEADS if subject_type == "lead" else crm.OPPORTUNITIES  # type: ignore[return-value]


def collect(session: Session, subject_type: str, subject_id: uuid.UUID) -> SummaryInput:
    """What a summary of the subject reads (404 for a missing or another tenant's subject)."""
    subject = crm.get_record(session, _spec(subject_type), subject_id)
    parts: list[str] = []
    if isinstance(subject, Lead) and subject.notes and subject.notes.strip():
        parts.append(subject.notes.strip())
    for a in repository.activities_of(session, subject_type, subject_id):
        head = f"[{KIND_LABELS.get(a.kind, a.kind)}, {a.occurred_at:%Y-%m-%d}] {a.subject.strip()}"
        if head[-1] not in ".!?…":
            head += "."
        parts.append(f"{head} {a.body.strip()}" if a.body and a.body.strip() else head)
    text = "\n\n".join(parts)
    digest = hashlib.sha256(f"{PROMPT_VERSION}\n{text}".encode()).hexdigest()
    return SummaryInput(text, len(parts), extractive.language(text), digest)


def get(session: Session, subject_type: str, subject_id: uuid.UUID) -> Summary | None:
    crm.get_record(session, _spec(subject_type), subject_id)
    return repository.summary_of(session, subject_type, subject_id)


def is_current(row: Summary | None, current: SummaryInput) -> bool:
    return (
        row is not None
        and row.status == "ready"
        and row.input_hash == current.input_hash
        and row.prompt_version == PROMPT_VERSION
    )


def request(
    session: Session, actor: crm.Actor, subject_type: str, subject_id: uuid.UUID
) -> tuple[Summary, bool]:
    """Ask for the subject's summary: (row, deferred). Deferred is False when the stored summary is
    already of the current input."""
    current = collect(session, subject_type, subject_id)
    if not current.sources:
        raise NothingToSummarize(f"The {subject_type} has no notes or activities to summarise.")
    existing = repository.summary_of(session, subject_type, subject_id)
    if is_current(existing, current):
        assert existing is not None
        return existing, False
    row = repository.ensure(session, actor.tid, subject_type, subject_id)
    row.status = "pending"
    row.error = None
    row.requested_by = actor.name[:200]
    row.requested_at = utcnow()
    defer(
        session,
        TASK,
        tid=actor.tid,
        kwargs={"tid": str(actor.tid), "subject_type": subject_type, "subject_id": str(subject_id)},
        queue=QUEUE,
        aggregate_id=row.id,
        correlation_id=actor.correlation_id,
    )
    session.flush()
    return row, True


def store(
    session: Session,
    tid: uuid.UUID,
    subject_type: str,
    subject_id: uuid.UUID,
    read: SummaryInput,
    result: Result,
) -> Summary:
    """Keep a new summary of ``read`` and publish ``crm.activity.summarized``."""
    row = repository.ensure(session, tid, subject_type, subject_id)
    now = utcnow()
    row.status = "ready"
    row.text = result.text
    row.language = read.language
    row.provider = result.provider[:40]
    row.model = result.model[:200]
    row.prompt_version = PROMPT_VERSION
    row.input_hash = read.input_hash
    row.sources = read.sources
    row.error = None
    row.summarized_at = now
    session.flush()
    publish(
        session,
        "crm.activity.summarized",
        ActivitySummarized(
            summary_id=row.id,
            subject_type=subject_type,
            subject_id=subject_id,
            language=read.language,
            provider=row.provider,
            model=row.model,
            prompt_version=PROMPT_VERSION,
            input_hash=read.input_hash,
            sources=read.sources,
            summarized_at=now,
        ),
        tid=tid,
        aggregate_id=row.id,
    )
    return row


def fail(session: Session, tid: uuid.UUID, subject_type: str, subject_id: uuid.UUID, error: str) -> None:
    """The summary could not be made: the panel shows why and offers to try again (the previous text,
    if any, stays)."""
    row = repository.ensure(session, tid, subject_type, subject_id)
    row.status = "failed"
    row.error = error[:1000]
    session.flush()


def summarize_now(
    session: Session, tid: uuid.UUID, subject_type: str, subject_id: uuid.UUID, summariser: Summariser
) -> Summary:
    """Summarise in the caller's transaction (demo seeding with the offline summariser: no network)."""
    read = collect(session, subject_type, subject_id)
    return store(session, tid, subject_type, subject_id, read, summariser.summarize(read.text, read.language))
