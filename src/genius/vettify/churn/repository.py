"""The churn SQL: accounts' facts as of a day, labels, scores and models."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from genius.vettify.campaigns import repository as campaigns
from genius.vettify.churn.features import WINDOW_DAYS, Facts
from genius.vettify.churn.models import AccountChurn, ChurnModel
from genius.vettify.models import Account, SalesOrder

FACTS_SQL = text(
    """
    WITH o AS (
        SELECT account_id,
               count(*) AS total,
               count(*) FILTER (WHERE ordered_at >= :window) AS n90,
               count(*) FILTER (WHERE ordered_at >= :previous AND ordered_at < :window) AS prev90,
               coalesce(sum(amount) FILTER (WHERE currency = 'RON'), 0) AS monetary,
               min(ordered_at) AS first_at, max(ordered_at) AS last_at
        FROM crm.sales_orders
        WHERE account_id IS NOT NULL AND ordered_at < :as_of AND coalesce(status, '') <> 'cancelled'
        GROUP BY account_id
    ), act AS (
        SELECT account_id, count(*) FILTER (WHERE occurred_at >= :window) AS n90, max(occurred_at) AS last_at
        FROM crm.activities
        WHERE deleted_at IS NULL AND account_id IS NOT NULL AND occurred_at < :as_of
        GROUP BY account_id
    )
    SELECT a.id, a.created_at, a.compliance_status,
           coalesce(o.total, 0), coalesce(o.n90, 0), coalesce(o.prev90, 0), coalesce(o.monetary, 0),
           o.first_at, o.last_at, coalesce(act.n90, 0), act.last_at
    FROM crm.accounts a
    LEFT JOIN o ON o.account_id = a.id
    LEFT JOIN act ON act.account_id = a.id
    WHERE a.deleted_at IS NULL AND a.merged_into_id IS NULL AND a.created_at < :as_of
      AND (CAST(:ids AS uuid[]) IS NULL OR a.id = ANY(CAST(:ids AS uuid[])))
    ORDER BY a.id
    """
)


def facts(session: Session, as_of: datetime, account_ids: Sequence[uuid.UUID] | None = None) -> list[Facts]:
    """The live accounts' facts before ``as_of`` (those given, or all)."""
    window = as_of - timedelta(days=WINDOW_DAYS)
    ids = [str(i) for i in account_ids] if account_ids is not None else None
    rows = session.execute(
        FACTS_SQL,
        {"as_of": as_of, "window": window, "previous": window - timedelta(days=WINDOW_DAYS), "ids": ids},
    ).all()
    engagement = campaigns.engagement_by_account(session, as_of, [r[0] for r in rows])
    out = []
    for r in rows:
        sent, opened, clicked = engagement.get(r[0], (0, 0, 0))
        out.append(
            Facts(
                account_id=str(r[0]),
                created_at=r[1],
                compliance_status=r[2],
                orders_total=int(r[3]),
                orders_90d=int(r[4]),
                orders_prev_90d=int(r[5]),
                monetary=float(r[6]),
                first_order_at=r[7],
                last_order_at=r[8],
                activities_90d=int(r[9]),
                last_activity_at=r[10],
                sent=sent,
                opened=opened,
                clicked=clicked,
            )
        )
    return out


def ordered_between(session: Session, start: datetime, end: datetime) -> set[str]:
    """Accounts with a (not cancelled) order in [start, end)."""
    stmt = (
        select(SalesOrder.account_id)
        .where(
            SalesOrder.account_id.is_not(None),
            SalesOrder.ordered_at >= start,
            SalesOrder.ordered_at < end,
            SalesOrder.status.is_distinct_from("cancelled"),
        )
        .distinct()
    )
    return {str(i) for i in session.scalars(stmt)}


def add_orders(
    session: Session, tid: uuid.UUID, orders: Sequence[tuple[uuid.UUID, str, float, datetime]]
) -> None:
    """Sales orders (account, number, RON amount, when) as the CRM records them from
    ``sales.order.created``: the synthetic history of the demo and the tests."""
    if not orders:
        return
    session.execute(
        pg_insert(SalesOrder)
        .values(
            [
                {
                    "id": uuid.uuid4(),
                    "tid": tid,
                    "order_id": f"synthetic-{number}",
                    "number": number,
                    "account_id": account_id,
                    "amount": Decimal(str(round(amount, 2))),
                    "currency": "RON",
                    "status": "confirmed",
                    "ordered_at": at,
                    "event_id": uuid.uuid4(),
                }
                for account_id, number, amount, at in orders
            ]
        )
        .on_conflict_do_nothing(constraint="sales_orders_tid_order_id_key")
    )


def account_of_order(session: Session, order_id: str) -> uuid.UUID | None:
    return session.scalar(select(SalesOrder.account_id).where(SalesOrder.order_id == order_id))


def churn_of(session: Session, account_id: uuid.UUID) -> AccountChurn | None:
    return session.get(AccountChurn, account_id)


def churns_of(session: Session, account_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, AccountChurn]:
    rows = session.scalars(select(AccountChurn).where(AccountChurn.account_id.in_(account_ids)))
    return {r.account_id: r for r in rows}


def save_churn(
    session: Session, tid: uuid.UUID, account_id: uuid.UUID, values: dict[str, Any]
) -> AccountChurn:
    session.execute(
        pg_insert(AccountChurn)
        .values(account_id=account_id, tid=tid, **values)
        .on_conflict_do_update(index_elements=[AccountChurn.account_id], set_=values)
    )
    row = session.get(AccountChurn, account_id, populate_existing=True)
    assert row is not None
    return row


def latest_model(session: Session) -> ChurnModel | None:
    stmt = select(ChurnModel).order_by(ChurnModel.trained_at.desc(), ChurnModel.version.desc()).limit(1)
    return session.scalars(stmt).first()


def model_payload(session: Session, model_id: uuid.UUID) -> bytes | None:
    return session.scalar(select(ChurnModel.payload).where(ChurnModel.id == model_id))


def add_model(session: Session, row: ChurnModel) -> ChurnModel:
    session.add(row)
    session.flush()
    return row


def live_account_ids(session: Session) -> list[str]:
    stmt = select(Account.id).where(Account.deleted_at.is_(None), Account.merged_into_id.is_(None))
    return [str(i) for i in session.scalars(stmt.order_by(Account.id))]


def any_churn(session: Session) -> bool:
    return session.scalar(select(AccountChurn.account_id).limit(1)) is not None
