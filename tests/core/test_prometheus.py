"""The alert rules and the metrics endpoints, checked by a real Prometheus (Debian's `prometheus`
package, installed by `make test`): promtool validates and unit-tests the rules, and a Prometheus
process scrapes a live API, a running `genius relay` and a running `genius consume`."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import URL

from tests.conftest import ROOT, SECRET, LiveServer, free_port

RULES = ROOT / "deploy" / "prometheus" / "alerts.yml"
RULE_TESTS = ROOT / "deploy" / "prometheus" / "alerts.test.yml"
EXAMPLE_CONFIG = ROOT / "deploy" / "prometheus" / "prometheus.yml"


def binary(name: str) -> str:
    path = shutil.which(name) or f"/usr/bin/{name}"
    if not Path(path).exists():
        pytest.fail(
            f"{name} is not installed: `make test` installs Debian's prometheus package "
            "(apt-get install prometheus), which provides /usr/bin/prometheus and /usr/bin/promtool"
        )
    return path


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([binary("promtool"), *args], capture_output=True, text=True, timeout=120)


def test_alert_rules_are_valid_and_fire_as_specified() -> None:
    checked = promtool("check", "rules", str(RULES))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = promtool("test", "rules", str(RULE_TESTS))
    assert tested.returncode == 0, tested.stdout + tested.stderr
    example = promtool("check", "config", str(EXAMPLE_CONFIG))
    assert example.returncode == 0, example.stdout + example.stderr


def test_alert_rules_use_metrics_the_code_exports() -> None:
    text = RULES.read_text()
    for name in (
        "genius_http_requests_total",
        "genius_http_request_duration_seconds_bucket",
        "genius_task_queue_wait_seconds_bucket",
        "genius_queue_depth",
        "genius_outbox_oldest_age_seconds",
        "genius_worker_status",
        "genius_worker_up",
        "genius_task_runs_total",
        "genius_events_consumed_total",
        "genius_outreach_phones",
        "genius_outreach_quota_exhausted_phones",
        "genius_outreach_review_sla_breached",
        "genius_outreach_bounce_rate",
        "genius_outreach_emails_sent_today",
    ):
        assert name in text
    from prometheus_client import Gauge

    from genius.core.observability.middleware import REQUEST_DURATION
    from genius.outreach.overview import metrics as outreach_metrics

    exported = {g._name for g in vars(outreach_metrics).values() if isinstance(g, Gauge)}
    assert set(re.findall(r"genius_outreach_[a-z_]+", text)) == exported

    assert 0.25 in REQUEST_DURATION._upper_bounds  # the SLO's threshold is a bucket bound


def write_config(path: Path, targets: dict[str, str], interval: str = "1s") -> Path:
    """A Prometheus config (JSON is YAML) scraping each job's target and loading our rules."""
    config = {
        "global": {"scrape_interval": interval, "evaluation_interval": interval, "scrape_timeout": interval},
        "rule_files": [str(RULES)],
        "scrape_configs": [
            {"job_name": job, "static_configs": [{"targets": [target]}]} for job, target in targets.items()
        ],
    }
    path.write_text(json.dumps(config, indent=2))
    return path


class Prometheus:
    def __init__(self, config: Path, data: Path, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.args = [
            binary("prometheus"),
            f"--config.file={config}",
            f"--storage.tsdb.path={data}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--log.level=warn",
        ]
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Prometheus:
        self.process = subprocess.Popen(
            self.args, stdout=self.log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{self.url}/-/ready", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"prometheus did not start:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.2)

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def query(self, promql: str) -> list[dict[str, Any]]:
        r = httpx.get(f"{self.url}/api/v1/query", params={"query": promql}, timeout=5)
        r.raise_for_status()
        return list(r.json()["data"]["result"])

    def wait_for(self, promql: str, timeout: float = 30.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while True:
            result = self.query(promql)
            if result or time.monotonic() > deadline:
                return result
            time.sleep(0.5)


def spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "genius.cli", *args],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        cwd=str(ROOT),
        start_new_session=True,
    )


def wait_metrics(url: str, proc: subprocess.Popen[bytes], log: Path, expect: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while True:
        try:
            r = httpx.get(url, timeout=2)
            if r.status_code == 200 and expect in r.text:
                return r.text
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not serve {expect}:\n{log.read_text()[-3000:]}")
        time.sleep(0.3)


@pytest.fixture
def processes(tmp_path: Path, owner_url: URL, redis_url: str) -> Iterator[dict[str, str]]:
    """`genius relay` and `genius consume` on a private broker keyspace, each with its metrics port."""
    relay_port, consume_port = free_port(), free_port()
    broker = redis_url + ("&" if "?" in redis_url else "?") + "db=9"  # not the other tests' queues
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GENIUS_", "PROMETHEUS_"))}
    env.update(
        {
            "GENIUS_DATABASE_URL": owner_url.render_as_string(hide_password=False),
            "GENIUS_REDIS_URL": redis_url,
            "GENIUS_BROKER_URL": broker,
            "GENIUS_SECRET_KEY": SECRET,
            "GENIUS_DATA_DIR": str(tmp_path / "data"),
            "GENIUS_EVENTS_EXCHANGE": f"genius.events.prom.{uuid.uuid4().hex[:8]}",
            "GENIUS_METRICS_PORT_RELAY": str(relay_port),
            "GENIUS_METRICS_PORT_CONSUME": str(consume_port),
            "GENIUS_LOG_LEVEL": "INFO",
        }
    )
    procs = []
    try:
        relay_log, consume_log = tmp_path / "relay.log", tmp_path / "consume.log"
        relay = spawn(["relay"], env, relay_log)
        procs.append(relay)
        consume = spawn(["consume"], env, consume_log)
        procs.append(consume)
        relay_url = f"http://127.0.0.1:{relay_port}/metrics"
        consume_url = f"http://127.0.0.1:{consume_port}/metrics"
        # Counters of every known topic exist from the start (at 0), so rate() sees the first event.
        wait_metrics(relay_url, relay, relay_log, "genius_outbox_published_total{")
        wait_metrics(consume_url, consume, consume_log, "genius_events_consumed_total{")
        yield {"relay": f"127.0.0.1:{relay_port}", "consume": f"127.0.0.1:{consume_port}"}
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
                try:
                    p.wait(20)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)
                    p.wait(5)


def test_prometheus_scrapes_api_relay_and_consumers(
    tmp_path: Path, live_server: LiveServer, processes: dict[str, str]
) -> None:
    httpx.get(f"{live_server.url}/health", timeout=5)
    targets = {
        "genius-api": live_server.url.removeprefix("http://"),
        "genius-relay": processes["relay"],
        "genius-consume": processes["consume"],
    }
    config = write_config(tmp_path / "prometheus.yml", targets)
    checked = promtool("check", "config", str(config))
    assert checked.returncode == 0, checked.stdout + checked.stderr

    with Prometheus(config, tmp_path / "tsdb", tmp_path / "prometheus.log") as prom:
        up = prom.wait_for('count(up{job=~"genius-.*"} == 1) == 3')
        assert up, prom.query("up")
        age = prom.wait_for('genius_outbox_oldest_age_seconds{job="genius-relay"}')
        assert age and float(age[0]["value"][1]) >= 0
        for counter in (
            "genius_outbox_published_total",
            "genius_outbox_publish_failures_total",
            "genius_outbox_dead",
        ):
            assert prom.wait_for(f'{counter}{{job="genius-relay"}}'), counter
        consumed = prom.wait_for('genius_events_consumed_total{job="genius-consume",outcome="handled"}')
        assert consumed and {s["metric"]["consumer"] for s in consumed} == {"crm", "sales"}
        assert prom.wait_for('genius_events_consumed_total{job="genius-consume",outcome="error"}')
        requests = prom.wait_for('genius_http_requests_total{job="genius-api",route="/health"}')
        assert requests and float(requests[0]["value"][1]) >= 1
        assert prom.wait_for('genius_http_request_duration_seconds_bucket{job="genius-api",le="0.25"}')

        # Every rule of alerts.yml evaluates without error against these live series.
        deadline = time.monotonic() + 30
        while True:
            groups = httpx.get(f"{prom.url}/api/v1/rules", timeout=5).json()["data"]["groups"]
            rules = [r for g in groups for r in g["rules"]]
            if rules and all(r["health"] == "ok" for r in rules):
                break
            if time.monotonic() > deadline:
                bad = [(r["name"], r["health"], r.get("lastError")) for r in rules if r["health"] != "ok"]
                pytest.fail(f"rules not healthy: {bad}")
            time.sleep(0.5)
        assert len(rules) >= 15
