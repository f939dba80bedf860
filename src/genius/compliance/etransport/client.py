"""The e-Transport REST client: ``{anaf_api_base}/{anaf_env}/ETRANSPORT/ws/v1/…`` with a Bearer token.

The same ANAF OAuth token as e-Factura (one per tenant, ``common.oauth.TokenStore``) authorizes these
calls. Endpoints (ANAF's swagger pages ``upload_param``, ``stare``, ``lista``, 02.07.2024):

* ``POST upload/ETRANSP/{cif}/2`` — the declaration XML as body → JSON ``{"ExecutionStatus": 0,
  "index_incarcare": …, "UIT": …, "dateResponse": "yyyyMMddHHmm", "trace_id", "ref_declarant",
  "atentie"}`` or ``{"ExecutionStatus": 1, "Errors": [{"errorMessage"}]}``;
* ``GET stareMesaj/{id_incarcare}`` → ``{"stare": "ok" | "nok" | "in prelucrare" | "XML cu erori
  nepreluat de sistem", "Errors"?}``, or only ``Errors`` (no right, unknown index, 100 checks a day);
* ``GET lista/{zile}/{cif}`` (1-60 days) → ``{"mesaje": [{"uit", "id_incarcare", "data_creare",
  "tip_op", …, "mesaje": [{"tip", "mesaj"}]}]}`` or ``Errors`` (``Nu exista mesaje …`` = empty list).

Gateway answers (401/403, 429, 5xx, the HTML firewall page, Spring's 404 JSON) are read by
``common.errors.transport_error`` into the same typed ``ApiError``; anything else unreadable is a
``protocol`` error. Errors raise ``common.errors.AnafApiError`` (``AnafTimeout`` for timeouts, never
retried here: only ``lista`` can tell whether an upload arrived). A 401 refreshes the token once; a
429 waits ``Retry-After`` (up to ``max_retry_wait``) and retries.

Every UIT received is checked (BR-019 check digits): ``UploadResult.uit_ok``.

ANAF's limits are enforced before calling, in Redis across all workers: 1000 calls/minute overall (the
API-wide limit of ``limiteApeluriAPI.txt``), ``stareMesaj`` 100/day per upload index and ``lista``
1000/day (the messages of the swagger's "limita apeluri" examples).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

import httpx
from pydantic import BaseModel, Field

from genius.compliance.common.client import DAY, AnafClient, Quota, TokenProvider
from genius.compliance.common.errors import (
    AnafApiError,
    AnafTimeout,
    ApiError,
    ErrorKind,
    classify_message,
    read_json,
    transport_error,
)
from genius.compliance.etransport.uit import is_valid_uit
from genius.config import Settings
from genius.core.kit.ratelimit import Limit, RateLimiter

__all__ = [
    "AnafApiError",
    "AnafTimeout",
    "ETransportClient",
    "ListResult",
    "ListedMessage",
    "StatusResult",
    "UploadResult",
    "parse_list",
    "parse_status",
    "parse_upload",
]

LIMIT_STATUS_PER_UPLOAD = Limit(100, DAY)
LIMIT_LIST = Limit(1000, DAY)
MAX_XML_BYTES = 5 * 1024 * 1024  # "Marime fisier transmis mai mare de 5 MB"

State = Literal["ok", "nok", "in_progress", "xml_errors"]
STATES: dict[str, State] = {
    "ok": "ok",
    "nok": "nok",
    "in prelucrare": "in_progress",
    "xml cu erori nepreluat de sistem": "xml_errors",
}


class UploadResult(BaseModel):
    ok: bool
    index_incarcare: str | None = None
    uit: str | None = None
    uit_ok: bool = False
    date_response: datetime | None = None
    trace_id: str | None = None
    ref_declarant: str | None = None
    warning: str | None = None  # "atentie": the UIT is valid once stareMesaj says ok
    errors: list[str] = Field(default_factory=list)


class StatusResult(BaseModel):
    state: State
    errors: list[str] = Field(default_factory=list)
    date_response: datetime | None = None
    trace_id: str | None = None

    @property
    def final(self) -> bool:
        return self.state != "in_progress"


class ListedMessage(BaseModel):
    id_incarcare: str
    uit: str | None = None
    cod_decl: str | None = None
    ref_decl: str | None = None
    data_creare: datetime | None = None
    tip_op: str | None = None
    errors: list[str] = Field(default_factory=list)


class ListResult(BaseModel):
    messages: list[ListedMessage] = Field(default_factory=list)
    cui: str | None = None
    title: str | None = None
    note: str | None = None


# --- reply parsing -------------------------------------------------------------------------------------
def _timestamp(value: Any) -> datetime | None:
    text = str(value or "").strip()
    fmt = {12: "%Y%m%d%H%M", 14: "%Y%m%d%H%M%S"}.get(len(text))
    if fmt is None or not text.isdigit():
        return None
    try:
        return datetime.strptime(text, fmt).replace(tzinfo=UTC)
    except ValueError:
        return None


def _errors(data: dict[str, Any]) -> list[str]:
    raw = data.get("Errors") or data.get("errors") or []
    out = []
    if isinstance(raw, list):
        for item in raw:
            text = item.get("errorMessage") if isinstance(item, dict) else item
            if text:
                out.append(str(text).strip())
    if not out and data.get("error") and "status" not in data:
        out.append(str(data["error"]).strip())
    return out


def classify(text: str) -> ErrorKind:
    t = text.lower()
    if "nu exista declaratia" in t or "nu a fost identificat" in t or "nu poate fi identificat" in t:
        return "not_found"
    return classify_message(text)


def _protocol(body: bytes, endpoint: str) -> ApiError:
    snippet = body[:200].decode("utf-8", "replace").strip()
    return ApiError(kind="protocol", messages=[f"unreadable e-Transport {endpoint} reply: {snippet!r}"])


def _preamble(
    endpoint: str, status_code: int, content_type: str, body: bytes, headers: dict[str, str] | None
) -> dict[str, Any] | ApiError:
    error = transport_error(status_code, content_type, body, headers)
    if error is not None:
        return error
    data = read_json(body)
    if not isinstance(data, dict):
        return _protocol(body, endpoint)
    return data


def parse_upload(
    status_code: int, content_type: str, body: bytes, headers: dict[str, str] | None = None
) -> UploadResult | ApiError:
    data = _preamble("upload", status_code, content_type, body, headers)
    if isinstance(data, ApiError):
        return data
    errors = _errors(data)
    status = str(data.get("ExecutionStatus", ""))
    if status not in ("0", "1"):
        return _protocol(body, "upload")
    index = data.get("index_incarcare")
    uit = str(data["UIT"]).strip() if data.get("UIT") else None
    ok = status == "0" and index not in (None, "") and not errors
    if status == "1" and errors and classify(errors[0]) in ("forbidden", "limit"):
        return ApiError(kind=classify(errors[0]), messages=errors)
    return UploadResult(
        ok=ok,
        index_incarcare=str(index) if index not in (None, "") else None,
        uit=uit,
        uit_ok=bool(uit) and is_valid_uit(uit or ""),
        date_response=_timestamp(data.get("dateResponse")),
        trace_id=data.get("trace_id"),
        ref_declarant=data.get("ref_declarant") or None,
        warning=data.get("atentie"),
        errors=errors,
    )


def parse_status(
    status_code: int, content_type: str, body: bytes, headers: dict[str, str] | None = None
) -> StatusResult | ApiError:
    data = _preamble("stareMesaj", status_code, content_type, body, headers)
    if isinstance(data, ApiError):
        return data
    errors = _errors(data)
    stare = data.get("stare")
    if stare is not None:
        state = STATES.get(" ".join(str(stare).lower().split()))
        if state is None:
            return ApiError(kind="protocol", messages=[f"unknown stare {stare!r}"])
        return StatusResult(
            state=state,
            errors=errors,
            date_response=_timestamp(data.get("dateResponse")),
            trace_id=data.get("trace_id"),
        )
    if errors:
        return ApiError(kind=classify(errors[0]), messages=errors)
    return _protocol(body, "stareMesaj")


def parse_list(
    status_code: int, content_type: str, body: bytes, headers: dict[str, str] | None = None
) -> ListResult | ApiError:
    data = _preamble("lista", status_code, content_type, body, headers)
    if isinstance(data, ApiError):
        return data
    raw = data.get("mesaje")
    if not isinstance(raw, list):
        errors = _errors(data)
        if errors and errors[0].lower().startswith("nu exista mesaje"):
            return ListResult(note=errors[0])
        if errors:
            return ApiError(kind=classify(errors[0]), messages=errors)
        return _protocol(body, "lista")
    messages = []
    for item in raw:
        if not isinstance(item, dict) or item.get("id_incarcare") in (None, ""):
            continue
        raw_notes = item.get("mesaje")
        notes: list[Any] = raw_notes if isinstance(raw_notes, list) else []
        messages.append(
            ListedMessage(
                id_incarcare=str(item["id_incarcare"]),
                uit=str(item["uit"]) if item.get("uit") else None,
                cod_decl=str(item["cod_decl"]) if item.get("cod_decl") else None,
                ref_decl=str(item["ref_decl"]) if item.get("ref_decl") else None,
                data_creare=_timestamp(item.get("data_creare")),
                tip_op=str(item["tip_op"]) if item.get("tip_op") else None,
                errors=[str(m.get("mesaj")) for m in notes if isinstance(m, dict) and m.get("mesaj")],
            )
        )
    return ListResult(messages=messages, cui=data.get("cui"), title=data.get("titlu"))


# --- the client -----------------------------------------------------------------------------------------
class ETransportClient(AnafClient):
    scope = "anaf.etransport"
    all_key = "anaf:etransport:all"

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
            f"{settings.anaf_api_base.rstrip('/')}/{settings.anaf_env}/ETRANSPORT/ws/v1",
            http=http,
            limiter=limiter,
            timeout=timeout,
            max_retry_wait=max_retry_wait,
            max_429_retries=max_429_retries,
            sleep=sleep,
        )

    @staticmethod
    def _cif(cif: str) -> str:
        cif = cif.strip().upper().removeprefix("RO")
        if not cif.isdigit() or not 2 <= len(cif) <= 13:
            raise ValueError("cif must be the numeric fiscal code (CUI/CIF)")
        return cif

    def upload(self, xml: bytes, cif: str) -> UploadResult:
        """``upload/ETRANSP/{cif}/2``: ANAF's UIT (``uit_ok``: its check digits are right)."""
        if len(xml) > MAX_XML_BYTES:
            raise ValueError("the declaration is larger than 5 MB, ANAF's limit")
        result: UploadResult = self._call(
            "POST", f"upload/ETRANSP/{self._cif(cif)}/2", parse_upload, content=xml
        )
        return result

    def status(self, index_incarcare: str) -> StatusResult:
        if not str(index_incarcare).isdigit():
            raise ValueError("the upload index is numeric")
        quota = Quota(f"anaf:etransport:stare:{index_incarcare}", LIMIT_STATUS_PER_UPLOAD, "limit")
        result: StatusResult = self._call(
            "GET",
            f"stareMesaj/{index_incarcare}",
            parse_status,
            quotas=[quota],
        )
        return result

    def messages(self, zile: int, cif: str) -> ListResult:
        if not 1 <= zile <= 60:
            raise ValueError("zile must be between 1 and 60")
        quota = Quota("anaf:etransport:lista", LIMIT_LIST, "limit")
        result: ListResult = self._call(
            "GET",
            f"lista/{zile}/{self._cif(cif)}",
            parse_list,
            quotas=[quota],
        )
        return result

    def reachable(self) -> str:
        """Deep health check: the e-Transport API host answers HTTP (no token needed for that)."""
        try:
            response = self.http.get(f"{self.base}/stareMesaj/0", timeout=min(self.timeout, 5.0))
        except httpx.HTTPError as exc:
            raise RuntimeError(f"ANAF e-Transport API unreachable at {self.base}: {exc}") from exc
        if response.status_code >= 500:
            raise RuntimeError(f"ANAF e-Transport API at {self.base} answered HTTP {response.status_code}")
        return f"{self.base} answered HTTP {response.status_code}"
