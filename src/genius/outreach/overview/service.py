"""The overview's figures: each phone's usage today (read from the quota guardian's Redis counters, the
audit table when Redis cannot be read), the KPIs, the funnel by state and the latest messages."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import redis
import structlog
from sqlalchemy.orm import Session

from genius.core.db.base import utcnow
from genius.outreach import repository as outreach_repository
from genius.outreach import service as outreach
from genius.outreach.models import CommunicationLog, LeadState, PhoneStatus
from genius.outreach.overview import repository
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


def redis_usage(client: redis.Redis, tid: uuid.UUID, day: date) -> dict[str, int]:
    """Today's new contacts per phone from the guardian's counters (none when it has not counted today)."""
    raw: dict[bytes, bytes] = client.hgetall(keys(tid)[1])  # type: ignore[assignment]
    suffix = "|" + day.isoformat()
    out: dict[str, int] = {}
    for f, v in raw.items():
        name = f.decode()
        if name.startswith("n|") and name.endswith(suffix):
            out[name.split("|")[1]] = int(v)
    return out


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
