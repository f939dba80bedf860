"""Quota guardian throughput: `uv run python -m bench --suite outreach [--quick]`.

Python's decisions per second (``QuotaGuardian.check``: the real script by SHA, 20 phones of 200, a
mix of new contacts, follow-ups and, once the phones are full, refusals that walk every phone) against
``redis-benchmark`` running a no-op ``EVALSHA`` on the same Redis in the same run (one client, like the
Python loop; 50 clients as context). Printed: rates, the ratio (goal >= 0.25) and the Python p50/p99
latency of one decision (goal p99 < 2 ms). The clock is fixed at a Wednesday 10:00 in Bucharest so every
decision takes the full path instead of the early "outside business hours" refusal.
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import time
import uuid
from datetime import datetime
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import redis

from genius.outreach.quota import QuotaGuardian

WEDNESDAY_10 = datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("Europe/Bucharest")).timestamp()


def _redis_benchmark(url: str, sha: str, n: int, clients: int) -> float | None:
    exe = shutil.which("redis-benchmark")
    if exe is None:
        return None
    parsed = urlparse(url)
    where = (
        ["-s", parsed.path]
        if parsed.scheme == "unix"
        else ["-h", parsed.hostname or "127.0.0.1", "-p", str(parsed.port or 6379)]
    )
    out = subprocess.run(
        [exe, *where, "-n", str(n), "-c", str(clients), "-q", "evalsha", sha, "0"],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout
    found = re.findall(r"([\d.]+) requests per second", out.replace(",", ""))
    return float(found[-1]) if found else None


def run(started: Any, quick: bool) -> None:
    url = started.runtime.redis_url
    client = redis.Redis.from_url(url)
    n = 5_000 if quick else 40_000
    tid = uuid.uuid4()
    guardian = QuotaGuardian(client, clock=lambda: WEDNESDAY_10)
    guardian.sync_phones(tid, [(f"phone-{i:02d}", "ACTIVE", 200) for i in range(20)])
    leads = [uuid.uuid4() for _ in range(n)]
    client.config_resetstat()
    latencies = []
    outcomes: dict[str, int] = {}
    t0 = time.perf_counter()
    for i, lead in enumerate(leads):
        start = time.perf_counter()
        d = guardian.check(tid, lead if i % 2 else leads[i // 2], new_contact=bool(i % 2))
        latencies.append(time.perf_counter() - start)
        outcomes[d.reason] = outcomes.get(d.reason, 0) + 1
    elapsed = time.perf_counter() - t0
    ours = n / elapsed
    server_us = client.info("commandstats").get("cmdstat_evalsha", {}).get("usec_per_call", 0.0)
    noop_sha = client.script_load("return 0")
    one = _redis_benchmark(url, noop_sha, n, 1)
    fifty = _redis_benchmark(url, noop_sha, n, 50)
    q = statistics.quantiles(latencies, n=100)
    print(
        f"outreach    quota decisions {ours:>10,.0f}/s  p50 {q[49] * 1000:.3f} ms  p99 {q[98] * 1000:.3f} ms"
        f"  ({', '.join(f'{k} {v}' for k, v in sorted(outcomes.items()))})"
    )
    print(f"outreach    script time inside Redis {server_us:.1f} us per decision (INFO commandstats)")
    if one is None:
        print("outreach    redis-benchmark not found (Debian: apt-get install redis-tools): no baseline")
        return
    print(f"outreach    redis-benchmark no-op EVALSHA {one:>10,.0f}/s (1 client), {fifty or 0:,.0f}/s (50)")
    print(f"outreach    ratio {ours / one:.2f}x of redis-benchmark with 1 client (goal >= 0.25, p99 < 2 ms)")
    client.delete(*[k for k in client.scan_iter(match=f"{{outreach:{tid}}}*")])
