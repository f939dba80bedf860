"""Vettify pages: the CRM settings (tenant admins) — the signing secret of the tenant's Resend webhook:
which secret verifies it (its own, shown by its hint only; the server's; none), set or replace it
(validated like ``PUT /v1/crm/settings/resend-webhook-secret``: Svix ``whsec_`` + base64), and remove
it behind a confirmation. The same service (``campaigns.webhook_secrets``) and scope (``tenant:admin``)
as the API."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from genius.core.auth.scopes import Scope
from genius.core.kit.errors import Conflict
from genius.vettify.campaigns import webhook_secrets
from genius.vettify.campaigns.schemas import ResendSecretIn
from genius.web.kit import (
    CsrfChecked,
    PageDB,
    PageForm,
    PageUser,
    _,
    context,
    flash,
    page_requires,
    platform_of,
    render,
)

router = APIRouter(include_in_schema=False)

TenantAdminUser = Annotated[PageUser, Depends(page_requires(Scope.TENANT_ADMIN))]
SETTINGS = "/crm/settings"


def _request_id(request: Request) -> str:
    return str(getattr(request.state, "request_id", "") or "")


def _who(user: PageUser) -> str:
    return str(user.account.email)


def _page(request: Request, user: PageUser, db: PageDB, status: int = 200, **extra: Any) -> Response:
    platform = platform_of(request)
    ctx = context(
        request,
        account=user.account,
        tenant=user.tenant,
        resend=webhook_secrets.status(db, platform.settings),
        resend_url=f"{platform.settings.issuer}/v1/crm/webhooks/resend/{user.account.tid}",
        errors=extra.pop("errors", {}),
        **extra,
    )
    return render(request, "vettify/settings.html", ctx, status)


@router.get(SETTINGS, response_class=HTMLResponse)
def settings_page(request: Request, user: TenantAdminUser, db: PageDB) -> Response:
    return _page(request, user, db)


def _secret_error(exc: ValidationError) -> str:
    """Every refusal of the format says the same: what a Resend secret looks like."""
    del exc
    return _(
        "This is not a Resend signing secret: it starts with whsec_, followed by the key in base64 "
        "(16 to 128 bytes), as Resend shows it."
    )


@router.post(f"{SETTINGS}/resend-secret", dependencies=[CsrfChecked])
def save_resend_secret(request: Request, user: TenantAdminUser, db: PageDB, form: PageForm) -> Response:
    raw = form.get("secret")
    value = raw.strip() if isinstance(raw, str) else ""
    if not value:
        errors = {"secret": _("Paste the signing secret Resend shows for the webhook endpoint.")}
        return _page(request, user, db, 422, errors=errors)
    try:
        body = ResendSecretIn.model_validate({"secret": value})
    except ValidationError as exc:
        return _page(request, user, db, 422, errors={"secret": _secret_error(exc)})
    try:
        webhook_secrets.save(
            db,
            user.account.tid,
            body.secret,
            settings=platform_of(request).settings,
            actor=_who(user),
            request_id=_request_id(request),
        )
    except Conflict:
        refusal = _("The server has no GENIUS_SECRET_KEY, so it cannot store secrets: ask its administrator.")
        return _page(request, user, db, 409, refusal=refusal)
    done = _("Secret saved: from now on only it verifies this company's Resend events.")
    return flash(RedirectResponse(SETTINGS, status_code=303), done)


@router.post(f"{SETTINGS}/resend-secret/remove", dependencies=[CsrfChecked])
def remove_resend_secret(request: Request, user: TenantAdminUser, db: PageDB, form: PageForm) -> Response:
    """First the confirmation (what removing changes), then, confirmed, the removal."""
    if form.get("confirmed") != "yes":
        return _page(request, user, db, confirming_remove=True)
    removed = webhook_secrets.remove(db, user.account.tid, actor=_who(user), request_id=_request_id(request))
    if not removed:
        return flash(
            RedirectResponse(SETTINGS, status_code=303), _("There was no secret to remove."), "error"
        )
    done = _("Secret removed: the server's own secret, if it has one, verifies this company's events again.")
    return flash(RedirectResponse(SETTINGS, status_code=303), done)
