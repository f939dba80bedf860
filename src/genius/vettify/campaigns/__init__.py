"""CRM campaigns: a marketing push on one channel (e-mail, SMS, WhatsApp, …) to a target segment.

CRUD under ``/v1/crm/campaigns`` with the conventions of the other CRM entities (``genius.vettify.api``):
``ETag`` = version, ``PATCH`` requires ``If-Match`` (428/412), ``DELETE`` needs ``crm:admin`` and goes
to the audit log, lists use the shared search + keyset machinery (``repository.records.list_page``).

Status moves along draft → scheduled → running ⇄ paused → completed (a scheduled campaign may go back
to draft, any open one may be completed early); completed is final. Sending is not part of this slice.

The usual anatomy: ``models`` (table), ``schemas``, ``repository`` (the entity description the shared
record queries use), ``service`` (status and date rules), ``api`` (routes).
"""

from __future__ import annotations

from genius.vettify.campaigns.api import router
from genius.vettify.campaigns.models import Campaign

__all__ = ["Campaign", "router"]
