"""Every SQL statement of e-Factura: submissions and the ZIP archive (tenant sessions; RLS applies)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from genius.compliance.common import repository as common
from genius.compliance.efactura.models import ArchivedZip, Submission


# --- submissions ------------------------------------------------------------------------------------
def submission_by_key(session: Session, tid: uuid.UUID, key: str) -> Submission | None:
    return common.by_key(session, Submission, tid, key)


def submission(session: Session, tid: uuid.UUID, submission_id: uuid.UUID) -> Submission | None:
    return common.by_id(session, Submission, tid, submission_id)


def locked_submission(session: Session, tid: uuid.UUID, submission_id: uuid.UUID) -> Submission | None:
    return common.locked(session, Submission, tid, submission_id)


def add_submission(session: Session, row: Submission) -> Submission:
    return common.add(session, row)


def known_upload_indexes(session: Session, tid: uuid.UUID) -> set[str | None]:
    """Every ``index_incarcare`` the tenant's submissions already know."""
    return set(
        session.scalars(
            select(Submission.index_incarcare).where(
                Submission.tid == tid, Submission.index_incarcare.is_not(None)
            )
        )
    )


# --- archive ----------------------------------------------------------------------------------------
def archived(session: Session, tid: uuid.UUID, id_descarcare: str) -> ArchivedZip | None:
    return session.get(ArchivedZip, (tid, id_descarcare))


def add_archived(session: Session, row: ArchivedZip) -> ArchivedZip:
    session.add(row)
    return row


def flush(session: Session) -> None:
    session.flush()
