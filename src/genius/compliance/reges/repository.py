"""Every SQL statement of REGES: the submissions (tenant sessions; RLS applies)."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from genius.compliance.common import repository as common
from genius.compliance.common.repository import SubmissionRepository
from genius.compliance.reges.models import RegesSubmission


def by_key(session: Session, tid: uuid.UUID, key: str) -> RegesSubmission | None:
    return common.by_key(session, RegesSubmission, tid, key)


def get(session: Session, tid: uuid.UUID, submission_id: uuid.UUID) -> RegesSubmission | None:
    return common.by_id(session, RegesSubmission, tid, submission_id)


def locked(session: Session, tid: uuid.UUID, submission_id: uuid.UUID) -> RegesSubmission | None:
    return common.locked(session, RegesSubmission, tid, submission_id)


def add(session: Session, row: RegesSubmission) -> RegesSubmission:
    return common.add(session, row)


# keyset pages (and, next, every statement above): the statements every submission table shares
submissions = SubmissionRepository(RegesSubmission)
