"""Event contracts published by saft (registered with ``@event``; see core/events/topics.py)."""

from __future__ import annotations
