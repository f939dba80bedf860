"""The e-Factura REST client: ``{anaf_api_base}/{anaf_env}/FCTEL/rest/…`` with a Bearer token.

* ``upload`` (``POST upload?standard=UBL|CN|CII|RASP&cif=…[&extern=DA][&autofactura=DA]``, the raw
  XML as body) → ``UploadReply``; with ``b2c=True`` the same call goes to ``POST uploadb2c`` (ANAF's
  endpoint for invoices to individuals: the same parameters and the same reply, per the swagger);
* ``status`` (``GET stareMesaj?id_incarcare=``) and ``poll`` (the same with exponential backoff);
* ``messages`` (``GET listaMesajeFactura?zile=&cif=[&filtru=]``) and ``messages_page`` /
  ``all_messages`` (``GET listaMesajePaginatieFactura?startTime=&endTime=&cif=&pagina=[&filtru=]``);
* ``download`` (``GET descarcare?id=``) → the ZIP bytes.

Every reply goes through ``replies.parse_reply``; anything that is not the endpoint's result raises
``common.errors.AnafApiError`` carrying the typed ``ApiError`` (``.error.kind``). The request loop
(quotas, token refresh, 429) is ``common.client.AnafClient``. A 401/403 refreshes the token
once and retries; a 429 is retried after ``Retry-After`` (up to ``max_retry_wait`` seconds). A
timeout is never retried here (``AnafTimeout``): for an upload only the caller's idempotency guard
can tell whether ANAF got it.

ANAF's limits (limiteApeluriAPI.txt) are enforced before calling, in Redis across all workers:
1000 calls/minute overall; upload of RASP files 1000/day per CUI (the file names no separate limit
for ``uploadb2c``: a RASP sent there counts against the same daily bucket); stareMesaj 100/day per message;
the simple list 1500/day per CUI, the paginated one 100 000/day per CUI; 10 downloads/day per message.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import partial
from typing import Literal

import httpx

from genius.compliance.common.client import DAY, AnafClient, Quota, TokenProvider
from genius.compliance.efactura.replies import (
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

LIMIT_UPLOAD_RASP = Limit(1000, DAY)
LIMIT_STATUS_PER_MESSAGE = Limit(100, DAY)
LIMIT_LIST = Limit(1500, DAY)
LIMIT_LIST_PAGINATED = Limit(100_000, DAY)
LIMIT_DOWNLOAD_PER_MESSAGE = Limit(10, DAY)


class EFacturaClient(AnafClient):
    scope = "anaf.efactura"
    all_key = "anaf:efactura:all"

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
        super().__init__(
            settings,
            token,
            f"{settings.anaf_api_base.rstrip('/')}/{settings.anaf_env}/FCTEL/rest",
            http=http,
            limiter=limiter,
            timeout=timeout,
            max_retry_wait=max_retry_wait,
            max_429_retries=max_429_retries,
            sleep=sleep,
        )

    def _request(
        self,
        method: str,
        path: str,
        endpoint: Endpoint,
        params: dict[str, str],
        *,
        content: bytes | None = None,
        quotas: list[Quota] | None = None,
    ) -> Reply:
        reply: Reply = self._call(
            method, path, partial(parse_reply, endpoint), params=params, content=content, quotas=quotas
        )
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
        b2c: bool = False,
    ) -> UploadReply:
        """``upload``, or ``uploadb2c`` for an invoice to an individual (``b2c``)."""
        if standard not in STANDARDS:
            raise ValueError(f"standard must be one of {', '.join(STANDARDS)}")
        params = {"standard": standard, "cif": cif}
        if extern:
            params["extern"] = "DA"
        if autofactura:
            params["autofactura"] = "DA"
        quotas = (
            [Quota(f"anaf:efactura:upload-rasp:{cif}", LIMIT_UPLOAD_RASP, "limit")]
            if standard == "RASP"
            else []
        )
        path = "uploadb2c" if b2c else "upload"
        reply = self._request("POST", path, "upload", params, content=xml, quotas=quotas)
        assert isinstance(reply, UploadReply)
        return reply

    def status(self, index_incarcare: str) -> StatusReply:
        quota = Quota(f"anaf:efactura:stare:{index_incarcare}", LIMIT_STATUS_PER_MESSAGE, "limit")
        reply = self._request(
            "GET", "stareMesaj", "status", {"id_incarcare": index_incarcare}, quotas=[quota]
        )
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
        quota = Quota(f"anaf:efactura:lista:{cif}", LIMIT_LIST, "limit")
        reply = self._request("GET", "listaMesajeFactura", "list", params, quotas=[quota])
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
        quota = Quota(f"anaf:efactura:lista-pag:{cif}", LIMIT_LIST_PAGINATED, "limit")
        reply = self._request("GET", "listaMesajePaginatieFactura", "list", params, quotas=[quota])
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
        quota = Quota(f"anaf:efactura:descarcare:{id_descarcare}", LIMIT_DOWNLOAD_PER_MESSAGE, "limit")
        reply = self._request("GET", "descarcare", "download", {"id": id_descarcare}, quotas=[quota])
        assert isinstance(reply, Download)
        return reply.content

    def reachable(self) -> str:
        """Deep health check: the API host answers HTTP at all (no token needed for that)."""
        try:
            response = self.http.get(f"{self.base}/stareMesaj", timeout=min(self.timeout, 10.0))
        except httpx.HTTPError as exc:
            raise RuntimeError(f"ANAF e-Factura API unreachable at {self.base}: {exc}") from exc
        return f"{self.base} answered HTTP {response.status_code}"
