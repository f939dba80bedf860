"""Every module's event consumers, in one place: ``genius consume`` runs them and ``genius relay``
declares their queues before it publishes."""

from __future__ import annotations

from genius.core.events.consumer import EventConsumer


def all_consumers() -> list[EventConsumer]:
    from genius.vettify.consumers import consumers as crm

    return [*crm()]
