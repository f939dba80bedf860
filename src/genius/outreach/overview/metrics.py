"""Outreach gauges for the alert rules (deploy/prometheus/alerts.yml, group ``genius-outreach``): banned
or offline phones, exhausted quotas, review items past their SLA and today's e-mail bounce rate, per
tenant. ``outreach.stats.rollup`` sets them every five minutes in the worker that runs it.

In a prefork worker each pool child writes its own multiprocess file; ``mostrecent`` reports the value
set last, whichever child ran the roll-up."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from prometheus_client import Gauge

from genius.outreach.models import PhoneStatus

PHONES = Gauge(
    "genius_outreach_phones",
    "WhatsApp numbers per status, per tenant",
    ["tenant", "status"],
    multiprocess_mode="mostrecent",
)
QUOTA_EXHAUSTED = Gauge(
    "genius_outreach_quota_exhausted_phones",
    "Active WhatsApp numbers that used their whole daily quota of new contacts today",
    ["tenant"],
    multiprocess_mode="mostrecent",
)
SLA_BREACHED = Gauge(
    "genius_outreach_review_sla_breached",
    "Unresolved review items past their SLA",
    ["tenant"],
    multiprocess_mode="mostrecent",
)
EMAILS_SENT = Gauge(
    "genius_outreach_emails_sent_today",
    "Outreach e-mails sent today (the tenant's day)",
    ["tenant"],
    multiprocess_mode="mostrecent",
)
BOUNCE_RATE = Gauge(
    "genius_outreach_bounce_rate",
    "Today's e-mail bounce rate (bounced / sent, 0..1)",
    ["tenant"],
    multiprocess_mode="mostrecent",
)


@dataclass(frozen=True)
class Health:
    phones: dict[str, int]  # status -> count
    quota_exhausted: int
    sla_breached: int
    emails_sent_today: int
    bounce_rate_today: float


def export(tid: uuid.UUID, health: Health) -> None:
    tenant = str(tid)
    for status in PhoneStatus:
        PHONES.labels(tenant, status.value).set(health.phones.get(status.value, 0))
    QUOTA_EXHAUSTED.labels(tenant).set(health.quota_exhausted)
    SLA_BREACHED.labels(tenant).set(health.sla_breached)
    EMAILS_SENT.labels(tenant).set(health.emails_sent_today)
    BOUNCE_RATE.labels(tenant).set(health.bounce_rate_today)
