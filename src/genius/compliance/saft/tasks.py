"""Queue ``anaf.saft``: ``anaf.saft.generate`` and ``anaf.saft.validate``.

* ``generate(tid, report_id)``: builds the recorded report from its ledger, splits it into segments,
  validates each (our rules; DUKIntegrator too when ``GENIUS_DUK_JAR`` is set), stores them and
  publishes ``accounting.saft.ready`` (or ``accounting.saft.failed``). It runs under the job's lease
  (``jobs.start`` in the API): a duplicate finds it busy, a killed builder's job is requeued by the relay.
  A finished report is not built again, so a redelivered task is harmless. Database outages are
  retried with backoff.
* ``validate(tid, key)``: the findings for a D406 file already in storage (under ``saft/<tid>/``).

``health()`` is the deep check: builds and validates a tiny AuditFile (no fatal finding expected) and,
when the DUK jar is configured, checks that it is there and that java starts.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from celery import Task
from sqlalchemy.exc import OperationalError

from genius.compliance.common.backoff import retry_temporary
from genius.compliance.saft import duk, service
from genius.compliance.saft.build import from_ledger, to_xml
from genius.compliance.saft.ledger import Ledger
from genius.compliance.saft.models import FINAL_STATUSES
from genius.compliance.saft.rules import validate as validate_xml
from genius.config import Settings, get_settings
from genius.core.jobs.service import Lease
from genius.core.storage import tenant_files_from_settings
from genius.workers.celery_app import celery_app
from genius.workers.context import ProcessContext, worker_database

__all__ = ["generate", "health", "validate"]

MAX_RETRIES = 5


def _services(settings: Settings) -> service.Context:
    return service.Context(
        db=worker_database(settings), settings=settings, storage=tenant_files_from_settings(settings)
    )


context = ProcessContext(_services)  # database, storage: once per worker process
use_context = context.use


@celery_app.task(name="anaf.saft.generate", bind=True, acks_late=True, max_retries=MAX_RETRIES)
@retry_temporary((OperationalError,))  # the database is down: try again later
def generate(self: Task, tid: str, report_id: str) -> dict[str, Any]:
    """Build one report under its lease (``jobs.start`` registered it): a duplicate message finds it
    busy and returns; a finished build finishes the lease; a killed builder's lease lapses and the relay
    requeues the build, which starts over (the stored parts are overwritten, the report's final state
    written once)."""
    ctx = context()
    lease = Lease(
        ctx.db,
        uuid.UUID(tid),
        uuid.UUID(report_id),
        seconds=ctx.settings.job_lease_seconds,
        pickup_seconds=ctx.settings.job_pickup_seconds,
    )
    with lease:
        if lease.state == "busy":  # a live worker holds it: this is a duplicate message
            return {"status": "running elsewhere", "id": report_id}
        try:
            result = service.generate(ctx, uuid.UUID(tid), uuid.UUID(report_id))
        except OperationalError:
            raise  # released on the way out; retried with backoff (or requeued after the pickup period)
        except Exception:
            if lease.state == "held":
                lease.finish()  # not temporary: never requeue it
            raise
        if result["status"] in FINAL_STATUSES and lease.state == "held":
            lease.finish()
    return result


@celery_app.task(name="anaf.saft.validate", bind=True, acks_late=True)
def validate(self: Task, tid: str, key: str) -> list[dict[str, str]]:
    return service.validate_stored(context(), uuid.UUID(tid), key)


def tiny_ledger() -> Ledger:
    """A one-entry month that must build into a file without fatal findings."""
    return Ledger.model_validate(
        {
            "company": {"cui": "RO88888808", "name": "HEALTH SRL", "city": "Bucuresti"},
            "period_start": date(2026, 1, 1),
            "period_end": date(2026, 1, 31),
            "accounts": [
                {"id": "5311", "description": "Casa", "type": "Activ", "opening_balance": Decimal(10)},
                {"id": "1012", "description": "Capital", "type": "Pasiv", "opening_balance": Decimal(-10)},
            ],
            "journals": [{"id": "GJ", "description": "Jurnal general"}],
            "entries": [
                {
                    "id": "1",
                    "journal": "GJ",
                    "date": date(2026, 1, 15),
                    "description": "Aport",
                    "lines": [{"account": "5311", "debit": "5"}, {"account": "1012", "credit": "5"}],
                }
            ],
        }
    )


def health() -> str:
    """Deep check: a tiny AuditFile builds and passes our validator; the DUK jar when configured."""
    xml = to_xml(from_ledger(tiny_ledger(), "L"))
    fatal = [f for f in validate_xml(xml) if f.severity == "fatal"]
    if fatal:
        raise RuntimeError(
            f"the built health-check file fails validation: {fatal[0].rule} {fatal[0].message}"
        )
    result = f"built and validated a {len(xml)}-byte D406"
    jar = get_settings().duk_jar
    if jar:
        result += "; " + duk.check_installation(jar)
    return result
