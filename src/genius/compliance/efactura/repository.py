"""Every SQL statement of e-Factura: submissions and the ZIP archive (tenant sessions; RLS applies)."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from genius.compliance.common.repository import SubmissionRepository
from genius.compliance.efactura.models import ArchivedZip, Submission

# by key, by id, locked, add, known upload indexes, pages: the statements every submission table shares
submissions = SubmissionRepository(Submission)


# --- archive ----------------------------------------------------------------------------------------
def archived(session: Session, tid: uuid.UUID, id_descarcare: str) -> ArchivedZip | None:
    return session.get(ArchivedZip, (tid, id_descarcare))


def add_archived(session: Session, row: ArchivedZip) -> ArchivedZip:
    session.add(row)
    return row


def flush(session: Session) -> None:
    session.flush()
