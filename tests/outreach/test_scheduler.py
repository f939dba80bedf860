"""The sequence scheduler: exactly-once sends under concurrent schedulers, stop on reply and opt-out,
business hours, required variables, stable A/B versions and spintax per lead and step."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from datetime import UTC, timedelta
from typing import Any

import redis
from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from genius.core.platform import Platform
from genius.outreach import service as outreach
from genius.outreach.models import Channel, LeadJourney, LeadState, MessageDirection, WaPhoneNumber
from genius.outreach.quota import BusinessHours, QuotaGuardian
from genius.outreach.sequences import schemas as s
from genius.outreach.sequences import service
from genius.outreach.sequences.models import Enrollment, Sequence
from genius.outreach.sequences.scheduler import Scheduler, next_opening
from genius.vettify import service as crm
from genius.vettify.schemas import LeadCreate
from tests.outreach.conftest import Clock, bucharest, files_of

NOW = bucharest(2026, 12, 2, 10, 0)  # a Wednesday, 10:00 in Bucharest
HOURS = BusinessHours()
WA_TEXT = "{Bună|Salut|Hei} {{first_name}}, {am văzut|am observat} {firma|compania} {{company}}."


def phone(session: Session, tid: uuid.UUID, guardian: QuotaGuardian) -> WaPhoneNumber:
    row = WaPhoneNumber(
        tid=tid, phone_number=f"+4072{uuid.uuid4().int % 10**7:07d}", timelinesai_account_id="acc"
    )
    session.add(row)
    session.flush()
    guardian.sync_phones(tid, [(str(row.id), "ACTIVE", 200)])
    return row


def build_sequence(session: Session, tid: uuid.UUID, channels: list[Channel], **step: Any) -> Sequence:
    steps = []
    for i, channel in enumerate(channels):
        tpl = service.create_template(
            session,
            tid,
            s.TemplateIn(
                name=f"t{i}-{uuid.uuid4().hex[:6]}",
                channel=s.SendChannel(channel.value),
                content=WA_TEXT,
                subject="{Salut|Bună} {{first_name}}" if channel is not Channel.WHATSAPP else None,
                variables=[
                    s.VariableIn(name="first_name"),
                    s.VariableIn(name="company", default="firma dvs."),
                ],
            ),
        )
        steps.append(s.StepIn(template_id=tpl.id, **step))
    return service.create_sequence(
        session, tid, s.SequenceIn(name=f"seq-{uuid.uuid4().hex[:8]}", steps=steps)
    )


def journey(session: Session, tid: uuid.UUID, **custom: Any) -> LeadJourney:
    row = LeadJourney(tid=tid, lead_id=uuid.uuid4(), custom_fields=custom)
    session.add(row)
    session.flush()
    return row


def test_three_concurrent_schedulers_send_each_due_step_exactly_once(
    platform: Platform, committed_tenant: Any, rds: redis.Redis
) -> None:
    tid = committed_tenant.id
    guardian = QuotaGuardian(rds, clock=Clock(NOW))
    n = 30
    with platform.db.tenant_session(tid) as session:
        phone(session, tid, guardian)
        seq = build_sequence(session, tid, [Channel.WHATSAPP, Channel.EMAIL_COLD, Channel.WHATSAPP])
        for i in range(n):
            j = journey(session, tid, first_name=f"Ana{i}", phone=f"+40722{i:06d}", email=f"ana{i}@firma.ro")
            service.enroll(session, tid, seq.id, j.id, at=NOW - timedelta(hours=1))
        seq_id = seq.id
    results: list[tuple[int, uuid.UUID]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(3)

    def scheduler(worker: int) -> None:
        sched = Scheduler(tid, HOURS, guardian, files=files_of(tid))
        start.wait()
        try:
            idle = 0
            while idle < 3:  # a pass may find every due row held by the others: try again
                with platform.db.tenant_session(tid) as session:
                    out = sched.run_due(session, now=NOW, limit=4)
                with lock:
                    results.extend((worker, cid) for cid in out.sent_ids)
                idle = idle + 1 if out.picked == 0 else 0
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=scheduler, args=(w,)) for w in range(3)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        with platform.db.tenant_session(tid) as session:
            sent = session.execute(
                text(
                    "SELECT journey_id, sequence_step, channel::text FROM outreach.gold_communication_log "
                    "WHERE sequence_id = :s"
                ),
                {"s": seq_id},
            ).all()
            tasks = session.execute(
                text("SELECT topic, queue, data FROM core.outbox WHERE kind = 'task' AND tid = :t"),
                {"t": tid},
            ).all()
            statuses = Counter(
                session.scalars(
                    text("SELECT status FROM outreach.sequence_enrollments WHERE sequence_id = :s"),
                    {"s": seq_id},
                )
            )
            states = Counter(
                session.scalars(text("SELECT current_state::text FROM outreach.gold_lead_journey"))
            )
            usage = guardian.usage(tid)
        assert len(results) == 3 * n and len({cid for _, cid in results}) == 3 * n
        per_step = Counter((j, step) for j, step, _ in sent)
        assert len(per_step) == 3 * n and set(per_step.values()) == {1}  # each (journey, step) once
        assert Counter(ch for _, _, ch in sent) == {"WHATSAPP": 2 * n, "EMAIL_COLD": n}
        assert Counter((t.topic, t.queue) for t in tasks) == {
            ("outreach.whatsapp.send", "outreach.whatsapp"): 2 * n,
            ("outreach.email.send", "outreach.email"): n,
        }
        assert {t.data["kwargs"]["communication_id"] for t in tasks} == {str(c) for _, c in results}
        assert statuses == {"COMPLETED": n}
        assert states == {"CONTACTED_WA": n}  # COLD → CONTACTED_WA once, on the first step
        assert sum(usage.values()) == n  # one new contact per lead; the follow-up cost nothing
    finally:
        with platform.db.tenant_session(tid) as session:
            for table in (
                "sequence_enrollments",
                "gold_communication_log",
                "gold_lead_journey",
                "outreach_sequences",
                "outreach_templates",
                "wa_phone_numbers",
            ):
                session.execute(text(f"DELETE FROM outreach.{table}"))


def test_a_reply_stops_the_sequence(
    platform: Platform, db: Connection, tenant: Any, rds: redis.Redis
) -> None:
    tid = tenant.id
    guardian = QuotaGuardian(rds, clock=Clock(NOW))
    sched = Scheduler(tid, HOURS, guardian, files=files_of(tid))
    with platform.db.tenant_session(tid) as session:
        phone(session, tid, guardian)
        seq = build_sequence(
            session, tid, [Channel.WHATSAPP, Channel.WHATSAPP, Channel.WHATSAPP], delay_hours=1
        )
        replied, warm, opted, quiet = (
            journey(session, tid, first_name="Ion", phone="+40722000001") for _ in range(4)
        )
        for j in (replied, warm, opted, quiet):
            service.enroll(session, tid, seq.id, j.id, at=NOW - timedelta(hours=2))
        assert sched.run_due(session, now=NOW).sent == 4  # step 1 for everyone; step 2 due at 11:00
        # An inbound message, a WARM_REPLY state, a WhatsApp opt-out.
        outreach.transition(session, tid, warm.id, LeadState.WARM_REPLY, reason="a replicat", actor="t")
        opted.whatsapp_opted_out = True
        session.execute(
            text(
                "INSERT INTO outreach.gold_communication_log (tid, journey_id, lead_id, channel, direction, "
                "content_hash, created_at) VALUES (:t, :j, :l, 'WHATSAPP', :d, repeat('a', 64), :at)"
            ),
            {"t": tid, "j": replied.id, "l": replied.lead_id, "d": MessageDirection.INBOUND.value, "at": NOW},
        )
        later = NOW + timedelta(hours=1)
        out = sched.run_due(session, now=later)
        assert (out.sent, out.stopped) == (1, 3)
        rows = {e.journey_id: e for e in session.query(Enrollment).filter(Enrollment.sequence_id == seq.id)}
        assert rows[replied.id].stop_reason == "replied" and rows[warm.id].stop_reason == "replied"
        assert rows[opted.id].stop_reason == "opted-out"
        assert {rows[j.id].status for j in (replied, warm, opted)} == {"STOPPED"}
        assert rows[quiet.id].status == "ACTIVE" and rows[quiet.id].current_step == 2
        assert all(rows[j.id].next_action_at is None for j in (replied, warm, opted))
        # Nothing more is sent to them: only the quiet lead's third step.
        assert sched.run_due(session, now=later + timedelta(hours=5)).sent == 1
        assert rows[quiet.id].status == "COMPLETED"


def test_text_is_stable_per_lead_and_step_and_variables_are_required(
    platform: Platform, db: Connection, tenant: Any, rds: redis.Redis
) -> None:
    tid = tenant.id
    guardian = QuotaGuardian(rds, clock=Clock(NOW))
    with platform.db.tenant_session(tid) as session:
        phone(session, tid, guardian)
        lead = crm.create_lead(
            session,
            crm.Actor(tid, "test"),
            LeadCreate(first_name="Maria", company_name="Farmacia Lotus SRL", phone="+40722123456"),
        )
        seq = build_sequence(session, tid, [Channel.WHATSAPP])
        j = LeadJourney(tid=tid, lead_id=lead.id)
        nameless = journey(session, tid, phone="+40722000002")  # no first_name: required
        session.add(j)
        session.flush()
        for row in (j, nameless):
            service.enroll(session, tid, seq.id, row.id, at=NOW)
        out = Scheduler(tid, HOURS, guardian, files=files_of(tid)).run_due(session, now=NOW)
        assert (out.sent, out.stopped) == (1, 1)
        stopped = session.query(Enrollment).filter(Enrollment.journey_id == nameless.id).one()
        assert stopped.stop_reason == "missing-variables: first_name"
        preview, data = session.execute(
            text(
                "SELECT c.content_preview, o.data FROM outreach.gold_communication_log c "
                "JOIN core.outbox o ON o.data->'kwargs'->>'communication_id' = c.id::text "
                "WHERE c.journey_id = :j"
            ),
            {"j": j.id},
        ).one()
        assert "Maria" in preview and "Farmacia Lotus SRL" in preview
        assert data["kwargs"]["text"] == preview and data["kwargs"]["to"] == "+40722123456"
        # The same lead and step render the same text again (a retry), another lead may differ.
        from genius.outreach.sequences.scheduler import render_step

        tpl = service.get_template(session, service.sequence_detail(session, seq).steps[0].template_id)
        values = {"first_name": "Maria", "company": "Farmacia Lotus SRL"}
        assert render_step(tpl, None, values, lead.id, 1).text == preview
        assert len({render_step(tpl, None, values, uuid.uuid4(), 1).text for _ in range(100)}) > 3


def test_email_steps_wait_for_business_hours(
    platform: Platform, db: Connection, tenant: Any, rds: redis.Redis
) -> None:
    tid = tenant.id
    friday_evening = bucharest(2026, 12, 4, 19, 30)
    assert next_opening(HOURS, friday_evening) == bucharest(2026, 12, 5, 9, 0).astimezone(UTC)
    weekdays = BusinessHours(weekdays=frozenset(range(1, 6)))
    assert next_opening(weekdays, friday_evening) == bucharest(2026, 12, 7, 9, 0).astimezone(UTC)
    assert next_opening(HOURS, NOW) == NOW
    with platform.db.tenant_session(tid) as session:
        seq = build_sequence(session, tid, [Channel.EMAIL_COLD])
        j = journey(session, tid, first_name="Dan", email="dan@firma.ro")
        e = service.enroll(session, tid, seq.id, j.id, at=friday_evening - timedelta(hours=1))
        sched = Scheduler(tid, weekdays, None, files=files_of(tid))
        out = sched.run_due(session, now=friday_evening)
        assert (out.picked, out.sent, out.waiting) == (1, 0, 1)
        assert e.next_action_at == bucharest(2026, 12, 7, 9, 0)
        assert sched.run_due(session, now=bucharest(2026, 12, 6, 12, 0)).picked == 0  # Sunday: not due
        out = sched.run_due(session, now=bucharest(2026, 12, 7, 9, 0))
        assert (
            out.sent == 1 and e.status == "COMPLETED" and j.current_state == LeadState.CONTACTED_EMAIL.value
        )


def test_ab_versions_split_per_lead_and_count_sends(
    platform: Platform, db: Connection, tenant: Any, rds: redis.Redis
) -> None:
    tid = tenant.id
    guardian = QuotaGuardian(rds, clock=Clock(NOW))
    with platform.db.tenant_session(tid) as session:
        phone(session, tid, guardian)
        seq = build_sequence(session, tid, [Channel.WHATSAPP])
        tpl_id = service.sequence_detail(session, seq).steps[0].template_id
        service.add_version(
            session, tid, tpl_id, s.VersionIn(label="A", content="Varianta A {{first_name}}", weight=1)
        )
        service.add_version(
            session, tid, tpl_id, s.VersionIn(label="B", content="Varianta B {{first_name}}", weight=3)
        )
        for i in range(40):
            j = journey(session, tid, first_name=f"L{i}", phone=f"+40722{i:06d}")
            service.enroll(session, tid, seq.id, j.id, at=NOW)
        assert Scheduler(tid, HOURS, guardian, files=files_of(tid)).run_due(session, now=NOW).sent == 40
        detail = service.template_detail(session, service.get_template(session, tpl_id))
        counts = {v.label: v.sent_count for v in detail.versions}
        assert sum(counts.values()) == 40 and counts["B"] > counts["A"] > 0
        assert all(v.reply_rate == 0 for v in detail.versions)
        previews = Counter(
            p.split()[1]
            for p in session.scalars(text("SELECT content_preview FROM outreach.gold_communication_log"))
        )
        assert previews == counts


def test_replies_and_opens_count_on_the_version_and_stop_at_once(
    platform: Platform, db: Connection, tenant: Any, rds: redis.Redis
) -> None:
    tid = tenant.id
    guardian = QuotaGuardian(rds, clock=Clock(NOW))
    with platform.db.tenant_session(tid) as session:
        phone(session, tid, guardian)
        seq = build_sequence(session, tid, [Channel.WHATSAPP, Channel.WHATSAPP], delay_hours=1)
        tpl_id = service.sequence_detail(session, seq).steps[0].template_id
        service.add_version(session, tid, tpl_id, s.VersionIn(label="A", content="Salut {{first_name}}"))
        j = journey(session, tid, first_name="Ana", phone="+40722000009")
        e = service.enroll(session, tid, seq.id, j.id, at=NOW - timedelta(hours=2))
        assert Scheduler(tid, HOURS, guardian, files=files_of(tid)).run_due(session, now=NOW).sent == 1
        service.record_open(session, j.id)
        assert service.record_reply(session, j.id) == 1
        assert (e.status, e.stop_reason, e.next_action_at) == ("STOPPED", "replied", None)
        (version,) = service.template_detail(session, service.get_template(session, tpl_id)).versions
        assert (version.sent_count, version.open_count, version.reply_count) == (1, 1, 1)
        assert (version.open_rate, version.reply_rate) == (1.0, 1.0)
        assert service.record_reply(session, j.id) == 0  # nothing left to stop
