"""Event contracts published by efactura (registered with ``@event``; see core/events/topics.py)."""

from __future__ import annotations
