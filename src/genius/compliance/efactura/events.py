"""Event contracts published by efactura (registered with ``@event``; see core/events/topics.py).

Published in the tenant's transaction (transactional outbox) with the submission's correlation id.
"""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from genius.core.events.registry import event


@event("anaf.efactura.submitted", version=1)
class EfacturaSubmitted(BaseModel):
    """ANAF accepted an invoice XML for processing and gave it an upload index."""

    submission_id: uuid.UUID
    cif: str
    standard: str
    index_incarcare: str
    xml_sha256: str


@event("anaf.efactura.accepted", version=1)
class EfacturaAccepted(BaseModel):
    """ANAF validated the invoice (stare ok): it reached the buyer; the signed ZIP can be downloaded."""

    submission_id: uuid.UUID
    cif: str
    index_incarcare: str
    id_descarcare: str | None = None


@event("anaf.efactura.rejected", version=1)
class EfacturaRejected(BaseModel):
    """ANAF refused the invoice, at upload or after processing, with its messages."""

    submission_id: uuid.UUID
    cif: str
    index_incarcare: str | None = None
    id_descarcare: str | None = None
    stage: str = Field(description="upload | processing")
    messages: list[str] = Field(default_factory=list)


@event("anaf.efactura.failed", version=1)
class EfacturaFailed(BaseModel):
    """The upload was given up for good before ANAF received it (``failed``): the tenant's ANAF
    connection is missing or misconfigured, or ANAF kept refusing the call through every retry. Nothing
    reached SPV: the same invoice may be uploaded again once the cause is fixed."""

    submission_id: uuid.UUID
    cif: str
    stage: str = Field(description="upload")
    reason: str = Field(description="The last error, as the submission records it")
    attempts: int = Field(default=0, description="Upload attempts made")
