"""The pipeline board's and the CRM dashboard's SQL: cards per stage, totals per stage and currency,
lead counts per day, conversion, accounts at risk.

Every function takes the caller's tenant session (``app.tid`` set, RLS enforced), reads only and
never commits. Days are Bucharest calendar days (the users' day, not UTC's).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Date, cast, exists, func, or_, select
from sqlalchemy.orm import Session

from genius.vettify.models import Account, Activity, Lead, Opportunity

TIME_ZONE = "Europe/Bucharest"
OPEN = ("prospecting", "qualification", "proposal", "negotiation")
AT_RISK_ANAF = ("inactive",)  # ANAF says the company is inactive: invoices to it are a tax risk


@dataclass(frozen=True)
class Card:
    id: uuid.UUID
    name: str
    stage: str
    amount: Decimal | None
    currency: str
    expected_close_date: date | None
    owner: str | None
    version: int
    account_id: uuid.UUID
    account_name: str | None


@dataclass(frozen=True)
class StageTotal:
    stage: str
    currency: str
    count: int
    amount: Decimal


def board_cards(session: Session, stages: Iterable[str], per_stage: int) -> dict[str, list[Card]]:
    """The live opportunities of each stage, most recently changed first, at most ``per_stage`` each."""
    out: dict[str, list[Card]] = {}
    for stage in stages:
        rows = session.execute(
            select(
                Opportunity.id,
                Opportunity.name,
                Opportunity.stage,
                Opportunity.amount,
                Opportunity.currency,
                Opportunity.expected_close_date,
                Opportunity.owner,
                Opportunity.version,
                Opportunity.account_id,
                Account.name,
            )
            .outerjoin(Account, Account.id == Opportunity.account_id)
            .where(Opportunity.deleted_at.is_(None), Opportunity.stage == stage)
            .order_by(Opportunity.updated_at.desc(), Opportunity.id.desc())
            .limit(per_stage)
        ).all()
        out[stage] = [Card(*row) for row in rows]  # type: ignore[call-arg]
    return out


def stage_totals(session: Session) -> list[StageTotal]:
    """Per stage and currency: how many live opportunities and their summed amount."""
    rows = session.execute(
        select(
            Opportunity.stage,
            Opportunity.currency,
            func.count(),
            func.coalesce(func.sum(Opportunity.amount), 0),
        )
        .where(Opportunity.deleted_at.is_(None))
        .group_by(Opportunity.stage, Opportunity.currency)
    ).all()
    return [StageTotal(stage, currency, int(n), Decimal(total or 0)) for stage, currency, n, total in rows]


def account_names(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.execute(select(Account.id, Account.name).where(Account.id.in_(wanted))).all()
    return {rid: name for rid, name in rows}


def _local_day(column: Any) -> ColumnElement[date]:
    return cast(func.timezone(TIME_ZONE, column), Date)


def leads_per_day(session: Session, first: date, last: date) -> dict[date, int]:
    """Leads created on each Bucharest day from ``first`` to ``last`` (days without leads missing)."""
    day = _local_day(Lead.created_at)
    rows = session.execute(
        select(day, func.count()).where(Lead.deleted_at.is_(None), day >= first, day <= last).group_by(day)
    ).all()
    return {d: int(n) for d, n in rows}


def lead_conversion(session: Session, since: date) -> tuple[int, int]:
    """(leads created since ``since``, of them converted)."""
    day = _local_day(Lead.created_at)
    total, converted = session.execute(
        select(func.count(), func.count().filter(Lead.status == "converted")).where(
            Lead.deleted_at.is_(None), day >= since
        )
    ).one()
    return int(total), int(converted)


@dataclass(frozen=True)
class RiskyAccount:
    id: uuid.UUID
    name: str
    compliance_status: str
    last_activity: datetime | None


def accounts_at_risk(
    session: Session, quiet_days: int, now: datetime, limit: int
) -> tuple[int, list[RiskyAccount]]:
    """Accounts at risk: inactive at ANAF, or with an open opportunity and no activity in
    the last ``quiet_days`` days. Their number and the first ``limit`` (ANAF first, then quietest)."""
    since = now - timedelta(days=quiet_days)
    last = (
        select(func.max(Activity.occurred_at))
        .where(Activity.account_id == Account.id, Activity.deleted_at.is_(None))
        .correlate(Account)
        .scalar_subquery()
    )
    has_open = exists().where(
        Opportunity.account_id == Account.id, Opportunity.deleted_at.is_(None), Opportunity.stage.in_(OPEN)
    )
    recent = exists().where(
        Activity.account_id == Account.id, Activity.deleted_at.is_(None), Activity.occurred_at >= since
    )
    risky = or_(Account.compliance_status.in_(AT_RISK_ANAF), has_open & ~recent)
    where = (Account.deleted_at.is_(None), Account.merged_into_id.is_(None), risky)
    count = int(session.scalar(select(func.count()).select_from(Account).where(*where)) or 0)
    anaf_first = Account.compliance_status.in_(AT_RISK_ANAF).desc()
    rows = session.execute(
        select(Account.id, Account.name, Account.compliance_status, last.label("last"))
        .where(*where)
        .order_by(anaf_first, last.asc().nulls_first(), Account.name)
        .limit(limit)
    ).all()
    return count, [RiskyAccount(*row) for row in rows]
