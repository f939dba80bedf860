"""The full text of every outreach message, kept in the tenant's encrypted file store.

The communication log holds a 500-character preview (lists, the inbox, search) and the SHA-256 of the
text (dedup); the whole text is an object ``outreach/<tid>/messages/<yyyy>/<mm>/<message id>.txt`` sealed
with the tenant's key (``core.storage.TenantStorage``), named by ``content_storage_key``. It is written
in the transaction that adds the log row, before the commit: a failed write aborts the transaction, and a
rolled-back one leaves an orphan object that nothing names (harmless: encrypted, and never read).
"""

from __future__ import annotations

import structlog

from genius.core.storage import StorageKeyError, TenantStorage
from genius.outreach.models import CommunicationLog

log = structlog.get_logger("genius.outreach.content")

PREVIEW = 500


def storage_key(row: CommunicationLog) -> str:
    return f"outreach/{row.tid}/messages/{row.created_at:%Y/%m}/{row.id}.txt"


def keep(files: TenantStorage, row: CommunicationLog, text: str) -> None:
    """Store ``text`` for a flushed log row (its id and creation time are set) and name it on the row."""
    key = storage_key(row)
    files.put(key, text.encode("utf-8"), "text/plain; charset=utf-8")
    row.content_storage_key = key


def full_text(files: TenantStorage, row: CommunicationLog) -> str:
    """The message's whole text; its preview when the row has no stored text (or the object is gone)."""
    if not row.content_storage_key:
        return row.content_preview
    try:
        return files.get(row.content_storage_key).decode("utf-8")
    except (StorageKeyError, FileNotFoundError, KeyError) as exc:
        # Shown, not hidden: the preview stands in, and the log says which object could not be read.
        log.warning("outreach.content.unreadable", key=row.content_storage_key, error=str(exc))
        return row.content_preview
