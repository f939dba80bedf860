"""Gapless numbering under concurrency: 50 issuers on one series, each in its own transaction on its own
connection, some of them rolled back after taking their number."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import text

from genius.core.platform import Platform
from genius.sales import service
from genius.sales.schemas import InvoiceCreate, LineIn
from tests.conftest import TenantCtx
from tests.sales.conftest import add_customer, set_up_company

ISSUERS = 50


class RolledBack(Exception):
    pass


@pytest.fixture
def drafts(platform: Platform, committed_tenant: TenantCtx) -> Iterator[list[uuid.UUID]]:
    tid = committed_tenant.id
    actor = service.Actor(tid, "test")
    with platform.db.tenant_session(tid) as s:
        set_up_company(s, tid)
        customer = add_customer(s, tid)
        ids = [
            service.create_document(
                s,
                actor,
                InvoiceCreate(
                    type="invoice",
                    customer_id=customer,
                    issue_date=date(2026, 5, 4),
                    lines=[
                        LineIn(description=f"Abonament {i}", quantity=Decimal(1), unit_price=Decimal(100 + i))
                    ],
                ),
            ).id
            for i in range(ISSUERS)
        ]
    yield ids
    with platform.db.tenant_session(tid) as s:
        for table in (
            "sales.document_lines",
            "sales.documents",
            "sales.series_counters",
            "compliance.efactura_submissions",
            "core.tenant_settings",
            "crm.accounts",
        ):
            s.execute(text(f"DELETE FROM {table} WHERE tid = :t"), {"t": tid})


def test_fifty_concurrent_issuers_get_consecutive_numbers(
    platform: Platform, committed_tenant: TenantCtx, drafts: list[uuid.UUID]
) -> None:
    assert platform.db.bound_connection is None  # every issuer has its own connection and transaction
    tid = committed_tenant.id
    actor = service.Actor(tid, "test")
    start = threading.Barrier(ISSUERS)
    rolled_back = set(drafts[::7])  # 8 of 50 take a number, then roll back

    def issue(doc_id: uuid.UUID) -> str | None:
        start.wait()
        try:
            with platform.db.tenant_session(tid) as s:
                number = service.issue(s, actor, doc_id, None).number
                if doc_id in rolled_back:
                    raise RolledBack(number)
                return number
        except RolledBack:
            return None

    with ThreadPoolExecutor(ISSUERS) as pool:
        results = list(pool.map(issue, drafts))
    committed = [n for n in results if n is not None]
    assert len(committed) == ISSUERS - len(rolled_back)
    seqs = sorted(int(n.rsplit("-", 1)[1]) for n in committed)
    assert seqs == list(range(1, len(committed) + 1))  # consecutive from 1: no gap, no duplicate
    assert all(n.startswith("GEN-2026-") for n in committed)

    # the rolled-back drafts are still drafts; issued now, they continue the series without a hole
    with platform.db.tenant_session(tid) as s:
        later = [service.issue(s, actor, doc_id, None).number for doc_id in drafts if doc_id in rolled_back]
        numbers = (
            s.execute(text("SELECT seq FROM sales.documents WHERE status = 'issued' ORDER BY seq"))
            .scalars()
            .all()
        )
        uploads = s.execute(
            text("SELECT count(*) FROM core.outbox WHERE topic = 'anaf.efactura.upload'")
        ).scalar_one()
    assert [int(n.rsplit("-", 1)[1]) for n in later] == list(range(len(committed) + 1, ISSUERS + 1))
    assert numbers == list(range(1, ISSUERS + 1))
    assert uploads == ISSUERS  # one queued upload per issued invoice, none for the rolled-back attempts
