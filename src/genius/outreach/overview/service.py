"""The overview's figures: each phone's usage today (read from the quota guardian's Redis counters, the
audit table when Redis cannot be read), the KPIs, the funnel by state and the latest messages."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import redis
import structlog
from sqlalchemy.orm import Session

from genius.core.db.base import utcnow
from genius.outreach import repository as outreach_repository
from genius.outreach import service as outreach
from genius.outreach.models import CommunicationLog, DailyStat, LeadState, PhoneStatus
from genius.outreach.overview import repository
from genius.outreach.overview.metrics import Health
from genius.outreach.overview.schemas import PhoneUsageOut
from genius.outreach.quota import keys
from genius.outreach.review import service as review

log = structlog.get_logger("genius.outreach")

RED_STATUSES = frozenset({PhoneStatus.OFFLINE.value, PhoneStatus.BANNED.value})
WARN_AT = 90
FUNNEL = (
    LeadState.COLD,
    LeadState.CONTACTED_WA,
    LeadState.CONTACTED_EMAIL,
    LeadState.WARM_REPLY,
    LeadState.NEGOTIATION,
    LeadState.CONVERTED,
    LeadState.PAUSED,
    LeadState.DEAD,
)
ACTIVE = frozenset(
    {LeadState.CONTACTED_WA, LeadState.CONTACTED_EMAIL, LeadState.WARM_REPLY, LeadState.NEGOTIATION}
)


def band(used: int, limit: int, status: str) -> str:
    """The grid's colour band: ok (< 90 %), warn (90-99 %), full (100 %, or the phone is offline/banned)."""
    if status in RED_STATUSES or (limit > 0 and used >= limit) or limit <= 0:
        return "full"
    return "warn" if used * 100 >= WARN_AT * limit else "ok"


def today_in(zone: str) -> date:
    return utcnow().astimezone(ZoneInfo(zone)).date()


def redis_counters(client: redis.Redis, tid: uuid.UUID, day: date) -> dict[str, tuple[int, int]]:
    """The guardian's counters for ``day``: per phone id, (new contacts, follow-ups)."""
    raw: dict[bytes, bytes] = client.hgetall(keys(tid)[1])  # type: ignore[assignment]
    suffix = "|" + day.isoformat()
    out: dict[str, tuple[int, int]] = {}
    for f, v in raw.items():
        name = f.decode()
        kind, _, rest = name.partition("|")
        if kind in ("n", "f") and name.endswith(suffix):
            phone = rest[: -len(suffix)]
            new, follow = out.get(phone, (0, 0))
            out[phone] = (new + int(v), follow) if kind == "n" else (new, follow + int(v))
    return out


def redis_usage(client: redis.Redis, tid: uuid.UUID, day: date) -> dict[str, int]:
    """Today's new contacts per phone from the guardian's counters (none when it has not counted today)."""
    return {phone: new for phone, (new, _) in redis_counters(client, tid, day).items()}


def phones(session: Session, tid: uuid.UUID, client: redis.Redis | None) -> list[PhoneUsageOut]:
    day = today_in(outreach.business_hours(session, tid).zone)
    rows = outreach_repository.phones(session)
    used: dict[str, int] | None = None
    if client is not None:
        try:
            used = redis_usage(client, tid, day)
        except redis.RedisError as exc:
            log.warning("outreach.usage.redis_unavailable", error=str(exc))
    source = "redis"
    if used is None:
        source = "table"
        used = {str(k): v for k, v in repository.usage_rows(session, day).items()}
    out = []
    for p in rows:
        n = used.get(str(p.id), 0)
        limit = int(p.daily_quota_limit)
        out.append(
            PhoneUsageOut(
                id=p.id,
                phone_number=p.phone_number,
                label=p.label,
                status=PhoneStatus(p.status),
                daily_quota_limit=limit,
                used_today=n,
                percent=min(100, n * 100 // limit) if limit > 0 else 100,
                band=band(n, limit, p.status),
                usage_date=day,
                source=source,
                reputation_score=p.reputation_score,
                last_message_at=p.last_message_at,
            )
        )
    return out


@dataclass(frozen=True)
class Kpis:
    active: int
    contacted_today: int
    replies_today: int
    awaiting_review: int
    converted: int
    contacted_ever: int
    total: int

    @property
    def conversion(self) -> float | None:
        return self.converted / self.contacted_ever if self.contacted_ever else None


def kpis(session: Session, tid: uuid.UUID) -> tuple[Kpis, list[tuple[LeadState, int]]]:
    zone = ZoneInfo(outreach.business_hours(session, tid).zone)
    midnight = datetime.combine(utcnow().astimezone(zone).date(), time(0), tzinfo=zone)
    counts = repository.state_counts(session)
    funnel = [(s, counts.get(s.value, 0)) for s in FUNNEL]
    total = sum(counts.values())
    figures = Kpis(
        active=sum(n for s, n in funnel if s in ACTIVE),
        contacted_today=repository.contacted_since(session, midnight),
        replies_today=repository.inbound_since(session, midnight),
        awaiting_review=review.waiting(session),
        converted=counts.get(LeadState.CONVERTED.value, 0),
        contacted_ever=total - counts.get(LeadState.COLD.value, 0),
        total=total,
    )
    return figures, funnel


def activity(session: Session, limit: int = 12) -> list[CommunicationLog]:
    return list(repository.recent_messages(session, limit))


def _rate(part: int, whole: int) -> Decimal | None:
    return (Decimal(min(part, whole)) / whole).quantize(Decimal("0.0001")) if whole else None


def rollup(
    session: Session,
    tid: uuid.UUID,
    client: redis.Redis | None,
    *,
    days: int = 2,
    now: datetime | None = None,
) -> date:
    """Rebuild the last ``days`` days' statistics (tenant-local days, today included), copy the
    quota guardian's counters into the ``wa_quota_usage`` audit table, and fold the leads list's
    running counts (``journey_counts``: one row per change until then). Returns today's date.

    The periodic run redoes yesterday too, because events of its last minutes (a late delivery
    receipt, a reply) may arrive after its last roll-up."""
    zone = ZoneInfo(outreach.business_hours(session, tid).zone)
    today = (now or utcnow()).astimezone(zone).date()
    for day in (today - timedelta(days=n) for n in range(days - 1, -1, -1)):
        start = datetime.combine(day, time(0), tzinfo=zone)
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        counts = repository.day_figures(session, start, end)
        sent = counts["sent_email"] + counts["sent_whatsapp"]
        replies = counts["replies_whatsapp"] + counts["replies_email"]
        figures: dict[str, object] = {
            **counts,
            "bounce_rate": _rate(counts["bounced"], counts["sent_email"]),
            "reply_rate": _rate(replies, sent),
        }
        repository.save_day(session, tid, day, figures)
        if client is not None:
            _copy_usage(session, tid, client, day)
    outreach_repository.fold_journey_counts(session)
    return today


def _copy_usage(session: Session, tid: uuid.UUID, client: redis.Redis, day: date) -> None:
    try:
        counters = redis_counters(client, tid, day)
    except redis.RedisError as exc:
        log.warning("outreach.usage.redis_unavailable", error=str(exc))
        return
    limits = {p.id: int(p.daily_quota_limit) for p in outreach_repository.phones(session)}
    counts = {
        uuid.UUID(phone): pair
        for phone, pair in counters.items()
        if _is_uuid(phone) and uuid.UUID(phone) in limits  # a deleted phone's counters are left out
    }
    repository.record_usage(session, tid, day, counts, limits)


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def zone_of(session: Session, tid: uuid.UUID) -> str:
    """The tenant's outreach time zone (its business hours' zone): its days are the statistics' days."""
    return outreach.business_hours(session, tid).zone


def daily(session: Session, tid: uuid.UUID, days: int) -> list[DailyStat]:
    """The last ``days`` days' statistics, oldest first (days without a row are left out)."""
    return list(repository.days(session, today_in(zone_of(session, tid)) - timedelta(days=days - 1)))


def health(session: Session, tid: uuid.UUID, client: redis.Redis | None) -> Health:
    """What the alert rules watch: phones per status, exhausted quotas, breached SLAs, today's bounces."""
    usage = phones(session, tid, client)
    by_status: dict[str, int] = {}
    for p in usage:
        by_status[p.status.value] = by_status.get(p.status.value, 0) + 1
    today = repository.days(session, today_in(zone_of(session, tid)))  # today's row, once rolled up
    sent = sum(r.sent_email for r in today)
    bounced = sum(r.bounced for r in today)
    return Health(
        phones=by_status,
        quota_exhausted=sum(
            1
            for p in usage
            if p.status is PhoneStatus.ACTIVE
            and p.daily_quota_limit > 0
            and p.used_today >= p.daily_quota_limit
        ),
        sla_breached=review.breached(session),
        emails_sent_today=sent,
        bounce_rate_today=min(bounced, sent) / sent if sent else 0.0,
    )
