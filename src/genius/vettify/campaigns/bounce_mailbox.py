"""The bounce mailbox's poll (beat ``email.send.bounces_poll``): each unread DSN of campaign mail is
applied to the tenant whose mail it returns, then marked read.

* **Which tenant.** A DSN is applied only to the tenant that sent the returned message: its Message-ID
  (``mime.message_id_for``, unguessable: a hash of campaign and recipient ids) must be one of that
  tenant's sent recipients. The returned headers' ``X-Genius-Tenant`` names the tenant to check first and
  only (a DSN naming tenant A and quoting B's Message-ID is nobody's); without it (many MTAs return only
  some headers) each active tenant is asked in turn. So a mail forged to the bounce address cannot
  suppress addresses in a tenant unless it quotes one of that tenant's real Message-IDs.
* **Once.** The DSN's own Message-ID (else a hash of its bytes) is recorded in ``crm.mail_events_seen``
  in the same transaction as its effects; the message is marked ``\\Seen`` only after that commit. A
  connection lost between the two leaves it unread, and the next poll finds it ``duplicate`` and marks it.
* **Other mail** (not a DSN, no returned Message-ID, nobody's) is ``\\Flagged`` and left unread, counted,
  and skipped by later polls; it never stops the poll.
* **A lost connection** ends the poll early (``interrupted``); what was committed stays, the rest waits.
"""

from __future__ import annotations

import imaplib
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

import structlog
from prometheus_client import Counter
from sqlalchemy.exc import SQLAlchemyError

from genius.core.db.session import Database
from genius.core.directory import repository as directory
from genius.vettify.campaigns import bounces, dsn
from genius.vettify.campaigns import repository as repo

log = structlog.get_logger("genius.vettify.campaigns.bounce_mailbox")
DSN_READ = Counter(
    "genius_campaign_mailbox_messages_total",
    "Messages read from the bounce mailbox, by outcome",
    ["outcome"],  # applied, unmatched, duplicate, not_dsn, unattributed, failed
)
POLL_INTERRUPTED = Counter("genius_campaign_mailbox_interrupted_total", "Bounce mailbox polls cut short")
TENANTS_PAGE = 500
# A lost connection (OSError, EOF) or an IMAP error (imaplib.IMAP4.error, its ``abort``, a refused command).
CONNECTION_ERRORS = (imaplib.IMAP4.error, OSError, EOFError)


class Mailbox(Protocol):
    """What the poll needs of an open mailbox (``genius.workers.email_send.imap.Mailbox``)."""

    def waiting(self) -> list[int]: ...

    def fetch(self, uid: int) -> bytes | None: ...

    def mark_done(self, uid: int) -> None: ...

    def set_aside(self, uid: int) -> None: ...


@dataclass
class PollResult:
    fetched: int = 0
    applied: int = 0  # DSNs whose outcomes changed a recipient or the suppression list
    unmatched: int = 0  # DSNs of a tenant's mail whose recipients are no longer found (or only deliveries)
    duplicate: int = 0  # already applied (a re-read after a lost connection)
    not_dsn: int = 0
    unattributed: int = 0
    failed: int = 0  # the database refused: left unread for the next poll
    interrupted: str | None = None  # the connection was lost: the rest waits for the next poll
    tenants: dict[str, int] = field(default_factory=dict)  # DSNs applied per tenant id

    def as_dict(self) -> dict[str, Any]:
        return {
            "fetched": self.fetched,
            "applied": self.applied,
            "unmatched": self.unmatched,
            "duplicate": self.duplicate,
            "not_dsn": self.not_dsn,
            "unattributed": self.unattributed,
            "failed": self.failed,
            "interrupted": self.interrupted,
            "tenants": dict(self.tenants),
        }


def _active(db: Database, tid: uuid.UUID) -> bool:
    with db.platform_session() as s:
        tenant = directory.find(s, str(tid))
        return tenant is not None and tenant.status == "active"


def _owns(db: Database, tid: uuid.UUID, message_id: str) -> bool:
    with db.tenant_session(tid) as s:
        return repo.sends_message_id(s, message_id)


def tenant_of(db: Database, report: dsn.Dsn) -> uuid.UUID | None:
    """The tenant that sent the DSN's returned message (None: nobody's, or no Message-ID to tell)."""
    if not report.message_id:
        return None
    if report.tenant:
        try:
            claimed = uuid.UUID(report.tenant)
        except ValueError:
            return None
        return claimed if _active(db, claimed) and _owns(db, claimed, report.message_id) else None
    offset = 0
    while True:
        with db.platform_session() as s:
            page = directory.page(s, TENANTS_PAGE, offset)
        for tenant in page:
            if tenant.status == "active" and _owns(db, tenant.id, report.message_id):
                return tenant.id
        if len(page) < TENANTS_PAGE:
            return None
        offset += TENANTS_PAGE


def poll(db: Database, mailbox: Mailbox, *, limit: int) -> PollResult:
    """One pass over the unread, unflagged messages (oldest first, at most ``limit``)."""
    result = PollResult()
    try:
        for uid in mailbox.waiting()[:limit]:
            raw = mailbox.fetch(uid)
            if raw is None:
                continue  # expunged by another client meanwhile
            result.fetched += 1
            try:
                report = dsn.parse(raw)
            except dsn.NotADsn:
                result.not_dsn += 1
                mailbox.set_aside(uid)
                continue
            try:
                tid = tenant_of(db, report)
                if tid is None:
                    result.unattributed += 1
                    log.info("campaign.dsn.unattributed", uid=uid, dsn_id=report.dsn_id)
                    mailbox.set_aside(uid)
                    continue
                with db.tenant_session(tid) as s:
                    out = bounces.process_dsn(s, tid, raw)
            except SQLAlchemyError as exc:
                result.failed += 1
                log.warning("campaign.dsn.failed", uid=uid, error=f"{type(exc).__name__}: {exc}"[:300])
                continue
            if out.status == "duplicate":
                result.duplicate += 1
            elif out.status == "applied":
                result.applied += 1
                result.tenants[str(tid)] = result.tenants.get(str(tid), 0) + 1
            else:
                result.unmatched += 1
            log.info("campaign.dsn.read", uid=uid, tid=str(tid), status=out.status, suppressed=out.suppressed)
            mailbox.mark_done(uid)
    except CONNECTION_ERRORS as exc:  # lost, timed out or refused: this session is unusable
        result.interrupted = f"{type(exc).__name__}: {exc}"[:300]
    for outcome in ("applied", "unmatched", "duplicate", "not_dsn", "unattributed", "failed"):
        if count := getattr(result, outcome):
            DSN_READ.labels(outcome).inc(count)
    if result.interrupted:
        POLL_INTERRUPTED.inc()
        log.warning("campaign.dsn.poll_interrupted", error=result.interrupted, **result.as_dict())
    return result
