"""Campaigns' SQL: the entity description the shared record queries (search, keyset pages, one record)
of ``genius.vettify.repository.records`` run on."""

from __future__ import annotations

from genius.vettify.campaigns.models import Campaign
from genius.vettify.repository.records import EntitySpec

CAMPAIGNS: EntitySpec[Campaign] = EntitySpec(
    "campaign",
    Campaign,
    sorts={
        "created_at": Campaign.created_at,
        "updated_at": Campaign.updated_at,
        "name": Campaign.name,
        "starts_on": Campaign.starts_on,
    },
    filters={"channel": Campaign.channel, "status": Campaign.status, "owner": Campaign.owner},
    fuzzy_name=Campaign.name,
)
