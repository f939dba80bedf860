"""The CRM's typed auth dependencies, defined once for its routers."""

from typing import Annotated

from fastapi import Depends

from genius.core.auth.deps import requires
from genius.core.auth.scopes import Scope
from genius.core.auth.tokens import Principal

CrmRead = Annotated[Principal, Depends(requires(Scope.CRM_READ))]
CrmWrite = Annotated[Principal, Depends(requires(Scope.CRM_WRITE))]
CrmAdmin = Annotated[Principal, Depends(requires(Scope.CRM_ADMIN))]
