"""Web pages' largest contentful paint in Chromium: `uv run python -m bench --suite ui [--rows N]`.

Two tenants: the demo tenant with its demo data (``genius demo``'s seed) and a tenant holding ``--rows``
leads (default 1,000,000, loaded with COPY like the crm-search suite). For each, a signed-in Chromium
(Debian's ``chromium`` through Playwright) opens every page of the navigation and the first record
page of each CRM list, ``--visits`` times each after one warm-up, and reads from the browser's
performance API the largest contentful paint (``largest-contentful-paint`` entries) and the time to
first byte (navigation timing ``responseStart``). Printed per page: LCP p50/p95 and TTFB p50/p95, and as
the baseline measured in the same run, the same figures for ``/login`` (a page that reads nothing).
Goal (issue 14): p95 LCP <= 1 s per page on localhost.
"""

from __future__ import annotations

import re
import shutil
import statistics
from typing import Any

from genius.bootstrap import DEMO_ADMIN, DEMO_TENANT, ensure_demo
from genius.core.platform import Platform
from genius.core.tenancy import service as tenancy

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]  # fmt: skip
LCP_JS = """() => new Promise(resolve => {
  let last = null;
  new PerformanceObserver(list => { const e = list.getEntries(); last = e[e.length - 1].startTime; })
    .observe({type: 'largest-contentful-paint', buffered: true});
  setTimeout(() => resolve(last), 50);
})"""
TTFB_JS = "() => performance.getEntriesByType('navigation')[0].responseStart"
RECORD_LISTS = ("/crm/leads", "/crm/accounts", "/crm/contacts", "/crm/opportunities?view=list")
UUID_LINK = re.compile(r"^/crm/(leads|accounts|contacts|opportunities)/[0-9a-f-]{36}$")


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _login(page: Any, url: str, tenant: str, email: str, password: str) -> None:
    page.goto(f"{url}/login")
    page.fill("#f-tenant", tenant)
    page.fill("#f-email", email)
    page.fill("#f-password", password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(lambda u: "/login" not in u)


def _pages(page: Any, url: str) -> list[str]:
    page.goto(f"{url}/?home")
    found = [h for h in page.eval_on_selector_all("#nav a", "els => els.map(e => e.getAttribute('href'))")]
    for listing in RECORD_LISTS:
        if listing.split("?")[0] not in found:
            continue
        page.goto(f"{url}{listing}")
        links = page.eval_on_selector_all("a[href^='/crm/']", "els => els.map(e => e.getAttribute('href'))")
        first = next((h for h in links if UUID_LINK.match(h)), None)
        if first and first not in found:
            found.append(first)
    return found


def _measure(page: Any, url: str, path: str, visits: int) -> tuple[list[float], list[float]]:
    lcp: list[float] = []
    ttfb: list[float] = []
    page.goto(f"{url}{path}", wait_until="load")  # warm-up
    for _ in range(visits):
        page.goto(f"{url}{path}", wait_until="load")
        value = page.evaluate(LCP_JS)
        if value is not None:
            lcp.append(float(value))
        ttfb.append(float(page.evaluate(TTFB_JS)))
    return lcp, ttfb


def _row(label: str, lcp: list[float], ttfb: list[float]) -> str:
    if not lcp:
        return f"ui            {label:<44} LCP    n/a          TTFB p50 {statistics.median(ttfb):6.0f} ms"
    return (
        f"ui            {label:<44} LCP p50 {statistics.median(lcp):5.0f} ms  p95 {_pct(lcp, 95):5.0f} ms   "
        f"TTFB p50 {statistics.median(ttfb):5.0f} ms  p95 {_pct(ttfb, 95):5.0f} ms"
    )


def run(started: Any, rows: int, visits: int) -> None:
    from playwright.sync_api import sync_playwright

    from bench.crm_search import _load, _serve

    platform: Platform = started.platform
    demo_password, _ = ensure_demo(platform)
    big_password = "bench-password-1"
    big = tenancy.provision_tenant(
        platform.db,
        platform.passwords,
        slug="bench-ui",
        name="Bench UI SRL",
        admin_email="admin@bench-ui.local",
        admin_password=big_password,
        actor="bench",
        admin_role="admin",
    )
    took = _load(started.runtime.owner_dsn, big.tenant.id, rows, seed=7)
    print(f"ui            loaded {rows:,} leads into tenant bench-ui in {took:.1f} s")
    server, url, _live = _serve(platform, started.runtime.redis_url)
    tenants = [
        ("demo data", DEMO_TENANT, DEMO_ADMIN, demo_password),
        (f"{rows:,} leads", "bench-ui", "admin@bench-ui.local", big_password),
    ]
    worst: list[tuple[float, str]] = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for label, slug, email, password in tenants:
                context = browser.new_context(viewport={"width": 1440, "height": 900})
                page = context.new_page()
                lcp, ttfb = _measure(page, url, "/login", visits)
                print(f"ui          tenant: {label} ({visits} visits per page after one warm-up)")
                print(_row("baseline /login (reads nothing)", lcp, ttfb))
                _login(page, url, slug, email, password)
                for path in _pages(page, url):
                    lcp, ttfb = _measure(page, url, path, visits)
                    shown = re.sub(r"[0-9a-f-]{36}", "{id}", path)
                    print(_row(shown, lcp, ttfb))
                    if lcp:
                        worst.append((_pct(lcp, 95), f"{shown} ({label})"))
                context.close()
            browser.close()
    finally:
        server.should_exit = True
    if worst:
        p95, where = max(worst)
        verdict = "meets" if p95 <= 1000 else "misses"
        print(f"ui          worst page p95 LCP {p95:.0f} ms: {where} — {verdict} the 1 s goal")
