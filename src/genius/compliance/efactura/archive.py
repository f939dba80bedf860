"""Every ZIP downloaded from ANAF is archived, so we never depend on downloading it again.

ANAF keeps a message for 60 days and allows 10 downloads of it per day. The archive stores the ZIP
under ``efactura/<tid>/<id_descarcare>.zip`` (``genius.core.storage``) with a row in
``compliance.efactura_archive`` recording the signature check, the download count (per day and in
total) and when ANAF stops serving it. ``fetch`` is the one way to get a ZIP: from the archive when
present, otherwise from ANAF (refused once today's 10 downloads are used).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import structlog
from sqlalchemy.orm import Session

from genius.compliance.efactura import repository
from genius.compliance.efactura.models import ArchivedZip
from genius.compliance.efactura.signature import verify_zip
from genius.core.kit.crypto import sha256_hex
from genius.core.kit.errors import TooManyRequests
from genius.core.storage import TenantFiles

log = structlog.get_logger("genius.efactura.archive")

ANAF_RETENTION = timedelta(days=60)
MAX_DOWNLOADS_PER_DAY = 10


def storage_key(tid: uuid.UUID, id_descarcare: str) -> str:
    return f"efactura/{tid}/{id_descarcare}.zip"


def get(session: Session, tid: uuid.UUID, id_descarcare: str) -> ArchivedZip | None:
    return repository.archived(session, tid, id_descarcare)


def _today() -> str:
    return date.today().isoformat()


def downloads_left_today(row: ArchivedZip | None) -> int:
    if row is None or row.download_day != _today():
        return MAX_DOWNLOADS_PER_DAY
    return max(0, MAX_DOWNLOADS_PER_DAY - row.downloads_today)


def store(
    session: Session,
    storage: TenantFiles,
    tid: uuid.UUID,
    id_descarcare: str,
    data: bytes,
    *,
    certs_dir: Path | None = None,
    message_created_at: datetime | None = None,
) -> ArchivedZip:
    """Archive one download (and count it)."""
    verification = verify_zip(data, certs_dir)
    key = storage_key(tid, id_descarcare)
    storage.for_tenant(tid).put(key, data, "application/zip")
    now = datetime.now(UTC)
    row = get(session, tid, id_descarcare)
    if row is None:
        row = ArchivedZip(
            tid=tid,
            id_descarcare=id_descarcare,
            first_downloaded_at=now,
            download_count=0,
            downloads_today=0,
            anaf_expires_at=(message_created_at or now) + ANAF_RETENTION,
        )
        repository.add_archived(session, row)
    if row.download_day != _today():
        row.download_day, row.downloads_today = _today(), 0
    row.download_count = (row.download_count or 0) + 1
    row.downloads_today = (row.downloads_today or 0) + 1
    row.last_downloaded_at = now
    row.storage_key = key
    row.sha256 = sha256_hex(data)
    row.size = len(data)
    row.kind = verification.kind
    row.invoice_id = (verification.invoice_id or "")[:200] or None
    row.index_incarcare = verification.invoice_id if verification.kind == "error_report" else None
    row.signature_ok = verification.ok
    detail = verification.as_dict()
    row.signature_detail = detail
    if row.downloads_today >= MAX_DOWNLOADS_PER_DAY - 2:
        log.warning(
            "efactura_download_limit_near",
            id_descarcare=id_descarcare,
            downloads_today=row.downloads_today,
            limit=MAX_DOWNLOADS_PER_DAY,
        )
    if not verification.ok:
        log.warning("efactura_zip_signature", id_descarcare=id_descarcare, problems=verification.problems)
    repository.flush(session)
    return row


def fetch(
    session: Session,
    storage: TenantFiles,
    tid: uuid.UUID,
    id_descarcare: str,
    download: Callable[[str], bytes],
    *,
    certs_dir: Path | None = None,
    refresh: bool = False,
) -> tuple[ArchivedZip, bytes]:
    """The archived ZIP, downloading (and archiving) it first when it is not archived yet."""
    row = get(session, tid, id_descarcare)
    files = storage.for_tenant(tid)
    if row is not None and not refresh and files.exists(row.storage_key):
        return row, files.get(row.storage_key)
    if downloads_left_today(row) <= 0:
        raise TooManyRequests(
            f"ANAF allows {MAX_DOWNLOADS_PER_DAY} downloads of message {id_descarcare} per day; "
            "today's are used.",
            headers={"Retry-After": "3600"},
        )
    data = download(id_descarcare)
    row = store(session, storage, tid, id_descarcare, data, certs_dir=certs_dir)
    return row, data
