"""Fake ANAF e-Factura and OAuth: the real paths, reply shapes and status codes.

Paths (``/{test|prod}/FCTEL/rest/…``): ``POST upload`` and ``POST uploadb2c`` (invoices to individuals:
the same parameters and reply; each message records which of the two got it, ``FakeMessage.endpoint``,
and a B2C invoice is delivered to no buyer's SPV; ``extern=DA``, for a buyer outside Romania, is recorded
as ``FakeMessage.extern`` and such an invoice is delivered to no buyer's SPV either), ``GET stareMesaj``,
``GET listaMesajeFactura``, ``GET listaMesajePaginatieFactura``, ``GET descarcare``; OAuth at
``/anaf-oauth2/v1/authorize`` (auto-approves and redirects back with ``code`` and ``state``) and
``/anaf-oauth2/v1/token`` (``authorization_code`` and ``refresh_token`` grants, client credentials
as HTTP Basic).

Replies copy the structure of ANAF's (see ``anaf-responses``): the upload ``header`` with
``ExecutionStatus``/``index_incarcare``/``Errors``; ``stareMesaj`` ``stare`` values (``in prelucrare``
for the first ``in_progress_polls`` polls, then ``ok`` or ``nok``); the lists' JSON; ``{"eroare",
"titlu"}`` errors with HTTP 200; a download is a ZIP holding ``<id>.xml`` (the invoice, or the
``mesajEroriFactuta`` report) and ``semnatura_<id>.xml`` signed (XMLDSig, enveloped, RSA-SHA256) by a
key and self-signed certificate generated when the fake starts — a test-only certificate
(``State.cert_pem``). The 11th download of a message in a day is refused like ANAF does.

An invoice is rejected (``nok``) when its XML contains ``FAKE-REJECT`` or its CIF is in
``reject_cifs``. Faults (``faults``, consumed one per e-Factura request, FIFO): ``"429"``, ``"401"``
(an expired token), ``"500"``, ``"html"`` (the firewall page), ``"slow"`` (the request is processed,
the reply comes after ``slow_seconds``). ``expire_tokens()`` makes every issued access token invalid.
"""

from __future__ import annotations

import asyncio
import base64
import io
import itertools
import re
import secrets
import threading
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.sax.saxutils import quoteattr

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse

FIREWALL_PAGE = (
    "<html><head><title>Request Rejected</title></head><body>The requested URL was rejected. "
    "Please consult with your administrator.<br><br>Your support ID is: 4711081512345678901"
    "<br><br><a href='javascript:history.back();'>[Go Back]</a></body></html>"
)
NS_UPLOAD = "mfp:anaf:dgti:spv:respUploadFisier:v1"
NS_STARE = "mfp:anaf:dgti:efactura:stareMesajFactura:v1"
NS_ERRORS = "mfp:anaf:dgti:efactura:mesajEroriFactuta:v1"
XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


@dataclass
class FakeMessage:
    index: str
    cif: str
    standard: str
    xml: bytes
    created: datetime
    outcome: str  # ok | nok
    id_descarcare: str
    errors: list[str] = field(default_factory=list)
    buyer_cif: str | None = None  # an accepted invoice is listed in the buyer's SPV as received
    endpoint: str = "upload"  # upload | uploadb2c: the path the file was sent to
    extern: bool = False  # sent with extern=DA: the buyer is not Romanian
    tampered: bool = False  # the ZIP's invoice is altered after signing (its signature check fails)
    polls: int = 0
    downloads: dict[str, int] = field(default_factory=dict)  # day → count


@dataclass
class _Signer:
    key_pem: bytes
    cert_pem: bytes


def _make_signer() -> _Signer:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "RO"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "FAKE ANAF (test only)"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Fake Ministerul Finantelor"),
        ]
    )
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return _Signer(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        cert.public_bytes(serialization.Encoding.PEM),
    )


@dataclass
class State:
    """What the fake knows and what it received (tests read and steer it)."""

    client_id: str = "fake-client-id"
    client_secret: str = "fake-client-secret"
    token_lifetime: int = 7776000  # 90 days, as ANAF
    in_progress_polls: int = 1
    page_size: int = 500
    reject_cifs: set[str] = field(default_factory=set)
    faults: list[str] = field(default_factory=list)
    slow_seconds: float = 2.0
    # what happened
    messages: dict[str, FakeMessage] = field(default_factory=dict)
    uploads: list[FakeMessage] = field(default_factory=list)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    codes: dict[str, str] = field(default_factory=dict)  # code → redirect_uri
    access_tokens: dict[str, datetime] = field(default_factory=dict)
    refresh_tokens: set[str] = field(default_factory=set)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(5_001_000_000))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _signer: _Signer | None = None

    # --- helpers for tests ----------------------------------------------------------------------
    @property
    def signer(self) -> _Signer:
        with self._lock:
            if self._signer is None:
                self._signer = _make_signer()
            return self._signer

    @property
    def cert_pem(self) -> bytes:
        return self.signer.cert_pem

    def expire_tokens(self) -> None:
        past = datetime.now(UTC) - timedelta(seconds=1)
        for token in self.access_tokens:
            self.access_tokens[token] = past

    def issue_tokens(self) -> dict[str, Any]:
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        self.access_tokens[access] = datetime.now(UTC) + timedelta(seconds=self.token_lifetime)
        self.refresh_tokens.add(refresh)
        return {
            "access_token": access,
            "token_type": "Bearer",
            "refresh_token": refresh,
            "expires_in": self.token_lifetime,
            "scope": "",
        }

    def next_id(self) -> str:
        with self._lock:
            return str(next(self._ids))

    def take_fault(self) -> str | None:
        with self._lock:
            return self.faults.pop(0) if self.faults else None

    def receive(
        self,
        xml: bytes,
        buyer_cif: str,
        supplier_cif: str | None = None,
        created: datetime | None = None,
        *,
        tampered: bool = False,
    ) -> FakeMessage:
        """An invoice a supplier uploaded to ``buyer_cif`` and ANAF accepted: it shows in the buyer's
        lists as ``FACTURA PRIMITA`` (filter ``P``) and downloads like any other message."""
        supplier = supplier_cif or buyer_cif_of(xml, "AccountingSupplierParty") or "0"
        message = FakeMessage(
            index=self.next_id(),
            cif=supplier,
            standard="UBL",
            xml=xml,
            created=created or datetime.now(UTC),
            outcome="ok",
            id_descarcare=self.next_id(),
            buyer_cif=buyer_cif,
            tampered=tampered,
        )
        self.messages[message.index] = message
        return message


# --- reply builders --------------------------------------------------------------------------------
def _xml(body: str, status: int = 200) -> Response:
    return Response(XML_DECL + body, status_code=status, media_type="application/xml")


def _upload_error(message: str) -> Response:
    now = datetime.now(UTC).strftime("%Y%m%d%H%M")
    return _xml(
        f'<header xmlns="{NS_UPLOAD}" dateResponse="{now}" ExecutionStatus="1">\n'
        f"    <Errors errorMessage={quoteattr(message)}/>\n</header>"
    )


def _stare_error(message: str) -> Response:
    return _xml(f'<header xmlns="{NS_STARE}">\n    <Errors errorMessage={quoteattr(message)}/>\n</header>')


def _eroare(message: str, title: str) -> JSONResponse:
    return JSONResponse({"eroare": message, "titlu": title})


def error_report(message: FakeMessage) -> bytes:
    errors = "".join(f"\n    <Error errorMessage={quoteattr(e)}/>" for e in message.errors)
    return (
        f'{XML_DECL}<header xmlns="{NS_ERRORS}" Index_incarcare="{message.index}" '
        f'Cif_emitent="{message.cif}">{errors}\n</header>'
    ).encode()


def _sign(document: bytes, signer: _Signer) -> bytes:
    from lxml import etree
    from signxml import XMLSigner, algorithms

    root = etree.fromstring(document)
    signed = XMLSigner(
        method=algorithms.SignatureConstructionMethod.enveloped,
        signature_algorithm="rsa-sha256",
        digest_algorithm="sha256",
        c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#",
    ).sign(root, key=signer.key_pem, cert=signer.cert_pem.decode())
    return bytes(etree.tostring(signed))


def build_zip(message: FakeMessage, signer: _Signer) -> bytes:
    document = message.xml if message.outcome == "ok" else error_report(message)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        signed = _sign(document, signer)
        if message.tampered:  # e.g. an amount edited in transit: the signature no longer covers it
            document = document.replace(b"</cbc:ID>", b"-X</cbc:ID>", 1)
        zf.writestr(f"{message.index}.xml", document)
        zf.writestr(f"semnatura_{message.index}.xml", signed)
    return buf.getvalue()


def buyer_cif_of(xml: bytes, party: str = "AccountingCustomerParty") -> str | None:
    """The CUI (digits) of a UBL party: its VAT id (BT-31/48) or legal id (BT-30/47)."""
    from lxml import etree

    try:
        root = etree.fromstring(xml)
    except etree.XMLSyntaxError:
        return None
    for path in (
        "cac:Party/cac:PartyTaxScheme/cbc:CompanyID",
        "cac:Party/cac:PartyLegalEntity/cbc:CompanyID",
    ):
        found = root.findtext(f"cac:{party}/{path}", namespaces=_UBL_NS)
        digits = re.sub(r"\D", "", found or "")
        if digits:
            return digits
    return None


_UBL_NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}


def _list_entry(m: FakeMessage, cif: str | None = None) -> dict[str, str]:
    if cif is not None and m.buyer_cif == cif and m.cif != cif:
        return {
            "data_creare": m.created.strftime("%Y%m%d%H%M"),
            "cif": cif,
            "id_solicitare": m.index,
            "detalii": f"Factura cu id_incarcare={m.index} emisa de cif_emitent={m.cif} pentru "
            f"cif_beneficiar={cif}",
            "tip": "FACTURA PRIMITA",
            "id": m.id_descarcare,
        }
    if m.outcome == "ok":
        tip = "FACTURA TRIMISA"
        detalii = f"Factura cu id_incarcare={m.index} emisa de cif_emitent={m.cif} pentru cif_beneficiar=0"
    else:
        tip = "ERORI FACTURA"
        detalii = f"Erori de validare identificate la factura primita cu id_incarcare={m.index}"
    return {
        "data_creare": m.created.strftime("%Y%m%d%H%M"),
        "cif": m.cif,
        "id_solicitare": m.index,
        "detalii": detalii,
        "tip": tip,
        "id": m.id_descarcare,
    }


def make_router(state: State) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    # --- OAuth ------------------------------------------------------------------------------------
    @router.get("/anaf-oauth2/v1/authorize")
    def authorize(request: Request) -> Response:
        q = request.query_params
        if (
            q.get("response_type") != "code"
            or q.get("client_id") != state.client_id
            or not q.get("redirect_uri")
        ):
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        code = secrets.token_urlsafe(16)
        state.codes[code] = q["redirect_uri"]
        sep = "&" if "?" in q["redirect_uri"] else "?"
        target = f"{q['redirect_uri']}{sep}code={code}"
        if q.get("state"):
            from urllib.parse import quote

            target += f"&state={quote(q['state'])}"
        return RedirectResponse(target, status_code=302)

    @router.post("/anaf-oauth2/v1/token")
    async def token(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        state.token_requests.append(form)
        auth = request.headers.get("authorization", "")
        expected = base64.b64encode(f"{state.client_id}:{state.client_secret}".encode()).decode()
        if auth != f"Basic {expected}":
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = form.get("grant_type")
        if grant == "authorization_code":
            redirect = state.codes.pop(form.get("code", ""), None)
            if redirect is None or redirect != form.get("redirect_uri"):
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            return JSONResponse(state.issue_tokens())
        if grant == "refresh_token":
            if form.get("refresh_token") not in state.refresh_tokens:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            return JSONResponse(state.issue_tokens())
        return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)

    # --- e-Factura --------------------------------------------------------------------------------
    async def gate(request: Request) -> Response | None:
        state.requests.append((request.method, request.url.path, dict(request.query_params)))
        fault = state.take_fault()
        if fault == "429":
            return Response("Too Many Requests", status_code=429, headers={"Retry-After": "1"})
        if fault == "401":
            return JSONResponse({"error": "invalid_token"}, status_code=401)
        if fault == "500":
            return JSONResponse(
                {
                    "timestamp": "01-01-2026 10:00:00",
                    "status": 500,
                    "error": "Internal Server Error",
                    "message": "Eroare interna",
                },
                status_code=500,
            )
        if fault == "html":
            return Response(FIREWALL_PAGE, media_type="text/html")
        auth = request.headers.get("authorization", "")
        token = auth.removeprefix("Bearer ").strip()
        expires = state.access_tokens.get(token)
        if not auth.startswith("Bearer ") or expires is None or expires <= datetime.now(UTC):
            return Response("Unauthorized", status_code=401, headers={"WWW-Authenticate": "Bearer"})
        if fault == "slow":
            request.state.slow = True
        return None

    async def maybe_slow(request: Request) -> None:
        if getattr(request.state, "slow", False):
            await asyncio.sleep(state.slow_seconds)

    @router.post("/{env}/FCTEL/rest/upload")
    async def upload(env: str, request: Request) -> Response:
        return await receive_upload(request, "upload")

    @router.post("/{env}/FCTEL/rest/uploadb2c")
    async def upload_b2c(env: str, request: Request) -> Response:
        return await receive_upload(request, "uploadb2c")

    async def receive_upload(request: Request, endpoint: str) -> Response:
        refused = await gate(request)
        if refused is not None:
            return refused
        q = request.query_params
        standard, cif = q.get("standard", ""), q.get("cif", "")
        if standard not in ("UBL", "CN", "CII", "RASP"):
            return _upload_error("Valorile acceptate pentru parametrul standard sunt UBL, CN, CII sau RASP")
        if not cif.isdigit():
            return _upload_error(f"CIF introdus= {cif} nu este un numar")
        for flag in ("extern", "autofactura", "executare"):
            if flag in q and q[flag] != "DA":
                return _upload_error(f"Valoarea acceptata pentru parametrul {flag} este DA")
        body = await request.body()
        if len(body) > 10 * 1024 * 1024:
            return _upload_error("Marime fisier transmis mai mare de 10 MB.")
        from lxml import etree

        try:
            root = etree.fromstring(body)
        except etree.XMLSyntaxError as exc:
            return _upload_error(f"Fisierul transmis nu este valid. org.xml.sax.SAXParseException; {exc}")
        local = etree.QName(root).localname
        if standard in ("UBL", "CN") and local not in ("Invoice", "CreditNote"):
            return _upload_error(
                "Fisierul transmis nu este valid. org.xml.sax.SAXParseException; lineNumber: 1; "
                "columnNumber: 1; "
                f"cvc-elt.1.a: Cannot find the declaration of element '{local}'. "
            )
        index = state.next_id()
        rejected = b"FAKE-REJECT" in body or cif in state.reject_cifs
        message = FakeMessage(
            index=index,
            cif=cif,
            standard=standard,
            xml=body,
            created=datetime.now(UTC),
            outcome="nok" if rejected else "ok",
            id_descarcare=state.next_id(),
            errors=[
                "E: validari globale\n eroare regula: R6.1: CIF-ul vanzatorului nu figureaza in baza de date:"
                + cif
            ]
            if rejected
            else [],
            # an individual, or a buyer outside Romania (extern=DA), has no SPV inbox: listed to no buyer
            buyer_cif=None if endpoint == "uploadb2c" or "extern" in q else buyer_cif_of(body),
            endpoint=endpoint,
            extern="extern" in q,
        )
        state.messages[index] = message
        state.uploads.append(message)
        await maybe_slow(request)
        now = message.created.strftime("%Y%m%d%H%M")
        return _xml(
            f'<header xmlns="{NS_UPLOAD}" dateResponse="{now}" ExecutionStatus="0" '
            f'index_incarcare="{index}"/>'
        )

    @router.get("/{env}/FCTEL/rest/stareMesaj")
    async def stare(env: str, request: Request) -> Response:
        refused = await gate(request)
        if refused is not None:
            return refused
        await maybe_slow(request)
        raw = request.query_params.get("id_incarcare")
        if raw is None:
            return JSONResponse(
                {
                    "timestamp": datetime.now(UTC).strftime("%d-%m-%Y %H:%M:%S"),
                    "status": 400,
                    "error": "Bad Request",
                    "message": "Parametrul id_incarcare este obligatoriu",
                },
                status_code=400,
            )
        if not raw.isdigit():
            return _stare_error(f"Id_incarcare introdus= {raw} nu este un numar intreg")
        message = state.messages.get(raw)
        if message is None:
            return _stare_error(f"Nu exista factura cu id_incarcare= {raw}")
        message.polls += 1
        if message.polls <= state.in_progress_polls:
            return _xml(f'<header xmlns="{NS_STARE}" stare="in prelucrare"/>')
        return _xml(
            f'<header xmlns="{NS_STARE}" stare="{message.outcome}" id_descarcare="{message.id_descarcare}"/>'
        )

    def _cif_messages(cif: str, since: datetime, until: datetime) -> list[FakeMessage]:
        return sorted(
            (
                m
                for m in state.messages.values()
                if (m.cif == cif or (m.buyer_cif == cif and m.outcome == "ok"))
                and since <= m.created <= until
            ),
            key=lambda m: m.created,
            reverse=True,
        )

    def _filtered(messages: list[FakeMessage], filtru: str | None, cif: str) -> list[FakeMessage]:
        """ANAF's filters: T sent (accepted), E errors, P received, R buyer messages (none here)."""
        received = [m for m in messages if m.buyer_cif == cif and m.cif != cif]
        sent = [m for m in messages if m.cif == cif]
        if filtru == "T":
            return [m for m in sent if m.outcome == "ok"]
        if filtru == "E":
            return [m for m in sent if m.outcome == "nok"]
        if filtru == "P":
            return received
        if filtru == "R":
            return []
        return messages

    @router.get("/{env}/FCTEL/rest/listaMesajeFactura")
    async def lista(env: str, request: Request) -> Response:
        refused = await gate(request)
        if refused is not None:
            return refused
        await maybe_slow(request)
        q = request.query_params
        zile, cif, filtru = q.get("zile", ""), q.get("cif", ""), q.get("filtru")
        if not cif.isdigit():
            return _eroare(f"CIF introdus= {cif} nu este un numar", "Lista Mesaje")
        if not zile.isdigit():
            return _eroare(f"Numarul de zile introdus= {zile} nu este un numar intreg", "Lista Mesaje")
        if not 1 <= int(zile) <= 60:
            return _eroare("Numarul de zile trebuie sa fie intre 1 si 60", "Lista Mesaje")
        if filtru is not None and filtru not in ("E", "T", "P", "R"):
            return _eroare("Valorile acceptate pentru parametrul filtru sunt E, T, P sau R", "Lista Mesaje")
        now = datetime.now(UTC)
        found = _filtered(_cif_messages(cif, now - timedelta(days=int(zile)), now), filtru, cif)
        if not found:
            return _eroare(f"Nu exista mesaje in ultimele {zile} zile", "Lista Mesaje")
        return JSONResponse(
            {
                "mesaje": [_list_entry(m, cif) for m in found],
                "serial": "FAKE1234",
                "cui": cif,
                "titlu": f"Lista Mesaje disponibile din ultimele {zile} zile",
            }
        )

    @router.get("/{env}/FCTEL/rest/listaMesajePaginatieFactura")
    async def lista_paginata(env: str, request: Request) -> Response:
        refused = await gate(request)
        if refused is not None:
            return refused
        q = request.query_params
        if not all(q.get(k) for k in ("startTime", "endTime", "cif", "pagina")):
            return JSONResponse(
                {
                    "timestamp": datetime.now(UTC).strftime("%d-%m-%Y %H:%M:%S"),
                    "status": 400,
                    "error": "Bad Request",
                    "message": "Parametrii startTime, endTime, cif si pagina sunt obligatorii",
                },
                status_code=400,
            )
        for name in ("startTime", "endTime", "pagina"):
            if not q[name].isdigit():
                return _eroare(
                    f"{name} = {q[name]} nu este un numar sau nu are o valoare acceptata de sistem",
                    "Lista Mesaje",
                )
        if not q["cif"].isdigit():
            return _eroare(
                f"CIF introdus= {q['cif']} nu este un numar sau nu are o valoare acceptata de sistem",
                "Lista Mesaje",
            )
        start = datetime.fromtimestamp(int(q["startTime"]) / 1000, UTC)
        end = datetime.fromtimestamp(int(q["endTime"]) / 1000, UTC)
        if end <= start:
            return _eroare(
                f"endTime = {end:%d-%m-%Y %H:%M:%S} nu poate fi <= startTime = {start:%d-%m-%Y %H:%M:%S}",
                "Lista Mesaje",
            )
        found = _filtered(_cif_messages(q["cif"], start, end), q.get("filtru"), q["cif"])
        if not found:
            return _eroare("Nu exista mesaje in intervalul selectat", "Lista Mesaje")
        pages = (len(found) + state.page_size - 1) // state.page_size
        page = int(q["pagina"])
        if page > pages or page < 1:
            return _eroare(
                f"Pagina solicitata {page} este mai mare decat numarul toatal de pagini {pages}",
                "Lista Mesaje",
            )
        chunk = found[(page - 1) * state.page_size : page * state.page_size]
        return JSONResponse(
            {
                "mesaje": [_list_entry(m, q["cif"]) for m in chunk],
                "numar_inregistrari_in_pagina": len(chunk),
                "numar_total_inregistrari_per_pagina": state.page_size,
                "numar_total_inregistrari": len(found),
                "numar_total_pagini": pages,
                "index_pagina_curenta": page,
                "serial": "FAKE1234",
                "cui": q["cif"],
                "titlu": "Lista Mesaje disponibile din intervalul "
                f"{start:%d-%m-%Y %H:%M:%S} - {end:%d-%m-%Y %H:%M:%S}",
            }
        )

    @router.get("/{env}/FCTEL/rest/descarcare")
    async def descarcare(env: str, request: Request) -> Response:
        refused = await gate(request)
        if refused is not None:
            return refused
        await maybe_slow(request)
        raw = request.query_params.get("id")
        if raw is None:
            return JSONResponse(
                {
                    "timestamp": datetime.now(UTC).strftime("%d-%m-%Y %H:%M:%S"),
                    "status": 400,
                    "error": "Bad Request",
                    "message": "Parametrul id este obligatoriu",
                },
                status_code=400,
            )
        if not re.fullmatch(r"\d+", raw):
            return _eroare(f"Id descarcare introdus= {raw} nu este un numar intreg", "Descarcare mesaj")
        message = next((m for m in state.messages.values() if m.id_descarcare == raw), None)
        if message is None:
            return _eroare(f"Pentru id={raw} nu exista inregistrata nici o factura", "Descarcare mesaj")
        day = datetime.now(UTC).date().isoformat()
        if message.downloads.get(day, 0) >= 10:
            return _eroare("S-au facut deja 10 descarcari de mesaj in cursul zilei", "Descarcare mesaj")
        message.downloads[day] = message.downloads.get(day, 0) + 1
        data = build_zip(message, state.signer)
        return Response(
            data,
            media_type="application/octet-stream",
            headers={"Content-Disposition": f'attachment; filename="{raw}.zip"'},
        )

    # --- control (the fake only): a supplier's invoice arrives in a buyer's SPV ----------------------
    @router.post("/fake-control/efactura/received")
    async def control_received(request: Request) -> Response:
        cif = request.query_params.get("cif", "")
        if not cif.isdigit():
            return JSONResponse({"error": "cif (the buyer's, digits) is required"}, status_code=400)
        message = state.receive(await request.body(), cif, request.query_params.get("supplier_cif"))
        return JSONResponse({"id": message.id_descarcare, "id_solicitare": message.index}, status_code=201)

    return router
