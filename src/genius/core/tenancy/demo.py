"""Core's demo seeding (``genius demo``): a few colleagues with different roles, a service account and
the company profile, so the administration pages show a real team. Idempotent: an e-mail already there is
left alone, and the profile is written only once."""

from __future__ import annotations

import secrets
import uuid
from typing import TYPE_CHECKING

from genius.core.auth import service as auth
from genius.core.tenancy import service as tenancy
from genius.core.tenancy.schemas import TenantSettingsIn

if TYPE_CHECKING:
    from genius.core.platform import Platform

DEMO_USERS = (
    ("maria.ionescu@demo.local", "Maria Ionescu", "sales", True),
    ("andrei.popescu@demo.local", "Andrei Popescu", "manager", True),
    ("ioana.dumitrescu@demo.local", "Ioana Dumitrescu", "viewer", True),
    ("radu.stan@demo.local", "Radu Stan", "sales", False),
)
DEMO_PROFILE = {
    "company_name": "Demo SRL",
    "cui": "RO14399840",
    "registration_number": "J40/12345/2020",
    "address": "Str. Academiei 14, Sector 1, București",
}


def seed(platform: Platform, tid: uuid.UUID) -> None:
    with platform.db.tenant_session(tid) as s:
        tenant = auth.tenant_of(s, tid)
        people = {u.email for u in auth.list_users(s)}
        for email, name, role, active in DEMO_USERS:
            if email in people or auth.role_scopes(s, tid, role) is None:
                continue
            # Nobody signs in as them: a random password nobody knows (reset it on /admin/users to try).
            user = auth.create_user(
                s,
                platform.passwords,
                tid,
                email=email,
                password=secrets.token_urlsafe(16),
                role=role,
                name=name,
            )
            auth.set_active(s, user, active)
        if not auth.list_service_accounts(s):
            auth.create_service_account(
                s, platform.passwords, tenant, name="Formular de contact site", role="sales"
            )
        if not tenancy.has_company_settings(s, tid):
            tenancy.save_company_settings(
                s, tenant, TenantSettingsIn.model_validate(DEMO_PROFILE), actor="demo-seed"
            )
