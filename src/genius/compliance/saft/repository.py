"""Every SQL statement of SAF-T: the reports (tenant sessions; RLS applies)."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from genius.compliance.common import repository as common
from genius.compliance.common.repository import SubmissionRepository
from genius.compliance.saft.models import SaftReport


def by_key(session: Session, tid: uuid.UUID, key: str) -> SaftReport | None:
    return common.by_key(session, SaftReport, tid, key)


def get(session: Session, tid: uuid.UUID, report_id: uuid.UUID) -> SaftReport | None:
    return common.by_id(session, SaftReport, tid, report_id)


def locked(session: Session, tid: uuid.UUID, report_id: uuid.UUID) -> SaftReport | None:
    return common.locked(session, SaftReport, tid, report_id)


def add(session: Session, row: SaftReport) -> SaftReport:
    return common.add(session, row)


# keyset pages (and, next, every statement above): the statements every submission table shares
reports = SubmissionRepository(SaftReport)
