"""Campaign send throughput: `uv run python -m bench --suite marketing [--rows N]` (default 2,000).

The full path: ``POST /v1/crm/campaigns/{id}/send`` (audience snapshot into recipient rows, one outbox
task row per batch of 100), the outbox's task rows sent to the broker as the relay sends them
(``CeleryTaskPublisher``), a real ``genius worker -Q email.send -c 2`` running ``email.send.campaign``
(a claim + outcome commit per chunk of ``GENIUS_CAMPAIGN_SMTP_CONNECTIONS`` recipients, one message in
flight on each connection) into a local aiosmtpd sink running in its own process. In the same run, two
raw ``aiosmtplib`` loops send the same number of messages to the same sink on one connection: one
building each message with the stdlib's ``EmailMessage``, one sending bytes rendered beforehand.

Printed: messages/s of each, the ratios, and the duplicates the sink saw (must be 0).
"""

from __future__ import annotations

import asyncio
import multiprocessing
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
    """Counts accepted messages; a recipient seen twice is a duplicate. Runs in its own process, as a
    real SMTP server would: in the benchmark's process it would share one interpreter lock with the
    clients it measures (it did until stop 26: every round trip then waited for a thread switch)."""

    def __init__(self, count: Any, duplicates: Any) -> None:
        self.count = count
        self.duplicates = duplicates
        self.seen: set[str] = set()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        for rcpt in envelope.rcpt_tos:
            if rcpt in self.seen:
                with self.duplicates.get_lock():
                    self.duplicates.value += 1
            self.seen.add(rcpt)
        with self.count.get_lock():
            self.count.value += 1
        return "250 OK"


def _serve_sink(port: int, count: Any, duplicates: Any, ready: Any) -> None:
    controller = Controller(Sink(count, duplicates), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    threading.Event().wait()


class SinkProcess:
    """The aiosmtpd sink in a child process, with its counters in shared memory."""

    def __init__(self, port: int) -> None:
        spawn = multiprocessing.get_context("spawn")
        self._count = spawn.Value("q", 0)
        self._duplicates = spawn.Value("q", 0)
        ready = spawn.Event()
        self._process = spawn.Process(
            target=_serve_sink, args=(port, self._count, self._duplicates, ready), daemon=True
        )
        self._process.start()
        if not ready.wait(30):
            raise RuntimeError("the SMTP sink did not start")

    @property
    def count(self) -> int:
        return int(self._count.value)

    @property
    def duplicates(self) -> int:
        return int(self._duplicates.value)

    def stop(self) -> None:
        self._process.kill()
        self._process.join(10)


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


async def _raw_loop(port: int, n: int, *, prerendered: bool) -> float:
    """``n`` messages on one connection, as a plain script would send them: built with the stdlib's
    ``EmailMessage`` and ``send_message``, or (``prerendered``) as bytes written once before the loop
    and sent with ``sendmail``, which leaves only the SMTP exchange to measure."""
    smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port)
    await smtp.connect()
    tag = "pre" if prerendered else "raw"
    body = b"".join(b"Buna ziua, cititi articolul nostru despre e-Factura.\r\n" for _ in range(20))
    ready = [
        (f"{tag}{i}@client.ro", f"From: bench@genius.local\r\nTo: {tag}{i}@client.ro\r\n".encode() + body)
        for i in range(n if prerendered else 0)
    ]
    t0 = time.perf_counter()
    if prerendered:
        for to, data in ready:
            await smtp.sendmail("bench@genius.local", [to], data)
    else:
        for i in range(n):
            msg = EmailMessage()
            msg["From"] = "bench@genius.local"
            msg["To"] = f"{tag}{i}@client.ro"
            msg["Subject"] = "Noutăți"
            msg.set_content("Bună ziua")
            msg.add_alternative("<p>Bună ziua</p>", subtype="html")
            await smtp.send_message(msg)
    seconds = time.perf_counter() - t0
    await smtp.quit()
    return seconds


def run(started: Any, rows: int) -> None:
    platform: Platform = started.platform
    port = _free_port()
    sink = SinkProcess(port)
    redis_url = started.runtime.redis_url
    broker = os.environ.get("GENIUS_BENCH_BROKER", redis_url)
    connections = platform.settings.campaign_smtp_connections  # GENIUS_CAMPAIGN_SMTP_CONNECTIONS
    data_dir = Path(platform.settings.data_dir)
    env = env_for(
        data_dir,
        redis_url,
        broker,
        GENIUS_DATABASE_URL=started.runtime.owner_dsn,
        GENIUS_SECRET_KEY=platform.settings.secret_key or "",
        GENIUS_SMTP_PORT=str(port),
        GENIUS_METRICS_PORT_WORKER="0",
        GENIUS_CAMPAIGN_SMTP_CONNECTIONS=str(connections),
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
        t_raw = asyncio.run(_raw_loop(port, rows, prerendered=False))
        t_pre = asyncio.run(_raw_loop(port, rows, prerendered=True))
        assert sink.count - before == 2 * rows

        full_rate, raw_rate, pre_rate = rows / t_full, rows / t_raw, rows / t_pre
        print(
            f"# marketing: {rows:,} recipients, {batches} batches, worker -c 2 on {broker.split(':')[0]}, "
            f"{connections} SMTP connections per batch"
        )
        print(f"  send endpoint (snapshot + outbox rows)  {t_send:8.2f} s")
        print(f"  full path to the sink                   {t_full:8.2f} s  {full_rate:>10,.0f} msgs/s")
        print(f"  raw aiosmtplib loop (one connection)    {t_raw:8.2f} s  {raw_rate:>10,.0f} msgs/s")
        print(f"  raw loop, messages rendered beforehand  {t_pre:8.2f} s  {pre_rate:>10,.0f} msgs/s")
        print(
            f"  ratio full / raw: {full_rate / raw_rate:.3f}, full / pre-rendered: {full_rate / pre_rate:.3f}"
            "  (goal ≥ 0.5; goal ≥ 1,000 msgs/s)"
        )
        print(
            f"  duplicates seen by the sink: {sink.duplicates}; metrics sent={metrics['sent']} "
            f"failed={metrics['failed']} status={metrics['status']}"
        )
    finally:
        worker.stop()
        sink.stop()
