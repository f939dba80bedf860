"""Two simultaneous converts of one lead (separate connections, committed data) make one account."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select, text

from genius.core.platform import Platform
from genius.vettify import service
from genius.vettify.models import Account, Contact, Opportunity
from genius.vettify.schemas import ConvertIn, LeadCreate


@pytest.fixture
def committed_crm(platform: Platform, committed_tenant: Any) -> Iterator[Any]:
    yield committed_tenant
    with platform.db.tenant_session(committed_tenant.id) as s:
        s.execute(
            text(
                "UPDATE crm.leads SET converted_account_id = NULL, converted_contact_id = NULL, "
                "converted_opportunity_id = NULL"
            )
        )
        for table in (
            "opportunity_stage_history",
            "activities",
            "opportunities",
            "contacts",
            "leads",
            "accounts",
        ):
            s.execute(text(f"DELETE FROM crm.{table}"))
        s.execute(text("DELETE FROM core.outbox"))


def test_concurrent_converts_make_one_account(platform: Platform, committed_crm: Any) -> None:
    tid = committed_crm.id
    actor = service.Actor(tid=tid, name="tester")
    with platform.db.tenant_session(tid) as s:
        lead = service.create_lead(s, actor, LeadCreate(first_name="Ana", company_name="Concurent SRL"))
        service.qualify_lead(s, actor, lead.id, None)
        lead_id = lead.id

    barrier = threading.Barrier(2)
    results: list[service.Conversion] = []
    errors: list[BaseException] = []

    def convert() -> None:
        try:
            barrier.wait(5)
            with platform.db.tenant_session(tid) as s:
                results.append(service.convert_lead(s, actor, lead_id, ConvertIn()))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=convert) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    assert len(results) == 2
    assert {(r.account_id, r.contact_id, r.opportunity_id) for r in results} == {
        (results[0].account_id, results[0].contact_id, results[0].opportunity_id)
    }
    assert sorted(r.repeated for r in results) == [False, True]
    with platform.db.tenant_session(tid) as s:
        assert s.scalar(select(func.count()).select_from(Account)) == 1
        assert s.scalar(select(func.count()).select_from(Contact)) == 1
        assert s.scalar(select(func.count()).select_from(Opportunity)) == 1
