"""Platform-core benchmarks: `make bench` (or `uv run python -m bench [--quick]`).

Each figure is printed next to a baseline measured in the same run:
  tokens      our issue/verify vs bare PyJWT RS256 with the same key
  token HTTP  POST /v1/auth/token (client_credentials) vs GET /health over the same HTTP stack
  tenants     provisioning (service and HTTP)
  audit       hash-chained appends vs raw INSERTs into a scratch table
  limiter     Lua token bucket vs raw Redis INCR
  demo        `genius demo` cold start, first and second run on a fresh data dir
  compliance  e-Factura generated+validated per second vs raw lxml XSD validation (bench/compliance.py)
  crm-search  GET /v1/crm/leads?search&status p50/p95 on 2 tenants x --rows leads vs /health and raw SQL
  crm-import  CSV import of --rows leads (upload → etl.sync job) vs a raw COPY of the same file
  ui          each web page's LCP and TTFB in Chromium, demo data and a tenant of --rows leads (bench/ui.py)
  marketing   campaign send, full path to an SMTP sink vs a raw aiosmtplib loop (bench/marketing.py)
  outreach    quota guardian decisions/s vs redis-benchmark's no-op EVALSHA, same Redis (bench/outreach.py)
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import jwt
import uvicorn
from sqlalchemy import text

from genius.app import create_app
from genius.bootstrap import start
from genius.config import Settings
from genius.core.audit import service as audit
from genius.core.auth import service as auth
from genius.core.kit.ratelimit import Limit
from genius.core.tenancy import service as tenancy


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:,.0f}/s"


def timed(fn: Any, n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return time.perf_counter() - t0


def bench_tokens(platform: Any, tid: uuid.UUID, n: int) -> None:
    key = platform.keys.signing_key("jwt")
    t_issue = timed(lambda: platform.tokens.issue(sub="u", tid=tid, scopes=["crm:read"], role="sales"), n)
    token, _ = platform.tokens.issue(sub="u", tid=tid, scopes=["crm:read"], role="sales")
    t_verify = timed(lambda: platform.tokens.verify(token), n)
    claims = jwt.decode(token, options={"verify_signature": False})
    t_raw_sign = timed(
        lambda: jwt.encode(claims, key.private, algorithm="RS256", headers={"kid": key.kid}), n
    )
    pub = key.public
    t_raw_verify = timed(lambda: jwt.decode(token, pub, algorithms=["RS256"], audience=claims["aud"]), n)
    print(f"tokens      issued {rate(n, t_issue):>10}   (raw PyJWT sign   {rate(n, t_raw_sign)})")
    print(f"tokens      verified {rate(n, t_verify):>8}   (raw PyJWT verify {rate(n, t_raw_verify)})")


def bench_http(platform: Any, redis_url: str | None, n: int) -> None:
    port = _free_port()
    settings = platform.settings.model_copy(update={"public_url": f"http://127.0.0.1:{port}"})
    from genius.core.platform import Platform

    live = Platform.build(settings, "", redis_url, db=platform.db)
    app = create_app(live, configure_observability=False)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    th = threading.Thread(target=server.run, daemon=True)
    th.start()
    while not server.started:
        time.sleep(0.02)
    try:
        with platform.db.platform_session() as s:
            tenant = auth.find_tenant(s, "bench-http")
        if tenant is None:
            tenancy.provision_tenant(
                platform.db,
                platform.passwords,
                slug="bench-http",
                name="Bench",
                admin_email="a@bench.ro",
                admin_password="0123456789ab",
                actor="bench",
            )
            with platform.db.platform_session() as s:
                tenant = auth.find_tenant(s, "bench-http")
        assert tenant is not None
        with platform.db.tenant_session(tenant.id) as s:
            sa, secret = auth.create_service_account(s, platform.passwords, tenant, name="bench", role="ops")
        base = f"http://127.0.0.1:{port}"
        with httpx.Client() as c:
            c.get(f"{base}/health")
            t_health = timed(lambda: c.get(f"{base}/health"), n)
            form = {"grant_type": "client_credentials", "client_id": sa.client_id, "client_secret": secret}
            t_token = timed(lambda: c.post(f"{base}/v1/auth/token", data=form).raise_for_status(), n)
            tok = c.post(f"{base}/v1/auth/token", data=form).json()["access_token"]
            hdr = {"Authorization": f"Bearer {tok}"}
            t_me = timed(lambda: c.get(f"{base}/v1/auth/me", headers=hdr).raise_for_status(), n)
        print(f"http        POST /v1/auth/token (client_credentials) {rate(n, t_token):>8}")
        print(
            f"http        GET /v1/auth/me (verify + rate limit) {rate(n, t_me):>7}"
            f"   (raw HTTP GET /health {rate(n, t_health)})"
        )
    finally:
        server.should_exit = True
        th.join(10)


def bench_tenants(platform: Any, n: int) -> None:
    times = []
    for _ in range(n):
        slug = f"b-{uuid.uuid4().hex[:10]}"
        t0 = time.perf_counter()
        tenancy.provision_tenant(
            platform.db,
            platform.passwords,
            slug=slug,
            name="Bench SRL",
            admin_email=f"a@{slug}.ro",
            admin_password="0123456789ab",
            actor="bench",
        )
        times.append(time.perf_counter() - t0)
    times.sort()
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    print(
        f"tenants     provisioning median {statistics.median(times) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, "
        f"max {times[-1] * 1000:.1f} ms over {n} (argon2 hash included)"
    )


def bench_audit(platform: Any, n: int) -> None:
    with platform.db.platform_session() as s:
        tenant = auth.find_tenant(s, "bench-http")
    assert tenant is not None
    t0 = time.perf_counter()
    with platform.db.tenant_session(tenant.id) as s:
        for i in range(n):
            audit.record(s, tenant.id, "bench.event", actor="bench", target=str(i), data={"i": i})
    t_audit = time.perf_counter() - t0
    t0 = time.perf_counter()
    with platform.db.platform_session() as s:
        s.execute(
            text("CREATE TEMP TABLE scratch (tid uuid, seq bigint, data jsonb, hash text) ON COMMIT DROP")
        )
        for i in range(n):
            s.execute(
                text("INSERT INTO scratch VALUES (:t, :i, CAST(:d AS jsonb), :h)"),
                {"t": tenant.id, "i": i, "d": '{"i": 1}', "h": "0" * 64},
            )
    t_raw = time.perf_counter() - t0
    print(f"audit       chained appends {rate(n, t_audit):>8}   (raw INSERT {rate(n, t_raw)})")


def bench_limiter(platform: Any, n: int) -> None:
    lim = Limit.parse("1000000/s")
    t_lua = timed(lambda: platform.limiter.hit("bench", lim), n)
    t_raw = timed(lambda: platform.redis.incr("genius:bench:raw"), n)
    print(f"limiter     Lua token bucket {rate(n, t_lua):>8}   (raw Redis INCR {rate(n, t_raw)})")


def bench_demo_cold_start() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="genius-bench-demo-"))
    try:
        for label in ("first run (empty data dir)", "second run (existing data)"):
            port = _free_port()
            env = {
                **os.environ,
                "GENIUS_DATA_DIR": str(tmp),
                "GENIUS_PORT": str(port),
                "GENIUS_LOG_LEVEL": "WARNING",
            }
            for key in ("GENIUS_DATABASE_URL", "GENIUS_REDIS_URL"):
                env.pop(key, None)
            t0 = time.perf_counter()
            proc = subprocess.Popen(
                [sys.executable, "-m", "genius.cli", "demo"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            assert proc.stdout is not None
            line = ""
            while "Press Ctrl-C" not in line:
                line = proc.stdout.readline()
                if not line and proc.poll() is not None:
                    raise RuntimeError("demo exited")
            # Ready means serving: one request through the full stack.
            httpx.get(f"http://127.0.0.1:{port}/health/ready").raise_for_status()
            elapsed = time.perf_counter() - t0
            proc.send_signal(signal.SIGINT)
            proc.wait(60)
            print(f"demo        cold start, {label}: {elapsed:.2f} s to first ready response")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--suite",
        choices=[
            "all",
            "core",
            "workers",
            "compliance",
            "crm-search",
            "crm-import",
            "ui",
            "marketing",
            "outreach",
            "outreach-leads",
            "sales",
        ],
        default="all",
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="crm suites: leads per tenant")
    parser.add_argument("--requests", type=int, default=400, help="crm-search: measured requests")
    parser.add_argument("--visits", type=int, default=20, help="ui: measured visits per page")
    args = parser.parse_args()
    from genius.core.observability.logging import configure_logging

    configure_logging("WARNING", True)
    if args.suite == "compliance":  # pure CPU work: no database or broker needed
        from bench import compliance

        compliance.run(quick=args.quick)
        return
    n = 200 if args.quick else 2000
    data_dir = Path(tempfile.mkdtemp(prefix="genius-bench-"))
    settings = Settings(
        data_dir=data_dir,
        log_level="WARNING",
        rate_limit_enabled=True,
        rate_limit_user="1000000/s",
        rate_limit_ip="100000000/min",
        rate_limit_routes={},
    )
    started = start(settings)
    try:
        with started.platform.db.platform_session() as s:
            tid = s.execute(text("SELECT gen_random_uuid()")).scalar()
            server = s.execute(text("SHOW server_version")).scalar()
            trgm = s.execute(text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).scalar()
        where = "embedded" if settings.database_url is None else "GENIUS_DATABASE_URL"
        print(
            f"# genius bench ({'quick' if args.quick else 'full'}), n={n}, PostgreSQL {server} {where} "
            f"({'with' if trgm else 'without'} pg_trgm), Redis embedded"
        )
        if args.suite in ("all", "core"):
            bench_tokens(started.platform, tid, n)
            bench_tenants(started.platform, 20 if args.quick else 50)
            bench_http(started.platform, started.runtime.redis_url, n // 4)
            bench_audit(started.platform, n)
            bench_limiter(started.platform, n)
        if args.suite in ("all", "workers"):
            from bench import workers

            if args.suite == "workers":  # the relay benchmark publishes as a tenant
                tenancy.provision_tenant(
                    started.platform.db,
                    started.platform.passwords,
                    slug="bench",
                    name="Bench",
                    admin_email="admin@bench.local",
                    admin_password="bench-password-1",
                    actor="bench",
                )
            workers.run(args.quick, started, settings)
        if args.suite == "crm-search":  # not in "all": it loads two tenants of --rows leads each
            from bench import crm_search

            crm_search.run(started, args.rows, args.requests)
        if args.suite == "crm-import":  # not in "all": a million-row CSV import vs a raw COPY
            from bench import crm_import

            crm_import.run(started, args.rows)
        if args.suite == "marketing":  # not in "all": --rows recipients (default here 2,000)
            from bench import marketing

            marketing.run(started, args.rows if args.rows != 1_000_000 else 2_000)
        if args.suite in ("all", "outreach"):
            from bench import outreach

            outreach.run(started, args.quick)
        if args.suite == "outreach-leads":  # not in "all": --rows journeys (default here 100,000)
            from bench import outreach_leads

            outreach_leads.run(started, args.rows if args.rows != 1_000_000 else 100_000, args.requests)
        if args.suite in ("all", "sales"):
            from bench import sales

            sales.run(started, args.quick)
        if args.suite == "ui":  # not in "all": Chromium over every page, on demo data and --rows leads
            from bench import ui

            ui.run(started, args.rows, args.visits)
    finally:
        started.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    if args.suite in ("all", "core"):
        bench_demo_cold_start()
    if args.suite in ("all", "compliance"):
        from bench import compliance

        compliance.run(quick=args.quick)


if __name__ == "__main__":
    main()
