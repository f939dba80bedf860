"""E-mail sequence test helpers: a sequence through the API, the scheduler pass with a given clock."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from genius.core.platform import Platform
from genius.vettify.sequences import scheduler
from tests.vettify.conftest import Crm

STEP = {
    "subject": "Bună ziua, {{ prenume }}",
    "html": '<p>Citiți <a href="https://genius.ro/ghid">ghidul</a>.</p>',
}


def sequence(crm: Crm, *steps: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body = {"name": fields.pop("name", "Bun venit"), "steps": [{**STEP, **s} for s in steps], **fields}
    r = crm.call("POST", "/email-sequences", body)
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def run(platform: Platform, tid: uuid.UUID, now: datetime, limit: int = 100) -> scheduler.Outcome:
    with platform.db.tenant_session(tid) as s:
        return scheduler.run_due(s, tid, platform.settings, now=now, limit=limit)


def rows(db: Connection, tid: uuid.UUID, sql: str, **params: Any) -> list[Any]:
    db.execute(text("SELECT set_config('app.tid', :t, true)"), {"t": str(tid)})
    return list(db.execute(text(sql), {"t": tid, **params}).all())


def mails(db: Connection, tid: uuid.UUID) -> list[dict[str, Any]]:
    """The ``email.send`` tasks in the outbox, oldest first: each one message."""
    found = rows(
        db,
        tid,
        "SELECT data FROM core.outbox WHERE tid = :t AND kind = 'task' AND topic = 'email.send' ORDER BY seq",
    )
    return [r[0]["args"][0] for r in found]


def ledger(db: Connection, tid: uuid.UUID, enrolment_id: str) -> list[tuple[int, str]]:
    found = rows(
        db,
        tid,
        "SELECT position, state FROM crm.email_sequence_sends WHERE enrolment_id = :e ORDER BY position",
        e=enrolment_id,
    )
    return [(int(p), str(s)) for p, s in found]
