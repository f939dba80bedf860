"""The leads list's running counts (``outreach.journey_counts``, migration 0055): every insert, update and
delete of journeys moves them, a fold keeps their sums, concurrent writers and folds lose nothing, and a
tenant's deletion takes them along."""

from __future__ import annotations

import random
import threading
import uuid
from typing import Any

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from genius.core.platform import Platform
from genius.outreach import repository
from genius.outreach.models import STATE_CODES
from tests.core.test_rls import as_tenant

STATES = list(STATE_CODES)
CHANNELS = [None, "WHATSAPP", "EMAIL_COLD", "EMAIL_WARM"]
COMBINATION = "tid, state_code, last_channel_used::text, assigned_to_user, {reply}, requires_human_review"


def counted(conn: Connection | Session) -> dict[tuple[Any, ...], int]:
    """The running counts' sums per combination (what the list's totals add up)."""
    rows = conn.execute(
        text(
            f"SELECT {COMBINATION.format(reply='has_reply')}, sum(journeys) FROM outreach.journey_counts"
            " GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(journeys) <> 0"
        )
    ).all()
    return {tuple(r[:-1]): int(r[-1]) for r in rows}


def actual(conn: Connection | Session) -> dict[tuple[Any, ...], int]:
    """The journeys themselves, counted per combination."""
    rows = conn.execute(
        text(
            f"SELECT {COMBINATION.format(reply='reply_count > 0')}, count(*) FROM outreach.gold_lead_journey"
            " GROUP BY 1, 2, 3, 4, 5, 6"
        )
    ).all()
    return {tuple(r[:-1]): int(r[-1]) for r in rows}


def add_journeys(
    conn: Connection | Session, tid: uuid.UUID, n: int, seed: int, users: list[uuid.UUID]
) -> None:
    """``n`` journeys in one statement, their filter columns spread by ``seed``."""
    rng = random.Random(seed)
    rows = [
        {
            "t": tid,
            "s": rng.choice(STATES),
            "ch": rng.choice(CHANNELS),
            "u": rng.choice([None, *users]),
            "r": rng.choice([0, 0, 1, 3]),
            "rv": rng.random() < 0.3,
        }
        for _ in range(n)
    ]
    conn.execute(
        text(
            "INSERT INTO outreach.gold_lead_journey (tid, lead_id, current_state, previous_state,"
            " last_channel_used, assigned_to_user, reply_count, requires_human_review)"
            " SELECT :t, gen_random_uuid(), CAST(:s AS outreach.current_state_enum), 'COLD',"
            " CAST(:ch AS outreach.channel_enum), :u, :r, :rv"
        ),
        rows,
    )


def change(conn: Connection | Session, rng: random.Random, users: list[uuid.UUID]) -> None:
    """One random statement over a random slice of the journeys: a change of one of the list's filter
    columns, of several at once, of none (no count moves), or a delete."""
    ids = [r[0] for r in conn.execute(text("SELECT id FROM outreach.gold_lead_journey")).all()]
    picked = rng.sample(ids, k=min(len(ids), rng.randint(1, 8)))
    kind = rng.choice(["state", "channel", "user", "reply", "review", "all", "none", "delete"])
    sets = {
        "state": "current_state = CAST(:s AS outreach.current_state_enum), previous_state = 'COLD'",
        "channel": "last_channel_used = CAST(:ch AS outreach.channel_enum)",
        "user": "assigned_to_user = :u",
        "reply": "reply_count = reply_count + :r",
        "review": "requires_human_review = NOT requires_human_review",
        "none": "next_action_at = now(), sentiment_score = :r",
    }
    sets["all"] = ", ".join(sets[k] for k in ("state", "channel", "user", "reply", "review"))
    values = {
        "ids": picked,
        "s": rng.choice(STATES),
        "ch": rng.choice(CHANNELS),
        "u": rng.choice([None, *users]),
        "r": rng.choice([0, 1]),
    }
    if kind == "delete":
        conn.execute(text("DELETE FROM outreach.gold_lead_journey WHERE id = ANY(:ids)"), {"ids": picked})
    else:
        conn.execute(text(f"UPDATE outreach.gold_lead_journey SET {sets[kind]} WHERE id = ANY(:ids)"), values)


def test_the_counts_follow_every_change_and_a_fold_keeps_them(db: Connection, tenant: Any) -> None:
    as_tenant(db, tenant.id)
    users = [tenant.admin_id, uuid.uuid4()]
    add_journeys(db, tenant.id, 40, seed=1, users=users)
    assert counted(db) == actual(db)
    rng = random.Random(7)
    for step in range(60):
        if step % 15 == 14:
            add_journeys(db, tenant.id, rng.randint(1, 5), seed=step, users=users)
        before = db.execute(text("SELECT count(*) FROM outreach.journey_counts")).scalar()
        change(db, rng, users)
        assert counted(db) == actual(db), f"after step {step}"
        assert db.execute(text("SELECT count(*) FROM outreach.journey_counts")).scalar() >= before
    with Session(db) as session:
        left = repository.fold_journey_counts(session)
        assert counted(session) == actual(session)
        assert left == len(actual(session))  # one row per combination after a fold
        assert repository.fold_journey_counts(session) == left  # folding again changes nothing
        filters = [
            repository.JourneyFilter(),
            repository.JourneyFilter(state="NEGOTIATION"),
            repository.JourneyFilter(channel="WHATSAPP"),
            repository.JourneyFilter(assigned_to=tenant.admin_id, has_reply=True),
            repository.JourneyFilter(needs_review=True, channel="EMAIL_COLD"),
            repository.JourneyFilter(has_reply=False, state="COLD"),
        ]
        for f in filters:
            _rows, total = repository.journey_page(
                session, f, sort="nextActionAt", descending=False, offset=0, limit=5
            )
            assert total == repository._count(session, repository._where(f)), f
            _rows, beyond = repository.journey_page(
                session, f, sort="nextActionAt", descending=False, offset=500, limit=5
            )
            assert beyond == total


def test_a_statement_that_moves_no_journey_between_combinations_adds_no_row(
    db: Connection, tenant: Any
) -> None:
    as_tenant(db, tenant.id)
    add_journeys(db, tenant.id, 10, seed=3, users=[])
    rows = db.execute(text("SELECT count(*) FROM outreach.journey_counts")).scalar()
    db.execute(text("UPDATE outreach.gold_lead_journey SET next_action_at = now(), sentiment_score = 5"))
    db.execute(
        text("UPDATE outreach.gold_lead_journey SET reply_count = reply_count + 1 WHERE reply_count > 0")
    )
    assert db.execute(text("SELECT count(*) FROM outreach.journey_counts")).scalar() == rows


def test_tenants_count_only_their_own_journeys(db: Connection, make_tenant: Any) -> None:
    a, b = make_tenant(), make_tenant()
    as_tenant(db, a.id)
    add_journeys(db, a.id, 7, seed=4, users=[])
    as_tenant(db, b.id)
    add_journeys(db, b.id, 3, seed=5, users=[])
    assert sum(counted(db).values()) == 3
    with Session(db) as session:
        repository.fold_journey_counts(session)  # b's rows only
        _rows, total = repository.journey_page(
            session, repository.JourneyFilter(), sort="nextActionAt", descending=False, offset=0, limit=1
        )
        assert total == 3
    as_tenant(db, a.id)
    assert sum(counted(db).values()) == 7 and counted(db) == actual(db)


def test_concurrent_writers_and_folds_lose_nothing(platform: Platform, committed_tenant: Any) -> None:
    """Four writers change journeys in their own transactions while two folders fold again and again:
    afterwards the sums still equal the journeys (an append is never lost, nor counted twice)."""
    tid = committed_tenant.id
    with platform.db.tenant_session(tid) as s:
        add_journeys(s, tid, 80, seed=9, users=[committed_tenant.admin_id])
    errors: list[BaseException] = []
    start = threading.Barrier(6)
    stop = threading.Event()

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        start.wait()
        try:
            for _ in range(25):
                with platform.db.tenant_session(tid) as s:
                    change(s, rng, [committed_tenant.admin_id])
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    def folder() -> None:
        start.wait()
        try:
            while not stop.is_set():
                with platform.db.tenant_session(tid) as s:
                    repository.fold_journey_counts(s)
        except BaseException as exc:
            errors.append(exc)

    writers = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    folders = [threading.Thread(target=folder) for _ in range(2)]
    for t in writers + folders:
        t.start()
    for t in writers:
        t.join()
    stop.set()
    for t in folders:
        t.join()
    # Deadlocks are the one acceptable failure of a writer (random rows, random order): none expected
    # from the counts, whose writers only append.
    assert not [e for e in errors if "deadlock" not in str(e)], errors
    with platform.db.tenant_session(tid) as s:
        assert counted(s) == actual(s)
        repository.fold_journey_counts(s)
        assert counted(s) == actual(s)


def test_deleting_a_tenant_takes_its_journeys_and_counts(
    platform: Platform, committed_tenant: Any, owner_url: URL
) -> None:
    tid = committed_tenant.id
    with platform.db.tenant_session(tid) as s:
        add_journeys(s, tid, 5, seed=2, users=[])
    owner = create_engine(owner_url)
    try:
        with owner.begin() as conn:  # the journeys go by cascade, their -1 rows are not written
            conn.execute(text("DELETE FROM core.tenants WHERE id = :t"), {"t": tid})
        with owner.connect() as conn:
            left = conn.execute(
                text("SELECT count(*) FROM outreach.journey_counts WHERE tid = :t"), {"t": tid}
            )
            assert left.scalar() == 0
    finally:
        owner.dispose()
