"""The broker is down while users work: every deferred job is accepted as usual and runs exactly once
when it is back.

With the test's own RabbitMQ node stopped, the real API (committed data) takes an e-Factura invoice, an
e-Transport notification (submitted), a REGES message, a SAF-T build and a CRM import: each answers as
usual (2xx), the work waits in the outbox. A ``genius relay`` started during the outage fails to send,
keeps every row and retries with backoff; then the broker comes back, a ``genius worker`` for the five
queues starts (pointed at the fake ANAF/REGES server), and every job reaches its final state once: one
upload per submission at the fakes, the SAF-T build and the import's lease finished, the import's counts
exact."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from bench.crm_import import generate
from fastapi.testclient import TestClient
from sqlalchemy import text

from genius.compliance.fakes.app import FakeStates, create_fake_app, settings_for
from genius.core.events.relay import wait_until
from tests.compliance.conftest import FakeAnaf
from tests.compliance.efactura.test_client import CIF, invoice
from tests.compliance.etransport import samples as etransport_samples
from tests.compliance.reges.conftest import salariat
from tests.compliance.saft import samples as saft_samples
from tests.conftest import SECRET, LiveServer, TenantCtx, free_port
from tests.core.test_events import make_relay, only_these_pending
from tests.workers.conftest import spawn, worker_env

QUEUES = "anaf.efactura,anaf.etransport,reges,anaf.saft,etl.sync"
REDIRECT = "http://127.0.0.1:9/v1/compliance/efactura/oauth/callback"
IMPORT_ROWS = 3_000


@pytest.fixture
def fake_anaf() -> Iterator[FakeAnaf]:
    states = FakeStates()
    with LiveServer(create_fake_app(states), free_port()) as server:
        yield FakeAnaf(server.url, states)


def headers_for(platform: Any, tenant: TenantCtx) -> dict[str, str]:
    token, _ = platform.tokens.issue(
        sub=str(tenant.admin_id),
        tid=tenant.id,
        scopes=["compliance:read", "compliance:write", "crm:read", "crm:write", "crm:admin"],
        role="admin",
        email=tenant.admin_email,
    )
    return {"Authorization": f"Bearer {token}"}


def connect_anaf(client: TestClient, headers: dict[str, str]) -> None:
    """The tenant's OAuth connection to the fake SPV (e-Factura and e-Transport share it)."""
    start = client.get("/v1/compliance/efactura/oauth/start", headers=headers)
    assert start.status_code == 200, start.text
    redirect = httpx.get(start.json()["authorize_url"], follow_redirects=False)
    location = httpx.URL(redirect.headers["location"])
    callback = client.get(
        "/v1/compliance/efactura/oauth/callback",
        params={"code": location.params["code"], "state": location.params["state"]},
    )
    assert callback.status_code == 200 and callback.json()["connected"] is True, callback.text


def test_work_accepted_while_the_broker_is_down_runs_exactly_once_when_it_is_back(
    platform,
    app,
    committed_tenant,
    owner_url,
    redis_url,
    private_rabbit,
    fake_anaf: FakeAnaf,
    tmp_path,
    children,
    monkeypatch,
) -> None:  # type: ignore[no-untyped-def]
    anaf = {**settings_for(fake_anaf.url), "anaf_env": "test", "anaf_redirect_uri": REDIRECT}
    monkeypatch.setattr(platform, "settings", platform.settings.model_copy(update=anaf))
    tid = committed_tenant.id
    h = headers_for(platform, committed_tenant)
    states = fake_anaf.states

    broker = private_rabbit.url
    monkeypatch.setattr(platform, "broker_url", broker)  # the API's broker, should it ever use one
    private_rabbit.stop()  # the broker is down for the whole time users work
    with TestClient(app) as client:
        connect_anaf(client, h)
        r = client.post(
            "/v1/compliance/efactura/submissions",
            params={"cif": CIF},
            content=invoice("OUT-1"),
            headers={**h, "Content-Type": "application/xml", "Idempotency-Key": "outage-inv-1"},
        )
        assert r.status_code == 202, r.text
        efactura_id = r.json()["id"]
        national = etransport_samples.national().model_dump_json(by_alias=True, exclude_none=True)
        r = client.post(
            "/v1/compliance/etransport/declarations",
            params={"submit": "true"},
            content=national,
            headers={**h, "Content-Type": "application/json", "Idempotency-Key": "outage-ship-1"},
        )
        assert r.status_code == 202, r.text
        etransport_id = r.json()["id"]
        r = client.post(
            "/v1/compliance/reges/submissions",
            json=salariat(),
            headers={**h, "Idempotency-Key": "outage-emp-1"},
        )
        assert r.status_code == 202, r.text
        reges_id = r.json()["id"]
        r = client.post(
            "/v1/compliance/saft/reports", params={"kind": "L"}, json=saft_samples.month_data(), headers=h
        )
        assert r.status_code == 202 and r.json()["queued"] is True, r.text
        saft_id = r.json()["id"]
        up = client.post(
            "/v1/crm/imports",
            files={"file": ("leads.csv", generate(IMPORT_ROWS, seed=5), "text/csv")},
            data={"entity": "leads"},
            headers=h,
        )
        assert up.status_code == 201, up.text
        import_id = up.json()["id"]
        mapped = client.put(
            f"/v1/crm/imports/{import_id}/mapping",
            json={"mapping": up.json()["suggested_mapping"], "on_duplicate": "skip"},
            headers=h,
        )
        assert mapped.status_code == 200, mapped.text
        started = client.post(f"/v1/crm/imports/{import_id}/start", headers=h)
        assert started.status_code == 202, started.text

    # Everything waits in the outbox: one task row per job, none sent.
    with platform.db.tenant_session(tid) as s:
        rows = (
            s.execute(
                text(
                    "SELECT id, topic FROM core.outbox WHERE tid = :t AND kind = 'task' "
                    "AND published_at IS NULL ORDER BY seq"
                ),
                {"t": tid},
            )
            .mappings()
            .all()
        )
    assert sorted(r["topic"] for r in rows) == sorted(
        [
            "anaf.efactura.upload",
            "anaf.etransport.submit",
            "reges.submit",
            "anaf.saft.generate",
            "etl.sync.crm_import",
        ]
    ), rows
    assert not states.efactura.uploads and not states.etransport.uploads and not states.reges.submissions

    helper = make_relay(owner_url, broker, "genius.events")
    try:
        only_these_pending(helper, [r["id"] for r in rows])  # other tests' committed rows stay out of it
    finally:
        helper.close()
    env = worker_env(
        tmp_path,
        redis_url,
        broker,
        GENIUS_DATABASE_URL=owner_url.render_as_string(hide_password=False),
        GENIUS_SECRET_KEY=SECRET,
        GENIUS_DATA_DIR=str(platform.settings.data_dir),
        GENIUS_RELAY_POLL_SECONDS="0.2",
        **{f"GENIUS_{k.upper()}": str(v) for k, v in anaf.items()},
    )
    if platform.settings.storage_url:
        env["GENIUS_STORAGE_URL"] = platform.settings.storage_url
    # The relay starts while the broker is still down: every row fails, is kept, and waits its backoff.
    children.append(spawn(["relay"], env, tmp_path / "relay.log"))

    def attempts() -> list[int]:
        with platform.db.tenant_session(tid) as s:
            found = s.execute(
                text("SELECT attempts FROM core.outbox WHERE id = ANY(:ids) AND published_at IS NULL"),
                {"ids": [r["id"] for r in rows]},
            ).scalars()
            return [int(a) for a in found]

    # It tries, fails, keeps the rows and tries again (rows behind a failed one of the same tenant wait).
    assert wait_until(lambda: len(a := attempts()) == len(rows) and max(a) >= 2, 60, interval=0.5), (
        attempts(),
        (tmp_path / "relay.log").read_text()[-2500:],
    )
    private_rabbit.start()
    children.append(spawn(["worker", "-Q", QUEUES, "--concurrency", "2"], env, tmp_path / "worker.log"))

    def state(path: str) -> dict[str, Any]:
        with TestClient(app) as c:
            body: dict[str, Any] = c.get(path, headers=h).json()
        return body

    def logs() -> str:
        return "\n".join(
            f"--- {name}\n" + (tmp_path / name).read_text()[-2500:] for name in ("relay.log", "worker.log")
        )

    targets = {
        f"/v1/compliance/efactura/submissions/{efactura_id}": ("state", "ok"),
        f"/v1/compliance/etransport/declarations/{etransport_id}": ("state", "valid"),
        f"/v1/compliance/reges/submissions/{reges_id}": ("state", "succeeded"),
        f"/v1/compliance/saft/reports/{saft_id}": ("status", "ready"),
        f"/v1/crm/imports/{import_id}": ("status", "completed"),
    }

    def pending() -> dict[str, Any]:
        with TestClient(app) as c:
            now = {p: c.get(p, headers=h).json() for p in targets}
        return {p: body for p, body in now.items() if body.get(targets[p][0]) != targets[p][1]}

    # One deadline for all five (a loaded 2-core machine: the worker and relay start in ~10-20 s).
    assert wait_until(lambda: not pending(), 180, interval=1.0), (pending(), logs())

    # Exactly once: one upload per submission at the fakes, the report built once, the import exact.
    assert [m.cif for m in states.efactura.uploads] == [CIF]
    assert len(states.etransport.uploads) == 1
    assert len(states.reges.submissions) == 1
    saft = state(f"/v1/compliance/saft/reports/{saft_id}")
    assert len(saft["segments"]) == 1
    job = state(f"/v1/crm/imports/{import_id}")
    assert job["created"] + job["skipped"] + job["rejected"] == IMPORT_ROWS, job
    with platform.db.tenant_session(tid) as s:
        leads = s.execute(text("SELECT count(*) FROM crm.leads")).scalar()
        distinct = s.execute(text("SELECT count(DISTINCT import_row) FROM crm.leads")).scalar()
        leases = dict(
            s.execute(
                text("SELECT kind, finished_at IS NOT NULL FROM core.job_leases WHERE tid = :t"), {"t": tid}
            ).all()
        )
        sent = s.execute(
            text("SELECT count(*) FROM core.outbox WHERE id = ANY(:ids) AND published_at IS NOT NULL"),
            {"ids": [r["id"] for r in rows]},
        ).scalar()
    assert leads == job["created"] == distinct  # no row written twice
    assert sent == len(rows)
    assert all(leases.values()) and {"saft.build"} <= set(leases), leases
