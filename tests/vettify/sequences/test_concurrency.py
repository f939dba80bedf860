"""Three schedulers at once, each on its own connection and committing its own transactions, over many
due enrolments: every step goes out exactly once (one ledger row and one ``email.send`` outbox task per
enrolment and step), whatever the interleaving."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import text

from genius.core.platform import Platform
from genius.vettify import service as crm_service
from genius.vettify.campaigns import marketing
from genius.vettify.campaigns.schemas import ConsentIn
from genius.vettify.schemas import ContactCreate
from genius.vettify.sequences import scheduler, service
from genius.vettify.sequences.schemas import EnrolIn, SequenceCreate, SequenceUpdate, StepEdit, StepIn
from tests.conftest import TenantCtx

TUESDAY_10 = datetime(2026, 12, 8, 8, 0, tzinfo=UTC)  # inside the window
CONTACTS = 60
STEPS = 2


def test_three_concurrent_schedulers_send_each_due_step_once(
    platform: Platform, committed_tenant: TenantCtx
) -> None:
    tid = committed_tenant.id
    who = crm_service.Actor(tid=tid, name="planner@test")
    with platform.db.tenant_session(tid) as s:
        seq = service.create_sequence(
            s,
            who,
            SequenceCreate(
                name="Concurență",
                steps=[
                    StepIn(subject=f"Pasul {i}", html=f"<p>Pasul {i}, {{{{ prenume }}}}</p>")
                    for i in range(STEPS)
                ],
            ),
        )
        ids = []
        for i in range(CONTACTS):
            c = crm_service.create_record(
                s,
                crm_service.CONTACTS,
                who,
                ContactCreate(first_name=f"C{i}", email=f"c{i}@client.ro").model_dump(),
            )
            marketing.add_consent(
                s, who, c.id, ConsentIn.model_validate({"basis": "consent", "source": "test"})
            )
            ids.append(c.id)
        service.enrol(s, who, seq.id, EnrolIn(contact_ids=ids), now=TUESDAY_10)
        service.set_status(s, who, seq.id, service.SequenceStatus.active)
    picked: Counter[str] = Counter()
    errors: list[BaseException] = []
    guard = threading.Lock()
    barrier = threading.Barrier(3)

    def run_scheduler(name: str) -> None:
        barrier.wait(10)
        try:
            idle = 0
            while idle < 3:  # a pass may find every due row held by the others: try again
                with platform.db.tenant_session(tid) as s:
                    out = scheduler.run_due(s, tid, platform.settings, now=TUESDAY_10, limit=7)
                with guard:
                    picked[name] += out.sent
                idle = 0 if out.picked else idle + 1
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=run_scheduler, args=(f"s{i}",)) for i in range(3)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        assert sum(picked.values()) == CONTACTS * STEPS
        with platform.db.tenant_session(tid) as s:
            ledger = s.execute(
                text(
                    "SELECT enrolment_id, position, count(*) FROM crm.email_sequence_sends "
                    "GROUP BY enrolment_id, position"
                )
            ).all()
            outbox = s.scalars(
                text(
                    "SELECT data -> 'args' -> 0 ->> 'idempotency_key' FROM core.outbox "
                    "WHERE tid = :t AND kind = 'task' AND topic = 'email.send'"
                ),
                {"t": tid},
            ).all()
            states = s.execute(
                text("SELECT state, count(*) FROM crm.email_sequence_enrolments GROUP BY state")
            ).all()
        assert len(ledger) == CONTACTS * STEPS and all(n == 1 for _, _, n in ledger)
        assert len(outbox) == CONTACTS * STEPS and len(set(outbox)) == len(outbox)  # no message twice
        assert dict(states) == {"completed": CONTACTS}
    finally:
        with platform.db.tenant_session(tid) as s:
            s.execute(text("DELETE FROM crm.email_sequences WHERE id = :i"), {"i": seq.id})
            s.execute(text("DELETE FROM crm.contacts WHERE id = ANY(:ids)"), {"ids": ids})


def test_an_edit_waits_for_a_scheduler_pass_and_each_step_still_goes_once(
    platform: Platform, committed_tenant: TenantCtx
) -> None:
    """A scheduler pass holds its claimed enrolments (step 1 sent, step 2 due next) when an edit removes
    step 2 and changes step 3: the edit waits for the pass, then moves each enrolment onto step 3; the next
    passes send step 3 as changed, once; step 2 never goes out and step 1 never again."""
    tid = committed_tenant.id
    who = crm_service.Actor(tid=tid, name="planner@test")
    contacts = 20
    with platform.db.tenant_session(tid) as s:
        seq = service.create_sequence(
            s,
            who,
            SequenceCreate(
                name="Editată în timpul trimiterii",
                steps=[StepIn(subject=f"Pasul {i}", html=f"<p>Pasul {i}</p>") for i in (1, 2, 3)],
            ),
        )
        ids = []
        for i in range(contacts):
            c = crm_service.create_record(
                s,
                crm_service.CONTACTS,
                who,
                ContactCreate(first_name=f"E{i}", email=f"e{i}@client.ro").model_dump(),
            )
            marketing.add_consent(
                s, who, c.id, ConsentIn.model_validate({"basis": "consent", "source": "test"})
            )
            ids.append(c.id)
        service.enrol(s, who, seq.id, EnrolIn(contact_ids=ids), now=TUESDAY_10)
        service.set_status(s, who, seq.id, service.SequenceStatus.active)
        steps = [(st.id, st.subject, st.body) for st in service.repo.steps_of(s, seq.id)]
        tag = service.etag(seq)
    edit = SequenceUpdate(
        name="Editată în timpul trimiterii",
        steps=[
            StepEdit(id=steps[0][0], subject=steps[0][1], html=steps[0][2]),
            StepEdit(id=steps[2][0], subject="Pasul 3, schimbat", html=steps[2][2]),
        ],
    )
    errors: list[BaseException] = []

    def edit_sequence() -> None:
        try:
            with platform.db.tenant_session(tid) as s:
                service.update_sequence(s, who, seq.id, edit, tag, now=TUESDAY_10)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    editor = threading.Thread(target=edit_sequence)
    try:
        with platform.db.tenant_session(tid) as s:
            first = scheduler.run_due(s, tid, platform.settings, now=TUESDAY_10, limit=contacts)
            assert first.sent == contacts  # step 1 queued, step 2 due next: not committed yet
            editor.start()
            _wait_until_blocked(platform)  # the edit waits on the pass's row locks
        editor.join()
        assert not errors, errors
        sent = 0
        while True:
            with platform.db.tenant_session(tid) as s:
                out = scheduler.run_due(s, tid, platform.settings, now=TUESDAY_10, limit=7)
            sent += out.sent
            if not out.picked:
                break
        assert sent == contacts
        with platform.db.tenant_session(tid) as s:
            subjects = Counter(
                s.scalars(
                    text(
                        "SELECT data -> 'args' -> 0 ->> 'subject' FROM core.outbox "
                        "WHERE tid = :t AND kind = 'task' AND topic = 'email.send'"
                    ),
                    {"t": tid},
                ).all()
            )
            states = s.execute(
                text("SELECT state, count(*) FROM crm.email_sequence_enrolments GROUP BY state")
            ).all()
        assert subjects == {"Pasul 1": contacts, "Pasul 3, schimbat": contacts}
        assert dict(states) == {"completed": contacts}
    finally:
        with platform.db.tenant_session(tid) as s:
            s.execute(text("DELETE FROM crm.email_sequences WHERE id = :i"), {"i": seq.id})
            s.execute(text("DELETE FROM crm.contacts WHERE id = ANY(:ids)"), {"ids": ids})


def _wait_until_blocked(platform: Platform) -> None:
    """Until a backend of this database waits on a row lock (the edit behind the scheduler's pass)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with platform.db.engine().connect() as conn:
            waiting = conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND query LIKE '%email_sequence_enrolments%FOR UPDATE%'"
                )
            ).scalar()
        if waiting:
            return
        time.sleep(0.05)
    raise AssertionError("the edit never waited on the scheduler's locks")
