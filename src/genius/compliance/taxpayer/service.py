"""Taxpayer checks: local validation, then the Redis cache, then ANAF behind a circuit breaker.

``TaxpayerService.check(inputs, day)`` answers every input, in order, with a ``TaxpayerCheck``:

* an invalid CUI is answered locally (``invalid``), never sent;
* a cached answer (``anaf_taxpayer_cache_seconds``, 24 h, per CUI and date) is reused;
* the rest go to ANAF in batches of ≤100 through the circuit breaker. When ANAF fails (or the
  breaker is open) the answer is ``unavailable`` — unless ``strict=True`` (the Celery task), which
  raises the typed error instead so that the task can retry with backoff.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

import redis
import structlog

from genius.compliance.taxpayer.client import AnafError, AnafUnavailable, TaxpayerClient, chunks
from genius.compliance.taxpayer.records import (
    CuiVerdict,
    LookupResult,
    TaxpayerCheck,
    TaxpayerRecord,
    TaxpayerStatus,
    validate_cui,
)
from genius.config import Settings
from genius.core.kit.breaker import CircuitBreaker, CircuitOpen

log = structlog.get_logger("genius.compliance.taxpayer")

BREAKER_THRESHOLD = 5
BREAKER_COOLDOWN = 60.0
NOT_FOUND = "not_found"


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class TaxpayerService:
    def __init__(
        self,
        client: TaxpayerClient,
        redis_client: redis.Redis | None = None,
        *,
        cache_seconds: int = 86400,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self.client = client
        self.redis = redis_client
        self.cache_seconds = cache_seconds
        self.breaker = breaker or CircuitBreaker(
            f"anaf.taxpayer:{client.scope}",
            redis_client,
            threshold=BREAKER_THRESHOLD,
            cooldown=BREAKER_COOLDOWN,
            counts=lambda exc: isinstance(exc, AnafUnavailable),
        )

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        redis_client: redis.Redis | None,
        *,
        max_wait: float = 120.0,
        timeout: float | None = None,
    ) -> TaxpayerService:
        client = TaxpayerClient(
            settings.anaf_taxpayer_url,
            redis_client=redis_client,
            rate=settings.anaf_taxpayer_rate,
            timeout=timeout if timeout is not None else settings.anaf_timeout,
            max_wait=max_wait,
        )
        return cls(client, redis_client, cache_seconds=settings.anaf_taxpayer_cache_seconds)

    def close(self) -> None:
        self.client.close()

    # -- cache -------------------------------------------------------------------------------------
    def _key(self, cui: int, day: dt.date) -> str:
        return f"genius:anaf:taxpayer:{self.client.scope}:{day.isoformat()}:{cui}"

    def _cached(self, cuis: Sequence[int], day: dt.date) -> dict[int, TaxpayerRecord | str]:
        if self.redis is None or not cuis or self.cache_seconds <= 0:
            return {}
        try:
            values = self.redis.mget([self._key(c, day) for c in cuis])
        except redis.RedisError as exc:
            log.warning("taxpayer_cache_unavailable", error=str(exc))
            return {}
        out: dict[int, TaxpayerRecord | str] = {}
        for cui, raw in zip(cuis, values, strict=True):
            if raw is None:
                continue
            try:
                data = json.loads(raw)
                out[cui] = NOT_FOUND if data == NOT_FOUND else TaxpayerRecord.model_validate(data)
            except ValueError:
                continue  # a stale or foreign value: ask ANAF again
        return out

    def _store(self, result: LookupResult, day: dt.date) -> None:
        if self.redis is None or self.cache_seconds <= 0:
            return
        try:
            pipe = self.redis.pipeline()
            for record in result.found:
                pipe.set(self._key(record.cui, day), record.model_dump_json(), ex=self.cache_seconds)
            for cui in result.not_found:
                pipe.set(self._key(cui, day), json.dumps(NOT_FOUND), ex=self.cache_seconds)
            pipe.execute()
        except redis.RedisError as exc:
            log.warning("taxpayer_cache_unavailable", error=str(exc))

    def forget(self, cuis: Sequence[int], day: dt.date) -> None:
        if self.redis is not None and cuis:
            self.redis.delete(*[self._key(c, day) for c in cuis])

    # -- checks ------------------------------------------------------------------------------------
    def check_one(
        self, value: str | int, day: dt.date | None = None, *, use_cache: bool = True
    ) -> TaxpayerCheck:
        return self.check([value], day, use_cache=use_cache)[0]

    def check(
        self,
        inputs: Sequence[str | int],
        day: dt.date | None = None,
        *,
        use_cache: bool = True,
        strict: bool = False,
    ) -> list[TaxpayerCheck]:
        day = day or today()
        checked_at = now()
        verdicts = [validate_cui(v) for v in inputs]
        wanted = list(dict.fromkeys(v.cui for v in verdicts if v.valid and v.cui is not None))
        known: dict[int, TaxpayerRecord | str] = self._cached(wanted, day) if use_cache else {}
        cached = set(known)
        failures: dict[int, str] = {}
        for batch in chunks([c for c in wanted if c not in known]):
            try:
                result = self.breaker.call(lambda b=batch: self.client.lookup_batch(b, day))  # type: ignore[misc]
            except (AnafError, CircuitOpen) as exc:
                if strict and (isinstance(exc, CircuitOpen) or exc.retryable):
                    raise
                log.warning("anaf_taxpayer_unavailable", error=str(exc), cuis=len(batch))
                failures.update({c: f"ANAF unavailable: {exc}" for c in batch})
                continue
            self._store(result, day)
            for record in result.found:
                known[record.cui] = record
            for cui in result.not_found:
                known[cui] = NOT_FOUND
            for cui in batch:  # neither found nor listed as not found: treat as not found, uncached
                known.setdefault(cui, NOT_FOUND)
        return [self._answer(v, day, checked_at, known, cached, failures) for v in verdicts]

    @staticmethod
    def _answer(
        verdict: CuiVerdict,
        day: dt.date,
        checked_at: dt.datetime,
        known: dict[int, TaxpayerRecord | str],
        cached: set[int],
        failures: dict[int, str],
    ) -> TaxpayerCheck:
        def answer(
            status: TaxpayerStatus, message: str | None, record: TaxpayerRecord | None = None
        ) -> TaxpayerCheck:
            return TaxpayerCheck(
                input=verdict.input,
                cui=verdict.cui,
                valid=verdict.valid,
                status=status,
                message=message,
                date=day,
                checked_at=checked_at,
                cached=verdict.cui in cached,
                record=record,
            )

        if not verdict.valid or verdict.cui is None:
            return answer("invalid", verdict.message)
        if verdict.cui in failures:
            return answer("unavailable", failures[verdict.cui])
        found = known.get(verdict.cui, NOT_FOUND)
        if isinstance(found, TaxpayerRecord):
            inactive = "Inactive or deregistered taxpayer (Registrul contribuabililor inactivi)."
            return answer(found.status, inactive if found.status == "inactive" else None, found)
        return answer("not_found", "ANAF has no taxpayer with this CUI.")
