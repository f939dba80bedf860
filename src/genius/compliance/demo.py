"""Compliance demo data (``genius demo``): the demo tenant connects its ANAF SPV account through the
local fake ANAF's OAuth (the real authorization-code flow, approved without a login page), so the
demo's e-Factura uploads reach the fake SPV. The fake keeps its tokens in memory, so this runs at every
start; with the real ANAF (``GENIUS_DEMO_FAKES=false`` or explicit ANAF URLs) it does nothing."""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING

import structlog

from genius.compliance.common import oauth
from genius.compliance.common.errors import OAuthError

if TYPE_CHECKING:
    from genius.core.platform import Platform

log = structlog.get_logger("genius.compliance.demo")
WAIT_SECONDS = 30.0  # the fake ANAF starts beside the demo; its first reply may take a few seconds


def uses_demo_fake(platform: Platform) -> bool:
    s = platform.settings
    return s.demo_fakes and s.anaf_oauth_base.startswith(f"http://127.0.0.1:{s.demo_fakes_port}/")


def seed_demo(platform: Platform, tid: uuid.UUID, *, wait: float = WAIT_SECONDS) -> bool:
    """Connect the tenant to the demo's fake SPV; True when connected."""
    if not uses_demo_fake(platform):
        return False
    deadline = time.monotonic() + wait
    while True:
        try:
            status = oauth.connect_without_browser(platform.db, platform.settings, tid)
        except OAuthError as exc:
            if exc.kind == "unavailable" and time.monotonic() < deadline:
                time.sleep(0.2)
                continue
            log.warning("demo_spv_not_connected", error=str(exc))
            return False
        log.info("demo_spv_connected", expires_at=status.get("expires_at"))
        return True
