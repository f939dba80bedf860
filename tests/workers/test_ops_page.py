"""The Ops page with a real worker: live fleet fragment, a failed task retried from the page once the
SMTP server is back, pause/resume signals, and tenants kept apart."""

from __future__ import annotations

import re
import time
from typing import Any

import redis
from aiosmtpd.controller import Controller

from genius.registry.events import PLATFORM_TID
from genius.registry.service import Registry
from genius.workers.outbox import CeleryTaskPublisher
from tests.conftest import PASSWORD, free_port, send_deferred_tasks
from tests.workers.conftest import Inbox


def login(client: Any, slug: str, email: str) -> str:
    form = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert csrf
    r = client.post(
        "/login",
        data={"tenant": slug, "email": email, "password": PASSWORD, "csrf_token": csrf.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    page = client.get("/?home")
    token = re.search(r'"X-CSRF-Token": "([^"]+)"', page.text)
    assert token
    return token.group(1)


def wait_for(predicate: Any, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_ops_page_shows_fleet_retries_failed_task_and_signals(  # type: ignore[no-untyped-def]
    start_worker, client, platform_admin, make_tenant, redis_url
) -> None:
    registry = Registry(redis.Redis.from_url(redis_url))
    smtp_port = free_port()  # nothing listens yet: the mail fails after its retries
    w = start_worker("email.send", GENIUS_SMTP_PORT=str(smtp_port), GENIUS_EMAIL_RETRY_BASE_SECONDS="0.05")
    mail = {"to": ["ana@client.ro"], "subject": "Factura FX-9", "text": "Bună ziua"}
    failed = w.app.send_task("email.send", args=[mail])
    other_tenant = make_tenant()
    tenant_task = w.app.send_task(
        "email.send", args=[{**mail, "subject": "Alt tenant"}], headers={"genius_tid": str(other_tenant.id)}
    )
    for r in (failed, tenant_task):
        wait_for(lambda r=r: any(f["id"] == r.id for f in registry.failed()), 60)

    csrf = login(client, platform_admin.slug, platform_admin.admin_email)
    page = client.get("/ops")
    assert page.status_code == 200 and 'hx-trigger="every 3s"' in page.text
    assert 'data-tag="email.send"' in page.text and failed.id in page.text
    fragment = client.get("/ops/fleet", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and failed.id in fragment.text

    # A tenant admin sees the fleet but only their own tenant's failed tasks.
    api = client.get("/v1/tasks/failed", headers=other_tenant.headers)
    assert [t["id"] for t in api.json()["items"]] == [tenant_task.id]
    assert failed.id in {
        t["id"] for t in client.get("/v1/tasks/failed", headers=platform_admin.headers).json()["items"]
    }

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        assert client.post(f"/ops/failed/{failed.id}/retry").status_code == 403  # no CSRF token
        r = client.post(
            f"/ops/failed/{failed.id}/retry", headers={"X-CSRF-Token": csrf, "HX-Request": "true"}
        )
        assert r.status_code == 200 and "trimis din nou" in r.text
        # The retry is an outbox row of the task's tenant (none here: the platform's); the relay sends it.
        publisher = CeleryTaskPublisher(w.settings, w.env["GENIUS_BROKER_URL"])
        assert len(send_deferred_tasks(client.app.state.platform, PLATFORM_TID, publisher)) == 1
        wait_for(lambda: [m for _, m in inbox.messages if m["Subject"] == "Factura FX-9"], 30)
        assert failed.id not in {f["id"] for f in registry.failed()}
        again = client.post(f"/ops/failed/{failed.id}/retry", headers={"X-CSRF-Token": csrf})
        assert again.status_code == 404
    finally:
        controller.stop()

    r = client.post(
        "/ops/workers/email.send/signal", data={"signal": "pause"}, headers={"X-CSRF-Token": csrf}
    )
    assert r.status_code == 200 and "Pauză trimisă" in r.text
    wait_for(lambda: all(i["paused"] for i in registry.describe("email.send")["instances_detail"]), 10)  # type: ignore[index]
    client.post("/ops/workers/email.send/signal", data={"signal": "resume"}, headers={"X-CSRF-Token": csrf})
    wait_for(lambda: not any(i["paused"] for i in registry.describe("email.send")["instances_detail"]), 10)  # type: ignore[index]
    bad = client.post(
        "/ops/workers/email.send/signal", data={"signal": "explode"}, headers={"X-CSRF-Token": csrf}
    )
    assert bad.status_code == 422
    assert (
        client.post(
            "/ops/workers/nope/signal", data={"signal": "pause"}, headers={"X-CSRF-Token": csrf}
        ).status_code
        == 404
    )


def test_ops_page_needs_workers_admin(client, make_tenant) -> None:  # type: ignore[no-untyped-def]
    viewer = make_tenant(role="viewer")
    login(client, viewer.slug, viewer.admin_email)
    assert client.get("/ops").status_code == 403
    assert client.get("/ops/fleet").status_code == 403
