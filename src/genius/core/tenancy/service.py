"""Provisioning: one transaction creates the tenant, its roles, its admin and the audit/outbox records."""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session

from genius.core.audit import service as audit
from genius.core.auth import service as auth
from genius.core.auth.passwords import Passwords
from genius.core.db.base import new_id, utcnow
from genius.core.db.session import Database, set_tenant
from genius.core.directory import repository as directory
from genius.core.directory.models import Tenant
from genius.core.events.service import publish
from genius.core.events.topics import TenantCreated
from genius.core.kit.errors import Conflict, Problem
from genius.core.kit.pagination import Page
from genius.core.storage import TenantFiles
from genius.core.tenancy.models import DEFAULT_TIMEZONE, TenantSettings
from genius.core.tenancy.schemas import TenantCreate, TenantSettingsIn

if TYPE_CHECKING:
    from genius.core.platform import Platform

TENANT_CREATED_TOPIC = "core.tenant.created"


@dataclass(frozen=True)
class Provisioned:
    tenant: Tenant
    admin_user_id: uuid.UUID


def provision_tenant(
    db: Database,
    passwords: Passwords,
    *,
    slug: str,
    name: str,
    admin_email: str,
    admin_password: str,
    actor: str,
    request_id: str = "",
    admin_role: str = "admin",
    dsn: str | None = None,
    app_role: str = "genius_app",
    app_password: str = "genius_app",  # noqa: S107 - the documented default, overridden by settings
) -> Provisioned:
    tid = new_id()
    password_hash = passwords.hash(admin_password)  # hashed before the transaction: keep it short
    with db.platform_session() as s:
        if directory.slug_taken(s, slug):
            raise Conflict(
                f"The tenant slug {slug!r} is taken.",
                errors=[{"field": "slug", "in": "body", "message": "already taken"}],
            )
    tenant = Tenant(id=tid, slug=slug, name=name, status="active", dsn=dsn, created_at=utcnow())
    if dsn:
        # Dedicated database: migrate it, then write the tenant's rows there (the directory row,
        # which the tenant tables reference, is mirrored).
        from genius.core.db import migrate  # alembic: only for dedicated databases

        try:
            migrate.upgrade(dsn, app_role, app_password)
            with db.database_session(dsn, app_role, app_password) as s:
                mirror = Tenant(
                    id=tid, slug=slug, name=name, status="active", dsn=None, created_at=tenant.created_at
                )
                directory.add(s, mirror)
                admin_id = _seed(
                    s, tid, admin_email, password_hash, admin_role, actor, request_id, slug, name
                )
        except (SQLAlchemyError, ArgumentError, ValueError, OSError) as exc:
            # The caller named a database we cannot use: that is a bad request, not an outage.
            raise Problem(
                "The dedicated database cannot be prepared: "
                + str(getattr(exc, "orig", exc)).split("\n")[0][:300],
                status=422,
                code="dedicated-database",
                title="Validation failed",
                errors=[{"field": "dsn", "in": "body", "message": "cannot connect or migrate"}],
            ) from exc
        with db.platform_session() as s:
            directory.add(s, tenant)
        db.forget_tenant(tid)
        return Provisioned(tenant, admin_id)
    with db.platform_session() as s:
        directory.add(s, tenant)
        admin_id = _seed(s, tid, admin_email, password_hash, admin_role, actor, request_id, slug, name)
    return Provisioned(tenant, admin_id)


def _seed(
    s: Session,
    tid: uuid.UUID,
    admin_email: str,
    password_hash: str,
    admin_role: str,
    actor: str,
    request_id: str,
    slug: str,
    name: str,
) -> uuid.UUID:
    set_tenant(s, tid)
    auth.seed_roles(s, tid)
    admin = auth.seed_admin(s, tid, email=admin_email, password_hash=password_hash, role=admin_role)
    audit.record(
        s,
        tid,
        "tenant.created",
        actor=actor,
        target=str(tid),
        data={"slug": slug, "name": name, "admin_email": admin_email},
        request_id=request_id,
    )
    publish(
        s,
        TENANT_CREATED_TOPIC,
        TenantCreated(tenant_id=tid, slug=slug, name=name),
        tid=tid,
        aggregate_id=tid,
        correlation_id=request_id or None,
    )

    s.flush()
    return admin.id


def provision_from_request(
    platform: Platform, body: TenantCreate, *, actor: str, request_id: str = ""
) -> Provisioned:
    """The API's and the CLI's entry point: a validated request, this process's platform."""
    s = platform.settings
    return provision_tenant(
        platform.db,
        platform.passwords,
        slug=body.slug,
        name=body.name,
        admin_email=str(body.admin_email),
        admin_password=body.admin_password,
        actor=actor,
        request_id=request_id,
        dsn=body.dsn,
        app_role=s.app_db_role,
        app_password=s.app_db_password,
    )


def list_tenants(session: Session, limit: int, offset: int) -> tuple[list[Tenant], int]:
    return directory.page(session, limit, offset), directory.count(session)


def tenant_page(session: Session, *, cursor: str | None, limit: int) -> Page[Tenant]:
    return directory.list_page(session, cursor=cursor, limit=limit)


# --- the tenant's company profile (the Shell's /admin/settings) ---------------------------------------
LOGO_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}
LOGO_MAX_BYTES = 512 * 1024


def company_settings(session: Session, tenant: Tenant) -> TenantSettings:
    """The tenant's settings; defaults (not stored) until they are first saved."""
    from genius.core.tenancy import repository

    found = repository.settings(session, tenant.id)
    if found is not None:
        return found
    return TenantSettings(
        tid=tenant.id,
        company_name=tenant.name,
        registration_number="",
        address="",
        default_currency="RON",
        timezone=DEFAULT_TIMEZONE,
        hours_start=dt.time(9, 0),
        hours_end=dt.time(18, 0),
    )


def company_profile(session: Session, tid: uuid.UUID) -> TenantSettings:
    """The company profile of tenant ``tid`` (the supplier on its documents), defaults until saved."""
    tenant = directory.get(session, tid)
    if tenant is None:
        raise Problem(f"No tenant {tid}.", status=404, code="not-found", title="Not found")
    return company_settings(session, tenant)


def has_company_settings(session: Session, tid: uuid.UUID) -> bool:
    from genius.core.tenancy import repository

    return repository.settings(session, tid) is not None


def _stored(session: Session, tenant: Tenant) -> TenantSettings:
    from genius.core.tenancy import repository

    found = repository.settings(session, tenant.id)
    return found if found is not None else repository.add_settings(session, company_settings(session, tenant))


def save_company_settings(
    session: Session, tenant: Tenant, body: TenantSettingsIn, *, actor: str
) -> tuple[TenantSettings, dict[str, Any]]:
    """Saves the profile; returns it and the changed fields ({field: new value}) for the audit entry."""
    from genius.core.tenancy import repository

    row = _stored(session, tenant)
    changed: dict[str, Any] = {}
    for name, value in body.model_dump().items():
        if getattr(row, name) != value:
            changed[name] = value.isoformat() if isinstance(value, dt.time) else value
            setattr(row, name, value)
    if "cui" in changed:
        row.anaf_name, row.anaf_checked_at = None, None
    row.updated_at, row.updated_by = utcnow(), actor
    repository.flush(session)
    return row, changed


def record_anaf_name(session: Session, tenant: Tenant, cui: str, name: str | None) -> None:
    """What ANAF's registry answered for the tenant's CUI (kept only while the CUI is the same)."""
    from genius.core.tenancy import repository

    row = _stored(session, tenant)
    if row.cui == cui:
        row.anaf_name, row.anaf_checked_at = (name or "")[:300] or None, utcnow()
        repository.flush(session)


def set_logo(
    session: Session, files: TenantFiles, tenant: Tenant, data: bytes, content_type: str, *, actor: str
) -> TenantSettings:
    """Stores the logo in the tenant's encrypted file store (PNG, JPEG or WebP, checked by its bytes)."""
    from genius.core.tenancy import repository

    sniffed = _image_type(data)
    if sniffed is None or len(data) > LOGO_MAX_BYTES:
        raise Problem(
            "The logo must be a PNG, JPEG or WebP image of at most 512 KB.",
            status=422,
            code="bad-logo",
            title="Validation failed",
            errors=[{"field": "logo", "in": "body", "message": "PNG, JPEG or WebP, at most 512 KB"}],
        )
    key = f"tenants/{tenant.id}/settings/logo-{new_id().hex}.{LOGO_TYPES[sniffed]}"
    store = files.for_tenant(tenant.id)
    store.put(key, data, sniffed)
    row = _stored(session, tenant)
    old = row.logo_key
    row.logo_key, row.logo_type = key, sniffed
    row.updated_at, row.updated_by = utcnow(), actor
    repository.flush(session)
    if old and old != key:
        with contextlib.suppress(Exception):  # an orphaned old logo is harmless
            store.delete(old)
    return row


def logo(session: Session, files: TenantFiles, tenant: Tenant) -> tuple[bytes, str] | None:
    row = company_settings(session, tenant)
    if not row.logo_key or not row.logo_type:
        return None
    return files.for_tenant(tenant.id).get(row.logo_key), row.logo_type


def _image_type(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None
