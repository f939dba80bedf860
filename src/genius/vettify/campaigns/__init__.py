"""CRM campaigns: a marketing push on one channel (e-mail, SMS, WhatsApp, …) to a target segment.

CRUD under ``/v1/crm/campaigns`` with the conventions of the other CRM entities (``genius.vettify.api``):
``ETag`` = version, ``PATCH`` requires ``If-Match`` (428/412), ``DELETE`` needs ``crm:admin`` and goes
to the audit log, lists use the shared search + keyset machinery (``repository.records.list_page``).

Status moves along draft → scheduled → running ⇄ paused → completed (a scheduled campaign may go back
to draft, any open one may be completed early); completed is final.

Marketing (flag ``campaign_send_v2``): consent per contact and channel, the suppression list, the send
(audience snapshot, batches of 100 through the outbox to ``email.send``, exactly once per recipient),
signed tracking links and metrics; see docs/architecture.md "CRM marketing".

The usual anatomy: ``models`` (tables), ``schemas``, ``repository`` (the entity description the shared
record queries use, and the marketing SQL), ``service`` (status and date rules), ``marketing`` (the
marketing rules), ``delivery`` (one batch of a send, run by the worker), ``tracking`` (signed links, the
message of one recipient), ``events``, ``api``, ``marketing_api``, ``tracking_api`` (routes).
"""

from __future__ import annotations

from genius.vettify.campaigns.api import router
from genius.vettify.campaigns.models import Campaign

__all__ = ["Campaign", "router"]
