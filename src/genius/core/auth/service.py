"""Users, service accounts and the two OAuth2 grants we serve (password, client_credentials)."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from sqlalchemy.orm import Session

from genius.core.auth import repository
from genius.core.auth.models import Role, User
from genius.core.auth.passwords import Passwords
from genius.core.auth.scopes import DEFAULT_ROLES, Scope
from genius.core.db.base import utcnow
from genius.core.db.session import Database
from genius.core.directory import repository as directory
from genius.core.directory.models import Tenant
from genius.core.kit.errors import Conflict, Problem, Unprocessable
from genius.core.kit.pagination import Page

__all__ = ["Account", "OAuthError", "Problem"]


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


def find_tenant(session: Session, ref: str) -> Tenant | None:
    """A tenant by slug or id (the tenant directory is a platform table, readable without app.tid)."""
    return directory.find(session, ref)


def tenant_of(session: Session, tid: uuid.UUID) -> Tenant:
    tenant = directory.get(session, tid)
    assert tenant is not None, "a principal's tenant exists (FK from its users)"
    return tenant


def seed_roles(session: Session, tid: uuid.UUID) -> None:
    repository.add_roles(session, tid, ((name, scopes, d) for name, (scopes, d) in DEFAULT_ROLES.items()))


def user_page(session: Session, *, cursor: str | None, limit: int) -> Page[User]:
    return repository.user_page(session, cursor=cursor, limit=limit)


def role_page(session: Session, *, cursor: str | None, limit: int) -> Page[Role]:
    return repository.role_page(session, cursor=cursor, limit=limit)


def role_scopes(session: Session, tid: uuid.UUID, role: str) -> list[str] | None:
    r = repository.role(session, tid, role)
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
    if repository.email_taken(session, tid, email):
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
    return repository.add_user(session, user)


def seed_admin(session: Session, tid: uuid.UUID, *, email: str, password_hash: str, role: str) -> User:
    """A new tenant's first user (provisioning: the password was hashed before the transaction)."""
    admin = User(
        tid=tid, email=email, name="Administrator", password_hash=password_hash, role=role, kind="user"
    )
    return repository.add_user(session, admin)


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
    return repository.add_user(session, user), secret


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
        user = repository.person_by_email(s, tenant_id, email)
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
        user = repository.service_account(s, client_id)
        if user is None or not user.is_active or not passwords.verify_secret(user.password_hash, secret):
            raise OAuthError("invalid_client", "Client authentication failed.", status=401)
        user.last_login_at = utcnow()
        return _account(s, user)


def load_account(db: Database, tid: uuid.UUID, user_id: uuid.UUID) -> Account | None:
    """A web session's user with its current role and scopes, in a transaction of its own (the API docs'
    check, which runs outside any request dependency)."""
    with db.tenant_session(tid) as s:
        user = repository.user(s, user_id)
        if user is None or not user.is_active:
            return None
        return _account(s, user)


def session_identity(session: Session, tid: uuid.UUID, user_id: uuid.UUID) -> tuple[Account, Tenant] | None:
    """Used by web sessions: the user's current role and scopes (re-read on each request) and tenant,
    in the page's tenant transaction."""
    user = repository.user(session, user_id)
    tenant = directory.get(session, tid)
    if user is None or not user.is_active or tenant is None:
        return None
    account = _account(session, user)
    session.expunge(tenant)  # a plain snapshot for the page, whatever becomes of the transaction
    return account, tenant


WEB_PREFERENCES = {"lang": ("ro", "en"), "theme": ("light", "dark")}


def preferences(session: Session, user_id: uuid.UUID) -> dict[str, str]:
    """The user's remembered web choices (language, theme); unknown keys and values are dropped."""
    user = repository.user(session, user_id)
    stored = dict(user.preferences or {}) if user is not None else {}
    return {k: v for k, v in stored.items() if v in WEB_PREFERENCES.get(k, ())}


def remember_preference(session: Session, user_id: uuid.UUID, key: str, value: str) -> None:
    if value not in WEB_PREFERENCES.get(key, ()):
        raise ValueError(f"{key}={value!r} is not a web preference")
    repository.set_preference(session, user_id, key, value)


MAX_SAVED_VIEWS = 20


@dataclass(frozen=True)
class SavedView:
    """A list page's filters saved under a name: ``query`` is the page's query string."""

    name: str
    query: str


def saved_views(session: Session, user_id: uuid.UUID, page: str) -> list[SavedView]:
    """The user's saved views of one list page (``page`` names it, e.g. ``crm.leads``), by name."""
    entries = repository.views_of(session, user_id).get(page) or []
    views = [
        SavedView(str(e["name"]), str(e["query"]))
        for e in entries
        if isinstance(e, dict) and isinstance(e.get("name"), str) and isinstance(e.get("query"), str)
    ]
    return sorted(views, key=lambda v: v.name.casefold())


class ViewRefused(Unprocessable):
    """A saved view that cannot be kept: ``reason`` is ``name`` (1 to 60 characters), ``count``
    (``MAX_SAVED_VIEWS`` already) or ``query`` (too long)."""

    def __init__(self, reason: str, field: str, message: str) -> None:
        super().__init__(
            "The request has invalid fields.",
            errors=[{"field": field, "in": "body", "message": message, "type": "value_error"}],
        )
        self.reason = reason


def save_view(session: Session, user_id: uuid.UUID, page: str, name: str, query: str) -> None:
    """Saves (or replaces, by name) a view; at most ``MAX_SAVED_VIEWS`` per page."""
    name = " ".join(name.split())
    if not name or len(name) > 60:
        raise ViewRefused("name", "name", "must have 1 to 60 characters")
    if len(query) > 2000:
        raise ViewRefused("query", "query", "is too long")
    views = repository.views_of(session, user_id, lock=True)
    kept = [e for e in views.get(page) or [] if isinstance(e, dict) and e.get("name") != name]
    if len(kept) >= MAX_SAVED_VIEWS:
        raise ViewRefused("count", "name", f"at most {MAX_SAVED_VIEWS} saved views per list")
    views[page] = [*kept, {"name": name, "query": query}]
    repository.set_views(session, user_id, views)


def delete_view(session: Session, user_id: uuid.UUID, page: str, name: str) -> bool:
    views = repository.views_of(session, user_id, lock=True)
    entries = views.get(page) or []
    kept = [e for e in entries if isinstance(e, dict) and e.get("name") != name]
    if len(kept) == len(entries):
        return False
    views[page] = kept
    repository.set_views(session, user_id, views)
    return True


def check_grantable(role: str, granted_by: AbstractSet[str]) -> None:
    """Only a platform admin hands out ``platform_admin``."""
    if role == "platform_admin" and Scope.PLATFORM_ADMIN not in granted_by:
        raise Problem(
            "Only a platform admin can grant platform_admin.", status=403, code="forbidden", title="Forbidden"
        )


def ensure_user(
    session: Session, passwords: Passwords, tid: uuid.UUID, *, email: str, password: str, role: str
) -> None:
    """Idempotent set-up (``genius demo``): the role's default scopes complete (new modules add scopes),
    and a user with this email, role and password."""
    defaults = DEFAULT_ROLES.get(role)
    r = repository.role(session, tid, role)
    if r is not None and defaults is not None and set(r.scopes) != set(defaults[0]):
        r.scopes = list(defaults[0])
    user = repository.person_by_email(session, tid, email)
    if user is None:
        repository.add_user(
            session,
            User(
                tid=tid,
                email=email,
                name="Administrator",
                password_hash=passwords.hash(password),
                role=role,
            ),
        )
    elif not passwords.verify(user.password_hash, password):
        user.password_hash = passwords.hash(password)


# --- user administration (the API's /v1/users and the Shell's /admin pages) ----------------------------
def generate_password() -> str:
    """A one-time password shown once to the administrator: 16 URL-safe characters (96 bits)."""
    return secrets.token_urlsafe(12)


def list_roles(session: Session) -> list[Role]:
    return repository.roles(session)


def list_users(session: Session) -> list[User]:
    return repository.users(session)


def get_user(session: Session, user_id: uuid.UUID) -> User | None:
    """A user or service account of the session's tenant (RLS: another tenant's id is None)."""
    return repository.user(session, user_id)


def list_people(session: Session) -> list[User]:
    return [u for u in repository.users(session) if u.kind == "user"]


def list_service_accounts(session: Session) -> list[User]:
    return [u for u in repository.users(session) if u.kind == "service"]


def change_role(session: Session, user: User, role: str, granted_by: AbstractSet[str]) -> str:
    """Gives ``user`` the role ``role``; returns the previous role. Only a platform admin grants (or takes
    away) ``platform_admin``."""
    check_grantable(role, granted_by)
    check_grantable(user.role, granted_by)
    require_role(session, user.tid, role)
    previous, user.role = user.role, role
    session.flush()
    return previous


def set_active(session: Session, user: User, active: bool, *, actor_id: uuid.UUID | None = None) -> None:
    """Disables or enables a user: a disabled user cannot sign in, and its web sessions and API tokens stop
    working at their next request (sessions re-read the user; tokens are refused at the token endpoint)."""
    if not active and actor_id is not None and user.id == actor_id:
        raise Problem(
            "You cannot disable your own account.",
            status=422,
            code="self-disable",
            title="Validation failed",
            errors=[{"field": "is_active", "in": "body", "message": "cannot disable yourself"}],
        )
    user.is_active = active
    session.flush()


MIN_PASSWORD = 10


def set_password(session: Session, passwords: Passwords, user: User, password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise Problem(
            f"The password needs at least {MIN_PASSWORD} characters.",
            status=422,
            code="weak-password",
            title="Validation failed",
            errors=[{"field": "password", "in": "body", "message": f"at least {MIN_PASSWORD} characters"}],
        )
    user.password_hash = passwords.hash(password)
    session.flush()


def rotate_client_secret(session: Session, passwords: Passwords, user: User) -> str:
    """A new client secret for a service account (shown once; the old one stops working now)."""
    if user.kind != "service":
        raise Problem("Not a service account.", status=404, code="not-found", title="Not found")
    secret = secrets.token_urlsafe(32)
    user.password_hash = passwords.hash_secret(secret)
    session.flush()
    return secret


def set_role_scopes(session: Session, tid: uuid.UUID, role: str, scopes: list[str]) -> None:
    """Replaces a role's scopes (known tenant scopes only; ``platform_admin`` is not editable here)."""
    from genius.core.auth.scopes import TENANT_SCOPES

    unknown = sorted(set(scopes) - set(TENANT_SCOPES))
    if role == "platform_admin" or unknown:
        raise Problem(
            "These scopes cannot be given to this role.",
            status=422,
            code="bad-scopes",
            title="Validation failed",
            errors=[{"field": "scopes", "in": "body", "message": "unknown: " + " ".join(unknown)}],
        )
    if repository.set_role_scopes(session, tid, role, sorted(set(scopes))) is None:
        require_role(session, tid, role)


def active_person(db: Database, tid: uuid.UUID, email: str) -> Account | None:
    """An active person of the tenant by e-mail (single sign-on: the IdP vouched for the e-mail);
    records the login time."""
    with db.tenant_session(tid) as s:
        user = repository.person_by_email(s, tid, email)
        if user is None or not user.is_active:
            return None
        user.last_login_at = utcnow()
        return _account(s, user)
