"""The platform services one process shares: database, keys, tokens, passwords, Redis, limits."""

from __future__ import annotations

from dataclasses import dataclass, field

import redis

from genius.config import Settings
from genius.core.auth.keys import KeyStore
from genius.core.auth.passwords import Passwords
from genius.core.auth.throttle import LoginThrottle, ThrottlePolicy
from genius.core.auth.tokens import TokenService
from genius.core.db.session import Database, app_role_url, configure_database, sqlalchemy_url
from genius.core.kit.ratelimit import Limit, RateLimiter


@dataclass
class Platform:
    settings: Settings
    db: Database
    keys: KeyStore
    tokens: TokenService
    passwords: Passwords
    redis: redis.Redis | None
    limiter: RateLimiter
    user_limit: Limit
    ip_limit: Limit
    route_limits: dict[str, Limit] = field(default_factory=dict)
    broker_url: str | None = None
    redis_url: str | None = None
    login_throttle: LoginThrottle | None = None

    @classmethod
    def build(
        cls, settings: Settings, owner_dsn: str, redis_url: str | None, db: Database | None = None
    ) -> Platform:
        if db is None:
            app_url = (
                sqlalchemy_url(settings.app_database_url)
                if settings.app_database_url
                else app_role_url(owner_dsn, settings.app_db_role, settings.app_db_password)
            )
            db = Database(app_url, pool_size=settings.db_pool_size)
        configure_database(db)
        assert settings.secret_key, "secret key must be resolved before building the platform"
        keys = KeyStore(settings.secret_key, settings.access_token_ttl_seconds, settings.key_cache_seconds)
        client = (
            redis.Redis.from_url(
                redis_url, socket_timeout=2, socket_connect_timeout=2, health_check_interval=30
            )
            if redis_url
            else None
        )
        limiter = RateLimiter(client if settings.rate_limit_enabled else None)
        return cls(
            settings=settings,
            db=db,
            keys=keys,
            tokens=TokenService(settings, keys),
            passwords=Passwords(settings.argon2_time_cost, settings.argon2_memory_kib),
            redis=client,
            limiter=limiter,
            user_limit=Limit.parse(settings.rate_limit_user),
            ip_limit=Limit.parse(settings.rate_limit_ip),
            route_limits={k.strip(): Limit.parse(v) for k, v in settings.rate_limit_routes.items()},
            broker_url=settings.broker_url or redis_url,
            redis_url=redis_url,
            login_throttle=LoginThrottle(
                client if settings.login_throttle_enabled else None, ThrottlePolicy.from_settings(settings)
            ),
        )

    def close(self) -> None:
        self.db.dispose()
        if self.redis is not None:
            self.redis.close()
