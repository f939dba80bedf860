"""Event contracts published by reges (registered with ``@event``; see core/events/topics.py)."""

from __future__ import annotations
