"""Outreach's typed auth dependencies, defined once for its routers."""

from typing import Annotated

from fastapi import Depends

from genius.core.auth.deps import requires
from genius.core.auth.scopes import Scope
from genius.core.auth.tokens import Principal

OutreachRead = Annotated[Principal, Depends(requires(Scope.OUTREACH_READ))]
OutreachWrite = Annotated[Principal, Depends(requires(Scope.OUTREACH_WRITE))]
OutreachReview = Annotated[Principal, Depends(requires(Scope.OUTREACH_REVIEW))]
OutreachAdmin = Annotated[Principal, Depends(requires(Scope.OUTREACH_ADMIN))]
