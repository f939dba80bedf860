"""Event contracts published by reges (registered with ``@event``; see core/events/topics.py).

Published in the tenant's transaction (transactional outbox) when the status queue gives a message's
result, with the submission's correlation id.
"""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from genius.core.events.registry import event


class _SubmissionOutcome(BaseModel):
    submission_id: uuid.UUID
    receipt_id: str | None = Field(None, description="REGES's responseId (the receipt)")
    message_id: str = Field(description="the message's header.messageId")
    operation: str = Field(description="header.operation, e.g. InregistrareSalariat, SuspendareContract")
    entity: str = Field(description="salariat | contract")
    code: str | None = Field(None, description="result code: SUCCES | FAIL")
    code_type: str | None = Field(None, description="SUCCES | WARNING | ERROR")
    ref: str | None = Field(None, description="the id REGES gave the employee / contract (history) record")
    messages: list[str] = Field(default_factory=list)


@event("reges.submission.succeeded", version=1)
class RegesSubmissionSucceeded(_SubmissionOutcome):
    """REGES registered the operation (result code SUCCES, possibly with a WARNING)."""


@event("reges.submission.failed", version=1)
class RegesSubmissionFailed(_SubmissionOutcome):
    """REGES refused the operation (result code FAIL): it must be corrected and sent again."""
