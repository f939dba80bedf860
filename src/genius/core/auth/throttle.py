"""Failed-login throttling: password guessing is slowed, per account and address and per account.

Two counters per login attempt, both in Redis and both updated by one Lua script (atomic, clocked by
the Redis server's ``TIME``):

* **account + address** (strict, ``GENIUS_LOGIN_MAX_FAILURES``, 5): one attacker's address;
* **account** across all addresses (``GENIUS_LOGIN_MAX_FAILURES_ACCOUNT``, 50): a distributed attack.

An attempt is counted *before* the credentials are checked (so parallel requests cannot each slip a
guess in before the first failure is recorded) and the count is taken back when the login succeeds
(the account + address counter is then cleared) or the check itself broke (a server error). When a
counter reaches its maximum the subject is locked for ``BASE * 2^(failures - max)`` seconds, at most
``GENIUS_LOGIN_LOCKOUT_MAX_SECONDS``; attempts while locked are answered 429 with ``Retry-After`` and
are not counted, so an attacker cannot extend the lockout of the account by hammering it from one
address, and the real user from another address still logs in. Counters are forgotten after
``GENIUS_LOGIN_FAILURE_WINDOW_SECONDS`` without a failure.

Keys are derived from the identity as typed (tenant + e-mail, or client id), never from the
database, so an unknown account is throttled exactly like a known one. When Redis is unreachable the
throttle fails open (logged and counted), like the rate limiter.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import redis
import structlog
from fastapi import Request
from prometheus_client import Counter

from genius.core.audit import service as audit
from genius.core.auth.service import Account, OAuthError, find_tenant
from genius.core.kit.errors import TooManyRequests

if TYPE_CHECKING:
    from genius.config import Settings
    from genius.core.platform import Platform

log = structlog.get_logger("genius.auth.throttle")

LOGIN_THROTTLED = Counter(
    "genius_auth_login_throttled_total", "Logins refused by the failed-login throttle (429)", ["grant"]
)
LOGIN_FAILED = Counter("genius_auth_login_failed_total", "Logins with wrong credentials", ["grant"])
THROTTLE_ERRORS = Counter(
    "genius_auth_login_throttle_errors_total", "Failed-login throttle calls that failed open"
)

# KEYS[1] account+address, KEYS[2] account; ARGV: max1, max2, base, cap, window (seconds).
# Returns {allowed, wait, lock-until set on KEYS[1] or '', lock-until set on KEYS[2] or ''}.
ATTEMPT_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local wait = 0
for i = 1, 2 do
  local u = tonumber(redis.call('HGET', KEYS[i], 'until'))
  if u ~= nil and u - now > wait then wait = u - now end
end
if wait > 0 then return {0, tostring(wait), '', ''} end
local base = tonumber(ARGV[3])
local cap = tonumber(ARGV[4])
local window = tonumber(ARGV[5])
local set = {'', ''}
for i = 1, 2 do
  local fails = redis.call('HINCRBY', KEYS[i], 'fails', 1)
  local limit = tonumber(ARGV[i])
  local lock = 0
  if fails >= limit then
    lock = math.min(cap, base * 2 ^ (fails - limit))
    set[i] = tostring(now + lock)
    redis.call('HSET', KEYS[i], 'until', set[i])
  end
  redis.call('PEXPIRE', KEYS[i], math.ceil((lock + window) * 1000))
end
return {1, '0', set[1], set[2]}
"""

# Takes an attempt back. ARGV[1] 'ok' (login succeeded: clear KEYS[1]) or 'void' (not a failure);
# ARGV[2], ARGV[3]: the lock-until values the attempt set, removed unless a later failure replaced them.
SETTLE_LUA = """
for i = 1, 2 do
  if ARGV[1] == 'ok' and i == 1 then
    redis.call('DEL', KEYS[1])
  elseif redis.call('EXISTS', KEYS[i]) == 1 then
    local fails = redis.call('HINCRBY', KEYS[i], 'fails', -1)
    if ARGV[i + 1] ~= '' and redis.call('HGET', KEYS[i], 'until') == ARGV[i + 1] then
      redis.call('HDEL', KEYS[i], 'until')
    end
    if fails <= 0 and redis.call('HEXISTS', KEYS[i], 'until') == 0 then
      redis.call('DEL', KEYS[i])
    end
  end
end
return 1
"""


class LoginThrottled(TooManyRequests):
    code, title = "login-throttled", "Too many failed logins"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Too many failed logins; try again in {retry_after} s.",
            headers={"Retry-After": str(retry_after)},
            retry_after=retry_after,
        )
        self.retry_after = retry_after


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures: int = 5
    max_failures_account: int = 50
    base_seconds: float = 1.0
    max_seconds: int = 900
    window_seconds: int = 900

    @classmethod
    def from_settings(cls, settings: Settings) -> ThrottlePolicy:
        return cls(
            settings.login_max_failures,
            settings.login_max_failures_account,
            settings.login_lockout_base_seconds,
            settings.login_lockout_max_seconds,
            settings.login_failure_window_seconds,
        )


@dataclass(frozen=True)
class Ticket:
    """One counted attempt: its keys and the lock-until values it set ('' when none)."""

    keys: tuple[str, str]
    locks: tuple[str, str] = ("", "")

    @property
    def lockout_scopes(self) -> list[str]:
        """Which lockouts this attempt started, were it to fail."""
        return [name for name, lock in zip(("address", "account"), self.locks, strict=True) if lock]


NO_TICKET = Ticket(("", ""))


def account_key(*parts: str) -> str:
    """A fixed-length key for an identity as typed (no e-mail address in Redis key names)."""
    return hashlib.sha256("\x00".join(p.strip().lower() for p in parts).encode()).hexdigest()[:32]


class LoginThrottle:
    def __init__(
        self, client: redis.Redis | None, policy: ThrottlePolicy, prefix: str = "genius:login:"
    ) -> None:
        self.client = client
        self.policy = policy
        self.prefix = prefix
        self._attempt = client.register_script(ATTEMPT_LUA) if client is not None else None
        self._settle = client.register_script(SETTLE_LUA) if client is not None else None

    def attempt(self, account: str, address: str) -> Ticket:
        """Counts an attempt of ``account`` from ``address``; raises LoginThrottled while locked."""
        if self._attempt is None:
            return NO_TICKET
        keys = (f"{self.prefix}{account}:{address}", f"{self.prefix}{account}")
        p = self.policy
        try:
            allowed, wait, lock1, lock2 = self._attempt(
                keys=list(keys),
                args=[
                    p.max_failures,
                    p.max_failures_account,
                    p.base_seconds,
                    p.max_seconds,
                    p.window_seconds,
                ],
            )
        except redis.RedisError as exc:
            THROTTLE_ERRORS.inc()
            log.warning("login_throttle_unavailable", error=str(exc))
            return NO_TICKET
        if not int(allowed):
            raise LoginThrottled(max(1, math.ceil(float(wait))))
        return Ticket(keys, (_text(lock1), _text(lock2)))

    def succeeded(self, ticket: Ticket) -> None:
        self._run_settle(ticket, "ok")

    def void(self, ticket: Ticket) -> None:
        """The attempt neither succeeded nor failed (the check broke): it does not count."""
        self._run_settle(ticket, "void")

    def _run_settle(self, ticket: Ticket, mode: str) -> None:
        if self._settle is None or ticket is NO_TICKET:
            return
        try:
            self._settle(keys=list(ticket.keys), args=[mode, *ticket.locks])
        except redis.RedisError as exc:
            THROTTLE_ERRORS.inc()
            log.warning("login_throttle_unavailable", error=str(exc))


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def client_address(request: Request) -> str:
    """The client address as the server sees it (uvicorn --proxy-headers rewrites it behind a proxy),
    the same address the per-IP rate limit uses."""
    return request.client.host if request.client else "unknown"


def guarded_login(
    platform: Platform,
    request: Request,
    *,
    grant: str,
    tenant_ref: str,
    identity: str,
    authenticate: Callable[[], Account],
) -> Account:
    """Runs ``authenticate`` under the throttle; failures and lockouts are audited in the tenant's log.

    ``grant`` is ``password``, ``web`` or ``client_credentials`` (the metric label); the web form and
    the password grant share their counters (same credentials)."""
    throttle = platform.login_throttle
    address = client_address(request)
    kind = "client" if grant == "client_credentials" else "user"
    key = account_key(kind, tenant_ref, identity)
    try:
        ticket = throttle.attempt(key, address) if throttle is not None else NO_TICKET
    except LoginThrottled as exc:
        LOGIN_THROTTLED.labels(grant).inc()
        log.warning("login_throttled", grant=grant, client=address, retry_after=exc.retry_after)
        raise
    try:
        account = authenticate()
    except OAuthError:
        LOGIN_FAILED.labels(grant).inc()
        log.info("login_failed", grant=grant, client=address)
        _audit_failure(platform, request, grant, tenant_ref, identity, address, ticket)
        raise
    except BaseException:
        if throttle is not None:
            throttle.void(ticket)
        raise
    if throttle is not None:
        throttle.succeeded(ticket)
    return account


def _audit_failure(
    platform: Platform,
    request: Request,
    grant: str,
    tenant_ref: str,
    identity: str,
    address: str,
    ticket: Ticket,
) -> None:
    """In its own transaction, since the request itself fails; only an existing tenant has a log."""
    request_id = getattr(request.state, "request_id", "") or ""
    try:
        with platform.db.platform_session() as s:
            tenant = find_tenant(s, tenant_ref) if tenant_ref else None
            tid = tenant.id if tenant is not None else None
        if tid is None:
            return
        with platform.db.tenant_session(tid) as s:
            who = identity.strip().lower()[:200]
            audit.record(
                s,
                tid,
                "auth.login.failed",
                actor=who,
                target=who,
                data={"grant": grant, "ip": address},
                request_id=request_id,
            )
            for scope in ticket.lockout_scopes:
                audit.record(
                    s,
                    tid,
                    "auth.login.throttled",
                    actor=who,
                    target=who,
                    data={"grant": grant, "ip": address, "scope": scope},
                    request_id=request_id,
                )
    except Exception as exc:  # the login already failed; a broken audit write must not hide that
        log.error("login_failure_not_audited", error=str(exc))
