"""Core's own event contracts. Other modules keep theirs in ``<module>/events.py`` and are listed in
``genius.modules.load_events``."""

from __future__ import annotations

import uuid

from pydantic import BaseModel

from genius.core.events.registry import event


@event("core.tenant.created", version=1)
class TenantCreated(BaseModel):
    """A tenant was provisioned with its admin user."""

    tenant_id: uuid.UUID
    slug: str
    name: str
