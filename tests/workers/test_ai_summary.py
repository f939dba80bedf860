"""ai.summary end to end: a real ``genius worker -Q ai.summary`` on the broker, configured for the
OpenAI-compatible provider against the local fake server over HTTP. The request defers the task through
the outbox, the relay sends it, the worker summarises the committed lead and stores it; the same task
delivered again does not call the model."""

from __future__ import annotations

from celery.result import AsyncResult
from sqlalchemy import text

from genius.core.events.service import defer
from genius.vettify import schemas as s
from genius.vettify import service as crm
from genius.vettify.summaries import repository, service
from genius.vettify.summaries.fake_llm import State, create_app
from tests.conftest import LiveServer, free_port
from tests.core.test_events import only_these_pending
from tests.workers.conftest import rabbit_vhost
from tests.workers.test_outbox_tasks import task_relay

NOTES = "Clientul vrea integrarea e-Factura cu SPV până în martie. Bugetul de 20.000 lei este aprobat."


def test_worker_summarises_a_deferred_request_once(
    platform, committed_tenant, owner_url, redis_url, broker_url, start_worker
) -> None:  # type: ignore[no-untyped-def]
    state = State()
    with LiveServer(create_app(state), free_port()) as llm:
        broker = rabbit_vhost(broker_url) if broker_url.startswith("amqp") else broker_url
        worker = start_worker(
            "ai.summary",
            broker=broker,
            GENIUS_DATABASE_URL=owner_url.render_as_string(hide_password=False),
            GENIUS_AI_SUMMARY_PROVIDER="openai",
            GENIUS_AI_SUMMARY_BASE_URL=llm.url + "/v1",
            GENIUS_AI_SUMMARY_API_KEY=state.api_key,
            GENIUS_AI_SUMMARY_MODEL="llama3.1:8b",
        )
        tid = committed_tenant.id
        who = crm.Actor(tid=tid, name="test")
        with platform.db.tenant_session(tid) as db:
            lead = crm.create_lead(
                db, who, s.LeadCreate(first_name="Ana", company_name="Alfa SRL", notes=NOTES)
            )
            crm.create_activity(
                db,
                who,
                s.ActivityCreate(
                    kind=s.ActivityKind.email,
                    subject="Re: ofertă",
                    body="Trimiteți oferta pentru SPV și SAF-T până vineri.",
                    lead_id=lead.id,
                ),
            )
            lead_id = lead.id
        with platform.db.tenant_session(tid) as db:
            _row, deferred = service.request(db, who, "lead", lead_id)
            assert deferred
            task_id = db.execute(
                text("SELECT id FROM core.outbox WHERE tid = :t AND topic = :n AND published_at IS NULL"),
                {"t": tid, "n": service.TASK},
            ).scalar_one()
        relay = task_relay(owner_url, broker, redis_url)
        try:
            only_these_pending(relay, [task_id])
            relay.run_once()
            assert worker.app is not None
            assert AsyncResult(str(task_id), app=worker.app).get(timeout=60) == "summarized"
            with platform.db.tenant_session(tid) as db:
                row = repository.summary_of(db, "lead", lead_id)
                assert row is not None and row.status == "ready"
                assert (row.provider, row.model, row.language, row.sources) == (
                    "openai",
                    "llama3.1:8b",
                    "ro",
                    2,
                )
                assert row.text and "SPV" in row.text
            assert len(state.requests) == 1
            # The same task again (a redelivery, a second click): nothing to do, no model call.
            with platform.db.tenant_session(tid) as db:
                again = defer(
                    db,
                    service.TASK,
                    tid=tid,
                    kwargs={"tid": str(tid), "subject_type": "lead", "subject_id": str(lead_id)},
                    queue=service.QUEUE,
                ).id
            relay.run_once()
            assert AsyncResult(str(again), app=worker.app).get(timeout=60) == "unchanged"
            assert len(state.requests) == 1
        finally:
            relay.close()
