"""Demo CRM data: exact counts, valid made-up values, reproducible, idempotent, called by ensure_demo."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select
from stdnum.ro import cui as ro_cui

from genius.bootstrap import DEMO_TENANT, ensure_demo
from genius.core.events.models import OutboxEvent
from genius.core.platform import Platform
from genius.core.tenancy.models import Tenant
from genius.vettify import service
from genius.vettify.campaigns import Campaign
from genius.vettify.campaigns.repository import CAMPAIGNS
from genius.vettify.demo import COUNTIES, DEMO_ACTOR, seed_demo_crm
from genius.vettify.models import Account, Contact, Lead, Opportunity, StageChange
from tests.conftest import make_settings

E164_RO = re.compile(r"^\+40[237]\d{8}$")
MODELS: dict[str, Any] = {
    "accounts": Account,
    "contacts": Contact,
    "leads": Lead,
    "opportunities": Opportunity,
    "campaigns": Campaign,
}
EXPECTED = {"accounts": 10, "contacts": 31, "leads": 40, "opportunities": 20, "campaigns": 2}
# The whole demo (every module's seeding): the sales demo's customer and the person it invoices (B2C)
# are two more CRM accounts, the
# marketing demo's "Demo newsletter" one more campaign and its undeliverable contact (nimeni@invalid.example,
# whose mail the demo's catcher bounces) one more contact, and the outreach demo adds 260 prospects
# (through the CRM service) for its journeys, and converts its 12 CONVERTED journeys' leads in the CRM:
# 12 more accounts, contacts and opportunities.
EXPECTED_DEMO = EXPECTED | {"accounts": 24, "contacts": 44, "opportunities": 32, "campaigns": 4, "leads": 300}


def counts(platform: Platform, tid: Any) -> dict[str, int]:
    with platform.db.tenant_session(tid) as s:
        return {
            name: int(s.scalar(select(func.count()).select_from(model)) or 0)
            for name, model in MODELS.items()
        }


def test_seed_counts_and_idempotency(platform: Platform, tenant: Any) -> None:
    first = seed_demo_crm(platform.db, tenant.id)
    assert first.created and first.counts == EXPECTED
    assert counts(platform, tenant.id) == EXPECTED
    again = seed_demo_crm(platform.db, tenant.id)
    assert not again.created
    assert counts(platform, tenant.id) == EXPECTED


def test_values_are_valid_and_made_up(platform: Platform, tenant: Any) -> None:
    seed_demo_crm(platform.db, tenant.id)
    counties = {county for county, _ in COUNTIES}
    seats = dict(COUNTIES)
    with platform.db.tenant_session(tenant.id) as s:
        accounts = s.scalars(select(Account)).all()
        contacts = s.scalars(select(Contact)).all()
        leads = s.scalars(select(Lead)).all()
        opportunities = s.scalars(select(Opportunity)).all()
        history = s.scalar(select(func.count()).select_from(StageChange))
        events = s.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.topic == "crm.lead.created")
        )
        cuis = [a.cui for a in accounts] + [lead.cui for lead in leads if lead.cui]
        assert all(a.created_by == DEMO_ACTOR for a in accounts)
        assert len(set(a.cui for a in accounts)) == 10 and len(set(a.name for a in accounts)) == 10
        for cui in cuis:
            assert cui is not None and ro_cui.is_valid(cui), cui
        for a in accounts:
            assert a.county in counties and a.city == seats[a.county]
            assert a.email and a.email.endswith(".example.com") and a.website
            assert a.phone and E164_RO.match(a.phone) and a.compliance_status == "pending"
        people: list[Contact | Lead] = [*contacts, *leads]
        for person in people:
            assert person.email and person.email.split("@")[1] in ("example.com", "example.org")
            assert person.phone and E164_RO.match(person.phone), person.phone
            assert person.county in counties
        assert {c.account_id for c in contacts} == {a.id for a in accounts}
        assert {lead.status for lead in leads} == {"new", "qualified", "disqualified", "converted"}
        assert all(o.contact_id is not None and o.amount and o.owner for o in opportunities)
        stages = {o.stage for o in opportunities}
        assert stages == {"prospecting", "qualification", "proposal", "negotiation", "won", "lost"}
        assert all(o.stage_reason for o in opportunities if o.stage in ("won", "lost"))
    assert history == 25  # each opportunity's first stage and the 5 closings, through the service
    assert events == 40  # every lead published crm.lead.created through the outbox


def test_reproducible(platform: Platform, make_tenant: Any) -> None:
    a, b = make_tenant(), make_tenant()
    seed_demo_crm(platform.db, a.id)
    seed_demo_crm(platform.db, b.id)

    def snapshot(tid: Any) -> list[tuple[Any, ...]]:
        with platform.db.tenant_session(tid) as s:
            rows = s.execute(select(Lead.first_name, Lead.last_name, Lead.company_name, Lead.cui, Lead.phone))
            return sorted(tuple(r) for r in rows)

    assert snapshot(a.id) == snapshot(b.id)


def test_ensure_demo_seeds_once(platform: Platform, db: Connection) -> None:
    """``db``: everything below happens in the test's transaction and is rolled back."""
    demo = dataclasses.replace(platform, settings=make_settings(demo_password="demo-password-for-tests"))
    ensure_demo(demo)
    with platform.db.platform_session() as s:
        tid = s.scalars(select(Tenant.id).where(Tenant.slug == DEMO_TENANT)).one()
    assert counts(platform, tid) == EXPECTED_DEMO
    ensure_demo(demo)  # a second `genius demo` start
    assert counts(platform, tid) == EXPECTED_DEMO


def test_switched_off(platform: Platform, db: Connection) -> None:
    demo = dataclasses.replace(
        platform, settings=make_settings(demo_password="demo-password-for-tests", demo_crm_data=False)
    )
    ensure_demo(demo)
    with platform.db.platform_session() as s:
        tid = s.scalars(select(Tenant.id).where(Tenant.slug == DEMO_TENANT)).one()
    assert counts(platform, tid) == dict.fromkeys(EXPECTED, 0)


def test_the_marketing_demo_is_a_campaign_ready_to_send(platform: Platform, tenant: Any) -> None:
    from genius.vettify.campaigns import marketing
    from genius.vettify.demo import DEMO_NEWSLETTER, seed_demo_marketing

    seed_demo_crm(platform.db, tenant.id)
    assert seed_demo_marketing(platform.db, tenant.id) is True
    assert seed_demo_marketing(platform.db, tenant.id) is False  # a second start adds nothing
    with platform.db.tenant_session(tenant.id) as s:
        found = service.list_records(s, CAMPAIGNS, service.ListQuery(search=DEMO_NEWSLETTER, limit=5)).items
        newsletter = next(c for c in found if c.name == DEMO_NEWSLETTER)
        assert newsletter.status == "draft" and newsletter.channel == "email"
        preview = marketing.preview_audience(s, tenant.id, newsletter.id, None)
    # Most contacts can be reached; some have no basis and one unsubscribed: left out, with reasons.
    assert preview["pending"] >= 15 and preview["no_basis"] >= 3 and preview["suppressed"] == 1


def test_the_demo_segment_is_the_newsletters_audience(platform: Platform, tenant: Any) -> None:
    from genius.vettify.campaigns import audience
    from genius.vettify.demo import DEMO_NEWSLETTER, DEMO_SEGMENT, seed_demo_marketing, seed_demo_segment
    from genius.vettify.segments import repository as segment_sql
    from genius.vettify.segments import service as segments

    seed_demo_crm(platform.db, tenant.id)
    seed_demo_marketing(platform.db, tenant.id)
    assert seed_demo_segment(platform.db, tenant.id) is True
    assert seed_demo_segment(platform.db, tenant.id) is False
    with platform.db.tenant_session(tenant.id) as s:
        found = service.list_records(s, CAMPAIGNS, service.ListQuery(search=DEMO_NEWSLETTER, limit=5)).items
        newsletter = next(c for c in found if c.name == DEMO_NEWSLETTER)
        assert newsletter.segment_id is not None
        segment = segments.get_segment(s, newsletter.segment_id)
        assert segment.name == DEMO_SEGMENT
        counted = segments.count(s, segment.id).count
        summary = audience.summary(s, tenant.id, newsletter.id)
        # The count reads contacts through an index (the tenant's, or the full-text GIN of the city rule
        # on a larger tenant), never a sequential scan.
        stmt = segment_sql.count_statement("contact", segments.filter_of(segment))
        compiled = stmt.compile(s.get_bind(), compile_kwargs={"render_postcompile": True})
        plan = "\n".join(
            r[0] for r in s.connection().exec_driver_sql("EXPLAIN " + str(compiled), compiled.params).all()
        )
    assert counted > 0 and summary.source == "segment"
    assert 0 < summary.recipients <= counted  # one recipient per address (the demo has a duplicate)
    assert summary.excluded["no_basis"] > 0  # the send still leaves out who gave no consent
    assert "Index Scan" in plan or "Bitmap Index Scan" in plan, plan
    assert "Seq Scan" not in plan, plan


def test_the_demo_sequence_is_active_with_three_steps_and_enrolments(platform: Platform, tenant: Any) -> None:
    from genius.vettify.demo import DEMO_SEQUENCE, seed_demo_marketing, seed_demo_sequence
    from genius.vettify.sequences import service as sequences

    seed_demo_crm(platform.db, tenant.id)
    seed_demo_marketing(platform.db, tenant.id)
    assert seed_demo_sequence(platform.db, tenant.id) is True
    assert seed_demo_sequence(platform.db, tenant.id) is False
    with platform.db.tenant_session(tenant.id) as s:
        (row,) = [q for q in sequences.list_sequences(s) if q.name == DEMO_SEQUENCE]
        shown = sequences.sequence_out(s, sequences.get_sequence(s, row.id))
    assert shown.status == "active" and len(shown.steps) == 3
    assert [st.condition for st in shown.steps] == ["none", "opened", "not_replied"]
    assert shown.enrolments == {"active": 6}


def test_the_demo_has_a_finished_campaign_with_tracked_results(platform: Platform, tenant: Any) -> None:
    """Sent through the send path eight days ago and completed: its metrics, its opens and clicks over
    time and its top links are real rows, and a second start adds nothing."""
    from genius.vettify.campaigns import marketing
    from genius.vettify.campaigns import repository as campaign_repo
    from genius.vettify.demo import (
        DEMO_FINISHED_CAMPAIGN,
        DEMO_FINISHED_LINKS,
        seed_demo_finished_campaign,
        seed_demo_marketing,
    )

    seed_demo_crm(platform.db, tenant.id)
    seed_demo_marketing(platform.db, tenant.id)
    assert seed_demo_finished_campaign(platform.db, tenant.id, platform.settings) is True
    assert seed_demo_finished_campaign(platform.db, tenant.id, platform.settings) is False
    with platform.db.tenant_session(tenant.id) as s:
        found = service.list_records(
            s, CAMPAIGNS, service.ListQuery(search=DEMO_FINISHED_CAMPAIGN, limit=5)
        ).items
        finished = next(c for c in found if c.name == DEMO_FINISHED_CAMPAIGN)
        assert finished.status == "completed"
        assert finished.created_at < datetime.now(UTC) - timedelta(days=9)  # written before it went out
        m = marketing.metrics(s, finished.id)
        series = campaign_repo.series(s, finished.id, "hour", "Europe/Bucharest")
        links = campaign_repo.top_links(s, finished.id)
        # the newsletter's audience is untouched: its one unsubscribed address is still the only one
        newsletter = next(
            c
            for c in service.list_records(s, CAMPAIGNS, service.ListQuery(search="Demo newsletter")).items
            if c.name == "Demo newsletter"
        )
        preview = marketing.preview_audience(s, tenant.id, newsletter.id, None)
    assert m.status == "completed" and m.sent >= 15 and m.pending == 0 and m.failed == 0
    assert 0 < m.clicked.count < m.opened.count < m.sent and m.delivered.count == m.sent
    assert len(series) > 10 and sum(b["opened"] for b in series) == m.opened.count
    assert {link["url"] for link in links} == set(DEMO_FINISHED_LINKS)
    assert preview["suppressed"] == 1
