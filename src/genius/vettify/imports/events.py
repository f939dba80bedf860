"""CSV import event contract: one summary event per finished import, never one per row."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel

from genius.core.events.registry import event


@event("crm.import.completed", version=1)
class ImportCompleted(BaseModel):
    """A CSV import finished: every row of the file is accounted for as created, updated, skipped or
    rejected (the rejected rows are in the import's errors.csv)."""

    import_id: uuid.UUID
    entity: str
    status: str
    total: int | None = None
    processed: int
    created: int
    updated: int
    skipped: int
    rejected: int
    on_duplicate: str
    imported_by: str
    finished_at: datetime
