"""Vettify's web pages (the Shell mounts ``router``): one file per area, each with its own router.

Templates live in ``vettify/templates/vettify/``, static files in ``vettify/static/`` (served at
``/static/vettify/``; ``vettify.css`` is linked from every page). Pages call the same services as the
API (``genius.vettify.service`` …), under the same scopes (``common.CrmReader`` / ``CrmWriter`` /
``CrmAdmin``).
"""

from fastapi import APIRouter

from genius.vettify.pages import (
    accounts,
    campaign_wizard,
    campaigns,
    dashboard,
    imports,
    leads,
    pipeline,
    segments,
    sequences,
    settings,
    summaries,
)
from genius.vettify.pages.search import command_search

router = APIRouter(include_in_schema=False)
# the wizard first: its /crm/campaigns/new must not be read as a campaign's id
for area in (
    dashboard,
    leads,
    accounts,
    pipeline,
    imports,
    campaign_wizard,
    campaigns,
    sequences,
    segments,
    summaries,
    settings,
):
    router.include_router(area.router)

__all__ = ["command_search", "router"]
