"""Event contracts published by taxpayer (registered with ``@event``; see core/events/topics.py)."""

from __future__ import annotations
