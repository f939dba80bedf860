"""Attachment services: store, list, read and (soft) delete files of CRM records.

Like ``genius.vettify.service``, every function takes the caller's tenant session (RLS enforced) and
never commits. The bytes go to the object store encrypted with the tenant's key (SSE-C on S3, AES-GCM
on the filesystem) under ``crm/attachments/<tid>/<id>``; the row is written after the object, and the
object is removed again if the row cannot be written, so no row ever points at nothing.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from genius.core.audit import service as audit
from genius.core.db.base import new_id, utcnow
from genius.core.kit.errors import NotFound, Problem
from genius.core.kit.pagination import Page
from genius.core.storage import Storage, StorageKeyError
from genius.vettify import service
from genius.vettify.attachments import files, repository
from genius.vettify.attachments.models import Attachment


class ParentType(StrEnum):
    """The path segment of the record a file belongs to."""

    accounts = "accounts"
    contacts = "contacts"
    leads = "leads"
    opportunities = "opportunities"


PARENTS: dict[ParentType, service.EntitySpec[Any]] = {
    ParentType.accounts: service.ACCOUNTS,
    ParentType.contacts: service.CONTACTS,
    ParentType.leads: service.LEADS,
    ParentType.opportunities: service.OPPORTUNITIES,
}


class TooLarge(Problem):
    status, code, title = 413, "too-large", "Content too large"


class UnsupportedType(Problem):
    status, code, title = 415, "unsupported-media-type", "Unsupported media type"


class StorageFailed(Problem):
    status, code, title = 502, "storage", "File storage error"


@dataclass(frozen=True)
class Upload:
    filename: str | None  # as the client sent it
    declared_type: str | None
    data: bytes


def storage_key(tid: uuid.UUID, attachment_id: uuid.UUID) -> str:
    return f"crm/attachments/{tid}/{attachment_id}"


def ensure_parent(session: Session, parent: ParentType, parent_id: uuid.UUID) -> service.EntitySpec[Any]:
    """The parent record must exist for the caller's tenant (RLS makes another tenant's id a 404)."""
    spec = PARENTS[parent]
    service.get_record(session, spec, parent_id)
    return spec


def add(
    session: Session,
    storage: Storage,
    sse_key: bytes,
    who: service.Actor,
    parent: ParentType,
    parent_id: uuid.UUID,
    upload: Upload,
) -> Attachment:
    spec = ensure_parent(session, parent, parent_id)
    if not upload.data:
        raise service.field_error("file", "the file is empty")
    filename = files.sanitise_filename(upload.filename)
    try:
        found = files.check(upload.data, filename)
    except files.Refused as refused:
        raise UnsupportedType(
            f"This file is not accepted: {refused.reason}.",
            sniffed_type=refused.sniffed,
            allowed_types=sorted(files.ALLOWED_TYPES),
            errors=[{"field": "file", "in": "body", "message": refused.reason, "type": "content_type"}],
        ) from None
    attachment_id = new_id()
    key = storage_key(who.tid, attachment_id)
    row = Attachment(
        id=attachment_id,
        tid=who.tid,
        entity_type=spec.name,
        entity_id=parent_id,
        filename=filename,
        content_type=found.content_type,
        declared_type=upload.declared_type[:255] if upload.declared_type else None,
        size=len(upload.data),
        sha256=hashlib.sha256(upload.data).hexdigest(),
        storage_key=key,
        uploaded_by=who.name,
        uploaded_at=utcnow(),
    )
    storage.put(key, upload.data, found.content_type, sse_key=sse_key)
    try:
        repository.add(session, row)
    except BaseException:
        storage.delete(key, sse_key=sse_key)
        raise
    return row


def list_for(
    session: Session, parent: ParentType, parent_id: uuid.UUID, *, limit: int = 100, cursor: str | None = None
) -> Page[Attachment]:
    spec = ensure_parent(session, parent, parent_id)
    return repository.page_for(session, spec.name, parent_id, limit=limit, cursor=cursor)


def get(session: Session, attachment_id: uuid.UUID, *, lock: bool = False) -> Attachment:
    row = repository.find(session, attachment_id, lock=lock)
    if row is None:
        raise NotFound(f"No attachment {attachment_id}.")
    return row


def content(
    session: Session, storage: Storage, sse_key: bytes, attachment_id: uuid.UUID
) -> tuple[Attachment, bytes]:
    row = get(session, attachment_id)
    try:
        data = storage.get(row.storage_key, sse_key=sse_key)
    except (FileNotFoundError, StorageKeyError) as exc:
        raise StorageFailed(f"The file of attachment {row.id} cannot be read: {type(exc).__name__}.") from exc
    if hashlib.sha256(data).hexdigest() != row.sha256:
        raise StorageFailed(f"The file of attachment {row.id} does not match its checksum.")
    return row, data


def delete(session: Session, who: service.Actor, attachment_id: uuid.UUID) -> Attachment:
    """Soft delete (the object stays, so an administrator can restore it) with an audit entry."""
    row = get(session, attachment_id, lock=True)
    row.deleted_at = utcnow()
    row.deleted_by = who.name
    session.flush()
    audit.record(
        session,
        who.tid,
        "crm.attachment.deleted",
        actor=who.name,
        target=f"crm.attachment:{row.id}",
        data={
            "id": str(row.id),
            "entity_type": row.entity_type,
            "entity_id": str(row.entity_id),
            "filename": row.filename,
            "content_type": row.content_type,
            "size": row.size,
            "sha256": row.sha256,
            "soft": True,
        },
        request_id=who.request_id,
    )
    return row
