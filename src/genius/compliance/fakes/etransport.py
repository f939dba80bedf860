"""Fake ANAF e-Transport: the real paths, JSON reply shapes and status codes (swagger 02.07.2024).

Paths (``/{test|prod}/ETRANSPORT/ws/v1/…``): ``POST upload/{standard}/{cif}[/{versiune}]`` (the XML as
body), ``GET stareMesaj/{id_incarcare}``, ``GET lista/{zile}/{cif}``. Replies copy ANAF's examples:
``{"dateResponse", "ExecutionStatus", "index_incarcare", "UIT", "trace_id", "ref_declarant",
"atentie"}`` on upload, ``{"stare": "ok" | "nok" | "in prelucrare" | "XML cu erori nepreluat de
sistem"}`` on status, ``{"Errors": [{"errorMessage"}], "ExecutionStatus": 1}`` on refusals, Spring's
404 JSON on a bad path.

Each notification gets a fresh UIT with valid check digits (BR-019); a correction (``corectie``), a
deletion, confirmation or vehicle change answers with the UIT it refers to. A correction or deletion of a
UIT the fake did not issue to that CIF, or one already deleted, ends ``nok`` (the messages are the fake's
wording); a deletion takes effect when it is received. The XML is checked with our own rules
(``etransport.rules``): not XML / not e-Transport → refused at upload (``Fisierul transmis nu este
valid``); fatal rule findings → ``stare: nok`` with the rule messages. ``FAKE-REJECT`` anywhere in the
XML also gives ``nok``. ``stareMesaj`` answers ``in prelucrare`` for the first ``in_progress_polls``
checks of an upload and refuses the 101st check in a day.

Authorization: a Bearer token is required; ``token_check`` (e.g. the e-Factura fake's OAuth tokens)
decides which are valid — by default any non-empty token is. Faults (``faults``, consumed one per
request, FIFO): ``"429"``, ``"401"``, ``"500"``, ``"html"`` (the firewall page), ``"slow"`` (processed,
answered after ``slow_seconds``), ``"bad-uit"`` (the next UIT issued has wrong check digits).
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from lxml import etree

FIREWALL_PAGE = (
    "<html><head><title>Request Rejected</title></head><body>The requested URL was rejected. "
    "Please consult with your administrator.<br><br>Your support ID is: 4711081512345678901"
    "<br><br><a href='javascript:history.back();'>[Go Back]</a></body></html>"
)
NS = "mfp:anaf:dgti:eTransport:declaratie:v2"
ATENTIE = (
    "Verificati starea XML-ului transmis. Codul UIT este valabil din momentul in care apare ca valid "
    "dupa apelul de stare"
)


@dataclass
class FakeUpload:
    index: str
    cif: str
    xml: bytes
    uit: str | None
    kind: str
    created: datetime
    outcome: str  # ok | nok
    errors: list[str] = field(default_factory=list)
    ref: str | None = None
    operation: str | None = None
    polls: int = 0


@dataclass
class State:
    """What the fake knows and what it received (tests read and steer it)."""

    in_progress_polls: int = 1
    faults: list[str] = field(default_factory=list)
    slow_seconds: float = 2.0
    token_check: Callable[[str], bool] | None = None
    daily_status_limit: int = 100
    # what happened
    uploads: dict[str, FakeUpload] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)  # UITs a deletion took away
    requests: list[tuple[str, str]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(6_001))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def acts_on(self, uit: str, cif: str, kind: str) -> list[str]:
        """A correction or deletion names a UIT this CIF was issued and that is not deleted; a deletion
        takes effect (the UIT is gone for later corrections and deletions). The errors otherwise."""
        with self._lock:
            issued = any(
                u.kind == "notificare" and u.outcome == "ok" and u.uit == uit and u.cif == cif
                for u in self.uploads.values()
            )
            if not issued:
                return [f"Codul UIT {uit} nu exista pentru CIF {cif}"]
            if uit in self.deleted:
                return [f"Codul UIT {uit} a fost sters"]
            if kind == "stergere":
                self.deleted.add(uit)
        return []

    def next_index(self) -> str:
        with self._lock:
            return str(next(self._ids))

    def take_fault(self) -> str | None:
        with self._lock:
            return self.faults.pop(0) if self.faults else None

    def issue_uit(self, bad: bool = False) -> str:
        from genius.compliance.etransport.uit import check_digits, new_uit

        uit = new_uit()
        if bad:
            good = check_digits(uit[:14])
            uit = uit[:14] + f"{(int(good) + 1) % 100:02d}"
        return uit


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%d%H%M")


def _errors(message: str, **extra: Any) -> JSONResponse:
    return JSONResponse(
        {
            "Errors": [{"errorMessage": message}],
            "dateResponse": _stamp(),
            "ExecutionStatus": 1,
            "trace_id": str(uuid.uuid4()),
            **extra,
        }
    )


def _not_found(path: str) -> JSONResponse:
    return JSONResponse(
        {
            "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "status": 404,
            "error": "Not Found",
            "path": path,
        },
        status_code=404,
    )


def make_router(state: State) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    base = "/{env}/ETRANSPORT/ws/v1"

    async def gate(request: Request) -> Response | None:
        state.requests.append((request.method, request.url.path))
        fault = state.take_fault()
        if fault == "429":
            return Response("Too Many Requests", status_code=429, headers={"Retry-After": "1"})
        if fault == "401":
            return JSONResponse({"error": "invalid_token"}, status_code=401)
        if fault == "500":
            return JSONResponse(
                {"timestamp": _stamp(), "status": 500, "error": "Internal Server Error", "message": "Eroare"},
                status_code=500,
            )
        if fault == "html":
            return Response(FIREWALL_PAGE, media_type="text/html")
        auth = request.headers.get("authorization", "")
        token = auth.removeprefix("Bearer ").strip()
        valid = bool(token) and (state.token_check is None or state.token_check(token))
        if not auth.startswith("Bearer ") or not valid:
            return Response("Unauthorized", status_code=401, headers={"WWW-Authenticate": "Bearer"})
        if fault == "slow":
            request.state.slow = True
        if fault == "bad-uit":
            request.state.bad_uit = True
        return None

    async def slowly(request: Request, response: Response) -> Response:
        """A "slow" fault: the request was processed; the reply comes late."""
        if getattr(request.state, "slow", False):
            await asyncio.sleep(state.slow_seconds)
        return response

    async def _upload(env: str, standard: str, cif: str, versiune: str, request: Request) -> Response:
        refused = await gate(request)
        if refused is not None:
            return refused
        return await slowly(request, await _process_upload(standard, cif, versiune, request))

    async def _process_upload(standard: str, cif: str, versiune: str, request: Request) -> Response:
        if standard != "ETRANSP":
            return _errors("Valoarea acceptata pentru parametrul standard este ETRANSP")
        if not cif.isdigit():
            return _errors(f"CIF introdus= {cif} nu este un numar")
        if versiune not in ("1", "2"):
            return _errors("Valorile acceptate pentru parametrul versiune sunt 1 sau 2")
        body = await request.body()
        if len(body) > 5 * 1024 * 1024:
            return _errors("Marime fisier transmis mai mare de 5 MB")
        from genius.compliance.etransport.rules import validate

        try:
            root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
        except (etree.XMLSyntaxError, ValueError) as exc:
            return _errors(f"Fisierul transmis nu este valid. org.xml.sax.SAXParseException; {exc}")
        if root.tag != f"{{{NS}}}eTransport":
            return _errors(
                "Fisierul transmis nu este valid. org.xml.sax.SAXParseException; lineNumber: 1; "
                f"columnNumber: 1; cvc-elt.1.a: Cannot find the declaration of element '{root.tag}'."
            )
        kind = next((etree.QName(c).localname for c in root if isinstance(c.tag, str)), "")
        findings = [f for f in validate(body) if f.severity == "fatal"]
        errors = [f"{f.rule}: {f.message}" for f in findings]
        if b"FAKE-REJECT" in body:
            errors.append("Declaratia a fost respinsa (FAKE-REJECT)")
        notification = root.find(f"{{{NS}}}notificare")
        correction = notification.find(f"{{{NS}}}corectie") if notification is not None else None
        if kind == "notificare" and correction is None:
            uit: str | None = state.issue_uit(bad=getattr(request.state, "bad_uit", False))
        else:
            target = correction if correction is not None else root.find(f"{{{NS}}}{kind}")
            uit = target.get("uit") if target is not None else None
            if kind in ("notificare", "stergere") and uit and not errors:
                errors += state.acts_on(uit, cif, kind)
            if uit is not None and getattr(request.state, "bad_uit", False):
                uit = state.issue_uit(bad=True)
        upload = FakeUpload(
            index=state.next_index(),
            cif=cif,
            xml=body,
            uit=uit,
            kind=kind,
            created=datetime.now(UTC),
            outcome="nok" if errors else "ok",
            errors=errors,
            ref=root.get("refDeclarant"),
            operation=notification.get("codTipOperatiune") if notification is not None else None,
        )
        state.uploads[upload.index] = upload
        reply: dict[str, Any] = {
            "dateResponse": _stamp(),
            "ExecutionStatus": 0,
            "index_incarcare": int(upload.index),
            "UIT": uit or "",
            "trace_id": str(uuid.uuid4()),
            "ref_declarant": upload.ref or "",
        }
        if versiune == "2":
            reply["atentie"] = ATENTIE
        return JSONResponse(reply)

    @router.post(base + "/upload/{standard}/{cif}/{versiune}")
    async def upload_v(env: str, standard: str, cif: str, versiune: str, request: Request) -> Response:
        return await _upload(env, standard, cif, versiune, request)

    @router.post(base + "/upload/{standard}/{cif}")
    async def upload(env: str, standard: str, cif: str, request: Request) -> Response:
        return await _upload(env, standard, cif, "1", request)

    @router.post(base + "/upload/")
    @router.post(base + "/upload")
    async def upload_no_path(env: str, request: Request) -> Response:
        return _not_found(request.url.path)

    @router.get(base + "/stareMesaj/{id_incarcare}")
    async def stare(env: str, id_incarcare: str, request: Request) -> Response:
        refused = await gate(request)
        if refused is not None:
            return refused
        return await slowly(request, _stare(id_incarcare))

    def _stare(id_incarcare: str) -> Response:
        if not id_incarcare.isdigit():
            return _errors(f"Id_incarcare introdus= {id_incarcare} nu este un numar intreg")
        upload = state.uploads.get(str(int(id_incarcare)))
        if upload is None:
            return _errors(f"Nu exista declaratia de transport cu id_incarcare= {id_incarcare}")
        upload.polls += 1
        if upload.polls > state.daily_status_limit:
            return _errors(
                f"S-au facut deja {state.daily_status_limit} de verificari, pentru id-incarcare solicitat, "
                "in cursul zilei"
            )
        base_reply = {"dateResponse": _stamp(), "trace_id": str(uuid.uuid4())}
        if upload.polls <= state.in_progress_polls:
            return JSONResponse({"stare": "in prelucrare", "ExecutionStatus": 0, **base_reply})
        if upload.outcome == "ok":
            return JSONResponse({"stare": "ok", "ExecutionStatus": 0, **base_reply})
        return JSONResponse(
            {
                "Errors": [{"errorMessage": e} for e in upload.errors],
                "stare": "nok",
                "ExecutionStatus": 1,
                **base_reply,
            }
        )

    @router.get(base + "/stareMesaj/")
    async def stare_no_id(env: str, request: Request) -> Response:
        return _not_found(request.url.path)

    @router.get(base + "/lista/{zile}/{cif}")
    async def lista(env: str, zile: str, cif: str, request: Request) -> Response:
        refused = await gate(request)
        if refused is not None:
            return refused
        return await slowly(request, _lista(zile, cif))

    def _lista(zile: str, cif: str) -> Response:
        if not zile.isdigit():
            return _errors(f"Numarul de zile introdus= {zile} nu este un numar intreg")
        if not 1 <= int(zile) <= 60:
            return _errors("Numarul de zile trebuie sa fie intre 1 si 60")
        if not cif.isdigit():
            return _errors(f"CIF introdus= {cif} nu este un numar")
        now = datetime.now(UTC)
        items = [u for u in state.uploads.values() if u.cif == cif and (now - u.created).days < int(zile)]
        if not items:
            return _errors(f"Nu exista mesaje in ultimele {zile} zile")
        mesaje: list[dict[str, Any]] = []
        for u in items:
            entry: dict[str, Any] = {
                "cod_decl": u.cif,
                "sursa": "A",
                "id_incarcare": u.index.zfill(10),
                "data_creare": u.created.strftime("%Y%m%d%H%M%S"),
            }
            if u.ref:
                entry["ref_decl"] = u.ref
            if u.outcome == "ok" and u.uit:
                entry.update({"uit": u.uit, "tip_op": u.operation or ""})
            else:
                entry["mesaje"] = [{"tip": "ERR", "mesaj": e} for e in u.errors]
            mesaje.append(entry)
        return JSONResponse(
            {
                "mesaje": mesaje,
                "serial": "FAKE" + "X" * 27,
                "cui": cif,
                "titlu": f"Lista Mesaje disponibile din ultimele {zile} zile",
                "dateResponse": _stamp(),
                "ExecutionStatus": 0,
                "trace_id": str(uuid.uuid4()),
            }
        )

    return router
