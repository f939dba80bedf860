"""The Celery task (run eagerly), its events, retries and the deep health check."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from genius.compliance.fakes import taxpayer as fake
from genius.compliance.taxpayer import tasks
from genius.compliance.taxpayer.service import TaxpayerService
from genius.config import Settings
from genius.core.events.models import OutboxEvent
from genius.core.platform import Platform
from tests.compliance.conftest import FakeAnaf


@pytest.fixture
def task_service(service: TaxpayerService) -> Iterator[TaxpayerService]:
    tasks.use_service(service)
    yield service
    tasks.use_service(None)


def test_task_name_routes_to_its_queue() -> None:
    from genius.workers.celery_app import route_by_name

    assert tasks.lookup.name == "anaf.taxpayer.lookup"
    route = route_by_name(tasks.lookup.name, None, None, None)
    assert route is not None and route["queue"] == "anaf.taxpayer"


def test_lookup_publishes_validated_events(
    task_service: TaxpayerService, fake_anaf: FakeAnaf, platform: Platform, tenant: Any
) -> None:
    result = tasks.lookup.apply(
        kwargs={
            "cuis": [str(fake.VERIFIED), "14399841", str(fake.INACTIVE)],
            "date": "2026-02-02",
            "tid": str(tenant.id),
            "correlation_id": "corr-123",
        }
    ).get()
    assert [r["status"] for r in result] == ["verified", "invalid", "inactive"]
    with platform.db.tenant_session(tenant.id) as s:
        rows = s.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.topic == "anaf.taxpayer.validated")
            .order_by(OutboxEvent.seq)
        ).all()
    assert [r.data["status"] for r in rows] == ["verified", "invalid", "inactive"]
    assert {r.correlation_id for r in rows} == {"corr-123"}
    verified = rows[0].data
    assert verified["cui"] == str(fake.VERIFIED) and verified["valid"] is True
    assert verified["name"] == "EXEMPLU DISTRIBUTIE SA" and verified["e_factura"] is True
    assert verified["date"] == "2026-02-02" and verified["checked_at"]
    assert rows[1].data["valid"] is False and rows[1].data["name"] is None


def test_without_tenant_no_events(task_service: TaxpayerService, fake_anaf: FakeAnaf) -> None:
    result = tasks.lookup.apply(kwargs={"cuis": ["19"]}).get()
    assert result[0]["status"] == "not_found"


def test_firewall_is_retried(task_service: TaxpayerService, fake_anaf: FakeAnaf) -> None:
    fake_anaf.states.taxpayer.faults = ["firewall"]  # the first call only
    result = tasks.lookup.apply(kwargs={"cuis": [str(fake.VERIFIED)]}).get()  # eager: retries run inline
    assert result[0]["status"] == "verified"
    assert fake_anaf.states.taxpayer.call_count == 2


def test_last_retry_answers_unavailable(task_service: TaxpayerService, fake_anaf: FakeAnaf) -> None:
    fake_anaf.states.taxpayer.fault = "invalid_json"
    result = tasks.lookup.apply(kwargs={"cuis": [str(fake.VERIFIED)]}, retries=tasks.MAX_RETRIES).get()
    assert result[0]["status"] == "unavailable" and result[0]["valid"] is True
    assert fake_anaf.states.taxpayer.call_count == 1


def test_bad_input_is_not_retried() -> None:
    cases: list[dict[str, Any]] = [
        {"cuis": []},
        {"cuis": ["19"], "date": "yesterday"},
        {"cuis": ["19"], "tid": "x"},
    ]
    for kwargs in cases:
        eager = tasks.lookup.apply(kwargs=kwargs)
        assert eager.state == "FAILURE" and isinstance(eager.result, tasks.InvalidInput)


def test_backoff_grows() -> None:
    assert tasks.backoff(0, RuntimeError()) < tasks.backoff(3, RuntimeError()) <= 300


def test_health(
    fake_anaf: FakeAnaf, fake_settings: Settings, monkeypatch: pytest.MonkeyPatch, redis_url: str
) -> None:
    monkeypatch.setattr(
        tasks, "get_settings", lambda: fake_settings.model_copy(update={"redis_url": redis_url})
    )
    assert "answered" in tasks.health()
    assert fake_anaf.states.taxpayer.batch_sizes == [1]
    fake_anaf.states.taxpayer.faults = ["firewall"]
    with pytest.raises(RuntimeError, match="HTML"):
        tasks.health()
