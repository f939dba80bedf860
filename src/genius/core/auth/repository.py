"""Every SQL statement of auth: users, roles and signing keys."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import cast, func, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from genius.core.auth.models import Role, SigningKey, User
from genius.core.db.base import utcnow
from genius.core.kit.pagination import Page, cursor_after, decode_cursor, page_of


# --- roles ----------------------------------------------------------------------------------------
def role(session: Session, tid: uuid.UUID, name: str) -> Role | None:
    return session.get(Role, (tid, name))


def add_roles(session: Session, tid: uuid.UUID, roles: Iterable[tuple[str, list[str], str]]) -> None:
    for name, scopes, description in roles:
        session.add(Role(tid=tid, name=name, scopes=list(scopes), description=description))
    session.flush()


# --- users ----------------------------------------------------------------------------------------
def user(session: Session, user_id: uuid.UUID) -> User | None:
    return session.get(User, user_id)


USERS_ORDER = "users:created_at"
ROLES_ORDER = "roles:name"


def users(session: Session) -> list[User]:
    """The users of the session's tenant (RLS), oldest first (the admin pages list them all)."""
    return list(session.scalars(select(User).order_by(User.created_at)))


def roles(session: Session) -> list[Role]:
    """The roles of the session's tenant (RLS)."""
    return list(session.scalars(select(Role).order_by(Role.name)))


def user_page(session: Session, *, cursor: str | None, limit: int) -> Page[User]:
    """The API's keyset page of the session's tenant's users (RLS), oldest first."""
    q = select(User)
    if cursor:
        key = decode_cursor(cursor, USERS_ORDER, (datetime, uuid.UUID))
        q = q.where(cursor_after((User.created_at, User.id), key, desc=False))
    rows = session.scalars(q.order_by(User.created_at, User.id).limit(limit + 1)).all()
    return page_of(rows, limit, USERS_ORDER, key=lambda u: (u.created_at, u.id))


def role_page(session: Session, *, cursor: str | None, limit: int) -> Page[Role]:
    """The API's keyset page of the session's tenant's roles (RLS), by name."""
    q = select(Role)
    if cursor:
        (name,) = decode_cursor(cursor, ROLES_ORDER, (str,))
        q = q.where(Role.name > name)
    rows = session.scalars(q.order_by(Role.name).limit(limit + 1)).all()
    return page_of(rows, limit, ROLES_ORDER, key=lambda r: (r.name,))


def email_taken(session: Session, tid: uuid.UUID, email: str) -> bool:
    found = session.scalar(select(User.id).where(User.tid == tid, func.lower(User.email) == email.lower()))
    return found is not None


def person_by_email(session: Session, tid: uuid.UUID, email: str) -> User | None:
    return session.scalars(
        select(User).where(User.tid == tid, func.lower(User.email) == email.lower(), User.kind == "user")
    ).first()


def service_account(session: Session, client_id: str) -> User | None:
    return session.scalars(select(User).where(User.client_id == client_id, User.kind == "service")).first()


def add_user(session: Session, new: User) -> User:
    session.add(new)
    session.flush()
    return new


# --- signing keys (platform table) ----------------------------------------------------------------
def has_active_key(session: Session, purpose: str) -> bool:
    found = session.execute(
        select(SigningKey.kid).where(SigningKey.purpose == purpose, SigningKey.retired_at.is_(None))
    ).first()
    return found is not None


def retire_active_keys(session: Session, purpose: str) -> None:
    session.execute(
        update(SigningKey)
        .where(SigningKey.purpose == purpose, SigningKey.retired_at.is_(None))
        .values(retired_at=utcnow())
    )


def add_key(session: Session, key: SigningKey) -> None:
    session.add(key)


def live_keys(session: Session, retired_after: datetime) -> list[SigningKey]:
    """Active keys, keys retired after ``retired_after`` and every audit key, newest first."""
    return list(
        session.scalars(
            select(SigningKey)
            .where(
                (SigningKey.retired_at.is_(None))
                | (SigningKey.retired_at > retired_after)
                | (SigningKey.purpose == "audit")
            )
            .order_by(SigningKey.created_at.desc())
        )
    )


def views_of(session: Session, user_id: uuid.UUID, *, lock: bool = False) -> dict[str, Any]:
    """The user's saved list views (``preferences->'views'``: page → [{name, query}]), the row locked
    with ``lock`` so two saves of one user do not lose each other."""
    query = select(User.preferences).where(User.id == user_id)
    if lock:
        query = query.with_for_update()
    stored = session.scalar(query) or {}
    views = stored.get("views")
    return dict(views) if isinstance(views, dict) else {}


def set_views(session: Session, user_id: uuid.UUID, views: dict[str, Any]) -> None:
    session.execute(
        update(User)
        .where(User.id == user_id)
        .values(preferences=User.preferences.op("||")(func.jsonb_build_object("views", cast(views, JSONB))))
    )


def set_preference(session: Session, user_id: uuid.UUID, key: str, value: str) -> None:
    """One key of the user's web preferences (JSONB merge, so concurrent keys do not overwrite)."""
    session.execute(
        update(User)
        .where(User.id == user_id)
        .values(preferences=User.preferences.op("||")(func.jsonb_build_object(key, value)))
    )


def set_role_scopes(session: Session, tid: uuid.UUID, name: str, scopes: list[str]) -> Role | None:
    found = session.get(Role, (tid, name))
    if found is not None:
        found.scopes = list(scopes)
        session.flush()
    return found
