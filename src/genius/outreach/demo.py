"""Outreach demo data (``genius demo``), after the CRM's: one portfolio of 20 WhatsApp numbers whose
usage today spans the grid's colour bands, 300 journeys over CRM leads (the CRM's 40 demo leads and
260 prospects created through the CRM's service) across every state, their messages, and ten replies
waiting for review, classified by the offline sentiment model.

Usage lives where the grid reads it: the quota guardian's Redis counters, written by the guardian itself
(admissions at today's midday in the tenant's zone), plus the audit table's rows. The journeys are
seeded once per tenant; the usage again on any start that finds no counters for today (they expire
after 48 hours)."""

from __future__ import annotations

import hashlib
import random
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import redis
import structlog
from sqlalchemy.orm import Session

from genius.core.db.base import utcnow
from genius.core.storage import TenantStorage, tenant_files_from_settings
from genius.outreach import content
from genius.outreach import repository as outreach_repository
from genius.outreach import service as outreach
from genius.outreach.channels.timelinesai import TimelinesClient, TimelinesError
from genius.outreach.inbox import review_reason
from genius.outreach.models import (
    Channel,
    CommunicationLog,
    LeadJourney,
    LeadState,
    MessageDirection,
    MessageStatus,
    PhoneStatus,
    ReviewItem,
    ReviewPriority,
    ReviewReason,
    WaPhoneNumber,
)
from genius.outreach.overview import repository
from genius.outreach.overview import service as overview
from genius.outreach.overview.service import redis_usage, today_in
from genius.outreach.quota import BusinessHours, QuotaGuardian
from genius.outreach.review import service as review
from genius.outreach.sentiment import classify
from genius.outreach.sequences import repository as seq_repository
from genius.outreach.sequences import schemas as seq_schemas
from genius.outreach.sequences import service as sequences
from genius.vettify import service as crm
from genius.vettify.schemas import ConvertIn, LeadCreate

if TYPE_CHECKING:
    from genius.core.platform import Platform

log = structlog.get_logger("genius.outreach")

DEMO_ACTOR = "demo-seed"
SEED = 16
STAT_DAYS = 14  # the dashboard chart's span
LIMIT = 200
# Today's new contacts per phone (limit 200): 15 green, two amber, one full, then the banned and the
# offline number (usage counted before they went down).
USAGE = (18, 34, 47, 59, 66, 78, 91, 104, 113, 125, 137, 146, 158, 166, 175, 181, 194, 200, 57, 23)
DOWN = {
    18: (PhoneStatus.BANNED, "Blocat de Meta după raportări de spam"),
    19: (PhoneStatus.OFFLINE, "Telefon deconectat"),
}
STATES = (
    (LeadState.COLD, 60),
    (LeadState.CONTACTED_WA, 90),
    (LeadState.CONTACTED_EMAIL, 50),
    (LeadState.WARM_REPLY, 35),
    (LeadState.NEGOTIATION, 20),
    (LeadState.CONVERTED, 12),
    (LeadState.PAUSED, 8),
    (LeadState.DEAD, 25),
)
PROSPECTS = sum(n for _, n in STATES) - 40
FIRST = (
    "Andrei",
    "Elena",
    "Mihai",
    "Ioana",
    "Radu",
    "Maria",
    "Cristian",
    "Ana",
    "Vlad",
    "Roxana",
    "Gabriel",
    "Irina",
)
LAST = (
    "Popescu",
    "Ionescu",
    "Stan",
    "Dumitru",
    "Constantin",
    "Marin",
    "Georgescu",
    "Stoica",
    "Munteanu",
    "Lungu",
)
TRADES = (
    "Brutăria",
    "Transport",
    "Construcții",
    "Farmacia",
    "Service Auto",
    "Tipografia",
    "Ferma",
    "Clinica",
)
NAMES = ("Aurora", "Carpați", "Delta", "Vest", "Nord", "Lotus", "Orizont", "Dacia", "Mureș", "Someș", "Olt")
CITIES = ("Cluj-Napoca", "Iași", "Timișoara", "Brașov", "Constanța", "Oradea", "Sibiu", "Craiova", "Bacău")
OPENERS = (
    "Bună ziua, {name}! Vă scriu de la Genius ERP: e-Factura și SAF-T fără bătăi de cap. "
    "Vă pot arăta în 15 minute?",
    "Salut, {name}! Am văzut că {company} crește. Ați automatizat deja raportările către ANAF?",
    "Bună, {name}, revin cu un scurt mesaj: avem o ofertă de implementare pentru firmele din {city}.",
)
POSITIVE = (
    "Da, sună interesant. Trimiteți-mi vă rog o ofertă.",
    "Mulțumesc, putem vorbi joi după-amiază.",
    "Sounds good, please send the pricing.",
    "Super, aștept detaliile pe email.",
)
# The replies waiting for review: (text, suggested reply or None).
REVIEW_REPLIES = (
    (
        "Nu mă mai contactați, vă rog. Dezabonare.",
        "Am înțeles, vă scoatem din listă. Mulțumim și scuze pentru deranj!",
    ),
    (
        "Prețul e prea mare, nu ne permitem acum.",
        "Înțeleg. Avem și un pachet de bază, la jumătate de preț: vă trimit detaliile?",
    ),
    (
        "Am avut o experiență proastă cu un ERP, sunt sceptic.",
        "Vă înțeleg. Vă pot pune în legătură cu un client din domeniul dvs. "
        "care a trecut prin același lucru?",
    ),
    (
        "Poate, dar nu acum. Reveniți în ianuarie.",
        "Perfect, revin în prima săptămână din ianuarie. Sărbători fericite!",
    ),
    ("Cine v-a dat numărul meu?", "Numărul apare pe site-ul firmei dvs. Dacă preferați, nu vă mai scriem."),
    (
        "Mersi, dar folosim deja alt program.",
        "Mulțumim! Dacă vreți o comparație gratuită cu programul actual, vă stau la dispoziție.",
    ),
    ("This is spam. Stop messaging me.", "Understood, we will not contact you again. Apologies."),
    ("Ce anume oferiți mai exact? Nu e clar din mesaj.", None),
    (
        "Grozav, încă un vânzător... exact ce îmi trebuia azi.",
        "Îmi cer scuze pentru deranj. Vă las un singur link, fără alte mesaje: genius-erp.ro/demo",
    ),
    (
        "Am nevoie de facturare pentru 3 firme, se poate?",
        "Da, se poate: un singur cont pentru toate trei. Vă sun mâine la 10?",
    ),
)


# How long ago (minutes) each reply to review came in: with the SLA by priority (urgent 1 h, high 4 h,
# medium 24 h, low 72 h) a few are past their deadline (the sweep flags them) and most count down.
REVIEW_AGES = (95, 20, 300, 45, 130, 15, 70, 600, 35, 180)


def _lead(rng: random.Random, n: int) -> LeadCreate:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return LeadCreate(
        first_name=first,
        last_name=last,
        company_name=f"{rng.choice(TRADES)} {rng.choice(NAMES)} SRL",
        phone=f"+407{rng.randrange(20, 80)}{rng.randrange(100000, 999999)}",
        email=f"{first.lower()}.{last.lower()}.{n}@exemplu.ro",
        city=rng.choice(CITIES),
        source="outreach",
        custom_fields={"demo": True},
    )


def demo_number(i: int) -> str:
    """The demo portfolio's i-th WhatsApp number (0..19)."""
    return f"+40740{100 + i:03d}{200 + i * 7:03d}"


def demo_accounts() -> dict[str, str]:
    """The demo's numbers as the fake TimelinesAI knows them: the banned and offline ones disconnected."""
    return {
        demo_number(i): "active"
        if DOWN.get(i, (PhoneStatus.ACTIVE, None))[0] is PhoneStatus.ACTIVE
        else "disconnected"
        for i in range(20)
    }


def _phones(session: Session, tid: uuid.UUID, now: datetime) -> list[WaPhoneNumber]:
    phones = []
    for i in range(20):
        status, reason = DOWN.get(i, (PhoneStatus.ACTIVE, None))
        phones.append(
            WaPhoneNumber(
                tid=tid,
                phone_number=demo_number(i),
                label=f"WA {i + 1:02d}",
                timelinesai_account_id=f"demo-account-{i + 1:02d}",
                timelinesai_phone_id=f"demo-phone-{i + 1:02d}",
                status=status.value,
                status_reason=reason,
                daily_quota_limit=LIMIT,
                reputation_score=max(10, 98 - i * 3) if status is PhoneStatus.ACTIVE else 15,
                is_connected=status is PhoneStatus.ACTIVE,
                last_health_check_at=now - timedelta(minutes=i),
                banned_at=now - timedelta(hours=3) if status is PhoneStatus.BANNED else None,
            )
        )
    session.add_all(phones)
    session.flush()
    return phones


def _message(
    journey: LeadJourney,
    channel: Channel,
    direction: MessageDirection,
    text: str,
    at: datetime,
    **extra: object,
) -> CommunicationLog:
    return CommunicationLog(
        tid=journey.tid,
        journey_id=journey.id,
        lead_id=journey.lead_id,
        channel=channel.value,
        direction=direction.value,
        status=extra.pop("status", MessageStatus.DELIVERED.value),
        phone_id=journey.assigned_phone_id if channel is Channel.WHATSAPP else None,
        content_preview=text[:500],
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
        quota_cost=1 if direction is MessageDirection.OUTBOUND and extra.pop("first", False) else 0,
        provider="timelinesai" if channel is Channel.WHATSAPP else "instantly",
        created_at=at,
        updated_at=at,
        sent_at=at if direction is MessageDirection.OUTBOUND else None,
        **extra,
    )


def _journeys(
    session: Session,
    tid: uuid.UUID,
    rng: random.Random,
    phones: list[WaPhoneNumber],
    now: datetime,
    files: TenantStorage,
) -> None:
    who = crm.Actor(tid=tid, name=DEMO_ACTOR, request_id="demo-seed")
    existing = crm.list_records(session, crm.LEADS, crm.ListQuery(sort="created_at", limit=100)).items
    lead_ids = [lead.id for lead in existing[:40]]
    lead_ids += [crm.create_lead(session, who, _lead(rng, n)).id for n in range(PROSPECTS)]
    leads = crm.leads_by_id(session, lead_ids)
    active = [p for p in phones if p.status == PhoneStatus.ACTIVE.value]
    states = [state for state, n in STATES for _ in range(n)]
    rng.shuffle(states)
    journeys: list[tuple[LeadJourney, LeadState]] = []
    messages: list[CommunicationLog] = []
    for n, (lead_id, state) in enumerate(zip(lead_ids, states, strict=False)):
        contacted = state is not LeadState.COLD
        email_first = state is LeadState.CONTACTED_EMAIL or (contacted and n % 4 == 0)
        channel = Channel.EMAIL_COLD if email_first else Channel.WHATSAPP
        first_at = now - timedelta(days=rng.randrange(0, 14), minutes=rng.randrange(0, 600))
        if n % 9 == 0 and contacted:
            first_at = now - timedelta(minutes=rng.randrange(5, 240))  # contacted today
        journey = LeadJourney(
            id=uuid.uuid4(),
            tid=tid,
            lead_id=lead_id,
            current_state=state.value,
            previous_state=LeadState.CONTACTED_WA.value if state is LeadState.PAUSED else None,
            state_changed_at=first_at if contacted else now - timedelta(days=rng.randrange(1, 20)),
            state_change_reason="demo",
            assigned_phone_id=active[n % len(active)].id
            if contacted and channel is Channel.WHATSAPP
            else None,
            first_contact_channel=channel.value if contacted else None,
            last_channel_used=channel.value if contacted else None,
            first_contact_at=first_at if contacted else None,
            last_contact_at=first_at if contacted else None,
            next_action_at=first_at + timedelta(days=2)
            if state in (LeadState.CONTACTED_WA, LeadState.CONTACTED_EMAIL)
            else None,
            converted_at=first_at + timedelta(days=3) if state is LeadState.CONVERTED else None,
            created_at=first_at - timedelta(hours=1),
            updated_at=first_at,
        )
        journeys.append((journey, state))
    session.add_all([j for j, _ in journeys])
    session.flush()
    for journey, state in journeys:
        if state is LeadState.CONVERTED:  # converted the way the state machine converts: in the CRM too
            lead = leads.get(journey.lead_id)
            outreach.convert_in_crm(
                session,
                tid,
                journey.lead_id,
                DEMO_ACTOR,
                ConvertIn(
                    opportunity_name=f"{(lead.company_name if lead else None) or 'Client'} - outreach",
                    amount=Decimal(rng.randrange(8, 60) * 500),
                    expected_close_date=(now + timedelta(days=rng.randrange(10, 60))).date(),
                ),
            )
    reviews = 0
    for n, (journey, state) in enumerate(journeys):
        if state is LeadState.COLD:
            continue
        lead = leads.get(journey.lead_id)
        channel = Channel(journey.last_channel_used or Channel.WHATSAPP.value)
        opener = OPENERS[n % len(OPENERS)].format(
            name=(lead.first_name if lead else None) or "",
            company=(lead.company_name if lead else None) or "firma dvs.",
            city=(lead.city if lead else None) or "orașul dvs.",
        )
        at = journey.first_contact_at or now
        messages.append(_message(journey, channel, MessageDirection.OUTBOUND, opener, at, first=True))
        wants_review = state in (LeadState.WARM_REPLY, LeadState.CONTACTED_WA, LeadState.CONTACTED_EMAIL)
        if wants_review and reviews < len(REVIEW_REPLIES) and n % 5 == 1:
            text, suggestion = REVIEW_REPLIES[reviews]
            reviews += 1
            replied = max(at + timedelta(minutes=5), now - timedelta(minutes=REVIEW_AGES[reviews - 1]))
            replied = min(replied, now - timedelta(minutes=1))
            messages.append(_review(session, journey, channel, text, suggestion, replied, reviews))
        elif state in (LeadState.WARM_REPLY, LeadState.NEGOTIATION, LeadState.CONVERTED):
            text = POSITIVE[n % len(POSITIVE)]
            replied = at + timedelta(hours=rng.randrange(1, 40))
            if replied >= now:  # contacted recently: the reply came in a while after, before now
                replied = max(at + timedelta(minutes=2), now - timedelta(minutes=rng.randrange(2, 600)))
            verdict = classify(text)
            journey.reply_count, journey.last_reply_at, journey.sentiment_score = (
                1,
                replied,
                verdict.sentiment,
            )
            messages.append(
                _message(
                    journey,
                    channel,
                    MessageDirection.INBOUND,
                    text,
                    replied,
                    status=MessageStatus.REPLIED.value,
                    sentiment_score=verdict.sentiment,
                    replied_at=replied,
                )
            )
    session.add_all(messages)
    session.flush()
    for message in messages:  # every demo text is shorter than the preview: the preview is all of it
        content.keep(files, message, message.content_preview)


def _review(
    session: Session,
    journey: LeadJourney,
    channel: Channel,
    text: str,
    suggestion: str | None,
    at: datetime,
    n: int,
) -> CommunicationLog:
    verdict = classify(text)
    msg = _message(
        journey,
        channel,
        MessageDirection.INBOUND,
        text,
        at,
        status=MessageStatus.REPLIED.value,
        sentiment_score=verdict.sentiment,
        replied_at=at,
    )
    session.add(msg)
    session.flush()
    reason, priority = review_reason(verdict) or (ReviewReason.AI_UNCERTAIN, ReviewPriority.MEDIUM)
    if reason is ReviewReason.AI_UNCERTAIN and not n % 2:
        priority = ReviewPriority.LOW  # a spread of priorities in the demo queue
    created = at
    journey.requires_human_review = True
    journey.human_review_reason = reason.value
    journey.human_review_priority = priority.value
    journey.reply_count += 1
    journey.last_reply_at = at
    journey.sentiment_score = verdict.sentiment
    session.add(
        ReviewItem(
            tid=journey.tid,
            journey_id=journey.id,
            lead_id=journey.lead_id,
            communication_id=msg.id,
            reason=reason.value,
            priority=priority.value,
            sentiment_score=verdict.sentiment,
            sentiment_label=verdict.label,
            trigger_keywords=list(verdict.triggers),
            message_preview=text[:500],
            suggested_reply=suggestion,
            sla_due_at=review.sla_due(priority, created),
            created_at=created,
            updated_at=created,
        )
    )
    return msg


def _fill_usage(
    platform: Platform, tid: uuid.UUID, phones: list[tuple[str, str]], hours: BusinessHours
) -> dict[str, int]:
    """Admit ``USAGE[i]`` new contacts on phone ``i`` through the quota guardian at today's midday (in
    the tenant's zone), then take the banned and offline numbers down; the counts admitted."""
    client = platform.redis
    if client is None:
        return {}
    zone = ZoneInfo(hours.zone)
    day = today_in(hours.zone)
    start, end = (datetime.combine(day, t, tzinfo=zone) for t in (hours.start, hours.end))
    midday = (start + (end - start) / 2).astimezone(UTC)
    guardian = QuotaGuardian(client, clock=lambda: midday.timestamp())
    guardian.sync_phones(tid, [(pid, PhoneStatus.ACTIVE.value, LIMIT) for pid, _ in phones])
    admitted: dict[str, int] = {}
    for i, (pid, _) in enumerate(phones):
        for _n in range(USAGE[i]):
            guardian.check(tid, uuid.uuid4(), new_contact=True, hours=hours, phone_id=pid)
        admitted[pid] = USAGE[i]
    for pid, status in phones:
        guardian.set_phone(tid, pid, status, LIMIT)
    return admitted


WA_OPENER = (
    "{Bună ziua|Salut}, {{first_name}}! {Am văzut|Am aflat} că {{company}} {crește|se extinde} "
    "în {{city}}. {Vă pot arăta|Vă propun} în 15 minute cum {economisiți|câștigați} timp la facturare "
    "și e-Factura?"
)
WA_SHORT = "{{first_name}}, o întrebare scurtă: cât timp pierdeți lunar cu e-Factura la {{company}}?"
EMAIL_FOLLOW_UP = (
    "Bună ziua, {{first_name}},\n\nRevin la mesajul de pe WhatsApp: {vă trimit|atașez} un scurt rezumat "
    "despre cum {{company}} {poate automatiza|își poate automatiza} facturarea și e-Factura.\n\n"
    "{O zi bună|Cu stimă},\nEchipa GeniusERP"
)
EMAIL_COLD = (
    "Bună ziua, {{first_name}},\n\n{Multe firme din {{city}}|Firmele ca {{company}}} trimit facturile "
    "în SPV {automat|fără efort} cu GeniusERP. {Merită|Are sens} o discuție de 15 minute săptămâna aceasta?"
)
# name, channel, subject, content, A/B versions (label, content, (sent, opened, replied) so far)
Versions = tuple[tuple[str, str, tuple[int, int, int]], ...]
DEMO_TEMPLATES: tuple[tuple[str, str, str | None, str, Versions], ...] = (
    ("Deschidere WhatsApp", "WHATSAPP", None, WA_OPENER,
     (("A", WA_OPENER, (412, 96, 61)), ("B", WA_SHORT, (398, 88, 44)))),
    ("Revenire e-mail", "EMAIL_WARM", "{O idee|O propunere} pentru {{company}}", EMAIL_FOLLOW_UP, ()),
    ("Reactivare e-mail rece", "EMAIL_COLD", "{Facturare|e-Factura} fără griji pentru {{company}}",
     EMAIL_COLD, ()),
)  # fmt: skip
DEMO_ENROLLED = 12  # cold leads the demo starts on the WhatsApp sequence
REPLY_EVENT = "message:received:new"
DEMO_SEQUENCES = (
    ("Prospectare WhatsApp + e-mail", "Primul contact pe WhatsApp, revenire pe e-mail după două zile.",
     (("Deschidere WhatsApp", 0), ("Revenire e-mail", 48), ("Deschidere WhatsApp", 96))),
    ("Reactivare clienți vechi", "E-mail rece, apoi WhatsApp după trei zile.",
     (("Reactivare e-mail rece", 0), ("Deschidere WhatsApp", 72))),
)  # fmt: skip


def _sequences(session: Session, tid: uuid.UUID) -> None:
    """The demo's templates (one A/B tested, with its counts so far) and two sequences using them, made
    through the sequences service; once per tenant (by the first template's name)."""
    if seq_repository.template_by_name(session, DEMO_TEMPLATES[0][0]) is not None:
        return
    ids: dict[str, uuid.UUID] = {}
    variables = [
        seq_schemas.VariableIn(name="first_name", required=False, default=""),
        seq_schemas.VariableIn(name="company", required=True),
        seq_schemas.VariableIn(name="city", required=False, default="orașul dvs."),
    ]
    for name, channel, subject, text, versions in DEMO_TEMPLATES:
        body = seq_schemas.TemplateIn(
            name=name,
            channel=seq_schemas.SendChannel(channel),
            subject=subject,
            content=text,
            variables=variables,
        )
        template = sequences.create_template(session, tid, body)
        ids[name] = template.id
        for label, version_text, (sent, opened, replied) in versions:
            version = sequences.add_version(
                session, tid, template.id, seq_schemas.VersionIn(label=label, content=version_text)
            )
            version.sent_count, version.open_count, version.reply_count = sent, opened, replied
    made = [
        sequences.create_sequence(
            session,
            tid,
            seq_schemas.SequenceIn(
                name=name,
                description=description,
                steps=[seq_schemas.StepIn(template_id=ids[t], delay_hours=h) for t, h in steps],
            ),
        )
        for name, description, steps in DEMO_SEQUENCES
    ]
    # A few cold leads start the WhatsApp sequence now: the scheduler sends their first message within
    # business hours, through the fake TimelinesAI, whose leads answer some of them by webhook.
    cold, _ = outreach_repository.journey_page(
        session,
        outreach_repository.JourneyFilter(state=LeadState.COLD.value),
        sort="nextActionAt",
        descending=False,
        offset=0,
        limit=DEMO_ENROLLED,
    )
    for journey in cold:
        sequences.enroll(session, tid, made[0].id, journey.id)


def _subscribe_replies(platform: Platform, tid: uuid.UUID) -> None:
    """With the demo's fake TimelinesAI, subscribe this tenant's webhook to the leads' answers (the fake
    forgets its subscriptions when it stops, so on every start)."""
    settings = platform.settings
    secret = settings.timelinesai_webhook_secret
    if not (settings.demo_fakes and secret and settings.timelinesai_api_key):
        return
    if not settings.timelinesai_base_url.startswith("http://127.0.0.1"):  # never a real account's hooks
        return
    url = f"{settings.issuer}/webhooks/timelinesai/{tid}?{urlencode({'secret': secret})}"
    client = TimelinesClient(
        settings.timelinesai_api_key, base_url=settings.timelinesai_base_url, timeout=5.0, max_retries=0
    )
    try:
        if url not in client.webhook_urls(REPLY_EVENT):
            client.subscribe_webhook(REPLY_EVENT, url)
    except TimelinesError as exc:  # the fake is not up (yet): the demo runs without answers
        log.warning("outreach.demo.webhook_not_subscribed", error=str(exc))
    finally:
        client.http.close()


def seed_demo(platform: Platform, tid: uuid.UUID) -> None:
    if not platform.settings.demo_crm_data:  # the journeys are over CRM leads: off with the CRM's demo data
        return
    now = utcnow()
    with platform.db.tenant_session(tid) as session:
        repository.transaction_lock(session, f"genius-demo-outreach:{tid}")
        if not repository.any_phone(session):
            rng = random.Random(SEED)
            phones = _phones(session, tid, now)
            files = tenant_files_from_settings(platform.settings).for_tenant(tid)
            _journeys(session, tid, rng, phones, now, files)
            review.sweep_sla(session, now)
        _sequences(session, tid)
        hours = outreach.business_hours(session, tid)
        phones_now = [(str(p.id), p.status) for p in outreach_repository.phones(session)]
    try:
        if platform.redis is None or not redis_usage(platform.redis, tid, today_in(hours.zone)):
            _fill_usage(platform, tid, phones_now, hours)  # not on a restart the same day
    except redis.RedisError as exc:
        log.warning("outreach.demo.usage_skipped", error=str(exc))
    with platform.db.tenant_session(tid) as session:
        # The dashboard's two weeks of daily statistics, and today's usage in the audit table, the way
        # the periodic roll-up writes them.
        overview.rollup(session, tid, platform.redis, days=STAT_DAYS)
    _subscribe_replies(platform, tid)
