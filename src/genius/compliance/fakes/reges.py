"""Fake REGES Online: the paths and bodies of the REGES integration examples (``INDEX.tsv``).

* Keycloak token endpoint ``POST /reges-auth/realms/reges/protocol/openid-connect/token`` (form:
  ``grant_type=password`` with ``username``/``password``, or ``client_credentials``; ``client_id`` /
  ``client_secret``) → ``{"access_token", "expires_in", "refresh_expires_in", "token_type": "Bearer"}``;
  wrong credentials → 401 ``{"error": "invalid_grant" | "unauthorized_client", "error_description"}``.
* ``POST /reges/api/Salariat``, ``/reges/api/Contract`` (a message, JSON or XML by ``Content-Type``) →
  the receipt, a ``MessageResponse``: ``{"header": {…the message's header…}, "responseId": GUID}``;
  ``/api/Salariat/Batch``, ``/api/Contract/Batch`` (``{"Message": […]}`` / ``<Batch>``) → one receipt per
  message (a JSON list). A body that is not a message → 400 ``{"errors": [...]}``.
* The status queue, ``POST /reges/api/Status/PollBatch | ReadBatch | CommitReadBatch`` with
  ``{"messages": n}``: ``PollBatch`` hands out up to n results not handed out yet (``MessageResult``:
  ``{"header", "responseId", "result": {"code": "SUCCES"|"FAIL", "codeType": "SUCCES"|"WARNING"|"ERROR",
  "description", "ref", "relatedResultsExpected": false}}``); ``ReadBatch`` repeats the handed-out,
  uncommitted ones; ``CommitReadBatch`` removes up to n of them from the queue. A result is queued
  ``processing_polls`` polls after its receipt (the server works asynchronously).
* ``GET /reges/api/Nomenclator?tip=…`` → the list; ``POST|DELETE /reges/api/Nomenclator/TipSporAngajator``
  adds / deletes an employer bonus type.

The server's own checks (it validates the XSD facets, not the CNP checksum — exactly why our client
does): a message with ``FAKE-REJECT`` anywhere, or whose operation is in ``fail_operations``, gets a
``FAIL``/``ERROR`` result. Faults (``faults``, consumed one per request): ``"429"`` (with
``Retry-After``), ``"401"``, ``"500"``, ``"slow"`` (answered after ``slow_seconds``).
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError

TOKEN_PATH = "/reges-auth/realms/reges/protocol/openid-connect/token"
NOMENCLATORS: dict[str, list[dict[str, Any]]] = {
    "nationalitate": [{"nume": "ROMÂNIA", "cod": "RO"}, {"nume": "SRI LANKA", "cod": "LK"}],
    "tara": [{"nume": "ROMÂNIA", "cod": "RO"}, {"nume": "SRI LANKA", "cod": "LK"}],
    "cor": [{"cod": 251204, "versiune": 10, "nume": "Analist programator"}],
    "temeisuspendare": [{"cod": "Art54", "nume": "Concediu fara plata"}],
    "tipsporpredefinit": [
        {"id": "7178f5a4-687f-4da7-928c-1395ec531879", "nume": "Salariu de merit", "versiune": 1}
    ],
}


@dataclass
class Submission:
    receipt: str
    path: str
    header: dict[str, Any]
    body: dict[str, Any]
    polls_left: int
    outcome: str = "SUCCES"
    description: str = "Mesaj procesat cu succes"


@dataclass
class State:
    """What the fake knows and what it received (tests read and steer it)."""

    client_id: str = "genius-hr"
    client_secret: str = "s3cret-reges"
    username: str = "hr@firma.ro"
    password: str = "parola-reges"
    token_lifetime: int = 300
    processing_polls: int = 1  # status polls before a result is queued
    fail_operations: set[str] = field(default_factory=set)
    faults: list[str] = field(default_factory=list)
    retry_after: int = 1
    slow_seconds: float = 2.0
    access_tokens: set[str] = field(default_factory=set)
    tokens_issued: int = 0
    submissions: dict[str, Submission] = field(default_factory=dict)
    queue: list[str] = field(default_factory=list)  # receipts whose result is ready, in order
    handed_out: list[str] = field(default_factory=list)  # polled, not committed yet
    committed: list[str] = field(default_factory=list)
    employer_bonus_types: dict[str, str] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take_fault(self) -> str | None:
        with self._lock:
            return self.faults.pop(0) if self.faults else None

    def revoke_tokens(self) -> None:
        self.access_tokens.clear()

    def result_of(self, receipt: str) -> dict[str, Any]:
        sub = self.submissions[receipt]
        ok = sub.outcome == "SUCCES"
        return {
            "header": sub.header,
            "responseId": receipt,
            "result": {
                "code": "SUCCES" if ok else "FAIL",
                "codeType": "SUCCES" if ok else "ERROR",
                "description": sub.description,
                "ref": str(uuid.uuid5(uuid.NAMESPACE_URL, receipt)) if ok else None,
                "relatedResultsExpected": False,
            },
        }


def _problem(status: int, errors: list[str], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"status": status, "errors": errors}, status_code=status, headers=headers)


def make_router(state: State) -> APIRouter:
    router = APIRouter()

    async def fault() -> Response | float:
        """A fault's reply, or how long to delay the real reply (a "slow" request is processed first)."""
        kind = state.take_fault()
        if kind == "429":
            return _problem(429, ["Too many requests"], {"Retry-After": str(state.retry_after)})
        if kind == "401":
            return _problem(401, ["Unauthorized"])
        if kind == "500":
            return _problem(500, ["Internal server error"])
        return state.slow_seconds if kind == "slow" else 0.0

    async def late(delay: float, response: Response) -> Response:
        if delay:
            await asyncio.sleep(delay)
        return response

    def authorized(request: Request) -> bool:
        header = request.headers.get("authorization", "")
        return header.startswith("Bearer ") and header[7:] in state.access_tokens

    @router.post(TOKEN_PATH)
    async def token(request: Request) -> Response:
        state.requests.append(("POST", "token"))
        delay = await fault()
        if isinstance(delay, Response):
            return delay
        form = await request.form()
        if form.get("client_id") != state.client_id or form.get("client_secret") != state.client_secret:
            return JSONResponse(
                {"error": "unauthorized_client", "error_description": "Invalid client credentials"}, 401
            )
        grant = form.get("grant_type")
        if grant == "password" and (
            form.get("username") != state.username or form.get("password") != state.password
        ):
            return JSONResponse(
                {"error": "invalid_grant", "error_description": "Invalid user credentials"}, 401
            )
        if grant not in ("password", "client_credentials"):
            return JSONResponse({"error": "unsupported_grant_type"}, 400)
        access = uuid.uuid4().hex
        state.access_tokens.add(access)
        state.tokens_issued += 1
        return await late(
            delay,
            JSONResponse(
                {
                    "access_token": access,
                    "expires_in": state.token_lifetime,
                    "refresh_expires_in": 1800,
                    "token_type": "Bearer",
                    "scope": "profile email",
                }
            ),
        )

    async def guarded(request: Request, label: str) -> Response | float:
        state.requests.append((request.method, label))
        delay = await fault()
        if isinstance(delay, Response):
            return delay
        if not authorized(request):
            return _problem(401, ["Unauthorized"])
        return delay

    def accept(path: str, body: bytes, content_type: str, batch: bool) -> Response:
        from genius.compliance.reges.messages import (
            Batch,
            DocumentError,
            loads,
            messages_of,
            parse_xml,
            to_json,
        )

        try:
            doc = parse_xml(body) if "xml" in content_type else loads(body)
        except (DocumentError, ValidationError) as exc:
            return _problem(400, [str(exc)[:2000]])
        if isinstance(doc, Batch) != batch:
            return _problem(400, ["a batch goes to …/Batch, a single message to the entity path"])
        receipts = []
        for message in messages_of(doc):
            data = to_json(message)
            receipt = str(uuid.uuid4())
            failed = "FAKE-REJECT" in json.dumps(data) or message.header.operation in state.fail_operations
            state.submissions[receipt] = Submission(
                receipt=receipt,
                path=path,
                header=data["header"],
                body=data,
                polls_left=state.processing_polls,
                outcome="FAIL" if failed else "SUCCES",
                description="Eroare validare: datele nu corespund registrului"
                if failed
                else "Mesaj procesat cu succes",
            )
            if state.processing_polls <= 0:
                state.queue.append(receipt)
            receipts.append({"header": data["header"], "responseId": receipt})
        return JSONResponse(receipts if batch else receipts[0])

    def entity_route(entity: str, batch: bool) -> Any:
        label = f"{entity}/Batch" if batch else entity

        async def handler(request: Request) -> Response:
            delay = await guarded(request, label)
            if isinstance(delay, Response):
                return delay
            reply = accept(entity, await request.body(), request.headers.get("content-type", ""), batch)
            return await late(delay, reply)

        return handler

    for entity in ("Salariat", "Contract"):
        router.add_api_route(f"/reges/api/{entity}", entity_route(entity, False), methods=["POST"])
        router.add_api_route(f"/reges/api/{entity}/Batch", entity_route(entity, True), methods=["POST"])

    async def count_of(request: Request) -> int | Response:
        try:
            data = json.loads(await request.body())
            count = int(data["messages"])
        except (ValueError, KeyError, TypeError):
            return _problem(400, ['the body is {"messages": n}'])
        return max(0, min(count, 100))

    def advance() -> None:
        for receipt, sub in state.submissions.items():
            if sub.polls_left > 0:
                sub.polls_left -= 1
                if sub.polls_left == 0:
                    state.queue.append(receipt)

    @router.post("/reges/api/Status/PollBatch")
    async def poll_batch(request: Request) -> Response:
        delay = await guarded(request, "Status/PollBatch")
        if isinstance(delay, Response):
            return delay
        count = await count_of(request)
        if isinstance(count, Response):
            return count
        with state._lock:
            ready = [r for r in state.queue if r not in state.handed_out][:count]
            state.handed_out.extend(ready)
            advance()
        return await late(delay, JSONResponse([state.result_of(r) for r in ready]))

    @router.post("/reges/api/Status/ReadBatch")
    async def read_batch(request: Request) -> Response:
        delay = await guarded(request, "Status/ReadBatch")
        if isinstance(delay, Response):
            return delay
        count = await count_of(request)
        if isinstance(count, Response):
            return count
        return await late(delay, JSONResponse([state.result_of(r) for r in state.handed_out[:count]]))

    @router.post("/reges/api/Status/CommitReadBatch")
    async def commit_batch(request: Request) -> Response:
        delay = await guarded(request, "Status/CommitReadBatch")
        if isinstance(delay, Response):
            return delay
        count = await count_of(request)
        if isinstance(count, Response):
            return count
        with state._lock:
            done, state.handed_out = state.handed_out[:count], state.handed_out[count:]
            state.queue = [r for r in state.queue if r not in done]
            state.committed.extend(done)
        return JSONResponse({"messages": len(done)})

    @router.get("/reges/api/Nomenclator")
    async def nomenclator(request: Request, tip: str = "") -> Response:
        delay = await guarded(request, f"Nomenclator?tip={tip}")
        if isinstance(delay, Response):
            return delay
        if tip.lower() == "tipsporangajator":
            return JSONResponse([{"id": k, "nume": v} for k, v in state.employer_bonus_types.items()])
        if tip.lower() not in NOMENCLATORS:
            return _problem(400, [f"Nomenclator necunoscut: {tip}"])
        return await late(delay, JSONResponse(NOMENCLATORS[tip.lower()]))

    @router.api_route("/reges/api/Nomenclator/{name}", methods=["POST", "DELETE"])
    async def bonus_type(request: Request, name: str) -> Response:
        delay = await guarded(request, f"Nomenclator/{name}")
        if isinstance(delay, Response):
            return delay
        if name.lower() != "tipsporangajator":
            return _problem(404, [f"Nomenclator necunoscut: {name}"])
        try:
            data = json.loads(await request.body())
        except ValueError:
            return _problem(400, ["JSON body expected"])
        if request.method == "DELETE":
            if state.employer_bonus_types.pop(str(data.get("id", "")).lower(), None) is None:
                return _problem(404, ["Tip spor inexistent"])
            return JSONResponse({"id": data["id"]})
        bonus_id = str(data.get("id") or uuid.uuid4()).lower()
        state.employer_bonus_types[bonus_id] = str(data.get("nume", ""))
        return JSONResponse({"id": bonus_id, "nume": data.get("nume")})

    return router
