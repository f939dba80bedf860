"""The daily e-Factura deadline notice, mailed to the people who can act on it.

``sales.invoice.efactura_deadline_near`` (published by the daily sweep, ``spv.deadline_sweep``) lists a
tenant's issued documents SPV has not accepted whose legal upload term ends within a few working days or
has passed. Its consumer writes one ``email.send`` task (through the outbox, in the consumer's
transaction) to the tenant's active people whose role may issue and resend invoices (``sales:write``),
in Romanian, with each document's number, term, working days left and SPV state, and the link to the
e-Factura desk. The task's idempotency key is the tenant and the day, so a redelivered event mails once.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from genius.config import get_settings
from genius.core.auth import service as auth
from genius.core.auth.scopes import Scope
from genius.core.events.schemas import Envelope
from genius.core.events.service import defer
from genius.sales.events import InvoicesNearDeadline

STATE_RO = {
    "queued": "în coada de încărcare",
    "uploaded": "încărcată, în verificare la ANAF",
    "rejected": "respinsă de ANAF",
    "failed": "încărcarea a eșuat",
}
KIND_RO = {"invoice": "Factura", "credit_note": "Nota de credit"}


def recipients(session: Session) -> list[str]:
    """The active people of the session's tenant whose role holds ``sales:write``."""
    out: list[str] = []
    for user in auth.list_people(session):
        if not user.is_active:
            continue
        scopes = auth.role_scopes(session, user.tid, user.role) or []
        if Scope.SALES_WRITE.value in scopes and user.email not in out:
            out.append(user.email)
    return out


def _day(d: date) -> str:
    return d.strftime("%d.%m.%Y")


def _left(n: int) -> str:
    if n < 0:
        return "termen depășit"
    if n == 0:
        return "ultima zi"
    return "1 zi lucrătoare rămasă" if n == 1 else f"{n} zile lucrătoare rămase"


def message(notice: InvoicesNearDeadline, to: list[str], desk_url: str) -> dict[str, object]:
    overdue = sum(1 for i in notice.invoices if i.working_days_left < 0)
    count = len(notice.invoices)
    subject = f"e-Factura: {count} document{'e' if count != 1 else ''} de încărcat în SPV" + (
        f", {overdue} cu termenul depășit" if overdue else ""
    )
    lines = [
        f"{KIND_RO.get(i.type, 'Documentul')} {i.number} din {_day(i.issue_date)}: "
        f"termen {_day(i.deadline)}, {_left(i.working_days_left)} "
        f"({STATE_RO.get(i.efactura_state, i.efactura_state)})"
        for i in sorted(notice.invoices, key=lambda i: (i.working_days_left, i.number))
    ]
    text = (
        "Bună ziua,\n\n"
        "Aceste documente emise nu au fost încă acceptate de SPV, iar termenul legal de transmitere "
        "(5 zile lucrătoare de la emitere, OUG 120/2021 art. 10) se apropie sau a trecut:\n\n"
        + "\n".join(f"• {line}" for line in lines)
        + f"\n\nLe puteți corecta și retrimite din biroul e-Factura: {desk_url}\n\nGeniusERP"
    )
    return {"to": to, "subject": subject, "text": text}


def on_deadline_near(session: Session, envelope: Envelope) -> None:
    notice = InvoicesNearDeadline.model_validate(envelope.data)
    to = recipients(session)
    if not to or not notice.invoices:
        return
    base = (get_settings().public_url or "").rstrip("/")
    mail = message(notice, to, f"{base}/sales/efactura")
    key = f"sales-deadline:{envelope.tid}:{notice.day.isoformat()}"
    defer(session, "email.send", tid=envelope.tid, args=[{**mail, "idempotency_key": key}], aggregate_id=key)
