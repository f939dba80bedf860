"""What every Vettify page shares: the typed page users by scope, and the Actor for the services."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from genius.core.auth.scopes import Scope
from genius.core.kit.errors import Problem
from genius.vettify import service
from genius.web.kit import PageUser, _, flash, page_requires

CrmReader = Annotated[PageUser, Depends(page_requires(Scope.CRM_READ))]
CrmWriter = Annotated[PageUser, Depends(page_requires(Scope.CRM_WRITE))]
CrmAdmin = Annotated[PageUser, Depends(page_requires(Scope.CRM_ADMIN))]


def can_write(user: PageUser) -> bool:
    """Templates hide edit controls from users without crm:write (the routes answer 403 anyway)."""
    return Scope.CRM_WRITE in user.account.scopes


def survivor_redirect(db: Session, spec: service.EntitySpec[Any], raw_id: str, base: str) -> Response | None:
    """A merged-away record's page sends its old links (bookmarks, e-mails, history) on to the survivor."""
    try:
        record_id = uuid.UUID(raw_id)
    except ValueError:
        return None
    survivor = service.merged_into(db, spec, record_id)
    if survivor is None:
        return None
    response = RedirectResponse(f"{base}/{survivor}", status_code=303)
    return flash(response, _("The record you opened was merged into this one."))


# --- errors: Pydantic's and the services', as inline field messages in the user's language ----------
def _message(field: str, kind: str, ctx: Mapping[str, Any] | None) -> str:
    if field == "cui":
        return _("This is not a valid CUI: the check digit does not match.")
    if field == "phone":
        return _("Enter a phone number such as 0722 123 456 or +40 722 123 456.")
    if field == "email":
        return _("Enter a valid e-mail address, such as nume@firma.ro.")
    if field in ("amount",):
        return _("Enter an amount of at least 0, with at most 2 decimals.")
    if field == "currency":
        return _("Enter a currency code such as RON or EUR.")
    if field == "expected_close_date":
        return _("Enter a date.")
    if kind == "string_too_long" and ctx and "max_length" in ctx:
        return _("Too long: at most %(n)s characters.", n=ctx["max_length"])
    if kind == "missing":
        return _("Required.")
    return _("This value is not valid.")


def validation_errors(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if isinstance(p, str)]
        field = loc[0] if loc else ""
        if not field:  # the model's own rule: a lead needs a name, a company or an e-mail
            errors.setdefault("first_name", _("Enter a name, a company or an e-mail address."))
            continue
        errors.setdefault(field, _message(field, str(err.get("type", "")), err.get("ctx")))
    return errors


def problem_errors(exc: Problem) -> dict[str, str]:
    errors: dict[str, str] = {}
    for err in exc.errors or []:
        field = str(err.get("field") or "")
        if field:
            errors.setdefault(field, _message(field, str(err.get("type", "")), None))
    return errors


def form_values(form: FormData, names: tuple[str, ...]) -> dict[str, str]:
    values: dict[str, str] = {}
    for name in names:
        raw = form.get(name)
        values[name] = raw if isinstance(raw, str) else ""
    return values


def actor(request: Request, user: PageUser) -> service.Actor:
    """The signed-in user as the services' Actor (the request id doubles as the correlation id)."""
    request_id = str(getattr(request.state, "request_id", "") or "")
    return service.Actor(
        tid=user.account.tid,
        name=user.account.email,
        request_id=request_id,
        correlation_id=request_id or None,
    )
