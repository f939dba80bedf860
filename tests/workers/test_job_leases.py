"""A long job survives ``kill -9`` of its worker in the embedded mode (the Redis broker, whose own
redelivery would wait for the visibility timeout, an hour): its lease lapses, the relay requeues it
through the outbox, another worker resumes it, and the counts come out exact."""

from __future__ import annotations

import time
import uuid
from typing import Any

from bench.crm_import import generate
from fastapi.testclient import TestClient
from sqlalchemy import text

from genius.core.events.broker import kombu_url
from genius.core.events.relay import wait_until
from genius.core.tenancy import service as tenancy
from tests.conftest import PASSWORD, SECRET
from tests.workers.conftest import kill_group, spawn, worker_env


def crm_tenant(platform: Any) -> tuple[uuid.UUID, dict[str, str]]:
    slug = f"k9-{uuid.uuid4().hex[:8]}"
    result = tenancy.provision_tenant(
        platform.db,
        platform.passwords,
        slug=slug,
        name="Kill Nine SRL",
        admin_email=f"admin@{slug}.test",
        admin_password=PASSWORD,
        actor="test",
    )
    token, _ = platform.tokens.issue(
        sub=str(result.admin_user_id),
        tid=result.tenant.id,
        scopes=["crm:read", "crm:write", "crm:admin"],
        role="admin",
        email=f"admin@{slug}.test",
    )
    return result.tenant.id, {"Authorization": f"Bearer {token}"}


def test_import_survives_kill_9_of_its_worker_on_redis(
    platform, app, owner_url, redis_url, tmp_path, children
) -> None:  # type: ignore[no-untyped-def]
    rows = 40_000
    data = generate(rows, seed=11)
    tid, headers = crm_tenant(platform)
    broker = kombu_url(redis_url)
    env = worker_env(
        tmp_path,
        redis_url,
        broker,
        GENIUS_DATABASE_URL=owner_url.render_as_string(hide_password=False),
        GENIUS_SECRET_KEY=SECRET,
        GENIUS_DATA_DIR=str(platform.settings.data_dir),
        GENIUS_CRM_IMPORT_BATCH_ROWS="1000",
        GENIUS_JOB_LEASE_SECONDS="3",
        GENIUS_JOB_LEASE_SWEEP_SECONDS="1",
        GENIUS_RELAY_POLL_SECONDS="0.1",
    )
    children.append(spawn(["relay"], env, tmp_path / "relay.log"))
    first = spawn(["worker", "-Q", "etl.sync", "--concurrency", "1"], env, tmp_path / "worker-1.log")
    children.append(first)
    with TestClient(app) as client:
        up = client.post(
            "/v1/crm/imports",
            files={"file": ("leads.csv", data, "text/csv")},
            data={"entity": "leads"},
            headers=headers,
        )
        assert up.status_code == 201, up.text
        job_id = up.json()["id"]
        mapped = client.put(
            f"/v1/crm/imports/{job_id}/mapping",
            json={"mapping": up.json()["suggested_mapping"], "on_duplicate": "skip"},
            headers=headers,
        )
        assert mapped.status_code == 200, mapped.text
        assert client.post(f"/v1/crm/imports/{job_id}/start", headers=headers).status_code == 202

        def job() -> dict[str, Any]:
            body: dict[str, Any] = client.get(f"/v1/crm/imports/{job_id}", headers=headers).json()
            return body

        # Kill the worker, pool and all, once some batches have committed and more remain.
        assert wait_until(lambda: job()["processed"] >= 5_000, 240), (
            job(),
            (tmp_path / "worker-1.log").read_text()[-3000:],
        )
        kill_group(first)
        at_kill = job()
        assert at_kill["status"] == "running" and at_kill["processed"] < rows, at_kill
        killed_at = time.monotonic()
        children.append(
            spawn(["worker", "-Q", "etl.sync", "--concurrency", "1"], env, tmp_path / "worker-2.log")
        )
        assert wait_until(lambda: job()["status"] == "completed", 300), (
            job(),
            (tmp_path / "relay.log").read_text()[-3000:],
            (tmp_path / "worker-2.log").read_text()[-3000:],
        )
        resumed_after = time.monotonic() - killed_at
        final = job()
    assert final["created"] + final["skipped"] + final["rejected"] == rows
    with platform.db.tenant_session(tid) as s:
        leads = s.execute(text("SELECT count(*) FROM crm.leads")).scalar()
        distinct = s.execute(text("SELECT count(DISTINCT import_row) FROM crm.leads")).scalar()
        requeues = s.execute(
            text("SELECT requeues FROM core.job_leases WHERE id = :i"), {"i": job_id}
        ).scalar()
    assert leads == final["created"] == distinct  # no row written twice
    assert requeues and requeues >= 1
    print(f"killed at {at_kill['processed']:,}/{rows:,} rows; completed {resumed_after:.1f} s later; {final}")
