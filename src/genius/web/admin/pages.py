"""/admin: users, roles, service accounts and the company settings of the signed-in user's tenant.

Every change goes through the same core services as the API (``genius.core.auth.service``) and is
written to the audit log as the API writes it. All routes need ``tenant:admin``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from genius.core.audit import service as audit
from genius.core.auth import service as auth
from genius.core.auth.models import User
from genius.core.auth.schemas import ServiceAccountCreate, UserCreate
from genius.core.auth.scopes import SCOPES, TENANT_SCOPES, Scope
from genius.core.kit.errors import Problem
from genius.core.kit.manifest import N_, CompanyInfo, ConnectionStatus
from genius.core.storage import TenantFiles, tenant_files_from_settings
from genius.core.tenancy import service as tenancy
from genius.core.tenancy.schemas import TenantSettingsIn
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

log = structlog.get_logger("genius.web.admin")
router = APIRouter(include_in_schema=False)
TenantAdminUser = Annotated[PageUser, Depends(page_requires(Scope.TENANT_ADMIN))]
Unsafe = [CsrfChecked]

ROLE_LABELS = {
    "platform_admin": N_("Platform administrator"),
    "admin": N_("Administrator"),
    "manager": N_("Manager"),
    "sales": N_("Sales"),
    "ops": N_("Operations"),
    "viewer": N_("Read-only"),
}
ROLE_BADGES = {"platform_admin": "err", "admin": "brand", "manager": "info", "viewer": ""}
SCOPE_TEXTS = {
    Scope.PLATFORM_ADMIN.value: N_("Manage tenants and signing keys across the platform"),
    Scope.TENANT_ADMIN.value: N_("Manage users, roles and service accounts of the tenant"),
    Scope.AUDIT_READ.value: N_("Read and export the tenant's audit log"),
    Scope.CRM_READ.value: N_("Read CRM data"),
    Scope.CRM_WRITE.value: N_("Create and change CRM data"),
    Scope.CRM_ADMIN.value: N_("Administer the CRM (merge, delete, imports)"),
    Scope.WORKERS_ADMIN.value: N_("Operate the worker fleet and registry"),
    Scope.OUTREACH_READ.value: N_("Read outreach data"),
    Scope.OUTREACH_WRITE.value: N_("Run outreach"),
    Scope.OUTREACH_REVIEW.value: N_("Review outreach replies (the human review queue)"),
    Scope.OUTREACH_ADMIN.value: N_("Administer outreach channels and quotas"),
    Scope.COMPLIANCE_READ.value: N_("Read compliance (ANAF, REGES) results"),
    Scope.COMPLIANCE_WRITE.value: N_("Submit to ANAF and REGES"),
    Scope.SALES_READ.value: N_("Read the catalogue, invoices and credit notes"),
    Scope.SALES_WRITE.value: N_("Change the catalogue, draft and issue invoices and credit notes"),
    Scope.SALES_ADMIN.value: N_("Administer sales (series, settings)"),
}
assert set(SCOPE_TEXTS) == set(SCOPES), "every scope has a translatable description"


def role_label(name: str) -> str:
    return _(ROLE_LABELS[name]) if name in ROLE_LABELS else name


def _ctx(request: Request, user: PageUser, **extra: Any) -> dict[str, Any]:
    return context(
        request,
        account=user.account,
        tenant=user.tenant,
        role_label=role_label,
        role_badges=ROLE_BADGES,
        **extra,
    )


def _actor(user: PageUser) -> str:
    return user.account.email


def _record(request: Request, db: PageDB, user: PageUser, action: str, target: str, **data: Any) -> None:
    audit.record(
        db,
        user.account.tid,
        action,
        actor=_actor(user),
        target=target,
        data=data or None,
        request_id=getattr(request.state, "request_id", ""),
    )


def _grantable_roles(db: PageDB, user: PageUser) -> list[tuple[str, str]]:
    may_grant_platform = Scope.PLATFORM_ADMIN in user.account.scopes
    return [
        (r.name, role_label(r.name))
        for r in auth.list_roles(db)
        if r.name != "platform_admin" or may_grant_platform
    ]


def _field_errors(exc: ValidationError | Problem) -> dict[str, str]:
    """Pydantic's and the services' errors as {field: message}, in the user's language."""
    out: dict[str, str] = {}
    if isinstance(exc, ValidationError):
        for detail in exc.errors():
            name = str(detail["loc"][-1]) if detail["loc"] else "form"
            out.setdefault(name, _validation_text(name, detail["type"]))
        return out
    for problem in exc.errors or []:
        name = str(problem.get("field") or "form")
        out.setdefault(name, _problem_text(exc.code, name))
    if not out:
        name = "email" if exc.code == "conflict" else "form"
        out[name] = _problem_text(exc.code, name)
    return out


def _validation_text(field: str, kind: str) -> str:
    if field == "email":
        return _("Enter a valid e-mail address.")
    if field == "password":
        return _("The password needs at least 10 characters.")
    if kind == "missing" or kind == "string_too_short":
        return _("This field is required.")
    if kind == "string_too_long":
        return _("This text is too long.")
    return _("This value is not valid.")


def _problem_text(code: str, field: str) -> str:
    texts = {
        "conflict": _("A user with this e-mail already exists."),
        "unknown-role": _("Choose one of the roles."),
        "forbidden": _("Only a platform administrator can grant this role."),
        "self-disable": _("You cannot disable your own account."),
        "weak-password": _("The password needs at least 10 characters."),
        "bad-scopes": _("These scopes cannot be given to this role."),
    }
    return texts.get(code, _("This value is not valid."))


def _target(db: PageDB, user_id: uuid.UUID, kind: str = "user") -> User:
    found = auth.get_user(db, user_id)
    if found is None or found.kind != kind:
        raise HTTPException(404)
    return found


# --- users -----------------------------------------------------------------------------------------
@router.get("/admin", response_class=HTMLResponse)
def admin_home(user: TenantAdminUser) -> Response:
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, user: TenantAdminUser, db: PageDB) -> Response:
    people = auth.list_people(db)
    return render(request, "admin/users.html", _ctx(request, user, people=people))


@router.get("/admin/users/new", response_class=HTMLResponse)
def new_user_page(request: Request, user: TenantAdminUser, db: PageDB) -> Response:
    ctx = _ctx(request, user, roles=_grantable_roles(db, user), form={"role": "sales"}, errors={})
    return render(request, "admin/user_new.html", ctx)


@router.post("/admin/users", response_class=HTMLResponse, dependencies=Unsafe)
def create_user(
    request: Request,
    user: TenantAdminUser,
    db: PageDB,
    email: Annotated[str, Form(max_length=254)] = "",
    name: Annotated[str, Form(max_length=300)] = "",
    role: Annotated[str, Form(max_length=60)] = "",
    password_mode: Annotated[str, Form(max_length=10)] = "generate",  # noqa: S107 - a choice, not a password
    password: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    form = {"email": email, "name": name, "role": role, "password_mode": password_mode}
    generated = password_mode != "set"
    chosen = auth.generate_password() if generated else password
    platform = platform_of(request)
    try:
        body = UserCreate(email=email.strip(), password=chosen, role=role, name=name.strip())
        auth.check_grantable(body.role, frozenset(user.account.scopes))
        created = auth.create_user(
            db,
            platform.passwords,
            user.account.tid,
            email=str(body.email),
            password=body.password,
            role=body.role,
            name=body.name,
        )
    except (ValidationError, Problem) as exc:
        errors = _field_errors(exc)
        ctx = _ctx(request, user, roles=_grantable_roles(db, user), form=form, errors=errors)
        return render(request, "admin/user_new.html", ctx, 422)
    # The same entry as POST /v1/users writes.
    _record(request, db, user, "user.created", str(created.id), email=created.email, role=created.role)
    if not generated:
        response = RedirectResponse(f"/admin/users/{created.id}", status_code=303)
        return flash(response, _("User %(email)s created.", email=created.email))
    ctx = _ctx(request, user, target=created, secret=chosen, secret_kind="password")
    return _no_store(render(request, "admin/secret_once.html", ctx, 201))


@router.get("/admin/users/{user_id}", response_class=HTMLResponse)
def user_page(request: Request, user_id: uuid.UUID, user: TenantAdminUser, db: PageDB) -> Response:
    target = _target(db, user_id)
    return _user_detail(request, user, db, target, {}, 200)


def _user_detail(
    request: Request, user: PageUser, db: PageDB, target: User, errors: dict[str, str], status: int
) -> Response:
    ctx = _ctx(
        request,
        user,
        target=target,
        roles=_grantable_roles(db, user),
        errors=errors,
        is_self=target.id == user.account.id,
        may_change=target.role != "platform_admin" or Scope.PLATFORM_ADMIN in user.account.scopes,
    )
    return render(request, "admin/user.html", ctx, status)


@router.post("/admin/users/{user_id}/role", response_class=HTMLResponse, dependencies=Unsafe)
def change_role(
    request: Request,
    user_id: uuid.UUID,
    user: TenantAdminUser,
    db: PageDB,
    role: Annotated[str, Form(max_length=60)] = "",
) -> Response:
    target = _target(db, user_id)
    try:
        previous = auth.change_role(db, target, role, frozenset(user.account.scopes))
    except Problem as exc:
        errors = _field_errors(exc)
        return _user_detail(request, user, db, target, {"role": next(iter(errors.values()))}, 422)
    if previous != role:
        _record(
            request,
            db,
            user,
            "user.role_changed",
            str(target.id),
            email=target.email,
            role=role,
            previous=previous,
        )
    response = RedirectResponse(f"/admin/users/{target.id}", status_code=303)
    return flash(response, _("Role changed to %(role)s.", role=role_label(role)))


@router.post("/admin/users/{user_id}/active", response_class=HTMLResponse, dependencies=Unsafe)
def set_active(
    request: Request,
    user_id: uuid.UUID,
    user: TenantAdminUser,
    db: PageDB,
    active: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    target = _target(db, user_id)
    enable = active in ("1", "true", "on")
    try:
        auth.check_grantable(target.role, frozenset(user.account.scopes))
        auth.set_active(db, target, enable, actor_id=user.account.id)
    except Problem as exc:
        errors = _field_errors(exc)
        return _user_detail(request, user, db, target, {"is_active": next(iter(errors.values()))}, 422)
    _record(
        request, db, user, "user.enabled" if enable else "user.disabled", str(target.id), email=target.email
    )
    response = RedirectResponse(f"/admin/users/{target.id}", status_code=303)
    message = _("%(email)s can sign in again.") if enable else _("%(email)s can no longer sign in.")
    return flash(response, message % {"email": target.email})


@router.post("/admin/users/{user_id}/password", response_class=HTMLResponse, dependencies=Unsafe)
def reset_password(
    request: Request,
    user_id: uuid.UUID,
    user: TenantAdminUser,
    db: PageDB,
    password_mode: Annotated[str, Form(max_length=10)] = "generate",  # noqa: S107 - a choice, not a password
    password: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    target = _target(db, user_id)
    generated = password_mode != "set"
    chosen = auth.generate_password() if generated else password
    try:
        auth.check_grantable(target.role, frozenset(user.account.scopes))
        auth.set_password(db, platform_of(request).passwords, target, chosen)
    except Problem as exc:
        errors = _field_errors(exc)
        return _user_detail(request, user, db, target, {"password": next(iter(errors.values()))}, 422)
    _record(request, db, user, "user.password_reset", str(target.id), email=target.email, generated=generated)
    if not generated:
        response = RedirectResponse(f"/admin/users/{target.id}", status_code=303)
        return flash(response, _("The password of %(email)s was changed.", email=target.email))
    ctx = _ctx(request, user, target=target, secret=chosen, secret_kind="password")
    return _no_store(render(request, "admin/secret_once.html", ctx))


def _no_store(response: Response) -> Response:
    """A page that shows a secret once: never cached, by the browser or anything in between."""
    response.headers["Cache-Control"] = "no-store"
    return response


# --- roles -----------------------------------------------------------------------------------------
@router.get("/admin/roles", response_class=HTMLResponse)
def roles_page(request: Request, user: TenantAdminUser, db: PageDB) -> Response:
    order = [*list(ROLE_LABELS)[1:], "platform_admin"]
    roles = sorted(auth.list_roles(db), key=lambda r: order.index(r.name) if r.name in order else 50)
    counts: dict[str, int] = {}
    for person in auth.list_users(db):
        counts[person.role] = counts.get(person.role, 0) + 1
    scope_texts = {k: _(v) for k, v in SCOPE_TEXTS.items()}
    ctx = _ctx(
        request,
        user,
        roles=roles,
        counts=counts,
        scope_texts=scope_texts,
        tenant_scopes=TENANT_SCOPES,
        editing=request.query_params.get("edit", ""),
        errors={},
    )
    return render(request, "admin/roles.html", ctx)


@router.post("/admin/roles/{name}", response_class=HTMLResponse, dependencies=Unsafe)
def save_role(request: Request, name: str, user: TenantAdminUser, db: PageDB, form: PageForm) -> Response:
    """A role's scopes (the checkboxes of the roles page); an administrator cannot take ``tenant:admin``
    away from their own role (they would lock themselves out)."""
    scopes = [str(v) for v in form.getlist("scopes")]
    if name == user.account.role and Scope.TENANT_ADMIN not in scopes:
        scopes.append(Scope.TENANT_ADMIN.value)
    try:
        previous = auth.role_scopes(db, user.account.tid, name)
        auth.set_role_scopes(db, user.account.tid, name, scopes)
    except Problem:
        response = RedirectResponse("/admin/roles", status_code=303)
        return flash(response, _("These scopes cannot be given to this role."), "error")
    _record(
        request, db, user, "role.updated", name, scopes=sorted(set(scopes)), previous=sorted(previous or [])
    )
    response = RedirectResponse(f"/admin/roles#role-{name}", status_code=303)
    return flash(response, _("Role %(role)s saved.", role=role_label(name)))


# --- service accounts ------------------------------------------------------------------------------
@router.get("/admin/service-accounts", response_class=HTMLResponse)
def service_accounts_page(request: Request, user: TenantAdminUser, db: PageDB) -> Response:
    return _service_accounts(request, user, db, {"role": "viewer"}, {}, 200)


def _service_accounts(
    request: Request, user: PageUser, db: PageDB, form: dict[str, str], errors: dict[str, str], status: int
) -> Response:
    roles = [(n, label) for n, label in _grantable_roles(db, user) if n != "platform_admin"]
    ctx = _ctx(request, user, accounts=auth.list_service_accounts(db), roles=roles, form=form, errors=errors)
    return render(request, "admin/service_accounts.html", ctx, status)


@router.post("/admin/service-accounts", response_class=HTMLResponse, dependencies=Unsafe)
def create_service_account(
    request: Request,
    user: TenantAdminUser,
    db: PageDB,
    name: Annotated[str, Form(max_length=300)] = "",
    role: Annotated[str, Form(max_length=60)] = "",
) -> Response:
    form = {"name": name, "role": role}
    try:
        body = ServiceAccountCreate(name=name.strip(), role=role)
        if body.role == "platform_admin":
            raise Problem("no", status=422, code="forbidden", errors=[{"field": "role"}])
        created, secret = auth.create_service_account(
            db, platform_of(request).passwords, user.tenant, name=body.name, role=body.role
        )
    except (ValidationError, Problem) as exc:
        return _service_accounts(request, user, db, form, _field_errors(exc), 422)
    _record(
        request,
        db,
        user,
        "service_account.created",
        str(created.id),
        client_id=created.client_id,
        role=created.role,
    )
    ctx = _ctx(request, user, target=created, secret=secret, secret_kind="client")
    return _no_store(render(request, "admin/secret_once.html", ctx, 201))


@router.post("/admin/service-accounts/{user_id}/rotate", response_class=HTMLResponse, dependencies=Unsafe)
def rotate_service_account(
    request: Request, user_id: uuid.UUID, user: TenantAdminUser, db: PageDB
) -> Response:
    target = _target(db, user_id, kind="service")
    secret = auth.rotate_client_secret(db, platform_of(request).passwords, target)
    _record(request, db, user, "service_account.secret_rotated", str(target.id), client_id=target.client_id)
    ctx = _ctx(request, user, target=target, secret=secret, secret_kind="client")
    return _no_store(render(request, "admin/secret_once.html", ctx))


@router.post("/admin/service-accounts/{user_id}/active", response_class=HTMLResponse, dependencies=Unsafe)
def set_service_account_active(
    request: Request,
    user_id: uuid.UUID,
    user: TenantAdminUser,
    db: PageDB,
    active: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    target = _target(db, user_id, kind="service")
    enable = active in ("1", "true", "on")
    auth.set_active(db, target, enable)
    _record(
        request,
        db,
        user,
        "service_account.enabled" if enable else "service_account.disabled",
        str(target.id),
        client_id=target.client_id,
    )
    response = RedirectResponse("/admin/service-accounts", status_code=303)
    return flash(response, _("Service account enabled.") if enable else _("Service account disabled."))


# --- company settings ------------------------------------------------------------------------------
TIMEZONES = ("Europe/Bucharest", "Europe/Chisinau", "Europe/London", "Europe/Berlin", "UTC")
SETTINGS_FIELDS = (
    "company_name",
    "cui",
    "registration_number",
    "address",
    "default_currency",
    "timezone",
    "hours_start",
    "hours_end",
)


def _files(request: Request) -> TenantFiles:
    files: TenantFiles | None = getattr(request.app.state, "tenant_files", None)
    if files is None:
        files = tenant_files_from_settings(platform_of(request).settings)
        request.app.state.tenant_files = files
    return files


def _connections(request: Request, db: PageDB, user: PageUser) -> list[ConnectionStatus]:
    platform = platform_of(request)
    s = platform.settings
    local = s.smtp_host in ("127.0.0.1", "localhost", "::1")
    found = [
        ConnectionStatus(
            N_("E-mail sending (SMTP)"),
            "warn" if local else "ok",
            f"{s.smtp_host}:{s.smtp_port}" + (" (" + _("local test server") + ")" if local else ""),
        )
    ]
    for provider in getattr(request.app.state, "connection_providers", []):
        try:
            found.extend(provider(db, platform, user.account.tid))
        except Exception:
            log.exception("connection_provider_failed", provider=getattr(provider, "__module__", "?"))
    return found


def _settings_page(
    request: Request,
    user: PageUser,
    db: PageDB,
    form: dict[str, Any] | None,
    errors: dict[str, str],
    status: int = 200,
    lookup: CompanyInfo | None = None,
) -> Response:
    row = tenancy.company_settings(db, user.tenant)
    if form is None:
        form = {name: getattr(row, name) for name in SETTINGS_FIELDS}
        form["hours_start"] = row.hours_start.strftime("%H:%M")
        form["hours_end"] = row.hours_end.strftime("%H:%M")
        form["cui"] = row.cui or ""
    ctx = _ctx(
        request,
        user,
        settings=row,
        form=form,
        errors=errors,
        connections=_connections(request, db, user),
        timezones=[(z, z) for z in TIMEZONES if z != form.get("timezone")]
        + [(form.get("timezone"), form.get("timezone"))],
        lookup=lookup,
        can_lookup=getattr(request.app.state, "company_lookup", None) is not None,
    )
    ctx["timezones"] = sorted(ctx["timezones"], key=lambda z: (z[0] != "Europe/Bucharest", str(z[0])))
    return render(request, "admin/settings.html", ctx, status)


@router.get("/admin/settings", response_class=HTMLResponse)
def settings_page(request: Request, user: TenantAdminUser, db: PageDB) -> Response:
    return _settings_page(request, user, db, None, {})


@router.post("/admin/settings", response_class=HTMLResponse, dependencies=Unsafe)
def save_settings(
    request: Request,
    user: TenantAdminUser,
    db: PageDB,
    company_name: Annotated[str, Form(max_length=300)] = "",
    cui: Annotated[str, Form(max_length=40)] = "",
    registration_number: Annotated[str, Form(max_length=80)] = "",
    address: Annotated[str, Form(max_length=400)] = "",
    default_currency: Annotated[str, Form(max_length=5)] = "RON",
    timezone: Annotated[str, Form(max_length=80)] = "Europe/Bucharest",
    hours_start: Annotated[str, Form(max_length=8)] = "09:00",
    hours_end: Annotated[str, Form(max_length=8)] = "18:00",
) -> Response:
    form: dict[str, Any] = {
        "company_name": company_name.strip(),
        "cui": cui.strip(),
        "registration_number": registration_number.strip(),
        "address": address.strip(),
        "default_currency": default_currency,
        "timezone": timezone,
        "hours_start": hours_start,
        "hours_end": hours_end,
    }
    try:
        body = TenantSettingsIn.model_validate(form)
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for err in exc.errors():
            name = str(err["loc"][-1]) if err["loc"] else "hours_end"
            errors.setdefault(name, _settings_error(name))
        return _settings_page(request, user, db, form, errors, 422)
    _row, changed = tenancy.save_company_settings(db, user.tenant, body, actor=_actor(user))
    if changed:
        _record(request, db, user, "tenant.settings_updated", str(user.account.tid), **changed)
    return flash(RedirectResponse("/admin/settings", status_code=303), _("Settings saved."))


def _settings_error(name: str) -> str:
    texts = {
        "company_name": _("Enter the company name."),
        "cui": _("This CUI is not valid: check the digits (the last one is a check digit)."),
        "default_currency": _("Choose RON or EUR."),
        "timezone": _("Choose a time zone from the list."),
        "hours_start": _("Enter a time as hh:mm."),
        "hours_end": _("The end of the working day must be after its start (hh:mm)."),
    }
    return texts.get(name, _("This value is not valid."))


@router.post("/admin/settings/verify-cui", response_class=HTMLResponse, dependencies=Unsafe)
def verify_cui(request: Request, user: TenantAdminUser, db: PageDB) -> Response:
    """ "Verify at ANAF": the saved CUI looked up in ANAF's registry (through the compliance module's
    manifest hook); the official name is kept with the settings."""
    row = tenancy.company_settings(db, user.tenant)
    lookup = getattr(request.app.state, "company_lookup", None)
    if not row.cui or lookup is None:
        return _settings_page(request, user, db, None, {"cui": _("Save a valid CUI first.")}, 422)
    try:
        info: CompanyInfo = lookup(platform_of(request), row.cui)
    except Exception:
        log.exception("company_lookup_failed")
        info = CompanyInfo(row.cui, False, error="unavailable")
    if info.found:
        tenancy.record_anaf_name(db, user.tenant, row.cui, info.name)
        _record(request, db, user, "tenant.cui_verified", str(user.account.tid), cui=row.cui, name=info.name)
    if request.headers.get("hx-request"):
        ctx = _ctx(request, user, lookup=info, settings=row)
        return render(request, "admin/anaf_result.html", ctx)
    return _settings_page(request, user, db, None, {}, lookup=info)


@router.post("/admin/settings/logo", response_class=HTMLResponse, dependencies=Unsafe)
def upload_logo(request: Request, user: TenantAdminUser, db: PageDB, form: PageForm) -> Response:
    upload = form.get("logo")
    data = b""
    content_type = ""
    if upload is not None and not isinstance(upload, str):
        data = upload.file.read(tenancy.LOGO_MAX_BYTES + 1)
        content_type = upload.content_type or ""
    try:
        tenancy.set_logo(db, _files(request), user.tenant, data, content_type, actor=_actor(user))
    except Problem:
        errors = {"logo": _("The logo must be a PNG, JPEG or WebP image of at most 512 KB.")}
        return _settings_page(request, user, db, None, errors, 422)
    _record(request, db, user, "tenant.logo_updated", str(user.account.tid))
    return flash(RedirectResponse("/admin/settings", status_code=303), _("Logo saved."))


@router.get("/admin/settings/logo")
def logo_image(request: Request, user: TenantAdminUser, db: PageDB) -> Response:
    found = tenancy.logo(db, _files(request), user.tenant)
    if found is None:
        raise HTTPException(404)
    data, content_type = found
    return Response(
        data,
        media_type=content_type,
        headers={"Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"},
    )
