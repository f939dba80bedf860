"""The compliance API's typed dependencies, declared once: the scopes and the common headers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header

from genius.core.auth.deps import requires
from genius.core.auth.scopes import Scope
from genius.core.auth.tokens import Principal

ComplianceRead = Annotated[Principal, Depends(requires(Scope.COMPLIANCE_READ))]
ComplianceWrite = Annotated[Principal, Depends(requires(Scope.COMPLIANCE_WRITE))]
IdempotencyKey = Annotated[str | None, Header(max_length=128)]
CorrelationId = Annotated[str | None, Header(max_length=64)]

# ``openapi_extra`` of the endpoints that read a raw XML body (not declared by FastAPI): it is required
# and an empty (or blank) one is refused, so the schema says so.
XML_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/xml": {"schema": {"type": "string", "minLength": 1, "pattern": "\\S"}}},
    }
}
