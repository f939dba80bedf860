"""End-to-end tests: real Chromium (Debian's ``chromium``, driven by Playwright through
``executable_path``) against the app started as ``make demo`` starts it (``genius demo``: embedded
PostgreSQL and Redis, real Celery workers, the demo data).

One demo per test session (``make test`` runs this folder in its own pytest process). Every test saves
screenshots of the pages it visits under ``test-artifacts/`` (``shot(page, name)``), and ``axe_check``
runs axe-core and fails on serious or critical violations.

Set ``GENIUS_E2E_URL`` (and ``GENIUS_E2E_PASSWORD``) to run against a demo you started yourself.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TEST_DATA, free_port
from tests.core.test_demo import Demo, _start, _stop

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps calling Google's hosts, which this machine
# refuses (ENV notes); --no-sandbox because tests may run as root.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@dataclass
class DemoApp:
    url: str
    tenant: str
    email: str
    password: str
    process: Demo | None


@pytest.fixture(scope="session")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoApp]:
    if os.environ.get("GENIUS_E2E_URL"):
        yield DemoApp(
            os.environ["GENIUS_E2E_URL"].rstrip("/"),
            "demo",
            "admin@demo.local",
            os.environ.get("GENIUS_E2E_PASSWORD", ""),
            None,
        )
        return
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make test-services installs it)")
    port, fakes_port = free_port(), free_port()
    # Under the repository's .test-data, not pytest's temp folders: another pytest session on the
    # machine prunes those while the embedded PostgreSQL still uses them.
    TEST_DATA.mkdir(exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="e2e-", dir=TEST_DATA))
    proc, output, _seconds = _start(data_dir / "genius", port, fakes_port)
    password = re.search(r"Password:\s+(\S+)", output)
    assert password, output
    try:
        yield DemoApp(f"http://127.0.0.1:{port}", "demo", "admin@demo.local", password.group(1), proc)
    finally:
        _stop(proc)
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def login(page: Any, app: DemoApp, email: str | None = None, password: str | None = None) -> None:
    page.goto(f"{app.url}/login")
    page.get_by_label(re.compile("Organiza|Organisation")).fill(app.tenant)
    page.get_by_label("E-mail").fill(email or app.email)
    page.get_by_label(re.compile("Parol|Password")).fill(password or app.password)
    page.get_by_role("button", name=re.compile("^(Autentificare|Sign in)$")).click()
    page.wait_for_url(lambda url: "/login" not in url)


@pytest.fixture
def context(browser: Any, demo_app: DemoApp) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale="ro-RO", base_url=demo_app.url)
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: Any, demo_app: DemoApp) -> Any:
    """A signed-in page (the demo's admin)."""
    p = context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda exc: errors.append(str(exc)))
    login(p, demo_app)
    p.js_errors = errors  # a test may assert none happened
    return p


def shot(page: Any, name: str) -> Path:
    """A full-page screenshot under test-artifacts/, named by page, theme and language."""
    ARTIFACTS.mkdir(exist_ok=True)
    theme = page.evaluate("document.documentElement.getAttribute('data-theme') || 'light'")
    lang = page.evaluate("document.documentElement.lang || 'ro'")
    path = ARTIFACTS / f"{name}-{theme}-{lang}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


SERIOUS = ("serious", "critical")


def axe_check(page: Any, name: str = "") -> list[dict[str, Any]]:
    """Runs axe-core on the page; fails on serious or critical violations (listed with their nodes)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    violations = [v for v in results.response["violations"] if v.get("impact") in SERIOUS]
    detail = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(n["target"][0] if n.get("target") else "?" for n in v["nodes"][:5])
        for v in violations
    )
    assert not violations, f"axe on {name or page.url}:\n{detail}"
    return list(results.response["violations"])


def set_theme_and_language(context: Any, theme: str, lang: str, url: str) -> None:
    """Both switches as cookies (what the theme button and ?lang= leave behind)."""
    context.add_cookies(
        [
            {"name": "genius_theme", "value": theme, "url": url},
            {"name": "genius_lang", "value": lang, "url": url},
        ]
    )
