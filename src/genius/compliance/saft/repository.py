"""Every SQL statement of SAF-T: the reports (tenant sessions; RLS applies)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from genius.compliance.common import repository as common
from genius.compliance.saft.models import SaftReport


def by_key(session: Session, tid: uuid.UUID, key: str) -> SaftReport | None:
    return common.by_key(session, SaftReport, tid, key)


def get(session: Session, tid: uuid.UUID, report_id: uuid.UUID) -> SaftReport | None:
    return common.by_id(session, SaftReport, tid, report_id)


def locked(session: Session, tid: uuid.UUID, report_id: uuid.UUID) -> SaftReport | None:
    return common.locked(session, SaftReport, tid, report_id)


def add(session: Session, row: SaftReport) -> SaftReport:
    return common.add(session, row)


def recent(session: Session, tid: uuid.UUID, limit: int = 50) -> list[SaftReport]:
    """The tenant's latest reports, newest first."""
    return list(
        session.scalars(
            select(SaftReport)
            .where(SaftReport.tid == tid)
            .order_by(SaftReport.created_at.desc(), SaftReport.id)
            .limit(limit)
        )
    )
