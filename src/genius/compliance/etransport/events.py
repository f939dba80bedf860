"""Event contracts published by etransport (registered with ``@event``; see core/events/topics.py)."""

from __future__ import annotations
