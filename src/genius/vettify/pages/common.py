"""What every Vettify page shares: the typed page users by scope, and the Actor for the services."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from genius.core.auth.scopes import Scope
from genius.web.kit import PageUser, page_requires

CrmReader = Annotated[PageUser, Depends(page_requires(Scope.CRM_READ))]
CrmWriter = Annotated[PageUser, Depends(page_requires(Scope.CRM_WRITE))]
CrmAdmin = Annotated[PageUser, Depends(page_requires(Scope.CRM_ADMIN))]


def can_write(user: PageUser) -> bool:
    """Templates hide edit controls from users without crm:write (the routes answer 403 anyway)."""
    return Scope.CRM_WRITE in user.account.scopes
