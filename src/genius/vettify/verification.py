"""CUI verification of accounts through the ``anaf.taxpayer`` worker.

The flow never blocks a request and never loses a check:

1. An account is created or its CUI changes (or a user asks for a re-check): in the same transaction
   its ``compliance_status`` becomes ``pending`` and ``crm.account.verification_requested`` is
   published (outbox).
2. The CRM consumer receives the committed event and defers ``anaf.taxpayer.lookup`` (an outbox task
   row in its own transaction; queue ``anaf.taxpayer``, which answers from the 24 h Redis cache when
   it can, batches, paces and retries).
3. The worker publishes ``anaf.taxpayer.validated``; the CRM consumer stores the result on every live
   account of that tenant with that CUI: status ``verified | invalid | inactive | unavailable``,
   ANAF's data in ``official`` (kept apart from what the user typed), and a timeline entry.

When ANAF is down the account is saved as usual; it ends ``unavailable`` and can be re-checked.
The SQL is in ``genius.vettify.repository.verification``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import structlog
from sqlalchemy.orm import Session

from genius.core.db.base import utcnow
from genius.core.events.schemas import Envelope
from genius.core.events.service import defer, publish
from genius.core.kit.errors import Conflict
from genius.vettify import events
from genius.vettify.models import Account, AccountEvent
from genius.vettify.repository import verification as repository

log = structlog.get_logger("genius.crm.verification")

# ANAF's verdict → the account's compliance status. A well-formed CUI that ANAF does not know is invalid.
STATUS_OF = {
    "verified": "verified",
    "invalid": "invalid",
    "not_found": "invalid",
    "inactive": "inactive",
    "unavailable": "unavailable",
}
OFFICIAL_FIELDS = (
    "name",
    "address",
    "registration_number",
    "caen",
    "phone",
    "vat_registered",
    "vat_on_collection",
    "split_vat",
    "inactive",
    "e_factura",
)
TITLES = {
    "verified": "ANAF: CUI verified",
    "invalid": "ANAF: CUI invalid or not registered",
    "inactive": "ANAF: taxpayer inactive",
    "unavailable": "ANAF unavailable: CUI not checked",
}

LOOKUP_TASK = "anaf.taxpayer.lookup"


REQUEST_BATCH = 100  # CUIs per request event: one PlatitorTvaRest call


def request_checks(
    session: Session,
    tid: uuid.UUID,
    accounts: Sequence[tuple[uuid.UUID, str]],
    *,
    requested_by: str,
    correlation_id: str | None,
) -> None:
    """Request the check of ``(account id, CUI)`` pairs already marked ``pending`` (outbox, this
    transaction), in events of up to ``REQUEST_BATCH``."""
    for start in range(0, len(accounts), REQUEST_BATCH):
        chunk = accounts[start : start + REQUEST_BATCH]
        publish(
            session,
            "crm.account.verification_requested",
            events.AccountVerificationRequested(
                accounts=[events.AccountCui(account_id=a, cui=c) for a, c in chunk],
                requested_by=requested_by,
                requested_at=utcnow(),
            ),
            tid=tid,
            aggregate_id=chunk[0][0] if len(chunk) == 1 else None,
            correlation_id=correlation_id,
        )


def request_verification(
    session: Session, account: Account, *, requested_by: str, correlation_id: str | None
) -> None:
    """Mark the account ``pending`` and request the check (outbox, this transaction)."""
    if not account.cui:
        return
    account.compliance_status = "pending"
    request_checks(
        session,
        account.tid,
        [(account.id, account.cui)],
        requested_by=requested_by,
        correlation_id=correlation_id,
    )


def recheck(session: Session, account: Account, *, requested_by: str, correlation_id: str | None) -> None:
    if not account.cui:
        raise Conflict("This account has no CUI to verify.", code="no-cui")
    account.touch()
    request_verification(session, account, requested_by=requested_by, correlation_id=correlation_id)
    session.flush()


def on_verification_requested(session: Session, envelope: Envelope) -> None:
    data = events.AccountVerificationRequested.model_validate(envelope.data)
    # Only accounts that still have this CUI: a later change has requested its own check.
    wanted = {item.account_id: item.cui for item in data.accounts}
    current = repository.current_cuis(session, wanted)
    cuis = sorted({cui for account_id, cui in current if cui and wanted[account_id] == cui})
    if len(cuis) < len(set(wanted.values())):
        log.info("verification_superseded", requested=len(wanted), still_current=len(cuis))
    if cuis:
        # In the handler's transaction: the lookup exists if and only if this event counts as handled.
        defer(
            session,
            LOOKUP_TASK,
            tid=envelope.tid,
            kwargs={"cuis": cuis, "tid": str(envelope.tid), "correlation_id": envelope.correlation_id},
            correlation_id=envelope.correlation_id,
        )


def _cui_of(data: dict[str, Any]) -> str | None:
    number = data.get("cui_number")
    if number:
        return str(number)
    raw = str(data.get("cui") or "").strip().upper().removeprefix("RO").strip()
    return raw if raw.isdigit() else None


def on_taxpayer_validated(session: Session, envelope: Envelope) -> int:
    """Store ANAF's answer on the tenant's live accounts with this CUI; returns how many changed."""
    data = envelope.data
    cui = _cui_of(data)
    if cui is None:
        return 0
    status = STATUS_OF.get(str(data.get("status")), "unavailable")
    accounts = repository.live_accounts_with_cui(session, cui)
    for account in accounts:
        previous = account.compliance_status
        if status == "unavailable" and account.official:
            # Keep the last good data; the status says it could not be refreshed.
            account.official = {**account.official, "message": data.get("message")}
        elif status != "unavailable":
            account.official = {
                **{name: data.get(name) for name in OFFICIAL_FIELDS},
                "status": data.get("status"),
                "message": data.get("message"),
                "date": data.get("date"),
                "source": "ANAF PlatitorTvaRest v9",
            }
        account.compliance_status = status
        account.checked_at = utcnow()
        account.touch()
        repository.add(
            session,
            AccountEvent(
                tid=account.tid,
                account_id=account.id,
                kind="compliance",
                title=TITLES[status],
                occurred_at=account.checked_at,
                data={
                    "from": previous,
                    "to": status,
                    "anaf_status": data.get("status"),
                    "message": data.get("message"),
                    "official_name": data.get("name"),
                    "e_factura": data.get("e_factura"),
                    "vat_registered": data.get("vat_registered"),
                },
                source_event_id=envelope.id,
            ),
        )
    session.flush()
    return len(accounts)
