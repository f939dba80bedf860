"""A SAF-T build is a long job: the API registers its lease with its task (``jobs.start``), the task
runs under the lease and finishes it, a duplicate finds it busy, and a dead builder's lease is
requeued through the outbox."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from genius.compliance.saft import service, tasks
from genius.config import Settings
from genius.core.jobs import repository as leases
from genius.core.platform import Platform
from genius.core.storage import tenant_files_from_settings
from tests.compliance.saft import samples
from tests.conftest import TenantCtx
from tests.core.test_events import only_these_pending
from tests.workers.test_outbox_tasks import kombu_redis, task_relay

BASE = "/v1/compliance/saft"


@pytest.fixture
def saft_context(platform: Platform, settings: Settings) -> Iterator[service.Context]:
    ctx = service.Context(db=platform.db, settings=settings, storage=tenant_files_from_settings(settings))
    tasks.use_context(ctx)
    yield ctx
    tasks.use_context(None)


def compliance_headers(platform: Platform, tenant: TenantCtx) -> dict[str, str]:
    token, _ = platform.tokens.issue(
        sub=str(tenant.admin_id),
        tid=tenant.id,
        scopes=["compliance:read", "compliance:write"],
        role="admin",
        email=tenant.admin_email,
    )
    return {"Authorization": f"Bearer {token}"}


def lease_row(platform: Platform, tid: uuid.UUID, job_id: str) -> dict[str, Any]:
    with platform.db.tenant_session(tid) as s:
        row = s.execute(text("SELECT * FROM core.job_leases WHERE id = :i"), {"i": job_id}).mappings().one()
    return dict(row)


def pending_tasks(platform: Platform, tid: uuid.UUID) -> list[dict[str, Any]]:
    with platform.db.tenant_session(tid) as s:
        rows = s.execute(
            text(
                "SELECT id, topic, data FROM core.outbox WHERE tid = :t AND kind = 'task' "
                "AND published_at IS NULL ORDER BY seq"
            ),
            {"t": tid},
        ).mappings()
        return [dict(r) for r in rows]


def create_report(app: Any, headers: dict[str, str], entries: int = 3) -> dict[str, Any]:
    with TestClient(app) as client:
        r = client.post(f"{BASE}/reports?kind=L", json=samples.month_data(entries=entries), headers=headers)
    assert r.status_code == 202, r.text
    body: dict[str, Any] = r.json()
    assert body["queued"] is True
    return body


def test_the_api_starts_a_build_under_a_lease_and_the_build_finishes_it(
    platform, app, committed_tenant, saft_context
) -> None:  # type: ignore[no-untyped-def]
    tid = committed_tenant.id
    report = create_report(app, compliance_headers(platform, committed_tenant))
    lease = lease_row(platform, tid, report["id"])
    assert lease["kind"] == "saft.build" and lease["task"] == "anaf.saft.generate"
    assert lease["args"] == [str(tid), report["id"]]
    assert lease["holder"] is None and lease["finished_at"] is None
    queued = [r for r in pending_tasks(platform, tid) if r["topic"] == "anaf.saft.generate"]
    assert [r["data"]["args"] for r in queued] == [[str(tid), report["id"]]]

    result = tasks.generate.apply(args=[str(tid), report["id"]]).get()
    assert result["status"] == "ready" and result["fatal_count"] == 0
    done = lease_row(platform, tid, report["id"])
    assert done["finished_at"] is not None and done["holder"] is None and done["requeues"] == 0
    # A redelivered copy finds the lease finished and the report final: nothing is built again.
    again = tasks.generate.apply(args=[str(tid), report["id"]]).get()
    assert again["status"] == "ready" and again["segments"] == result["segments"]
    assert again["finished_at"] == result["finished_at"]


def test_a_dead_builders_lease_is_requeued_and_the_next_copy_finishes_it(
    platform, app, committed_tenant, saft_context, owner_url, redis_url
) -> None:  # type: ignore[no-untyped-def]
    tid = committed_tenant.id
    report = create_report(app, compliance_headers(platform, committed_tenant), entries=5)
    relay = task_relay(owner_url, kombu_redis(redis_url), redis_url, lease_grace_seconds=600)
    try:
        only_these_pending(relay, [])  # the API's own task row is "sent"
        # A builder takes the job with a short lease, then dies: no renewal, no release.
        with platform.db.tenant_session(tid) as s:
            assert leases.acquire(s, uuid.UUID(report["id"]), "dead-builder", 0.5)
        # While its lease is live, a duplicate message finds the build busy and does nothing.
        busy = tasks.generate.apply(args=[str(tid), report["id"]]).get()
        assert busy["status"] == "running elsewhere"
        with platform.db.tenant_session(tid) as s:
            status = s.execute(
                text("SELECT status FROM compliance.saft_reports WHERE id = :i"), {"i": report["id"]}
            ).scalar()
        assert status == "queued"
        time.sleep(0.8)
        assert relay.requeue_lapsed_jobs() >= 1
        lease = lease_row(platform, tid, report["id"])
        assert lease["requeues"] == 1 and lease["holder"] is None and lease["finished_at"] is None
        requeued = pending_tasks(platform, tid)
        assert [(r["topic"], r["data"]["args"]) for r in requeued] == [
            ("anaf.saft.generate", [str(tid), report["id"]])
        ]
        # The requeued copy takes the lease, builds the report and finishes the lease.
        result = tasks.generate.apply(args=requeued[0]["data"]["args"]).get()
        assert result["status"] == "ready"
        done = lease_row(platform, tid, report["id"])
        assert done["finished_at"] is not None and done["holder"] is None
        only_these_pending(relay, [])
        time.sleep(0.7)
        assert relay.requeue_lapsed_jobs() == 0  # a finished build is never requeued
        assert pending_tasks(platform, tid) == []
    finally:
        relay.close()


def test_a_copy_that_finds_the_report_finished_meanwhile_writes_nothing(
    platform, app, committed_tenant, saft_context, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A slow builder whose job was requeued and finished by another copy does not write it again."""
    tid = committed_tenant.id
    report = create_report(app, compliance_headers(platform, committed_tenant))
    real_check = service.check

    def other_copy_finishes_first(xml: bytes, settings: Any = None) -> Any:
        with platform.db.tenant_session(tid) as s:
            s.execute(
                text(
                    "UPDATE compliance.saft_reports SET status = 'ready', finished_at = now(), "
                    "segments = '[]'::jsonb WHERE id = :i"
                ),
                {"i": report["id"]},
            )
        return real_check(xml, settings)

    monkeypatch.setattr(service, "check", other_copy_finishes_first)
    result = service.generate(saft_context, tid, uuid.UUID(report["id"]))
    assert result["status"] == "ready" and result["segments"] == []  # the other copy's, untouched
    with platform.db.tenant_session(tid) as s:
        events = s.execute(
            text("SELECT count(*) FROM core.outbox WHERE tid = :t AND topic LIKE 'accounting.saft.%'"),
            {"t": tid},
        ).scalar()
    assert events == 0
