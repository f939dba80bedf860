"""Campaign send throughput: `uv run python -m bench --suite marketing [--rows N]` (default 2,000).

The full path: ``POST /v1/crm/campaigns/{id}/send`` (audience snapshot into recipient rows, one outbox
task row per batch of 100), the outbox's task rows sent to the broker as the relay sends them
(``CeleryTaskPublisher``), a real ``genius worker -Q email.send -c 2`` running ``email.send.campaign``
(one claim + outcome commit per recipient) into a local aiosmtpd sink. In the same run, a raw
``aiosmtplib`` loop sends the same number of messages to the same sink on one connection.

Printed: messages/s of both, their ratio, and the duplicates the sink saw (must be 0).
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
import uuid
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiosmtplib
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import text

from bench.crm_import import new_tenant
from bench.workers import Worker, client, env_for
from genius.app import create_app
from genius.core.events.relay import task_message
from genius.core.platform import Platform
from genius.workers.outbox import CeleryTaskPublisher


class Sink:
    """Counts accepted messages and recipients; a recipient seen twice is a duplicate."""

    def __init__(self) -> None:
        self.count = 0
        self.seen: set[str] = set()
        self.duplicates = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.lock:
            self.count += 1
            for rcpt in envelope.rcpt_tos:
                if rcpt in self.seen:
                    self.duplicates += 1
                self.seen.add(rcpt)
        return "250 OK"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _audience(platform: Platform, tid: uuid.UUID, n: int) -> None:
    with platform.db.tenant_session(tid) as s:
        s.execute(
            text(
                "INSERT INTO crm.contacts (id, tid, first_name, email) "
                "SELECT gen_random_uuid(), :t, 'Ana', 'bench' || i || '@client.ro' "
                "FROM generate_series(1, :n) i"
            ),
            {"t": tid, "n": n},
        )
        s.execute(
            text(
                "INSERT INTO crm.consents (tid, contact_id, channel, basis, source, given_at) "
                "SELECT :t, id, 'email', 'consent', 'bench', now() FROM crm.contacts"
            ),
            {"t": tid},
        )


def _relay_tasks(platform: Platform, tid: uuid.UUID, publisher: CeleryTaskPublisher) -> int:
    """What ``genius relay`` does with task rows: send each, mark it published."""
    with platform.db.tenant_session(tid) as s:
        rows = (
            s.execute(
                text(
                    "SELECT id, tid, topic, queue, data, correlation_id, traceparent FROM core.outbox "
                    "WHERE kind = 'task' AND published_at IS NULL ORDER BY seq"
                )
            )
            .mappings()
            .all()
        )
        for row in rows:
            publisher(task_message(row))
        s.execute(
            text("UPDATE core.outbox SET published_at = now() WHERE id = ANY(:ids)"),
            {"ids": [r["id"] for r in rows]},
        )
    return len(rows)


async def _raw_loop(port: int, n: int) -> float:
    smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port)
    await smtp.connect()
    t0 = time.perf_counter()
    for i in range(n):
        msg = EmailMessage()
        msg["From"] = "bench@genius.local"
        msg["To"] = f"raw{i}@client.ro"
        msg["Subject"] = "Noutăți"
        msg.set_content("Bună ziua")
        msg.add_alternative("<p>Bună ziua</p>", subtype="html")
        await smtp.send_message(msg)
    seconds = time.perf_counter() - t0
    await smtp.quit()
    return seconds


def run(started: Any, rows: int) -> None:
    platform: Platform = started.platform
    sink = Sink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    redis_url = started.runtime.redis_url
    broker = os.environ.get("GENIUS_BENCH_BROKER", redis_url)
    data_dir = Path(platform.settings.data_dir)
    env = env_for(
        data_dir,
        redis_url,
        broker,
        GENIUS_DATABASE_URL=started.runtime.owner_dsn,
        GENIUS_SECRET_KEY=platform.settings.secret_key or "",
        GENIUS_SMTP_PORT=str(port),
        GENIUS_METRICS_PORT_WORKER="0",
    )
    worker = Worker("email.send,registry", env, data_dir / "bench-marketing-worker.log")
    try:
        worker.wait_ready(client(data_dir, redis_url, broker))
        tid, token = new_tenant(platform)
        _audience(platform, tid, rows)
        live = Platform.build(
            platform.settings.model_copy(update={"feature_campaign_send_v2": True}),
            "",
            redis_url,
            db=platform.db,
        )
        api = TestClient(create_app(live, configure_observability=False))
        headers = {"Authorization": f"Bearer {token}"}
        campaign = api.post("/v1/crm/campaigns", json={"name": "Bench"}, headers=headers).json()
        publisher = CeleryTaskPublisher(platform.settings, broker)
        body = {"subject": "Noutăți", "html": '<p>Bună ziua, <a href="https://genius.ro">citiți</a></p>'}

        t0 = time.perf_counter()
        r = api.post(f"/v1/crm/campaigns/{campaign['id']}/send", json=body, headers=headers)
        assert r.status_code == 202, r.text
        t_send = time.perf_counter() - t0
        batches = _relay_tasks(platform, tid, publisher)
        deadline = time.monotonic() + 600
        while sink.count < rows and time.monotonic() < deadline:
            time.sleep(0.05)
        t_full = time.perf_counter() - t0
        metrics = api.get(f"/v1/crm/campaigns/{campaign['id']}/metrics", headers=headers).json()

        before = sink.count
        t_raw = asyncio.run(_raw_loop(port, rows))
        assert sink.count - before == rows

        full_rate, raw_rate = rows / t_full, rows / t_raw
        print(f"# marketing: {rows:,} recipients, {batches} batches, worker -c 2 on {broker.split(':')[0]}")
        print(f"  send endpoint (snapshot + outbox rows)  {t_send:8.2f} s")
        print(f"  full path to the sink                   {t_full:8.2f} s  {full_rate:>10,.0f} msgs/s")
        print(f"  raw aiosmtplib loop (one connection)    {t_raw:8.2f} s  {raw_rate:>10,.0f} msgs/s")
        print(f"  ratio full / raw: {full_rate / raw_rate:.3f}  (goal ≥ 0.5; goal ≥ 1,000 msgs/s)")
        print(
            f"  duplicates seen by the sink: {sink.duplicates}; metrics sent={metrics['sent']} "
            f"failed={metrics['failed']} status={metrics['status']}"
        )
    finally:
        worker.stop()
        controller.stop()
