"""CRM list/search latency on a large tenant: `uv run python -m bench --suite crm-search [--rows N]`.

Two tenants of N leads each (default 1,000,000) are loaded with COPY and vacuumed, then
``GET /v1/crm/leads?search=…&status=…`` is called over real HTTP (uvicorn, loopback) with a mix of
terms: plain and diacritic-free words, a city with diacritics, an e-mail fragment and a misspelt
name (trigram fallback). Printed: server-side p50/p95 (the ``Server-Timing`` header), client p50/p95,
and in the same run the baselines: ``GET /health`` over the same HTTP stack and the same search as
raw SQL on one connection.
"""

from __future__ import annotations

import random
import statistics
import threading
import time
import uuid
from typing import Any

import httpx
import psycopg
import uvicorn
from sqlalchemy import text

from genius.app import create_app
from genius.core.platform import Platform
from genius.core.tenancy import service as tenancy

FIRST = [
    "Andrei", "Alexandru", "Ioana", "Maria", "Elena", "Mihai", "Ștefan", "Cristina", "Gabriel", "Ana",
    "Vlad", "Radu", "Bianca", "Florin", "Irina", "Sorin", "Adriana", "Cătălin", "Daniela", "Bogdan",
]  # fmt: skip
LAST = [
    "Popescu", "Ionescu", "Popa", "Dumitrescu", "Stan", "Stoica", "Gheorghe", "Matei", "Ciobanu", "Rusu",
    "Munteanu", "Constantin", "Marin", "Tudor", "Dinu", "Șerban", "Lungu", "Nistor", "Toma", "Barbu",
    "Moldovan", "Florea", "Neagu", "Mocanu", "Ene", "Oprea", "Voicu", "Țurcanu", "Pavel", "Roman",
]  # fmt: skip
CITIES = [
    ("București", "B"), ("Cluj-Napoca", "CJ"), ("Timișoara", "TM"), ("Iași", "IS"), ("Brașov", "BV"),
    ("Constanța", "CT"), ("Craiova", "DJ"), ("Galați", "GL"), ("Ploiești", "PH"), ("Oradea", "BH"),
    ("Sibiu", "SB"), ("Bacău", "BC"), ("Pitești", "AG"), ("Arad", "AR"), ("Suceava", "SV"),
]  # fmt: skip
WORDS = [
    "Agro", "Construct", "Trans", "Med", "Tech", "Logistic", "Distribuție", "Consult", "Impex", "Service",
    "Energie", "Design", "Auto", "Farm", "Soft", "Invest", "Comerț", "Industrial", "Nord", "Carpați",
]  # fmt: skip
STATUSES = ["new"] * 6 + ["qualified"] * 3 + ["disqualified"]
SOURCES = ["web", "import", "referral", "event", "cold"]
TERMS = [
    ("popescu", "qualified"),
    ("Brașov", "new"),
    ("brasov agro", "disqualified"),
    ("Ionescu Cluj", None),
    ("gmail", "qualified"),
    ("Țurcanu", "new"),
    ("constructii", None),
    ("dumitresku", "qualified"),  # misspelt: trigram fallback
]


def _load(owner_dsn: str, tid: uuid.UUID, rows: int, seed: int) -> float:
    rng = random.Random(seed)
    t0 = time.perf_counter()
    with psycopg.connect(owner_dsn, autocommit=False) as conn, conn.cursor() as cur:
        with cur.copy(
            "COPY crm.leads (tid, first_name, last_name, email, phone, company_name, city, county, source, "
            "status, created_by, created_at, updated_at) FROM STDIN"
        ) as copy:
            base = time.time() - rows
            for i in range(rows):
                first, last = rng.choice(FIRST), rng.choice(LAST)
                city, county = rng.choice(CITIES)
                company = f"{rng.choice(WORDS)} {rng.choice(WORDS)} SRL"
                mail = (
                    f"{first.lower()}.{last.lower()}{i}@{rng.choice(['gmail.com', 'yahoo.ro', 'firma.ro'])}"
                )
                stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(base + i))
                copy.write_row(
                    (
                        tid, first, last, mail, f"+4072{rng.randrange(10**7):07d}", company, city, county,
                        rng.choice(SOURCES), rng.choice(STATUSES), "bench", stamp, stamp,
                    )
                )  # fmt: skip
        conn.commit()
    took = time.perf_counter() - t0
    # What autovacuum does after a bulk load (the GIN pending list, visibility map, statistics); the
    # figures below are for that steady state, not for the minutes right after a load.
    with psycopg.connect(owner_dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE crm.leads")
    return took


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _serve(platform: Platform, redis_url: str | None) -> tuple[uvicorn.Server, str, Platform]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = platform.settings.model_copy(update={"public_url": f"http://127.0.0.1:{port}"})
    live = Platform.build(settings, "", redis_url, db=platform.db)
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(live, configure_observability=False),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            access_log=False,
        )
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}", live


def run(started: Any, rows: int, requests: int) -> None:
    platform: Platform = started.platform
    owner_dsn = started.runtime.owner_dsn
    tenants = []
    for slug in ("bench-a", "bench-b"):
        result = tenancy.provision_tenant(
            platform.db,
            platform.passwords,
            slug=slug,
            name=slug,
            admin_email=f"admin@{slug}.local",
            admin_password="bench-password-1",
            actor="bench",
        )
        tenants.append(result.tenant.id)
    for i, tid in enumerate(tenants):
        took = _load(owner_dsn, tid, rows, seed=i)
        print(
            f"crm-search  loaded {rows:,} leads into tenant {i + 1} "
            f"in {took:.1f} s ({rows / took:,.0f} rows/s)"
        )
    server, url, live = _serve(platform, started.runtime.redis_url)
    token, _ = live.tokens.issue(sub="bench", tid=tenants[0], scopes=["crm:read"], role="sales")
    headers = {"Authorization": f"Bearer {token}"}
    server_ms: list[float] = []
    client_ms: list[float] = []
    per_term: dict[str, list[float]] = {}
    try:
        with httpx.Client(base_url=url, headers=headers, timeout=30) as http:
            for term, status in TERMS:  # warm-up: plans and caches
                http.get("/v1/crm/leads", params={"search": term, **({"status": status} if status else {})})
            for i in range(requests):
                term, status = TERMS[i % len(TERMS)]
                params = {"search": term, "limit": "50", **({"status": status} if status else {})}
                t0 = time.perf_counter()
                r = http.get("/v1/crm/leads", params=params)
                client_ms.append((time.perf_counter() - t0) * 1000)
                if r.status_code != 200:
                    raise RuntimeError(f"{r.status_code}: {r.text[:300]}")
                took = float(r.headers["server-timing"].split("dur=")[1])
                server_ms.append(took)
                per_term.setdefault(term, []).append(took)
            health: list[float] = []
            for _ in range(requests):
                t0 = time.perf_counter()
                http.get("/health")
                health.append((time.perf_counter() - t0) * 1000)
    finally:
        server.should_exit = True
    print(
        f"crm-search  GET /v1/crm/leads?search&status  server p50 {statistics.median(server_ms):.1f} ms  "
        f"p95 {_pct(server_ms, 95):.1f} ms   client p50 {statistics.median(client_ms):.1f} ms  "
        f"p95 {_pct(client_ms, 95):.1f} ms   ({requests} requests, {rows:,} leads in each of 2 tenants)"
    )
    for term, values in per_term.items():
        print(
            f"crm-search    {term!r:<16} server p50 {statistics.median(values):6.1f} ms  "
            f"p95 {_pct(values, 95):6.1f} ms"
        )
    print(
        f"crm-search  baseline GET /health  client p50 {statistics.median(health):.1f} ms  "
        f"p95 {_pct(health, 95):.1f} ms"
    )
    # The same full-text search as raw SQL on one app-role connection (no HTTP, auth, ORM or JSON).
    raw: list[float] = []
    with platform.db.tenant_session(tenants[0]) as s:
        for i in range(min(requests, 200)):
            term, status = TERMS[i % len(TERMS)]
            t0 = time.perf_counter()
            s.execute(
                text(
                    "SELECT id, first_name, last_name, email, company_name, city, status FROM crm.leads "
                    "WHERE deleted_at IS NULL AND (CAST(:status AS text) IS NULL OR status = :status) "
                    "AND search @@ to_tsquery('simple', crm.unaccent_ro(:q)) "
                    "ORDER BY created_at DESC, id DESC LIMIT 51"
                ),
                {"status": status, "q": " & ".join(f"'{w}':*" for w in term.split())},
            ).all()
            raw.append((time.perf_counter() - t0) * 1000)
    print(f"crm-search  baseline raw SQL  p50 {statistics.median(raw):.1f} ms  p95 {_pct(raw, 95):.1f} ms")
