"""CRM summaries end to end: POST defers ``ai.summary.generate`` through the outbox (202), the task
summarises the lead's or opportunity's notes and activities, stores it with provider, model, prompt
version and input hash, publishes ``crm.activity.summarized`` (checked against its contract), does not
recompute an unchanged input, and records a refusal or an outage as a failed summary the user can retry."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from genius.core.platform import Platform
from genius.vettify.demo import seed_demo_crm, seed_demo_summaries
from genius.vettify.summaries import tasks
from genius.vettify.summaries.chat import ChatClient, Temporary
from genius.vettify.summaries.fake_llm import State, create_app
from genius.vettify.summaries.providers import PROMPT_VERSION, ChatSummariser, ExtractiveSummariser
from genius.workers.celery_app import route_by_name
from genius.workers.fleet import IMPLEMENTED, TAGS
from tests.conftest import LiveServer, free_port
from tests.vettify.conftest import Crm
from tests.vettify.test_contracts import _validate

NOTES = (
    "Clientul vrea integrarea e-Factura cu SPV până în martie. Bugetul de 20.000 lei este aprobat. "
    "Directorul financiar decide singur."
)
MEETING = (
    "Am prezentat modulul de facturare. Clientul cere și rapoarte SAF-T lunare. "
    "Pasul următor: oferta pentru integrarea cu SPV și SAF-T, trimisă până vineri."
)


def extractive() -> ExtractiveSummariser:
    return ExtractiveSummariser(2)


def outbox(platform: Platform, tid: uuid.UUID, topic: str) -> list[Any]:
    with platform.db.tenant_session(tid) as s:
        return list(
            s.execute(
                text(
                    "SELECT kind, queue, data FROM core.outbox WHERE topic = :t AND tid = :tid ORDER BY seq"
                ),
                {"t": topic, "tid": tid},
            ).all()
        )


def lead_with_notes(crm: Crm) -> dict[str, Any]:
    lead = crm.create("leads", first_name="Ana", last_name="Pop", company_name="Alfa SRL", notes=NOTES)
    crm.create(
        "activities", kind="meeting", subject="Demonstrație la sediu", body=MEETING, lead_id=lead["id"]
    )
    return lead


def test_the_queue_is_served() -> None:
    assert "ai.summary" in IMPLEMENTED
    assert TAGS["ai.summary"].module == "genius.vettify.summaries.tasks"
    assert route_by_name("ai.summary.generate", None, None, None) == {
        "queue": "ai.summary",
        "routing_key": "ai.summary",
    }


def test_request_generate_store_and_no_recompute(crm: Crm, platform: Platform, tenant: Any) -> None:
    lead = lead_with_notes(crm)
    path = f"/leads/{lead['id']}/summary"
    assert crm.call("GET", path).status_code == 404  # never asked for

    asked = crm.call("POST", path)
    assert asked.status_code == 202, asked.text
    assert asked.headers["Location"] == f"/v1/crm{path}"
    assert asked.json()["status"] == "pending"
    deferred = outbox(platform, tenant.id, "ai.summary.generate")
    assert [(k, q) for k, q, _ in deferred] == [("task", "ai.summary")]
    assert deferred[0][2]["kwargs"] == {
        "tid": str(tenant.id),
        "subject_type": "lead",
        "subject_id": lead["id"],
    }
    pending = crm.call("GET", path)
    assert pending.status_code == 202 and pending.headers["Retry-After"]

    lid = uuid.UUID(lead["id"])
    assert tasks.generate(platform.db, tenant.id, "lead", lid, extractive) == "summarized"
    ready = crm.call("GET", path)
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["status"] == "ready" and body["language"] == "ro" and body["sources"] == 2
    assert (body["provider"], body["model"], body["prompt_version"]) == (
        "extractive",
        "textrank-tfidf-2",
        PROMPT_VERSION,
    )
    assert len(body["input_hash"]) == 64 and not body["stale"]
    assert "SPV" in body["text"]
    events = outbox(platform, tenant.id, "crm.activity.summarized")
    assert len(events) == 1
    _validate("crm.activity.summarized", events[0][2])
    assert events[0][2]["subject_id"] == lead["id"] and events[0][2]["input_hash"] == body["input_hash"]

    # Unchanged input: the task does nothing, and POST answers the stored summary without a task.
    assert tasks.generate(platform.db, tenant.id, "lead", lid, extractive) == "unchanged"
    again = crm.call("POST", path)
    assert again.status_code == 200 and again.json()["input_hash"] == body["input_hash"]
    assert len(outbox(platform, tenant.id, "ai.summary.generate")) == 1
    assert len(outbox(platform, tenant.id, "crm.activity.summarized")) == 1

    # A new e-mail: the summary is stale until it is made again.
    crm.create(
        "activities",
        kind="email",
        subject="Re: ofertă",
        body="Mulțumim pentru ofertă. Semnăm contractul luni.",
        lead_id=lead["id"],
    )
    assert crm.call("GET", path).json()["stale"] is True
    assert crm.call("POST", path).status_code == 202
    assert crm.call("GET", path).json()["text"] == body["text"]  # the old text stays while pending
    assert tasks.generate(platform.db, tenant.id, "lead", lid, extractive) == "summarized"
    newer = crm.call("GET", path).json()
    assert newer["sources"] == 3 and newer["input_hash"] != body["input_hash"] and not newer["stale"]
    assert len(outbox(platform, tenant.id, "crm.activity.summarized")) == 2


def test_opportunity_summary_in_english(crm: Crm, platform: Platform, tenant: Any) -> None:
    account = crm.create("accounts", name="Beta")
    opp = crm.create("opportunities", name="Beta ERP", account_id=account["id"])
    for subject, body_text in (
        ("Call with the CFO", "The finance team wants the e-invoicing integration before the summer."),
        ("Quote sent", "We sent the quote for the integration and the training of the finance team."),
    ):
        crm.create("activities", kind="call", subject=subject, body=body_text, opportunity_id=opp["id"])
    path = f"/opportunities/{opp['id']}/summary"
    assert crm.call("POST", path).status_code == 202
    assert (
        tasks.generate(platform.db, tenant.id, "opportunity", uuid.UUID(opp["id"]), extractive)
        == "summarized"
    )
    body = crm.call("GET", path).json()
    assert body["language"] == "en" and body["subject_type"] == "opportunity" and body["sources"] == 2


def test_refusals(crm: Crm, make_tenant: Any) -> None:
    empty = crm.create("leads", first_name="Fără", last_name="Note")
    refused = crm.call("POST", f"/leads/{empty['id']}/summary")
    assert refused.status_code == 409 and refused.json()["type"].endswith("/nothing-to-summarize")
    assert crm.call("POST", f"/leads/{uuid.uuid4()}/summary").status_code == 404
    assert crm.call("GET", f"/opportunities/{uuid.uuid4()}/summary").status_code == 404
    lead = lead_with_notes(crm)
    assert crm.call("POST", f"/leads/{lead['id']}/summary").status_code == 202
    other = make_tenant()
    theirs = Crm(crm.client, other.headers)
    assert theirs.call("GET", f"/leads/{lead['id']}/summary").status_code == 404
    assert theirs.call("POST", f"/leads/{lead['id']}/summary").status_code == 404


@pytest.fixture
def fake() -> Iterator[tuple[str, State]]:
    state = State()
    with LiveServer(create_app(state), free_port()) as server:
        yield server.url + "/v1", state


def test_chat_provider_refusal_and_outage(
    crm: Crm, platform: Platform, tenant: Any, fake: tuple[str, State]
) -> None:
    url, state = fake
    lead = lead_with_notes(crm)
    lid = uuid.UUID(lead["id"])
    path = f"/leads/{lead['id']}/summary"
    crm.call("POST", path)

    def chat(key: str) -> ChatSummariser:
        return ChatSummariser(
            ChatClient(url, "gpt-4o-mini", api_key=key, max_retries=1, sleep=lambda _s: None)
        )

    assert tasks.generate(platform.db, tenant.id, "lead", lid, lambda: chat("sk-wrong")) == "failed"
    failed = crm.call("GET", path).json()
    assert failed["status"] == "failed" and "401" in failed["error"] and failed["text"] is None

    state.faults.extend([500, 503])
    with pytest.raises(Temporary):  # Celery retries the task later
        tasks.generate(platform.db, tenant.id, "lead", lid, lambda: chat(state.api_key))
    assert crm.call("GET", path).json()["status"] == "failed"

    assert crm.call("POST", path).status_code == 202  # retry from the panel
    assert tasks.generate(platform.db, tenant.id, "lead", lid, lambda: chat(state.api_key)) == "summarized"
    done = crm.call("GET", path).json()
    assert (done["status"], done["provider"], done["model"], done["error"]) == (
        "ready",
        "openai",
        "gpt-4o-mini",
        None,
    )
    assert state.requests[-1]["messages"][0]["content"].startswith("Ești asistentul")


def test_demo_leads_and_an_opportunity_have_summaries(platform: Platform, tenant: Any, crm: Crm) -> None:
    seed_demo_crm(platform.db, tenant.id)
    assert seed_demo_summaries(platform.db, tenant.id) is True
    assert seed_demo_summaries(platform.db, tenant.id) is False  # once per tenant
    with platform.db.tenant_session(tenant.id) as s:
        rows = s.execute(
            text("SELECT subject_type, subject_id, status, language, sources FROM crm.summaries")
        ).all()
    assert sorted(r.subject_type for r in rows) == ["lead", "lead", "opportunity"]
    assert {(r.status, r.language) for r in rows} == {("ready", "ro")}
    lead = next(r for r in rows if r.subject_type == "lead")
    body = crm.call("GET", f"/leads/{lead.subject_id}/summary").json()
    assert body["provider"] == "extractive" and body["text"] and not body["stale"]
    assert len(outbox(platform, tenant.id, "crm.activity.summarized")) == 3
