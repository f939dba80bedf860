"""Demo CRM data for ``genius demo``: 10 accounts, 31 contacts (one a duplicate to merge), 40 leads,
20 opportunities across every stage, 2 campaigns, and activities on the first accounts (their Account
360 timeline).

Everything is made up with Faker ``ro_RO`` from a fixed seed, so two runs (or two tenants) get the
same data: names and companies are Faker's combinations, e-mail addresses and web sites are under
the reserved ``example.com`` / ``example.org`` domains (RFC 2606), phone numbers are random E.164
``+40`` numbers, CUIs are random numbers with a correct check digit (``stdnum.ro.cui``), and
counties with their seats are the real ones. No real person's data is used.

The records go through the same schemas (validation, normalisation) and services as API calls, so
leads publish ``crm.lead.created`` and opportunities get their stage history. Seeding is idempotent:
it runs in one transaction under a per-tenant advisory lock and does nothing when the tenant already
has records created by the demo actor.
"""

from __future__ import annotations

import random
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from faker import Faker
from sqlalchemy.orm import Session
from stdnum.ro import cui as ro_cui

from genius.compliance.fakes import taxpayer as fake_anaf
from genius.config import Settings
from genius.core.db.base import utcnow
from genius.core.db.session import Database
from genius.core.platform import Platform
from genius.vettify import schemas as s
from genius.vettify import service
from genius.vettify.campaigns.repository import CAMPAIGNS as CAMPAIGNS_SPEC
from genius.vettify.campaigns.schemas import CampaignCreate, CampaignStatus, Channel
from genius.vettify.campaigns.service import create_campaign
from genius.vettify.models import Account
from genius.vettify.repository import records
from genius.vettify.segments.repository import SEGMENTS as SEGMENTS_SPEC

DEMO_ACTOR = "genius demo"
SEED = 20261130
COUNTS = {"accounts": 10, "contacts": 31, "leads": 40, "opportunities": 5, "campaigns": 2}
CONTACTS_PER_ACCOUNT = 3  # and one duplicate of the first contact (same e-mail), for the merge screen
ACTIVITIES = (
    # (kind, subject, body, days ago, follow-up in days)
    ("call", "Apel de prezentare", "Interesați de modulul e-Factura; cer o ofertă până vineri.", 12, None),
    (
        "meeting",
        "Demonstrație la sediul clientului",
        "Au participat directorul financiar și contabilul-șef.",
        6,
        None,
    ),
    ("note", "Buget aprobat pentru trimestrul următor", None, 3, None),
    ("task", "Trimite oferta revizuită", "Cu discountul discutat la întâlnire.", 0, 5),
)

# The 41 counties and Bucharest, each with its seat.
COUNTIES: tuple[tuple[str, str], ...] = (
    ("Alba", "Alba Iulia"),
    ("Arad", "Arad"),
    ("Argeș", "Pitești"),
    ("Bacău", "Bacău"),
    ("Bihor", "Oradea"),
    ("Bistrița-Năsăud", "Bistrița"),
    ("Botoșani", "Botoșani"),
    ("Brașov", "Brașov"),
    ("Brăila", "Brăila"),
    ("București", "București"),
    ("Buzău", "Buzău"),
    ("Caraș-Severin", "Reșița"),
    ("Călărași", "Călărași"),
    ("Cluj", "Cluj-Napoca"),
    ("Constanța", "Constanța"),
    ("Covasna", "Sfântu Gheorghe"),
    ("Dâmbovița", "Târgoviște"),
    ("Dolj", "Craiova"),
    ("Galați", "Galați"),
    ("Giurgiu", "Giurgiu"),
    ("Gorj", "Târgu Jiu"),
    ("Harghita", "Miercurea Ciuc"),
    ("Hunedoara", "Deva"),
    ("Ialomița", "Slobozia"),
    ("Iași", "Iași"),
    ("Ilfov", "Buftea"),
    ("Maramureș", "Baia Mare"),
    ("Mehedinți", "Drobeta-Turnu Severin"),
    ("Mureș", "Târgu Mureș"),
    ("Neamț", "Piatra Neamț"),
    ("Olt", "Slatina"),
    ("Prahova", "Ploiești"),
    ("Satu Mare", "Satu Mare"),
    ("Sălaj", "Zalău"),
    ("Sibiu", "Sibiu"),
    ("Suceava", "Suceava"),
    ("Teleorman", "Alexandria"),
    ("Timiș", "Timișoara"),
    ("Tulcea", "Tulcea"),
    ("Vaslui", "Vaslui"),
    ("Vâlcea", "Râmnicu Vâlcea"),
    ("Vrancea", "Focșani"),
)
INDUSTRIES = (
    "IT și software",
    "Construcții",
    "Comerț cu amănuntul",
    "Transport și logistică",
    "Producție",
    "Agricultură",
    "HoReCa",
    "Servicii financiare",
    "Sănătate",
    "Energie",
)
LEAD_OWNERS = ("admin@demo.local", "ioana.marin@demo.local", None)  # the leads pages' owner filter
LEAD_SOURCES = ("website", "referral", "trade_show", "cold_call", "linkedin", "campaign")
PRODUCTS = (
    "Licențe ERP",
    "Implementare CRM",
    "Mentenanță anuală",
    "Integrare e-Factura",
    "Consultanță SAF-T",
)


@dataclass
class SeedResult:
    created: bool
    counts: dict[str, int] = field(default_factory=dict)


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text)
    ascii_only = "".join(ch for ch in plain if ch.isascii() and (ch.isalnum() or ch in " -"))
    return "-".join(ascii_only.lower().split()) or "x"


class _Maker:
    """Made-up but valid values from one seeded Faker and one seeded RNG."""

    def __init__(self, seed: int) -> None:
        self.fake = Faker("ro_RO")
        self.fake.seed_instance(seed)
        self.rng = random.Random(seed)
        self.cuis: set[str] = set()
        self.known: list[int] = [
            fake_anaf.VERIFIED,
            fake_anaf.SPLIT_VAT,
            fake_anaf.VAT_ON_COLLECTION,
            fake_anaf.INACTIVE,
        ]
        self.names: set[str] = set()

    def cui(self) -> str:
        # The first accounts carry CUIs the demo's fake ANAF knows (VAT payer, split VAT, VAT on
        # collection, inactive), so the Account 360 shows each verdict; the rest are made up.
        while self.known:
            number = str(self.known.pop(0))
            if number not in self.cuis:
                self.cuis.add(number)
                return number
        while True:
            base = str(self.rng.randint(1_000_000, 49_999_999))
            number = base + ro_cui.calc_check_digit(base)
            if number not in self.cuis:
                self.cuis.add(number)
                return number

    def company(self) -> str:
        while True:
            name = self.fake.company()
            if name not in self.names:
                self.names.add(name)
                return name

    def mobile(self) -> str:
        return f"+407{self.rng.choice('2345678')}{self.rng.randint(0, 9_999_999):07d}"

    def landline(self) -> str:
        return f"+402{self.rng.choice('1345')}{self.rng.randint(0, 9_999_999):07d}"

    def place(self) -> tuple[str, str]:
        return self.rng.choice(COUNTIES)

    def person(self) -> tuple[str, str]:
        return self.fake.first_name(), self.fake.last_name()


def _title_local(email: str | None) -> str | None:
    """``ana.pop@example.com`` → ``Ana.Pop@example.com`` (the same address, typed differently)."""
    if not email or "@" not in email:
        return None
    local, domain = email.split("@", 1)
    return f"{local.title()}@{domain}"


BUCHAREST_EVERY = 3  # one company in three is in București (the demo segment's audience)


def _account(m: _Maker, n: int) -> s.AccountCreate:
    name = m.company()
    county, city = m.place()  # drawn in any case: the other values stay those of the seed
    if n % BUCHAREST_EVERY == 0:
        county, city = "București", "București"
    slug = _slug(name)[:40]
    registration = f"J{m.rng.randint(1, 52):02d}/{m.rng.randint(100, 29999)}/{m.rng.randint(1995, 2025)}"
    return s.AccountCreate(
        name=name,
        cui=m.cui(),
        registration_number=registration,
        email=f"office@{slug}.example.com",
        phone=m.landline(),
        website=f"https://{slug}.example.com",
        industry=m.rng.choice(INDUSTRIES),
        address=m.fake.street_address(),
        city=city,
        county=county,
        custom_fields={"demo": True},
    )


def _contact(m: _Maker, account: Account, n: int) -> s.ContactCreate:
    first, last = m.person()
    return s.ContactCreate(
        account_id=account.id,
        first_name=first,
        last_name=last,
        email=f"{_slug(first)}.{_slug(last)}.{n}@example.com",
        phone=m.mobile(),
        job_title=m.fake.job()[:150],
        city=account.city,
        county=account.county,
        custom_fields={"demo": True},
    )


def _lead(m: _Maker, n: int) -> s.LeadCreate:
    first, last = m.person()
    county, city = m.place()
    return s.LeadCreate(
        first_name=first,
        last_name=last,
        email=f"{_slug(first)}.{_slug(last)}.{n}@example.org",
        phone=m.mobile(),
        company_name=m.company(),
        cui=m.cui() if n % 2 == 0 else None,
        job_title=m.fake.job()[:150],
        city=city,
        county=county,
        source=m.rng.choice(LEAD_SOURCES),
        owner=LEAD_OWNERS[n % len(LEAD_OWNERS)],
        custom_fields={"demo": True},
    )


def _seed(session: Session, tid: uuid.UUID, who: service.Actor, seed: int) -> dict[str, int]:
    m = _Maker(seed)
    accounts = [service.create_account(session, who, _account(m, n)) for n in range(COUNTS["accounts"])]
    contacts = [
        service.create_contact(session, who, _contact(m, account, i * 3 + j))
        for i, account in enumerate(accounts)
        for j in range(CONTACTS_PER_ACCOUNT)
    ]
    first = contacts[0]
    twin = _contact(m, accounts[0], len(contacts))
    # Same person typed twice: same e-mail (another case), another phone and job title.
    twin = twin.model_copy(
        update={
            "first_name": first.first_name,
            "last_name": first.last_name,
            "email": _title_local(first.email) or twin.email,
        }
    )
    contacts.append(service.create_contact(session, who, twin))
    now = datetime.now(UTC)
    for account in accounts[:4]:
        for kind, subject, body, days_ago, due_in in ACTIVITIES:
            service.create_activity(
                session,
                who,
                s.ActivityCreate(
                    kind=s.ActivityKind(kind),
                    subject=subject,
                    body=body,
                    account_id=account.id,
                    occurred_at=now - timedelta(days=days_ago, hours=m.rng.randint(1, 8)),
                    due_at=now + timedelta(days=due_in) if due_in else None,
                    done=due_in is None,
                    custom_fields={"demo": True},
                ),
            )
    leads = [service.create_lead(session, who, _lead(m, n)) for n in range(COUNTS["leads"])]
    for i, lead in enumerate(leads[:8]):
        service.qualify_lead(session, who, lead.id, None)
        # The lead page's activity tab: a first call and a follow-up task.
        service.create_activity(
            session,
            who,
            s.ActivityCreate(
                kind=s.ActivityKind.call,
                subject="Apel de calificare: buget și termen confirmate",
                body="Interesați de facturare electronică și CRM; decizia în cel mult o lună.",
                lead_id=lead.id,
                custom_fields={"demo": True},
            ),
        )
        if i % 2 == 0:
            service.create_activity(
                session,
                who,
                s.ActivityCreate(
                    kind=s.ActivityKind.task,
                    subject="Trimite oferta și programează o demonstrație",
                    lead_id=lead.id,
                    done=False,
                    custom_fields={"demo": True},
                ),
            )
    for lead in leads[8:12]:
        service.update_record(
            session,
            service.LEADS,
            who,
            lead.id,
            s.LeadUpdate(status=s.LeadStatus.disqualified),
            service.etag(lead),
        )
    today = date.today()
    stages = (s.Stage.prospecting, s.Stage.qualification, s.Stage.proposal, s.Stage.negotiation)
    for i, account in enumerate(accounts[: COUNTS["opportunities"]]):
        contact = contacts[i * 3]
        values = s.OpportunityCreate(
            name=f"{PRODUCTS[i % len(PRODUCTS)]} - {account.name}"[:300],
            account_id=account.id,
            contact_id=contact.id,
            amount=Decimal(m.rng.randrange(5_000, 250_000, 500)),
            currency="RON" if i % 4 else "EUR",
            stage=stages[i % len(stages)],
            probability=(10, 25, 50, 75, 10)[i],
            expected_close_date=today + timedelta(days=m.rng.randint(15, 120)),
            owner=OWNERS[i % len(OWNERS)],
            custom_fields={"demo": True},
        )
        service.create_opportunity(session, who, values)
    start = today + timedelta(days=7)
    campaigns = [
        CampaignCreate(
            name="Newsletter de primăvară: e-Factura fără griji",
            channel=Channel.email,
            status=CampaignStatus.scheduled,
            starts_on=start,
            ends_on=start + timedelta(days=30),
            budget=Decimal("4500.00"),
            currency="RON",
            target_segment="IMM-uri din Transilvania cu cifră de afaceri sub 10 mil. lei, fără ERP",
            description="Trei e-mailuri despre obligațiile e-Factura și SAF-T, cu invitație la demo.",
            custom_fields={"demo": True},
        ),
        CampaignCreate(
            name="Reactivare clienți inactivi prin SMS",
            channel=Channel.sms,
            status=CampaignStatus.draft,
            starts_on=start + timedelta(days=45),
            ends_on=start + timedelta(days=60),
            budget=Decimal("1200.00"),
            currency="RON",
            target_segment="Conturi fără oportunități deschise în ultimele 12 luni",
            custom_fields={"demo": True},
        ),
    ]
    for campaign in campaigns[: COUNTS["campaigns"]]:
        create_campaign(session, who, campaign)
    extra = _pipeline(session, who, m, accounts, contacts, leads)
    return {**COUNTS, "opportunities": COUNTS["opportunities"] + extra}


# The pipeline board and the dashboard: opportunities in every stage (some won and lost, through the
# service, with their reasons), three converted leads, leads spread over the last 30 days, and
# activities on some accounts (the others with open opportunities count as "at risk").
OWNERS = ("Andreea Munteanu", "Radu Ene", "Ioana Dobre")  # made up
PIPELINE: tuple[tuple[s.Stage, str | None], ...] = (
    (s.Stage.qualification, None),
    (s.Stage.qualification, None),
    (s.Stage.proposal, None),
    (s.Stage.proposal, None),
    (s.Stage.negotiation, None),
    (s.Stage.negotiation, None),
    (s.Stage.prospecting, None),
    (s.Stage.won, "Contract semnat după demonstrația la sediul clientului."),
    (s.Stage.won, "Cea mai bună ofertă la integrarea e-Factura."),
    (s.Stage.won, "Reînnoire anuală acceptată fără negociere."),
    (s.Stage.lost, "Bugetul a fost amânat pentru anul viitor."),
    (s.Stage.lost, "Au ales un concurent cu preț mai mic."),
)
CONVERTED_LEADS = 3


def _pipeline(
    session: Session,
    who: service.Actor,
    m: _Maker,
    accounts: list[Account],
    contacts: list[Any],
    leads: list[Any],
) -> int:
    today = date.today()
    now = datetime.now(UTC)
    for i, (stage, reason) in enumerate(PIPELINE):
        a = (i + 3) % len(accounts)
        opp = service.create_opportunity(
            session,
            who,
            s.OpportunityCreate(
                name=f"{PRODUCTS[(i + 2) % len(PRODUCTS)]} - {accounts[a].name}"[:300],
                account_id=accounts[a].id,
                contact_id=contacts[a * 3 + i % 3].id,
                amount=Decimal(m.rng.randrange(3_000, 180_000, 500)),
                currency="EUR" if i % 5 == 4 else "RON",
                stage=s.Stage.negotiation if reason else stage,
                probability=(20, 30, 50, 60, 75, 80, 10, 90, 90, 90, 40, 40)[i],
                expected_close_date=today + timedelta(days=m.rng.randint(-20, 90)),
                owner=OWNERS[i % len(OWNERS)],
                custom_fields={"demo": True},
            ),
        )
        if reason:
            service.change_stage(session, who, opp.id, stage, reason, None)
    for i, lead in enumerate(leads[:CONVERTED_LEADS]):
        a = 5 + i
        service.update_record(
            session, service.LEADS, who, lead.id, s.LeadUpdate(owner=OWNERS[i]), service.etag(lead)
        )
        service.convert_lead(
            session,
            who,
            lead.id,
            s.ConvertIn(
                account_id=accounts[a].id,
                contact_id=contacts[a * 3].id,
                opportunity_name=f"{PRODUCTS[i]} - {accounts[a].name}"[:300],
                amount=Decimal(m.rng.randrange(8_000, 60_000, 500)),
                expected_close_date=today + timedelta(days=m.rng.randint(30, 120)),
            ),
        )
    # Leads over the last 30 days (a few today), as if they had come in one by one.
    for n, lead in enumerate(leads):
        days = 0 if n < 3 else m.rng.randint(1, 29)
        lead.created_at = lead.updated_at = now - timedelta(days=days, minutes=m.rng.randint(0, 600))
    # Recent calls and meetings on half the accounts; one account last heard of 45 days ago.
    for i, account in enumerate(accounts):
        if i % 2 == 0 or i == 9:
            service.create_activity(
                session,
                who,
                s.ActivityCreate(
                    kind=s.ActivityKind.call if i % 4 == 0 else s.ActivityKind.meeting,
                    subject="Discuție despre implementare" if i % 4 == 0 else "Întâlnire de prezentare",
                    account_id=account.id,
                    occurred_at=now - timedelta(days=45 if i == 9 else m.rng.randint(1, 20)),
                    done=True,
                    custom_fields={"demo": True},
                ),
            )
    session.flush()
    return len(PIPELINE) + CONVERTED_LEADS


def seed_demo_crm(db: Database, tid: uuid.UUID, *, seed: int = SEED, actor: str = DEMO_ACTOR) -> SeedResult:
    """Seed the tenant's CRM once; a second call (another ``genius demo`` start) adds nothing."""
    who = service.Actor(tid=tid, name=actor, request_id="demo-seed")
    with db.tenant_session(tid) as session:
        # Two processes starting at once: the second waits here, then sees the first one's rows.
        records.transaction_lock(session, f"genius-demo-crm:{tid}")
        if records.any_account_created_by(session, actor):
            return SeedResult(created=False)
        return SeedResult(created=True, counts=_seed(session, tid, who, seed))


DEMO_NEWSLETTER = "Demo newsletter"
# An address no mail reaches (RFC 2606's .example): the demo's mail catcher answers its mail with a DSN
# (genius.mailbox.bounces.DEMO_UNDELIVERABLE, the same address; the catcher owns the rule).
DEMO_UNDELIVERABLE = "nimeni@invalid.example"
CONSENT_PROOF = "Bifă „Doresc să primesc noutăți” pe formularul de contact"


def seed_demo_marketing(db: Database, tid: uuid.UUID, *, actor: str = DEMO_ACTOR) -> bool:
    """A draft e-mail campaign ready to send (``Demo newsletter``), and the consent records that make
    most demo contacts reachable: two in three with consent, one in six on legitimate interest, the
    rest without a basis (the send leaves them out and says why), and one address unsubscribed.
    Once per tenant (found by the campaign's name); returns whether it seeded."""
    from genius.vettify.campaigns import marketing
    from genius.vettify.campaigns.schemas import ConsentIn, LawfulBasis, SuppressionIn, SuppressionReason

    who = service.Actor(tid=tid, name=actor, request_id="demo-seed")
    with db.tenant_session(tid) as session:
        records.transaction_lock(session, f"genius-demo-marketing:{tid}")
        found = service.list_records(
            session, CAMPAIGNS_SPEC, service.ListQuery(search=DEMO_NEWSLETTER, limit=5)
        ).items
        if any(c.name == DEMO_NEWSLETTER for c in found):
            return False
        create_campaign(
            session,
            who,
            CampaignCreate(
                name=DEMO_NEWSLETTER,
                channel=Channel.email,
                status=CampaignStatus.draft,
                description="Noutățile lunii pentru clienți: e-Factura, SAF-T și un webinar gratuit.",
                custom_fields={"demo": True},
            ),
        )
        contacts = service.list_records(
            session, service.CONTACTS, service.ListQuery(sort="created_at", limit=200)
        ).items
        for n, contact in enumerate(c for c in contacts if c.email):
            if n % 6 == 5:
                continue  # no basis: the send excludes it, with the reason
            basis = LawfulBasis.legitimate_interest if n % 6 == 4 else LawfulBasis.consent
            proof = (
                "Bifă „Doresc să primesc noutăți” pe formularul de contact" if basis == "consent" else None
            )
            marketing.add_consent(
                session, who, contact.id, ConsentIn(basis=basis, source="formular web", proof=proof)
            )
            if n == 1:
                reason = SuppressionReason.unsubscribed
                marketing.add_suppression(session, who, SuppressionIn(address=contact.email, reason=reason))
        _seed_undeliverable(session, who, contacts)
        return True


DEMO_FINISHED_CAMPAIGN = "Newsletter noiembrie"
DEMO_FINISHED_LINKS = ("https://genius.example/ghid-efactura", "https://genius.example/webinar-saft")


def seed_demo_finished_campaign(
    db: Database, tid: uuid.UUID, settings: Settings, *, actor: str = DEMO_ACTOR
) -> bool:
    """A campaign sent eight days ago and completed, with tracked results: the same send path as the
    Send button (audience snapshot, exclusions with their reasons, the audit entry and
    ``crm.campaign.sent`` / ``crm.campaign.completed``), then its recipients marked delivered, three in
    five opened and one in five clicked over the following 30 hours (``repository.demo_delivery``), so
    the campaigns list, the campaign page's funnel, chart and top links, and its PDF report show real
    figures. Once per tenant (found by name); returns whether it seeded."""
    from genius.vettify.campaigns import marketing
    from genius.vettify.campaigns import repository as campaign_repo
    from genius.vettify.campaigns.schemas import SendIn

    who = service.Actor(tid=tid, name=actor, request_id="demo-seed")
    with db.tenant_session(tid) as session:
        records.transaction_lock(session, f"genius-demo-finished-campaign:{tid}")
        found = service.list_records(
            session, CAMPAIGNS_SPEC, service.ListQuery(search=DEMO_FINISHED_CAMPAIGN, limit=5)
        ).items
        if any(c.name == DEMO_FINISHED_CAMPAIGN for c in found):
            return False
        campaign = create_campaign(
            session,
            who,
            CampaignCreate(
                name=DEMO_FINISHED_CAMPAIGN,
                channel=Channel.email,
                status=CampaignStatus.draft,
                description="Ghidul e-Factura 2026 și invitația la webinarul SAF-T.",
                custom_fields={"demo": True},
            ),
        )
        body = SendIn(
            subject="{{ prenume or 'Bună ziua' }}, ghidul e-Factura 2026 e aici",
            html=(
                "<h1>Ce se schimbă în e-Factura în 2026</h1>"
                "<p>Termenul de transmitere este acum de 5 zile lucrătoare. Am pregătit un "
                f'<a href="{DEMO_FINISHED_LINKS[0]}">ghid pas cu pas</a> și vă invităm la '
                f'<a href="{DEMO_FINISHED_LINKS[1]}">webinarul gratuit despre SAF-T</a>.</p>'
            ),
        )
        # Every contact but the undeliverable one (added for the Demo newsletter's bounce, after this
        # campaign went out): its results here are all delivered.
        contacts = service.list_records(session, service.CONTACTS, service.ListQuery(limit=200)).items
        audience = [c.id for c in contacts if c.email != DEMO_UNDELIVERABLE]
        live = settings.model_copy(update={"feature_campaign_send_v2": True})
        audience_body = body.model_copy(update={"contact_ids": audience})
        marketing.start_send(session, who, live, campaign.id, audience_body)
        sent_at = utcnow().replace(hour=8, minute=30, second=0, microsecond=0) - timedelta(days=8)
        campaign_repo.demo_delivery(session, campaign.id, sent_at, DEMO_FINISHED_LINKS)
        marketing.complete_if_done(session, tid, campaign.id)
        campaign.created_at = sent_at - timedelta(days=2)  # written before it went out
        send = campaign_repo.send_of(session, campaign.id)
        if send is not None:  # its times as they would have been
            send.started_at = sent_at
            send.completed_at = sent_at + timedelta(minutes=2)
        return True


def _seed_undeliverable(session: Session, who: service.Actor, contacts: Sequence[Any]) -> None:
    """One contact of the newsletter's audience (București, with consent) at the demo's undeliverable
    address: the demo's mail catcher returns its mail as a DSN into the bounce mailbox, whose poll
    suppresses the address as bounced and counts the bounce on the campaign."""
    from genius.vettify.campaigns import marketing
    from genius.vettify.campaigns.schemas import ConsentIn, LawfulBasis

    colleague = next((c for c in contacts if c.city == "București" and c.account_id), None)
    created = service.create_contact(
        session,
        who,
        s.ContactCreate(
            account_id=colleague.account_id if colleague else None,
            first_name="Nimeni",
            last_name="Nelivrabil",
            email=DEMO_UNDELIVERABLE,
            job_title="Adresă de test: e-mailul ei se întoarce (demo)",
            city="București",
            county="București",
            custom_fields={"demo": True},
        ),
    )
    marketing.add_consent(
        session,
        who,
        created.id,
        ConsentIn(basis=LawfulBasis.consent, source="formular web", proof=CONSENT_PROOF),
    )


# Meeting notes and an e-mail thread on two qualified leads and one opportunity, summarised offline at
# seeding (the extractive summariser: no network); "Rezumă din nou" on their pages goes through ai.summary.
SUMMARY_THREADS: tuple[tuple[tuple[str, str, str, int], ...], ...] = (
    (
        (
            "meeting",
            "Întâlnire la sediu: cerințe e-Factura",
            "Directorul financiar vrea facturile trimise automat în SPV din martie. Contabilul-șef cere "
            "și exportul SAF-T lunar, fără retastare. Bugetul de 40.000 lei este aprobat pentru trimestrul "
            "următor. Au nevoie de instruire pentru trei utilizatori.",
            5,
        ),
        (
            "email",
            "Re: ofertă implementare e-Factura",
            "Mulțumim pentru ofertă. Am dori integrarea cu SPV înainte de 1 martie. Vă rugăm să includeți "
            "și instruirea celor trei utilizatori. Semnăm contractul după demonstrația de joi.",
            2,
        ),
    ),
    (
        (
            "call",
            "Apel cu directorul general",
            "Firma are 12 camioane și emite avize zilnic. Îi interesează e-Transport și codurile UIT "
            "generate automat. Actualul furnizor nu oferă integrare cu ANAF. Decizia se ia până la "
            "sfârșitul lunii.",
            4,
        ),
        (
            "email",
            "Întrebări despre e-Transport",
            "Putem genera codul UIT direct din comanda de livrare? Avem nevoie de acces pentru doi "
            "dispeceri. Vă rog să ne trimiteți prețul pentru 12 vehicule.",
            1,
        ),
    ),
)


def seed_demo_summaries(db: Database, tid: uuid.UUID, *, actor: str = DEMO_ACTOR) -> bool:
    """Summaries on the lead and opportunity pages; once per tenant. Returns whether it seeded."""
    from genius.vettify.summaries import repository as summaries
    from genius.vettify.summaries.providers import ExtractiveSummariser
    from genius.vettify.summaries.service import summarize_now

    who = service.Actor(tid=tid, name=actor, request_id="demo-seed")
    with db.tenant_session(tid) as session:
        records.transaction_lock(session, f"genius-demo-summaries:{tid}")
        if summaries.any_summary(session):
            return False
        qualified = service.ListQuery(
            sort="created_at", limit=len(SUMMARY_THREADS), filters={"status": "qualified"}
        )
        leads = service.list_records(session, service.LEADS, qualified).items
        opportunities = service.list_records(session, service.OPPORTUNITIES, service.ListQuery(limit=1)).items
        subjects = [("lead", lead.id) for lead in leads] + [("opportunity", o.id) for o in opportunities]
        now = datetime.now(UTC)
        summariser = ExtractiveSummariser(2)
        for n, (subject_type, subject_id) in enumerate(subjects):
            for kind, subject, body, days_ago in SUMMARY_THREADS[n % len(SUMMARY_THREADS)]:
                service.create_activity(
                    session,
                    who,
                    s.ActivityCreate(
                        kind=s.ActivityKind(kind),
                        subject=subject,
                        body=body,
                        occurred_at=now - timedelta(days=days_ago),
                        done=True,
                        custom_fields={"demo": True},
                        lead_id=subject_id if subject_type == "lead" else None,
                        opportunity_id=subject_id if subject_type == "opportunity" else None,
                    ),
                )
            summarize_now(session, tid, subject_type, subject_id, summariser)
        return bool(subjects)


def seed_demo_churn(db: Database, tid: uuid.UUID, redis_client: Any = None, *, seed: int = 7) -> bool:
    """Churn scores for the demo accounts; once per tenant. Each account without orders gets the orders
    of one synthetic history (``churn.synthetic``, before today), then every account is scored (by the
    heuristic: a demo tenant has far too little history to train). Returns whether it seeded."""
    from genius.vettify.churn import repository as churn
    from genius.vettify.churn import service as churn_service
    from genius.vettify.churn import synthetic
    from genius.vettify.churn.store import FeatureStore

    now = datetime.now(UTC)
    with db.tenant_session(tid) as session:
        records.transaction_lock(session, f"genius-demo-churn:{tid}")
        if churn.any_churn(session):
            return False
        facts = churn.facts(session, now)
        quiet = [uuid.UUID(f.account_id) for f in facts if f.orders_total == 0]
        histories = synthetic.histories(len(quiet), now, seed=seed)
        churn.add_orders(
            session,
            tid,
            [
                (account_id, f"CMD-DEMO-{n:03d}-{k:03d}", amount, at)
                for n, (account_id, history) in enumerate(zip(quiet, histories, strict=True))
                for k, (at, amount) in enumerate(o for o in history.orders if o[0] < now)
            ],
        )
        rows = churn_service.score_accounts(session, FeatureStore(redis_client), tid, refresh=True, now=now)
        return bool(rows)


DEMO_SEGMENT = "Clienți activi din București"


def seed_demo_segment(db: Database, tid: uuid.UUID, *, actor: str = DEMO_ACTOR) -> bool:
    """The segment ``Clienți activi din București`` (contacts in București whose company ANAF does not
    list as inactive or invalid), the audience of the draft ``Demo newsletter``: its send still leaves out
    the contacts without consent, with the reason. Once per tenant (by name); returns whether it seeded."""
    from genius.vettify.schemas import ComplianceStatus
    from genius.vettify.segments import service as segments
    from genius.vettify.segments.schemas import ComplianceRule, SegmentCreate, SegmentFilter, TextRule

    who = service.Actor(tid=tid, name=actor, request_id="demo-seed")
    with db.tenant_session(tid) as session:
        records.transaction_lock(session, f"genius-demo-segment:{tid}")
        found = service.list_records(session, SEGMENTS_SPEC, service.ListQuery(search=DEMO_SEGMENT, limit=5))
        if any(s.name == DEMO_SEGMENT for s in found.items):
            return False
        inactive = [ComplianceStatus.inactive, ComplianceStatus.invalid]
        rules = [
            TextRule(field="city", op="eq", value="București"),
            ComplianceRule(field="compliance_status", op="not_in", value=inactive),
        ]
        segment = segments.create_segment(
            session,
            who,
            SegmentCreate(
                name=DEMO_SEGMENT,
                description="Contactele din București ale firmelor active la ANAF.",
                filter=SegmentFilter(match="all", rules=rules),
                custom_fields={"demo": True},
            ),
        )
        campaigns = service.list_records(
            session, CAMPAIGNS_SPEC, service.ListQuery(search=DEMO_NEWSLETTER, limit=5)
        ).items
        for campaign in campaigns:
            draft = campaign.status == "draft" and campaign.segment_id is None
            if campaign.name == DEMO_NEWSLETTER and draft:
                campaign.segment_id = segment.id
                campaign.touch()
        session.flush()
        return True


DEMO_SEQUENCE = "Bun venit — clienți noi"


def seed_demo_sequence(db: Database, tid: uuid.UUID, *, actor: str = DEMO_ACTOR) -> bool:
    """The active e-mail sequence ``Bun venit — clienți noi`` (three steps: at once; after 2 days if the
    first was opened; after 3 more days unless they replied) with the first demo contacts that have an
    e-mail address enrolled by hand. Once per tenant (by name); returns whether it seeded."""
    from genius.vettify.sequences import service as sequences
    from genius.vettify.sequences.schemas import Condition, EnrolIn, SequenceCreate, SequenceStatus, StepIn

    who = service.Actor(tid=tid, name=actor, request_id="demo-seed")
    with db.tenant_session(tid) as session:
        records.transaction_lock(session, f"genius-demo-sequence:{tid}")
        if any(s.name == DEMO_SEQUENCE for s in sequences.list_sequences(session)):
            return False
        steps = [
            StepIn(
                subject="Bine ați venit, {{ prenume | default('client') }}!",
                html="<p>Bună ziua, {{ prenume | default('client') }},</p><p>Mulțumim că ați ales "
                "{{ firma | default('Genius') }}. Primul pas: "
                '<a href="https://genius.ro/ghid-e-factura">ghidul e-Factura</a>.</p>',
            ),
            StepIn(
                subject="Cum trimiteți prima factură în SPV",
                html="<p>Am văzut că ați citit ghidul. Iată pașii pentru prima factură în SPV, "
                'cu <a href="https://genius.ro/webinar">un webinar gratuit</a>.</p>',
                delay_minutes=2 * 1440,
                condition=Condition.opened,
            ),
            StepIn(
                subject="Putem ajuta cu ceva?",
                html="<p>Răspundeți la acest mesaj și un coleg vă sună în aceeași zi.</p>",
                delay_minutes=3 * 1440,
                condition=Condition.not_replied,
            ),
        ]
        row = sequences.create_sequence(session, who, SequenceCreate(name=DEMO_SEQUENCE, steps=steps))
        contacts = service.list_records(
            session, service.CONTACTS, service.ListQuery(sort="created_at", limit=50)
        ).items
        ids = [c.id for c in contacts if c.email][:6]
        if ids:
            sequences.enrol(session, who, row.id, EnrolIn(contact_ids=ids))
        sequences.set_status(session, who, row.id, SequenceStatus.active)
        return True


def seed_demo(platform: Platform, tid: uuid.UUID) -> None:
    """The manifest's demo seeding: the CRM records above and the marketing demo, unless
    GENIUS_DEMO_CRM_DATA is off."""
    if platform.settings.demo_crm_data:
        seed_demo_crm(platform.db, tid)
        seed_demo_marketing(platform.db, tid)
        seed_demo_finished_campaign(platform.db, tid, platform.settings)
        seed_demo_segment(platform.db, tid)
        seed_demo_sequence(platform.db, tid)
        seed_demo_summaries(platform.db, tid)
        seed_demo_churn(platform.db, tid, platform.redis)
