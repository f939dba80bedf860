"""Campaigns' SQL: the entity description the shared record queries (search, keyset pages, one record)
of ``genius.vettify.repository.records`` run on, and the marketing statements (consent, suppression,
the audience snapshot, the recipients' atomic state moves, tracking, metrics)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from genius.core.kit.pagination import Page, cursor_after, decode_cursor, page_of
from genius.vettify.campaigns.models import (
    Campaign,
    CampaignRecipient,
    CampaignReport,
    CampaignSchedule,
    CampaignSend,
    Consent,
    LinkClick,
    MailEventSeen,
    RecipientEvent,
    Suppression,
    WebhookSecret,
)
from genius.vettify.repository.records import EntitySpec

CAMPAIGNS: EntitySpec[Campaign] = EntitySpec(
    "campaign",
    Campaign,
    sorts={
        "created_at": Campaign.created_at,
        "updated_at": Campaign.updated_at,
        "name": Campaign.name,
        "starts_on": Campaign.starts_on,
    },
    filters={"channel": Campaign.channel, "status": Campaign.status, "owner": Campaign.owner},
    fuzzy_name=Campaign.name,
)


# --- consent and suppression ------------------------------------------------------------------------
def consents_of(session: Session, contact_id: uuid.UUID) -> Sequence[Consent]:
    stmt = select(Consent).where(Consent.contact_id == contact_id).order_by(Consent.given_at, Consent.id)
    return session.scalars(stmt).all()


def consent(
    session: Session, contact_id: uuid.UUID, consent_id: uuid.UUID, *, lock: bool = False
) -> Consent | None:
    stmt = select(Consent).where(Consent.id == consent_id, Consent.contact_id == contact_id)
    return session.scalars(stmt.with_for_update() if lock else stmt).first()


def add(session: Session, row: Any) -> None:
    session.add(row)
    session.flush()


def suppress(
    session: Session,
    tid: uuid.UUID,
    address: str,
    reason: str,
    *,
    note: str | None = None,
    campaign_id: uuid.UUID | None = None,
    created_by: str = "",
) -> tuple[Suppression, bool]:
    """Suppress an address (kept as first suppressed); returns the row and whether it is new."""
    new_id = session.execute(
        pg_insert(Suppression)
        .values(
            id=uuid.uuid4(),
            tid=tid,
            address=address.lower(),
            reason=reason,
            note=note,
            campaign_id=campaign_id,
            created_by=created_by,
        )
        .on_conflict_do_nothing(constraint="uq_suppressions_address")
        .returning(Suppression.id)
    ).scalar()
    row = session.scalars(
        select(Suppression)
        .where(Suppression.address == address.lower())
        .execution_options(populate_existing=True)
    ).one()
    return row, new_id is not None


def suppression_page(session: Session, *, cursor: str | None, limit: int) -> Page[Suppression]:
    order = "suppressions:-created_at"
    stmt = select(Suppression).order_by(Suppression.created_at.desc(), Suppression.id.desc()).limit(limit + 1)
    if cursor:
        key = decode_cursor(cursor, order, (datetime, uuid.UUID))
        stmt = stmt.where(cursor_after([Suppression.created_at, Suppression.id], key, desc=True))
    rows = session.scalars(stmt).all()
    return page_of(rows, limit, order, key=lambda r: (r.created_at, r.id))


# --- the send ---------------------------------------------------------------------------------------
def send_of(session: Session, campaign_id: uuid.UUID, *, lock: bool = False) -> CampaignSend | None:
    stmt = select(CampaignSend).where(CampaignSend.campaign_id == campaign_id)
    return session.scalars(stmt.with_for_update() if lock else stmt).first()


def send_status(session: Session, campaign_id: uuid.UUID) -> str | None:
    return session.scalar(select(CampaignSend.status).where(CampaignSend.campaign_id == campaign_id))


def schedule_of(session: Session, campaign_id: uuid.UUID, *, lock: bool = False) -> CampaignSchedule | None:
    stmt = select(CampaignSchedule).where(CampaignSchedule.campaign_id == campaign_id)
    return session.scalars(stmt.with_for_update() if lock else stmt).first()


def due_schedules(session: Session, now: datetime, limit: int) -> Sequence[CampaignSchedule]:
    """The tenant's schedules whose time has come, locked with their campaigns; rows another scheduler
    (or a send, pause or cancel in progress) holds are skipped, so concurrent passes share them out."""
    stmt = (
        select(CampaignSchedule)
        .join(Campaign, Campaign.id == CampaignSchedule.campaign_id)
        .where(CampaignSchedule.state == "scheduled", CampaignSchedule.run_at <= now)
        .order_by(CampaignSchedule.run_at, CampaignSchedule.campaign_id)
        .limit(limit)
        .with_for_update(of=(CampaignSchedule, Campaign), skip_locked=True)
    )
    return session.scalars(stmt).all()


def cancel_pending(session: Session, campaign_id: uuid.UUID) -> int:
    """Every recipient still pending becomes ``cancelled`` (the one being sent finishes)."""
    result = session.execute(
        update(CampaignRecipient)
        .where(CampaignRecipient.campaign_id == campaign_id, CampaignRecipient.state == "pending")
        .values(state="cancelled", reason="campaign cancelled")
    )
    return int(getattr(result, "rowcount", 0) or 0)


def batches_pending(session: Session, campaign_id: uuid.UUID) -> list[int]:
    """The batches that still have pending recipients (what a resume queues again)."""
    rows = session.scalars(
        select(CampaignRecipient.batch)
        .where(CampaignRecipient.campaign_id == campaign_id, CampaignRecipient.state == "pending")
        .distinct()
        .order_by(CampaignRecipient.batch)
    ).all()
    return [int(b) for b in rows if b is not None]


# A contact's placeholder values (``templates``), the same for the send's snapshot and the preview.
_VARIABLES = """jsonb_strip_nulls(jsonb_build_object(
    'first_name', nullif(btrim(c.first_name), ''), 'last_name', nullif(btrim(c.last_name), ''),
    'email', lower(c.email), 'company', nullif(btrim(acc.name), '')))"""
CONTACT_VARIABLES = _VARIABLES  # the sequences' messages read the same values (``c``, ``acc``)

# One statement: the audience, each address once (the oldest contact keeps it), excluded ones with
# their reason, and the pending ones numbered into batches of :size in address order. Numbering in the
# INSERT matters: a separate UPDATE joining the fresh rows is planned on empty statistics as a nested
# loop, quadratic in the audience (9 s for 2,000 recipients).
_JUDGED = f"""
    WITH audience AS (
        SELECT c.id, lower(c.email) AS address,
               left(btrim(coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '')), 200) AS name,
               {_VARIABLES} AS variables,
               row_number() OVER (PARTITION BY lower(c.email) ORDER BY c.created_at, c.id) AS n
        FROM crm.contacts c
        LEFT JOIN crm.accounts acc ON acc.id = c.account_id
        WHERE c.deleted_at IS NULL AND c.merged_into_id IS NULL
          AND (CAST(:ids AS uuid[]) IS NULL OR c.id = ANY(CAST(:ids AS uuid[])))
    ), judged AS (
        SELECT a.id, a.address, a.name, a.variables,
               CASE WHEN a.address IS NULL THEN 'no_email'
                    WHEN s.id IS NOT NULL THEN 'suppressed'
                    WHEN basis.id IS NULL THEN 'no_basis' END AS reason
        FROM audience a
        LEFT JOIN crm.suppressions s ON s.address = a.address
        LEFT JOIN LATERAL (
            SELECT k.id FROM crm.consents k
            WHERE k.contact_id = a.id AND k.channel = 'email' AND k.withdrawn_at IS NULL LIMIT 1
        ) basis ON true
        WHERE a.address IS NULL OR a.n = 1
    )"""  # noqa: S608 (_VARIABLES is a constant of this module)
_SNAPSHOT = text(
    _JUDGED  # noqa: S608 (_JUDGED is a constant of this module)
    + """
    INSERT INTO crm.campaign_recipients
        (id, tid, campaign_id, contact_id, address, name, variables, state, reason, batch)
    SELECT gen_random_uuid(), CAST(:tid AS uuid), CAST(:campaign AS uuid),
           j.id, j.address, j.name, j.variables,
           CASE WHEN j.reason IS NULL THEN 'pending' ELSE 'excluded' END, j.reason,
           CASE WHEN j.reason IS NULL
                THEN (row_number() OVER (PARTITION BY j.reason IS NULL ORDER BY j.address) - 1) / :size END
    FROM judged j
    """
)
# What the snapshot would hold, counted without writing it (the wizard's count before the campaign exists).
_JUDGED_COUNTS = text(
    _JUDGED  # noqa: S608 (_JUDGED is a constant of this module)
    + """
    SELECT coalesce(j.reason, 'pending') AS k, count(*) AS n FROM judged j GROUP BY 1
    """
)


def snapshot(
    session: Session,
    tid: uuid.UUID,
    campaign_id: uuid.UUID,
    contact_ids: list[uuid.UUID] | None,
    batch_size: int,
) -> dict[str, int]:
    """One recipient row per address of the audience (excluded ones with their reason), pending ones
    numbered into batches; returns the count per state or exclusion reason."""
    session.execute(
        _SNAPSHOT,
        {"tid": tid, "campaign": campaign_id, "ids": contact_ids, "size": batch_size},
    )
    return state_counts(session, campaign_id)


def audience_counts(session: Session, contact_ids: list[uuid.UUID] | None) -> dict[str, int]:
    """The counts ``snapshot`` would return for these contacts (``None``: every live contact), read-only."""
    rows = session.execute(_JUDGED_COUNTS, {"ids": contact_ids}).all()
    return {str(k): int(n) for k, n in rows}


def state_counts(session: Session, campaign_id: uuid.UUID) -> dict[str, int]:
    """A campaign's recipients per state, excluded ones per reason."""
    counted = session.execute(
        select(func.coalesce(CampaignRecipient.reason, CampaignRecipient.state), func.count())
        .where(CampaignRecipient.campaign_id == campaign_id)
        .group_by(func.coalesce(CampaignRecipient.reason, CampaignRecipient.state))
    ).all()
    return {str(k): int(n) for k, n in counted}


def batch_numbers(session: Session, campaign_id: uuid.UUID) -> list[int]:
    rows = session.scalars(
        select(CampaignRecipient.batch)
        .where(CampaignRecipient.campaign_id == campaign_id, CampaignRecipient.batch.is_not(None))
        .distinct()
        .order_by(CampaignRecipient.batch)
    ).all()
    return [int(b) for b in rows if b is not None]


def fail_interrupted(session: Session, campaign_id: uuid.UUID, batch: int, owner: str) -> int:
    """Recipients this very task had claimed when its worker died: whether the server accepted them is
    unknown, so they are failed, never sent again."""
    result = session.execute(
        update(CampaignRecipient)
        .where(
            CampaignRecipient.campaign_id == campaign_id,
            CampaignRecipient.batch == batch,
            CampaignRecipient.state == "sending",
            CampaignRecipient.claimed_by == owner,
        )
        .values(state="failed", reason="interrupted during delivery: not retried, to never send twice")
    )
    return int(getattr(result, "rowcount", 0) or 0)


def pending_ids(session: Session, campaign_id: uuid.UUID, batch: int) -> list[uuid.UUID]:
    return list(
        session.scalars(
            select(CampaignRecipient.id)
            .where(
                CampaignRecipient.campaign_id == campaign_id,
                CampaignRecipient.batch == batch,
                CampaignRecipient.state == "pending",
            )
            .order_by(CampaignRecipient.address)
        ).all()
    )


_FINISH_AND_CLAIM_MANY = text(
    """
    WITH finished AS (
        UPDATE crm.campaign_recipients r
        SET state = d.state, reason = d.reason, sent_at = CASE WHEN d.state = 'sent' THEN now() END
        FROM unnest(CAST(:done_ids AS uuid[]), CAST(:done_states AS varchar[]), CAST(:done_reasons AS text[]))
             AS d(id, state, reason)
        WHERE r.id = d.id AND r.state = 'sending' AND r.claimed_by = :owner
    )
    UPDATE crm.campaign_recipients r
    SET state = 'sending', claimed_by = :owner, claimed_at = now(), attempts = r.attempts + 1,
        message_id = c.message_id
    FROM unnest(CAST(:claim_ids AS uuid[]), CAST(:message_ids AS text[])) AS c(id, message_id)
    WHERE r.id = c.id AND r.state = 'pending'
      AND EXISTS (SELECT 1 FROM crm.campaign_sends s
                  WHERE s.campaign_id = r.campaign_id AND s.status = 'sending')
    RETURNING r.id, r.address, r.attempts, r.variables
    """
)


def finish_and_claim_many(
    session: Session,
    done: list[tuple[uuid.UUID, str, str | None]],
    claims: list[tuple[uuid.UUID, str]],
    owner: str,
) -> dict[uuid.UUID, tuple[str, int, dict[str, Any]]]:
    """Finish the previous chunk's messages (sending → ``done``'s state, only from this owner's claims)
    and claim the next chunk's recipients (pending → sending, storing the Message-ID each mail will
    carry: ``normal_message_id``) in one statement: a campaign pays one round trip per chunk. Answers
    the claimed ones by id; nothing is claimed while the send is paused or cancelled, nor a recipient
    no longer pending."""
    rows = session.execute(
        _FINISH_AND_CLAIM_MANY,
        {
            "done_ids": [d[0] for d in done],
            "done_states": [d[1] for d in done],
            "done_reasons": [d[2] for d in done],
            "owner": owner,
            "claim_ids": [c[0] for c in claims],
            "message_ids": [normal_message_id(c[1]) for c in claims],
        },
    ).all()
    return {row[0]: (str(row[1]), int(row[2]), dict(row[3] or {})) for row in rows}


def finish_many(session: Session, done: list[tuple[uuid.UUID, str, str | None]], owner: str) -> None:
    """Only finish the previous chunk's messages (the batch's last, or one interrupted)."""
    if done:
        finish_and_claim_many(session, done, [], owner)


def normal_message_id(value: str) -> str:
    """A Message-ID as stored and looked up: without angle brackets or spaces, lower case."""
    return value.strip().strip("<>").strip().lower()[:250]


def contact_variables(
    session: Session, contact_id: uuid.UUID | None
) -> tuple[uuid.UUID | None, dict[str, Any]]:
    """A contact's placeholder values as the snapshot takes them (the first contact with an address
    when none is named): ``(None, {})`` when there is none."""
    row = session.execute(
        text(
            f"""
            SELECT c.id, {_VARIABLES}
            FROM crm.contacts c LEFT JOIN crm.accounts acc ON acc.id = c.account_id
            WHERE c.deleted_at IS NULL AND c.merged_into_id IS NULL
              AND (CAST(:id AS uuid) IS NULL AND c.email IS NOT NULL OR c.id = CAST(:id AS uuid))
            ORDER BY c.created_at, c.id LIMIT 1
            """  # noqa: S608 (as _SNAPSHOT)
        ),
        {"id": contact_id},
    ).first()
    return (row[0], dict(row[1])) if row is not None else (None, {})


def open_count(session: Session, campaign_id: uuid.UUID) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(CampaignRecipient)
            .where(
                CampaignRecipient.campaign_id == campaign_id,
                CampaignRecipient.state.in_(("pending", "sending")),
            )
        )
        or 0
    )


def recipient(session: Session, recipient_id: uuid.UUID) -> CampaignRecipient | None:
    return session.get(CampaignRecipient, recipient_id)


def track(session: Session, recipient_id: uuid.UUID, kind: str, url: str | None = None) -> bool:
    """Record an open, a click or an unsubscribe of a sent recipient (first time kept); a click with its
    target URL also gets its row in ``campaign_link_clicks`` (the top links)."""
    r = CampaignRecipient
    values: dict[str, Any]
    if kind == "open":
        values = {"opens": r.opens + 1, "opened_at": func.coalesce(r.opened_at, func.now())}
    elif kind == "click":
        values = {
            "clicks": r.clicks + 1,
            "clicked_at": func.coalesce(r.clicked_at, func.now()),
            "opened_at": func.coalesce(r.opened_at, func.now()),
        }
    else:
        values = {"unsubscribed_at": func.coalesce(r.unsubscribed_at, func.now())}
    found = session.execute(
        update(r)
        .where(r.id == recipient_id, r.state == "sent")
        .values(**values)
        .returning(r.tid, r.campaign_id)
    ).first()
    if found is None:
        return False
    if kind == "click" and url:
        session.add(
            LinkClick(tid=found.tid, campaign_id=found.campaign_id, recipient_id=recipient_id, url=url)
        )
        session.flush()
    return True


_DEMO_DELIVERY = text(
    """
    WITH numbered AS (
        SELECT id, row_number() OVER (ORDER BY address) AS n
        FROM crm.campaign_recipients WHERE campaign_id = :campaign AND state = 'pending'
    )
    UPDATE crm.campaign_recipients r
    SET state = 'sent', claimed_by = 'demo-seed', claimed_at = :sent_at, attempts = 1,
        sent_at = :sent_at + n.n * interval '2 seconds',
        delivered_at = :sent_at + n.n * interval '2 seconds' + interval '4 seconds', delivery = 'delivered',
        opened_at = CASE WHEN n.n % 5 < 3 THEN :sent_at + ((n.n * 37) % 1800 + 12) * interval '1 minute' END,
        opens = CASE WHEN n.n % 5 < 3 THEN 1 + n.n % 3 ELSE 0 END,
        clicked_at = CASE WHEN n.n % 5 = 0 THEN :sent_at + ((n.n * 37) % 1800 + 15) * interval '1 minute' END,
        clicks = CASE WHEN n.n % 5 = 0 THEN 1 + n.n % 2 ELSE 0 END
    FROM numbered n
    WHERE r.id = n.id
    RETURNING r.id, r.tid, r.clicked_at
    """
)


def demo_delivery(session: Session, campaign_id: uuid.UUID, sent_at: datetime, links: Sequence[str]) -> int:
    """The demo's finished campaign: its pending recipients as sent at ``sent_at`` (two seconds apart)
    and delivered; three in five opened and one in five clicked (one of ``links``) over the next 30
    hours, with their top-link rows. Only ``genius demo`` calls this; returns the recipients marked."""
    rows = session.execute(_DEMO_DELIVERY, {"campaign": campaign_id, "sent_at": sent_at}).all()
    for i, (recipient_id, tid, clicked_at) in enumerate(r for r in rows if r.clicked_at is not None):
        session.add(
            LinkClick(
                tid=tid,
                campaign_id=campaign_id,
                recipient_id=recipient_id,
                url=links[i % len(links)] if i % 3 else links[0],
                clicked_at=clicked_at,
            )
        )
    session.flush()
    return len(rows)


def top_links(session: Session, campaign_id: uuid.UUID, limit: int = 10) -> list[dict[str, Any]]:
    """The most clicked URLs of a campaign: clicks and unique clickers, most clicked first."""
    c = LinkClick
    rows = session.execute(
        select(c.url, func.count().label("clicks"), func.count(func.distinct(c.recipient_id)).label("unique"))
        .where(c.campaign_id == campaign_id)
        .group_by(c.url)
        .order_by(func.count().desc(), c.url)
        .limit(limit)
    ).all()
    return [{"url": u, "clicks": int(n), "unique_clickers": int(q)} for u, n, q in rows]


def latest_report(session: Session, campaign_id: uuid.UUID) -> CampaignReport | None:
    return session.scalars(
        select(CampaignReport)
        .where(CampaignReport.campaign_id == campaign_id)
        .order_by(CampaignReport.requested_at.desc(), CampaignReport.id.desc())
        .limit(1)
    ).first()


METRIC_NAMES = (
    "recipients",
    "excluded",
    "pending",
    "failed",
    "sent",
    "delivered",
    "delivery_confirmed",
    "opened",
    "clicked",
    "bounced",
    "unsubscribed",
    "complained",
)


def metrics_of(session: Session, campaign_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dict[str, int]]:
    """Each campaign's recipient counts (``METRIC_NAMES``), in one grouped query; a campaign without
    recipients is absent."""
    if not campaign_ids:
        return {}
    r = CampaignRecipient
    rows = session.execute(
        select(
            r.campaign_id,
            func.count().label("recipients"),
            func.count().filter(r.state == "excluded").label("excluded"),
            func.count().filter(r.state.in_(("pending", "sending"))).label("pending"),
            func.count().filter(r.state == "failed").label("failed"),
            func.count().filter(r.state == "sent").label("sent"),
            func.count().filter(r.state == "sent", r.bounced_at.is_(None)).label("delivered"),
            func.count(r.delivered_at).label("delivery_confirmed"),
            func.count(r.opened_at).label("opened"),
            func.count(r.clicked_at).label("clicked"),
            func.count(r.bounced_at).label("bounced"),
            func.count(r.unsubscribed_at).label("unsubscribed"),
            func.count(r.complained_at).label("complained"),
        )
        .where(r.campaign_id.in_(list(campaign_ids)))
        .group_by(r.campaign_id)
    ).all()
    return {row[0]: {name: int(row._mapping[name] or 0) for name in METRIC_NAMES} for row in rows}


def metrics(session: Session, campaign_id: uuid.UUID) -> dict[str, int]:
    return metrics_of(session, [campaign_id]).get(campaign_id) or dict.fromkeys(METRIC_NAMES, 0)


_SERIES = text(
    """
    SELECT date_trunc(:unit, v.t AT TIME ZONE :zone) AS bucket,
           count(*) FILTER (WHERE v.kind = 'sent') AS sent,
           count(*) FILTER (WHERE v.kind = 'opened') AS opened,
           count(*) FILTER (WHERE v.kind = 'clicked') AS clicked,
           count(*) FILTER (WHERE v.kind = 'bounced') AS bounced
    FROM crm.campaign_recipients r
    CROSS JOIN LATERAL (VALUES ('sent', r.sent_at), ('opened', r.opened_at), ('clicked', r.clicked_at),
                               ('bounced', r.bounced_at)) AS v(kind, t)
    WHERE r.campaign_id = :campaign AND v.t IS NOT NULL
    GROUP BY 1 ORDER BY 1
    """
)


def series(session: Session, campaign_id: uuid.UUID, unit: str, zone: str) -> list[dict[str, Any]]:
    """Sent, opened, clicked and bounced per ``unit`` (hour or day) of local time (``zone``): each bucket's
    local start (naive) and its counts; buckets without any are absent."""
    rows = session.execute(_SERIES, {"unit": unit, "zone": zone, "campaign": campaign_id}).all()
    return [dict(r._mapping) for r in rows]


def send_statuses(session: Session, campaign_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The send's status of each campaign that was sent (``sending`` or ``completed``)."""
    if not campaign_ids:
        return {}
    rows = session.execute(
        select(CampaignSend.campaign_id, CampaignSend.status).where(
            CampaignSend.campaign_id.in_(list(campaign_ids))
        )
    ).all()
    return {cid: str(status) for cid, status in rows}


def recipient_page(
    session: Session, campaign_id: uuid.UUID, *, state: str | None, cursor: str | None, limit: int
) -> Page[CampaignRecipient]:
    order = "recipients:id"
    r = CampaignRecipient
    stmt = select(r).where(r.campaign_id == campaign_id).order_by(r.id).limit(limit + 1)
    if state:
        stmt = stmt.where(r.state == state)
    if cursor:
        (key,) = decode_cursor(cursor, order, (uuid.UUID,))
        stmt = stmt.where(r.id > key)
    rows = session.scalars(stmt).all()
    return page_of(rows, limit, order, key=lambda x: (x.id,))


# --- bounces, complaints, delivery reports ---------------------------------------------------------------
def mark_seen(session: Session, tid: uuid.UUID, source: str, event_id: str) -> bool:
    """Record a webhook's or DSN's id; ``False`` when it was seen before (a concurrent copy waits for
    the first one's commit, then finds it)."""
    inserted = session.execute(
        pg_insert(MailEventSeen)
        .values(tid=tid, source=source, event_id=event_id[:250], outcome="received")
        .on_conflict_do_nothing()
        .returning(MailEventSeen.event_id)
    ).scalar()
    return inserted is not None


def set_seen_outcome(session: Session, source: str, event_id: str, outcome: str) -> None:
    session.execute(
        update(MailEventSeen)
        .where(MailEventSeen.source == source, MailEventSeen.event_id == event_id[:250])
        .values(outcome=outcome)
    )


def recipient_for_event(
    session: Session, message_id: str | None, address: str | None
) -> CampaignRecipient | None:
    """The sent recipient a delivery event is about, locked: by Message-ID, else the latest sent to the
    address."""
    r = CampaignRecipient
    stmt = select(r).where(r.state == "sent")
    if message_id:
        stmt = stmt.where(r.message_id == normal_message_id(message_id))
    elif address:
        stmt = stmt.where(r.address == address.lower()).order_by(r.sent_at.desc().nulls_last(), r.id)
    else:
        return None
    return session.scalars(stmt.limit(1).with_for_update()).first()


def recipient_history(session: Session, recipient_id: uuid.UUID) -> Sequence[RecipientEvent]:
    stmt = (
        select(RecipientEvent)
        .where(RecipientEvent.recipient_id == recipient_id)
        .order_by(RecipientEvent.occurred_at, RecipientEvent.created_at)
    )
    return session.scalars(stmt).all()


def suppression_of(session: Session, address: str) -> Suppression | None:
    return session.scalars(select(Suppression).where(Suppression.address == address.lower())).first()


def engagement_by_account(
    session: Session, as_of: datetime, account_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[int, int, int]]:
    """Campaign messages sent to each account's contacts before ``as_of``: (sent, opened, clicked)."""
    if not account_ids:
        return {}
    rows = session.execute(
        text(
            """
            SELECT c.account_id,
                   count(*) AS sent,
                   count(*) FILTER (WHERE r.opened_at < :as_of) AS opened,
                   count(*) FILTER (WHERE r.clicked_at < :as_of) AS clicked
            FROM crm.campaign_recipients r
            JOIN crm.contacts c ON c.id = r.contact_id
            WHERE c.account_id = ANY(:ids) AND r.sent_at < :as_of
            GROUP BY c.account_id
            """
        ),
        {"as_of": as_of, "ids": list(account_ids)},
    ).all()
    return {r[0]: (int(r[1]), int(r[2]), int(r[3])) for r in rows}


def sends_message_id(session: Session, message_id: str) -> bool:
    """Whether this tenant sent a campaign mail with this Message-ID (a DSN's claim to be about it)."""
    r = CampaignRecipient
    stmt = select(r.id).where(r.message_id == normal_message_id(message_id)).limit(1)
    return session.scalar(stmt) is not None


def webhook_secret(session: Session, provider: str) -> WebhookSecret | None:
    """This tenant's own signing secret row of a provider's webhook (RLS: the session's tenant)."""
    return session.scalars(select(WebhookSecret).where(WebhookSecret.provider == provider)).first()
