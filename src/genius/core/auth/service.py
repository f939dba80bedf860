"""Users, service accounts and the two OAuth2 grants we serve (password, client_credentials)."""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from genius.core.auth.models import Role, User
from genius.core.auth.passwords import Passwords
from genius.core.auth.scopes import DEFAULT_ROLES
from genius.core.db.base import utcnow
from genius.core.db.session import Database
from genius.core.kit.errors import Conflict, Problem
from genius.core.tenancy.models import Tenant


class OAuthError(Problem):
    """RFC 6749 §5.2 error, rendered as problem+json carrying the OAuth ``error`` member."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(
            description,
            status=status,
            code=f"oauth-{error.replace('_', '-')}",
            title="Token request failed",
            error=error,
            error_description=description,
            headers={"WWW-Authenticate": 'Basic realm="genius"'} if status == 401 else None,
        )


@dataclass(frozen=True)
class Account:
    """What a token is issued for."""

    id: uuid.UUID
    tid: uuid.UUID
    email: str
    role: str
    scopes: list[str]
    kind: str
    whid: uuid.UUID | None


UUID_RE = re.compile(r"^[0-9a-fA-F-]{36}$")


def find_tenant(session: Session, ref: str) -> Tenant | None:
    """A tenant by slug or id (the tenant directory is a platform table, readable without app.tid)."""
    if UUID_RE.match(ref):
        try:
            return session.get(Tenant, uuid.UUID(ref))
        except ValueError:
            return None
    return session.scalars(select(Tenant).where(Tenant.slug == ref.lower())).first()


def seed_roles(session: Session, tid: uuid.UUID) -> None:
    for name, (scopes, description) in DEFAULT_ROLES.items():
        session.add(Role(tid=tid, name=name, scopes=list(scopes), description=description))
    session.flush()


def role_scopes(session: Session, tid: uuid.UUID, role: str) -> list[str] | None:
    r = session.get(Role, (tid, role))
    return list(r.scopes) if r else None


def require_role(session: Session, tid: uuid.UUID, role: str) -> list[str]:
    scopes = role_scopes(session, tid, role)
    if scopes is None:
        raise Problem(
            f"Unknown role {role!r}.",
            status=422,
            code="unknown-role",
            title="Validation failed",
            errors=[{"field": "role", "in": "body", "message": f"unknown role {role!r}"}],
        )
    return scopes


def create_user(
    session: Session,
    passwords: Passwords,
    tid: uuid.UUID,
    *,
    email: str,
    password: str,
    role: str,
    name: str = "",
    whid: uuid.UUID | None = None,
) -> User:
    require_role(session, tid, role)
    exists = session.scalar(select(User.id).where(User.tid == tid, func.lower(User.email) == email.lower()))
    if exists:
        raise Conflict(f"A user with email {email} already exists in this tenant.")
    user = User(
        tid=tid,
        email=email,
        name=name,
        password_hash=passwords.hash(password),
        role=role,
        whid=whid,
        kind="user",
    )
    session.add(user)
    session.flush()
    return user


def create_service_account(
    session: Session, passwords: Passwords, tenant: Tenant, *, name: str, role: str
) -> tuple[User, str]:
    """Returns the account and its client secret, which is shown once and stored only hashed."""
    require_role(session, tenant.id, role)
    # The slug prefix lets the token endpoint find the tenant before it can see the tenant's rows.
    client_id = f"{tenant.slug}.{secrets.token_hex(8)}"
    secret = secrets.token_urlsafe(32)
    user = User(
        tid=tenant.id,
        email=f"{client_id}@service.invalid",
        name=name,
        password_hash=passwords.hash_secret(secret),
        role=role,
        kind="service",
        client_id=client_id,
    )
    session.add(user)
    session.flush()
    return user, secret


def _account(session: Session, user: User) -> Account:
    scopes = role_scopes(session, user.tid, user.role) or []
    return Account(user.id, user.tid, user.email, user.role, scopes, user.kind, user.whid)


def authenticate_password(
    db: Database, passwords: Passwords, tenant_ref: str, email: str, password: str
) -> Account:
    with db.platform_session() as s:
        tenant = find_tenant(s, tenant_ref)
        tenant_id = tenant.id if tenant and tenant.status == "active" else None
    if tenant_id is None:
        passwords.verify(None, password)
        raise OAuthError("invalid_grant", "Invalid tenant, email or password.")
    with db.tenant_session(tenant_id) as s:
        user = s.scalars(
            select(User).where(
                User.tid == tenant_id, func.lower(User.email) == email.lower(), User.kind == "user"
            )
        ).first()
        if user is None or not user.is_active or not passwords.verify(user.password_hash, password):
            if user is None:
                passwords.verify(None, password)
            raise OAuthError("invalid_grant", "Invalid tenant, email or password.")
        user.last_login_at = utcnow()
        if passwords.needs_rehash(user.password_hash):
            user.password_hash = passwords.hash(password)
        return _account(s, user)


def authenticate_client(db: Database, passwords: Passwords, client_id: str, secret: str) -> Account:
    slug = client_id.split(".", 1)[0]
    with db.platform_session() as s:
        tenant = find_tenant(s, slug) if slug and "." in client_id else None
        tenant_id = tenant.id if tenant and tenant.status == "active" else None
    if tenant_id is None:
        raise OAuthError("invalid_client", "Client authentication failed.", status=401)
    with db.tenant_session(tenant_id) as s:
        user = s.scalars(select(User).where(User.client_id == client_id, User.kind == "service")).first()
        if user is None or not user.is_active or not passwords.verify_secret(user.password_hash, secret):
            raise OAuthError("invalid_client", "Client authentication failed.", status=401)
        user.last_login_at = utcnow()
        return _account(s, user)


def load_account(db: Database, tid: uuid.UUID, user_id: uuid.UUID) -> Account | None:
    """Used by web sessions: the user's current role and scopes, re-read on each request."""
    with db.tenant_session(tid) as s:
        user = s.get(User, user_id)
        if user is None or not user.is_active:
            return None
        return _account(s, user)
