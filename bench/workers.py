"""Worker-fleet benchmarks: `uv run python -m bench --suite workers [--quick]`.

round trip   no-op task (registry.ping) send → result, sequential, p50/p95, on RabbitMQ and Redis,
             vs a raw kombu request/reply echo on the same broker
throughput   n no-op tasks in flight at once (2 worker processes) vs the raw kombu echo
relay        outbox relay events/s (PostgreSQL → exchange, confirms) vs raw kombu publish
load         the seeds' load test: 100 simultaneous tasks per base worker (latency, rate, failures)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from celery import Celery
from kombu import Connection, Exchange, Queue

from genius.config import Settings
from genius.core.events.broker import connect, kombu_url
from genius.workers.celery_app import configure

ROOT = Path(__file__).resolve().parents[1]
ECHO = """
import sys
from kombu import Connection, Queue
url, req, rep = sys.argv[1:4]
# Replies go out on their own connection: publishing on the consuming connection from inside its
# callback makes py-amqp recurse into frame handling once thousands of messages are in flight.
with Connection(url) as conn, Connection(url) as out:
    producer = out.Producer()
    def on(body, message):
        producer.publish(body, routing_key=rep, serializer="json")
        message.ack()
    with conn.Consumer([Queue(req, routing_key=req, auto_delete=True)], callbacks=[on], accept=["json"]) as c:
        c.qos(prefetch_count=100)
        print("ready", flush=True)
        while True:
            conn.drain_events()
"""


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000


def line(label: str, figure: str, baseline: str) -> None:
    print(f"  {label:<44} {figure:>26}   baseline {baseline}")


class Worker:
    def __init__(self, queues: str, env: dict[str, str], log: Path, concurrency: int = 2) -> None:
        self.log = log
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "genius.cli",
                "worker",
                "-Q",
                queues,
                "-c",
                str(concurrency),
                "--loglevel",
                "WARNING",
            ],
            env=env,
            cwd=str(ROOT),
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, app: Celery, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                app.send_task("registry.ping").get(timeout=2)
                return
            except Exception:
                if self.process.poll() is not None:
                    raise RuntimeError(self.log.read_text()[-2000:]) from None
        raise RuntimeError("worker not ready")

    def stop(self) -> None:
        import signal

        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


def env_for(data_dir: Path, redis_url: str, broker: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GENIUS_")}
    env.update(
        {
            "GENIUS_REDIS_URL": redis_url,
            "GENIUS_BROKER_URL": broker,
            "GENIUS_DATA_DIR": str(data_dir),
            "GENIUS_LOG_LEVEL": "WARNING",
            **extra,
        }
    )
    return env


def client(data_dir: Path, redis_url: str, broker: str) -> Celery:
    settings = Settings(redis_url=redis_url, broker_url=broker, data_dir=data_dir)
    return configure(Celery(f"bench-{uuid.uuid4().hex[:6]}"), settings)


def raw_echo(broker: str, n: int) -> tuple[list[float], float]:
    """Sequential request/reply latencies and the all-in-flight rate of a bare kombu echo process."""
    req, rep = f"bench.req.{uuid.uuid4().hex[:6]}", f"bench.rep.{uuid.uuid4().hex[:6]}"
    url = kombu_url(broker)
    echo = subprocess.Popen([sys.executable, "-c", ECHO, url, req, rep], stdout=subprocess.PIPE, text=True)
    try:
        assert echo.stdout is not None and echo.stdout.readline().strip() == "ready"
        with Connection(url) as conn:
            producer = conn.Producer()
            replies = conn.SimpleQueue(Queue(rep, routing_key=rep, auto_delete=True))
            latencies = []
            for i in range(n):
                t0 = time.perf_counter()
                producer.publish({"i": i}, routing_key=req, serializer="json")
                replies.get(timeout=10).ack()
                latencies.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            for i in range(n):
                producer.publish({"i": i}, routing_key=req, serializer="json")
            for _ in range(n):
                replies.get(timeout=30).ack()
            rate = n / (time.perf_counter() - t0)
            replies.close()
        return latencies, rate
    finally:
        echo.kill()


def bench_tasks(name: str, broker: str, redis_url: str, data_dir: Path, n: int) -> None:
    app = client(data_dir, redis_url, broker)
    worker = Worker("registry", env_for(data_dir, redis_url, broker), data_dir / f"worker-{name}.log")
    try:
        worker.wait_ready(app)
        for _ in range(20):  # warm-up
            app.send_task("registry.ping").get(timeout=10)
        latencies = []
        for _ in range(n):
            t0 = time.perf_counter()
            app.send_task("registry.ping").get(timeout=10)
            latencies.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        results = [app.send_task("registry.ping") for _ in range(n)]
        for r in results:
            r.get(timeout=120)
        task_rate = n / (time.perf_counter() - t0)
    finally:
        worker.stop()
    raw_lat, raw_rate = raw_echo(broker, n)
    print(f"[{name}] no-op task, n={n}, worker concurrency 2")
    line(
        "round trip p50 / p95",
        f"{pct(latencies, 50):.2f} / {pct(latencies, 95):.2f} ms",
        f"raw kombu echo {pct(raw_lat, 50):.2f} / {pct(raw_lat, 95):.2f} ms",
    )
    line("throughput (all in flight)", f"{task_rate:,.0f} tasks/s", f"raw kombu echo {raw_rate:,.0f} msg/s")


def bench_relay(owner_dsn: str, platform: Any, broker: str, name: str, n: int) -> None:
    from sqlalchemy import text

    from genius.core.db.session import app_role_url
    from genius.core.events.relay import Relay
    from genius.core.events.service import publish

    with platform.db.platform_session() as s:
        tid = s.execute(text("SELECT id FROM core.tenants LIMIT 1")).scalar()
    exchange = f"bench.events.{uuid.uuid4().hex[:6]}"
    with platform.db.tenant_session(tid) as s:
        for i in range(n):
            publish(
                s,
                "core.tenant.created",
                {"tenant_id": str(tid), "slug": f"s{i}", "name": "Bench"},
                tid=tid,
                aggregate_id=f"agg{i % 50}",
            )
    relay = Relay(
        app_role_url(owner_dsn, "genius_relay", "genius_relay"), broker, exchange=exchange, batch_size=500
    )
    t0 = time.perf_counter()
    published = 0
    while True:
        stats = relay.run_once()
        published += stats.published
        if stats.published == 0:
            break
    relay_s = time.perf_counter() - t0
    relay.close()
    body = json.dumps({"id": str(uuid.uuid4()), "topic": "core.tenant.created", "data": {"slug": "x" * 20}})
    ex = Exchange(exchange, type="topic", durable=True)
    with connect(broker) as conn:
        producer = conn.Producer()
        producer.publish(body, exchange=ex, routing_key="warm", declare=[ex])
        t0 = time.perf_counter()
        for _ in range(n):
            producer.publish(
                body,
                exchange=ex,
                routing_key="core.tenant.created",
                delivery_mode=2,
                content_type="application/json",
            )
        raw_s = time.perf_counter() - t0
    line(
        f"[{name}] outbox relay, {published:,} events",
        f"{published / relay_s:,.0f} events/s",
        f"raw kombu publish (same confirms) {n / raw_s:,.0f} msg/s",
    )


def load_test(data_dir: Path, redis_url: str, broker: str, per_worker: int) -> None:
    """The seeds' load test: `per_worker` simultaneous tasks on each base worker."""
    import threading

    from aiosmtpd.controller import Controller

    sys.path.insert(0, str(ROOT))
    from tests.conftest import LiveServer, free_port
    from tests.workers.conftest import Inbox
    from tests.workers.fake_slack import SlackState, fake_slack

    inbox, smtp_port = Inbox(), free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    slack_state, slack_port = SlackState(), free_port()
    slack = LiveServer(fake_slack(slack_state), slack_port).__enter__()
    png = _text_png()
    cases: list[tuple[str, str, Callable[[int], dict[str, Any]]]] = [
        (
            "email.send",
            "email.send",
            lambda i: {"args": [{"to": [f"c{i}@firma.ro"], "subject": f"Load {i}", "text": "Bună ziua"}]},
        ),
        ("notify.slack", "notify.slack.post", lambda i: {"args": ["#general", f"load {i}"]}),
        ("pdf.render", "pdf.render", lambda i: {"kwargs": {"template": "report", "context": _report(i)}}),
    ]
    if png is not None and shutil.which("tesseract"):
        cases.append(("ocr", "ocr.extract", lambda i: {"kwargs": {"data_b64": png, "lang": "eng"}}))
    env = env_for(
        data_dir,
        redis_url,
        broker,
        GENIUS_SMTP_PORT=str(smtp_port),
        GENIUS_SLACK_API_URL=f"http://127.0.0.1:{slack_port}/api/",
        GENIUS_SLACK_BOT_TOKEN=slack_state.token,
    )
    app = client(data_dir, redis_url, broker)
    print(
        f"[load] {per_worker} simultaneous tasks per base worker (one worker process pair each, "
        f"concurrency 2, broker {'RabbitMQ' if broker.startswith('amqp') else 'Redis'})"
    )
    try:
        for queue, task, make in cases:
            worker = Worker(f"{queue},registry", env, data_dir / f"load-{queue}.log")
            try:
                worker.wait_ready(app)
                sent: list[tuple[float, Any]] = []
                done: dict[str, float] = {}
                lock = threading.Lock()
                t0 = time.perf_counter()
                for i in range(per_worker):
                    spec = make(i)
                    sent.append(
                        (
                            time.perf_counter(),
                            app.send_task(task, args=spec.get("args"), kwargs=spec.get("kwargs")),
                        )
                    )
                failures = 0
                latencies = []
                for started, result in sent:
                    try:
                        result.get(timeout=300, propagate=True)
                    except Exception:
                        failures += 1
                    with lock:
                        done[result.id] = time.perf_counter()
                    latencies.append(done[result.id] - started)
                wall = time.perf_counter() - t0
                print(
                    f"  {queue + ' (' + task + ')':<36} p50 {pct(latencies, 50):>7,.0f} ms  "
                    f"p95 {pct(latencies, 95):>7,.0f} ms  {per_worker / wall:>7,.1f} tasks/s  "
                    f"failures {failures}/{per_worker}  (floor: the no-op round trip above)"
                )
            finally:
                worker.stop()
    finally:
        smtp.stop()
        slack.__exit__(None, None, None)


def _report(i: int) -> dict[str, Any]:
    return {
        "title": f"Raport {i}",
        "subtitle": "Vânzări",
        "generated_at": "2026-11-22",
        "columns": ["Client", "Valoare"],
        "rows": [[f"Client {j}", f"{j * 100}.00"] for j in range(20)],
    }


def _text_png() -> str | None:
    import base64
    import io

    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError:
        return None
    font_path = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    if not Path(font_path).exists():
        return None
    img = Image.new("RGB", (900, 140), "white")
    ImageDraw.Draw(img).text(
        (20, 40), "Factura FX-2026 total 238.00 RON", fill="black", font=ImageFont.truetype(font_path, 40)
    )
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return base64.b64encode(buf.getvalue()).decode()


def rabbit_url() -> str | None:
    given = os.environ.get("GENIUS_BENCH_AMQP_URL")
    if given:
        return given
    import socket

    with socket.socket() as s:
        s.settimeout(0.5)
        if s.connect_ex(("127.0.0.1", 5672)) != 0:
            server = "/usr/sbin/rabbitmq-server"
            if not Path(server).exists():
                return None
            subprocess.run([server, "-detached"], capture_output=True, check=False)
            subprocess.run(
                ["/usr/sbin/rabbitmqctl", "await_startup", "--timeout", "120"],
                capture_output=True,
                check=False,
            )
    subprocess.run(["/usr/sbin/rabbitmqctl", "add_vhost", "genius_bench"], capture_output=True, check=False)
    subprocess.run(
        ["/usr/sbin/rabbitmqctl", "set_permissions", "-p", "genius_bench", "guest", ".*", ".*", ".*"],
        capture_output=True,
        check=False,
    )
    return "amqp://guest:guest@127.0.0.1:5672/genius_bench"


def run(quick: bool, started: Any, settings: Settings) -> None:
    n = 200 if quick else 1000
    data_dir = Path(tempfile.mkdtemp(prefix="genius-bench-workers-"))
    redis_url = started.runtime.redis_url
    brokers = [("redis", kombu_url(redis_url))]
    amqp = rabbit_url()
    if amqp:
        brokers.insert(0, ("rabbitmq", amqp))
    else:
        print("  (RabbitMQ not installed: its figures are skipped; `make test` installs it)")
    try:
        for name, broker in brokers:
            bench_tasks(name, broker, redis_url, data_dir, n)
        for name, broker in brokers:
            bench_relay(started.runtime.owner_dsn, started.platform, broker, name, 1000 if quick else 5000)
        load_test(data_dir, redis_url, brokers[0][1], 20 if quick else 100)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
