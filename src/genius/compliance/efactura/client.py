"""The e-Factura REST client: ``{anaf_api_base}/{anaf_env}/FCTEL/rest/…`` with a Bearer token.

* ``upload`` (``POST upload?standard=UBL|CN|CII|RASP&cif=…[&extern=DA][&autofactura=DA]``, the raw
  XML as body) → ``UploadReply``;
* ``status`` (``GET stareMesaj?id_incarcare=``) and ``poll`` (the same with exponential backoff);
* ``messages`` (``GET listaMesajeFactura?zile=&cif=[&filtru=]``) and ``messages_page`` /
  ``all_messages`` (``GET listaMesajePaginatieFactura?startTime=&endTime=&cif=&pagina=[&filtru=]``);
* ``download`` (``GET descarcare?id=``) → the ZIP bytes.

Every reply goes through ``replies.parse_reply``; anything that is not the endpoint's result raises
``AnafApiError`` carrying the typed ``ApiError`` (``.error.kind``). A 401/403 refreshes the token
once and retries; a 429 is retried after ``Retry-After`` (up to ``max_retry_wait`` seconds). A
timeout is never retried here (``AnafTimeout``): for an upload only the caller's idempotency guard
can tell whether ANAF got it.

ANAF's limits (limiteApeluriAPI.txt) are enforced before calling, in Redis across all workers:
1000 calls/minute overall; upload of RASP files 1000/day per CUI; stareMesaj 100/day per message;
the simple list 1500/day per CUI, the paginated one 100 000/day per CUI; 10 downloads/day per message.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import httpx

from genius.compliance.efactura.replies import (
    ApiError,
    Download,
    Endpoint,
    Message,
    MessageList,
    Reply,
    StatusReply,
    UploadReply,
    parse_reply,
)
from genius.config import Settings
from genius.core.kit.ratelimit import Limit, RateLimiter

Standard = Literal["UBL", "CN", "CII", "RASP"]
STANDARDS: tuple[str, ...] = ("UBL", "CN", "CII", "RASP")
DAY = 86400

LIMIT_ALL = Limit(1000, 60)
LIMIT_UPLOAD_RASP = Limit(1000, DAY)
LIMIT_STATUS_PER_MESSAGE = Limit(100, DAY)
LIMIT_LIST = Limit(1500, DAY)
LIMIT_LIST_PAGINATED = Limit(100_000, DAY)
LIMIT_DOWNLOAD_PER_MESSAGE = Limit(10, DAY)


class AnafApiError(RuntimeError):
    def __init__(self, error: ApiError) -> None:
        super().__init__(f"ANAF e-Factura: {error.kind}: {error.message}")
        self.error = error

    @property
    def kind(self) -> str:
        return self.error.kind


class AnafTimeout(AnafApiError):
    """No reply in time: the request may or may not have reached ANAF."""


# ``token(refresh)``: the tenant's access token; ``refresh=True`` after a 401 forces a new one.
TokenProvider = Callable[[bool], str]


@dataclass(frozen=True)
class _Quota:
    key: str
    limit: Limit
    kind: Literal["rate_limited", "limit"]


class EFacturaClient:
    def __init__(
        self,
        settings: Settings,
        token: TokenProvider,
        *,
        http: httpx.Client | None = None,
        limiter: RateLimiter | None = None,
        timeout: float | None = None,
        max_retry_wait: float = 30.0,
        max_429_retries: int = 3,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.token = token
        self.base = f"{settings.anaf_api_base.rstrip('/')}/{settings.anaf_env}/FCTEL/rest"
        self.timeout = timeout if timeout is not None else settings.anaf_timeout
        self.http = http or httpx.Client(timeout=self.timeout)
        self.limiter = limiter
        self.max_retry_wait = max_retry_wait
        self.max_429_retries = max_429_retries
        self.sleep = sleep

    # --- plumbing ----------------------------------------------------------------------------------
    def _check(self, quotas: list[_Quota]) -> None:
        if self.limiter is None:
            return
        for quota in [_Quota("anaf:efactura:all", LIMIT_ALL, "rate_limited"), *quotas]:
            decision = self.limiter.hit(quota.key, quota.limit, "anaf.efactura")
            if not decision.allowed:
                raise AnafApiError(
                    ApiError(
                        kind=quota.kind,
                        messages=[
                            f"ANAF limit {quota.limit.capacity}/{quota.limit.period_seconds}s "
                            f"reached for {quota.key}"
                        ],
                        status_code=429,
                        retry_after=float(decision.retry_after),
                    )
                )

    def _call(
        self,
        method: str,
        path: str,
        endpoint: Endpoint,
        params: dict[str, str],
        *,
        content: bytes | None = None,
        quotas: list[_Quota] | None = None,
    ) -> Reply:
        refreshed = False
        retries_429 = 0
        while True:
            self._check(quotas or [])
            headers = {"Authorization": f"Bearer {self.token(refreshed)}"}
            if content is not None:
                headers["Content-Type"] = "text/plain"
            try:
                response = self.http.request(
                    method,
                    f"{self.base}/{path}",
                    params=params,
                    content=content,
                    headers=headers,
                    timeout=self.timeout,
                )
            except httpx.TimeoutException as exc:
                raise AnafTimeout(
                    ApiError(kind="timeout", messages=[f"{path}: {exc or 'timed out'}"])
                ) from exc
            except httpx.HTTPError as exc:
                raise AnafApiError(ApiError(kind="unreachable", messages=[f"{path}: {exc}"])) from exc
            reply = parse_reply(
                endpoint,
                response.status_code,
                response.headers.get("content-type", ""),
                response.content,
                dict(response.headers),
            )
            if isinstance(reply, ApiError):
                if reply.kind == "unauthorized" and not refreshed:
                    refreshed = True
                    continue
                if reply.kind == "rate_limited" and retries_429 < self.max_429_retries:
                    wait = reply.retry_after if reply.retry_after is not None else 1.0
                    if wait <= self.max_retry_wait:
                        retries_429 += 1
                        self.sleep(wait)
                        continue
                raise AnafApiError(reply)
            return reply

    # --- endpoints ---------------------------------------------------------------------------------
    def upload(
        self,
        xml: bytes,
        cif: str,
        standard: Standard = "UBL",
        *,
        extern: bool = False,
        autofactura: bool = False,
    ) -> UploadReply:
        if standard not in STANDARDS:
            raise ValueError(f"standard must be one of {', '.join(STANDARDS)}")
        params = {"standard": standard, "cif": cif}
        if extern:
            params["extern"] = "DA"
        if autofactura:
            params["autofactura"] = "DA"
        quotas = (
            [_Quota(f"anaf:efactura:upload-rasp:{cif}", LIMIT_UPLOAD_RASP, "limit")]
            if standard == "RASP"
            else []
        )
        reply = self._call("POST", "upload", "upload", params, content=xml, quotas=quotas)
        assert isinstance(reply, UploadReply)
        return reply

    def status(self, index_incarcare: str) -> StatusReply:
        quota = _Quota(f"anaf:efactura:stare:{index_incarcare}", LIMIT_STATUS_PER_MESSAGE, "limit")
        reply = self._call("GET", "stareMesaj", "status", {"id_incarcare": index_incarcare}, quotas=[quota])
        assert isinstance(reply, StatusReply)
        return reply

    def poll(
        self,
        index_incarcare: str,
        *,
        initial: float = 2.0,
        factor: float = 2.0,
        max_delay: float = 60.0,
        max_polls: int = 20,
    ) -> StatusReply:
        """``stareMesaj`` until the state is final or ``max_polls`` were made (then the last state)."""
        delay = initial
        reply = self.status(index_incarcare)
        polls = 1
        while not reply.final and polls < max_polls:
            self.sleep(delay)
            delay = min(max_delay, delay * factor)
            reply = self.status(index_incarcare)
            polls += 1
        return reply

    def messages(self, zile: int, cif: str, filtru: str | None = None) -> MessageList:
        if not 1 <= zile <= 60:
            raise ValueError("zile must be between 1 and 60")
        params = {"zile": str(zile), "cif": cif}
        if filtru:
            params["filtru"] = filtru
        quota = _Quota(f"anaf:efactura:lista:{cif}", LIMIT_LIST, "limit")
        reply = self._call("GET", "listaMesajeFactura", "list", params, quotas=[quota])
        assert isinstance(reply, MessageList)
        return reply

    def messages_page(
        self, start: datetime, end: datetime, cif: str, pagina: int = 1, filtru: str | None = None
    ) -> MessageList:
        params = {
            "startTime": str(int(start.timestamp() * 1000)),
            "endTime": str(int(end.timestamp() * 1000)),
            "cif": cif,
            "pagina": str(pagina),
        }
        if filtru:
            params["filtru"] = filtru
        quota = _Quota(f"anaf:efactura:lista-pag:{cif}", LIMIT_LIST_PAGINATED, "limit")
        reply = self._call("GET", "listaMesajePaginatieFactura", "list", params, quotas=[quota])
        assert isinstance(reply, MessageList)
        return reply

    def all_messages(
        self, start: datetime, end: datetime, cif: str, filtru: str | None = None, max_pages: int = 1000
    ) -> Iterator[Message]:
        page = 1
        while page <= max_pages:
            result = self.messages_page(start, end, cif, page, filtru)
            yield from result.messages
            if not result.pages or page >= result.pages:
                return
            page += 1

    def download(self, id_descarcare: str) -> bytes:
        quota = _Quota(f"anaf:efactura:descarcare:{id_descarcare}", LIMIT_DOWNLOAD_PER_MESSAGE, "limit")
        reply = self._call("GET", "descarcare", "download", {"id": id_descarcare}, quotas=[quota])
        assert isinstance(reply, Download)
        return reply.content

    def reachable(self) -> str:
        """Deep health check: the API host answers HTTP at all (no token needed for that)."""
        try:
            response = self.http.get(f"{self.base}/stareMesaj", timeout=min(self.timeout, 10.0))
        except httpx.HTTPError as exc:
            raise RuntimeError(f"ANAF e-Factura API unreachable at {self.base}: {exc}") from exc
        return f"{self.base} answered HTTP {response.status_code}"
