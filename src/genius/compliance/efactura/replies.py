"""Every shape an e-Factura reply takes, parsed into typed results.

ANAF answers in several dialects, often with HTTP 200 whatever happened:

* ``upload``: XML ``<header xmlns="mfp:anaf:dgti:spv:respUploadFisier:v1" ExecutionStatus="0|1"
  index_incarcare="…">`` with ``<Errors errorMessage="…"/>`` children when refused;
* ``stareMesaj``: XML ``<header xmlns="…:stareMesajFactura:v1" stare="ok|nok|in prelucrare|XML cu erori
  nepreluat de sistem" id_descarcare="…">``, or the same header with only ``<Errors>`` (no right,
  unknown index, invalid index, the daily limit);
* the error report inside a rejected message's ZIP: ``<header xmlns="…:mesajEroriFactuta:v1"
  Index_incarcare="…" Cif_emitent="…"><Error errorMessage="…"/></header>``;
* ``listaMesajeFactura`` / ``listaMesajePaginatieFactura`` / ``descarcare`` errors: JSON
  ``{"eroare": "…", "titlu": "…"}`` (HTTP 200);
* Spring errors: JSON ``{"timestamp", "status": 400, "error", "message"}``;
* the gateway: 401/403 (token), 429 (too many requests), 5xx, and an HTML firewall page.

``parse_reply(endpoint, status_code, content_type, body)`` is the one entry point: it returns the
endpoint's typed reply (``UploadReply``, ``StatusReply``, ``MessageList``, ``Download``) or an
``ApiError`` whose ``kind`` says what to do (retry later, refresh the token, give up). The gateway's
answers shared with e-Transport (and ``ApiError`` itself) are in ``compliance.common.errors``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from lxml import etree
from pydantic import BaseModel, Field

from genius.compliance.common.errors import (
    ApiError,
    classify_message,
    json_error,
    read_json,
    transport_error,
)

Endpoint = Literal["upload", "status", "list", "download"]
State = Literal["ok", "nok", "in_progress", "xml_errors"]
STATES: dict[str, State] = {
    "ok": "ok",
    "nok": "nok",
    "in prelucrare": "in_progress",
    "xml cu erori nepreluat de sistem": "xml_errors",
}

# An XML reply is a few kB; refuse to build huge trees from a hostile or broken reply.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=True)


class UploadReply(BaseModel):
    """``upload``: accepted for processing (``index_incarcare``) or refused with ANAF's messages."""

    ok: bool
    index_incarcare: str | None = None
    date_response: datetime | None = None
    errors: list[str] = Field(default_factory=list)


class StatusReply(BaseModel):
    """``stareMesaj``: where the upload is; ``id_descarcare`` once a response can be downloaded."""

    state: State
    id_descarcare: str | None = None
    index_incarcare: str | None = None
    errors: list[str] = Field(default_factory=list)

    @property
    def final(self) -> bool:
        return self.state != "in_progress"


class Message(BaseModel):
    """One entry of ``listaMesajeFactura`` (``id`` is the id to download, ``id_solicitare`` the upload)."""

    id: str
    id_solicitare: str | None = None
    cif: str | None = None
    data_creare: datetime | None = None
    tip: str = ""
    detalii: str = ""

    @property
    def kind(self) -> Literal["sent", "received", "errors", "buyer_message", "other"]:
        tip = self.tip.upper()
        if "TRIMISA" in tip:
            return "sent"
        if "PRIMITA" in tip:
            return "received"
        if "ERORI" in tip:
            return "errors"
        if "MESAJ" in tip:
            return "buyer_message"
        return "other"


class MessageList(BaseModel):
    messages: list[Message] = Field(default_factory=list)
    serial: str | None = None
    cui: str | None = None
    title: str | None = None
    # paginated list only
    page: int | None = None
    pages: int | None = None
    total: int | None = None
    per_page: int | None = None
    note: str | None = None  # "Nu exista mesaje …": an empty list, not an error


class Download(BaseModel):
    """``descarcare``: the ZIP (the invoice or the error report, plus ``semnatura_<id>.xml``)."""

    content: bytes


class ErrorReport(BaseModel):
    """The ``mesajEroriFactuta`` document: ANAF's reasons for rejecting an upload."""

    index_incarcare: str | None = None
    cif_emitent: str | None = None
    errors: list[str] = Field(default_factory=list)


Reply = UploadReply | StatusReply | MessageList | Download | ApiError


# --- helpers -----------------------------------------------------------------------------------------
def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _attr(el: etree._Element, name: str) -> str | None:
    """Attribute by name, case-insensitively (ANAF writes both ``index_incarcare`` and
    ``Index_incarcare``)."""
    low = name.lower()
    for key, value in el.attrib.items():
        if etree.QName(key).localname.lower() == low:
            return str(value).strip()
    return None


def _error_texts(root: etree._Element) -> list[str]:
    out = []
    for el in root.iter():
        if _local(el.tag) in ("Errors", "Error"):
            text = _attr(el, "errorMessage") or (el.text or "").strip()
            if text:
                out.append(text.strip())
    return out


def _datetime(value: str | None) -> datetime | None:
    """ANAF's ``yyyyMMddHHmm`` (and ``yyyyMMddHHmmss``)."""
    if not value:
        return None
    text = value.strip()
    # strptime's %M/%S accept one digit, so "202611230348" would also match the 14-digit form
    # (as 03:04:08): pick the format by length.
    fmt = {12: "%Y%m%d%H%M", 14: "%Y%m%d%H%M%S"}.get(len(text))
    if fmt is None or not text.isdigit():
        return None
    try:
        return datetime.strptime(text, fmt).replace(tzinfo=UTC)
    except ValueError:
        return None


def parse_xml(body: bytes) -> etree._Element | None:
    try:
        return etree.fromstring(body, _PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return None


# --- per endpoint --------------------------------------------------------------------------------------
def parse_upload_xml(body: bytes) -> UploadReply | ApiError:
    root = parse_xml(body)
    if root is None or _local(root.tag) != "header":
        return _protocol(body, "upload")
    errors = _error_texts(root)
    status = _attr(root, "ExecutionStatus")
    index = _attr(root, "index_incarcare")
    ok = status == "0" and bool(index) and not errors
    return UploadReply(
        ok=ok,
        index_incarcare=index or None,
        date_response=_datetime(_attr(root, "dateResponse")),
        errors=errors,
    )


def parse_error_report(body: bytes) -> ErrorReport | None:
    """The ``mesajEroriFactuta`` document (in a rejected message's ZIP); ``None`` if it is not one."""
    root = parse_xml(body)
    if root is None or _local(root.tag) != "header":
        return None
    namespace = etree.QName(root).namespace or ""
    if "mesajErori" not in namespace and _attr(root, "Index_incarcare") is None:
        return None
    return ErrorReport(
        index_incarcare=_attr(root, "Index_incarcare"),
        cif_emitent=_attr(root, "Cif_emitent"),
        errors=_error_texts(root),
    )


def parse_status_xml(body: bytes) -> StatusReply | ApiError:
    root = parse_xml(body)
    if root is None or _local(root.tag) != "header":
        return _protocol(body, "status")
    namespace = etree.QName(root).namespace or ""
    errors = _error_texts(root)
    stare = _attr(root, "stare")
    if stare is not None:
        state = STATES.get(" ".join(stare.lower().split()))
        if state is None:
            return ApiError(kind="protocol", messages=[f"unknown stare {stare!r}"])
        return StatusReply(state=state, id_descarcare=_attr(root, "id_descarcare"), errors=errors)
    if "mesajErori" in namespace:
        # The error report itself: the upload was processed and rejected.
        return StatusReply(state="nok", index_incarcare=_attr(root, "Index_incarcare"), errors=errors)
    if errors:
        return ApiError(kind=classify_message(errors[0]), messages=errors)
    return _protocol(body, "status")


def parse_list_json(body: bytes) -> MessageList | ApiError:
    data = read_json(body)
    if not isinstance(data, dict):
        return _protocol(body, "list")
    if "eroare" in data:
        text = str(data.get("eroare") or "").strip()
        if text.lower().startswith("nu exista mesaje"):
            return MessageList(note=text, title=data.get("titlu"))
        error = json_error(data, 200)
        assert error is not None
        return error
    raw = data.get("mesaje")
    if raw is None or not isinstance(raw, list):
        error = json_error(data, 200)
        return error if error is not None else _protocol(body, "list")
    messages = []
    for item in raw:
        if not isinstance(item, dict) or item.get("id") in (None, ""):
            continue
        messages.append(
            Message(
                id=str(item["id"]),
                id_solicitare=str(item["id_solicitare"]) if item.get("id_solicitare") else None,
                cif=str(item["cif"]) if item.get("cif") else None,
                data_creare=_datetime(str(item.get("data_creare") or "")),
                tip=str(item.get("tip") or ""),
                detalii=str(item.get("detalii") or ""),
            )
        )

    def _int(name: str) -> int | None:
        value = data.get(name)
        try:
            return int(value) if value is not None else None
        except (TypeError, ValueError):
            return None

    return MessageList(
        messages=messages,
        serial=data.get("serial"),
        cui=str(data["cui"]) if data.get("cui") else None,
        title=data.get("titlu"),
        page=_int("index_pagina_curenta"),
        pages=_int("numar_total_pagini"),
        total=_int("numar_total_inregistrari"),
        per_page=_int("numar_total_inregistrari_per_pagina"),
    )


def parse_download(content_type: str, body: bytes) -> Download | ApiError:
    if body[:4] == b"PK\x03\x04":
        return Download(content=body)
    error = json_error(read_json(body), 200)
    if error is not None:
        return error
    root = parse_xml(body)
    if root is not None and _error_texts(root):
        errors = _error_texts(root)
        return ApiError(kind=classify_message(errors[0]), messages=errors)
    return _protocol(body, "download")


def _protocol(body: bytes, endpoint: str) -> ApiError:
    snippet = body[:200].decode("utf-8", "replace").strip()
    return ApiError(kind="protocol", messages=[f"unreadable {endpoint} reply: {snippet!r}"])


def parse_reply(
    endpoint: Endpoint,
    status_code: int,
    content_type: str,
    body: bytes,
    headers: dict[str, str] | None = None,
) -> Reply:
    """Any reply of ``endpoint`` → its typed result, or an ``ApiError``."""
    error = transport_error(status_code, content_type, body, headers)
    if error is not None:
        return error
    if endpoint == "download":
        return parse_download(content_type, body)
    if endpoint == "list":
        return parse_list_json(body)
    # upload and stareMesaj answer XML, but a JSON error may come back as well.
    if body.lstrip()[:1] == b"{":
        error_reply = json_error(read_json(body), status_code)
        return error_reply if error_reply is not None else _protocol(body, endpoint)
    if endpoint == "upload":
        return parse_upload_xml(body)
    return parse_status_xml(body)
