"""Local Resend and Instantly servers, faithful to what the clients rely on (public API docs):

* **Resend** ``POST /emails``: Bearer key (401 ``missing_api_key`` without one, 403 ``invalid_api_key``
  for a wrong one), 422 ``validation_error`` for a missing ``from``/``to``/``subject`` or a malformed
  address, ``Idempotency-Key``: the same key answers the same id and sends nothing more (24 h in
  Resend; for the process's life here).
* **Instantly** API v2: ``POST /api/v2/leads`` (``campaign``, ``email``, ``custom_variables``,
  ``skip_if_in_campaign`` → the existing lead comes back), ``GET /api/v2/campaigns/{id}``, ``POST
  /api/v2/campaigns/{id}/activate``, ``POST /api/v2/emails/reply``; 401 for a wrong key, 404 for an
  unknown campaign, 400 for a missing e-mail.

``faults``: status codes answered by the next requests, in order (429 carries ``Retry-After``).
``create_app(resend, instantly)`` serves both (Resend at ``/resend``, Instantly at ``/instantly``).
"""

from __future__ import annotations

import re
import threading
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

DEMO_CAMPAIGN = "0196a1f0-0000-7000-8000-000000000001"  # the campaign the fake Instantly knows
ADDRESS = re.compile(r"^(?:[^<>]*<)?[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+>?$")


@dataclass
class Provider:
    api_key: str
    faults: deque[int] = field(default_factory=deque)
    retry_after: int = 1
    requests: list[tuple[str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fault(self) -> int | None:
        with self._lock:
            return self.faults.popleft() if self.faults else None


@dataclass
class ResendState(Provider):
    api_key: str = "re_fake_key"
    sent: list[dict[str, Any]] = field(default_factory=list)
    by_key: dict[str, str] = field(default_factory=dict)


@dataclass
class InstantlyState(Provider):
    api_key: str = "inst_fake_key"
    campaigns: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {
            DEMO_CAMPAIGN: {"id": DEMO_CAMPAIGN, "name": "Genius cold outreach", "status": 0}
        }
    )
    leads: dict[str, dict[str, Any]] = field(default_factory=dict)
    replies: list[dict[str, Any]] = field(default_factory=list)


def _resend_error(
    status: int, name: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"statusCode": status, "name": name, "message": message}, status, headers=headers)


def _instantly_error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    error = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 429: "Too Many Requests"}.get(
        status, "Error"
    )
    return JSONResponse({"statusCode": status, "error": error, "message": message}, status, headers=headers)


def _faulted(state: Provider, request: Request, make: Any) -> JSONResponse | None:
    state.requests.append((request.method, request.url.path))
    status = state.fault()
    if status is None:
        return None
    headers = {"Retry-After": str(state.retry_after)} if status == 429 else None
    response: JSONResponse = make(status, "injected fault", headers)
    return response


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    return header[7:] if header.lower().startswith("bearer ") else None


async def _json(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def resend_router(state: ResendState) -> APIRouter:
    router = APIRouter()

    def fault(status: int, message: str, headers: dict[str, str] | None) -> JSONResponse:
        name = "rate_limit_exceeded" if status == 429 else "application_error"
        return _resend_error(status, name, message, headers)

    @router.post("/emails")
    async def send(request: Request) -> JSONResponse:
        if (injected := _faulted(state, request, fault)) is not None:
            return injected
        key = _bearer(request)
        if key is None:
            return _resend_error(401, "missing_api_key", "Missing API key in the authorization header")
        if key != state.api_key:
            return _resend_error(403, "invalid_api_key", "API key is invalid")
        body = await _json(request)
        to = body.get("to")
        recipients = [to] if isinstance(to, str) else to
        if not body.get("from") or not ADDRESS.match(str(body["from"])):
            return _resend_error(422, "validation_error", "Invalid `from` field.")
        if not recipients or not all(isinstance(r, str) and ADDRESS.match(r) for r in recipients):
            return _resend_error(422, "validation_error", "Invalid `to` field.")
        if not body.get("subject"):
            return _resend_error(422, "validation_error", "Missing `subject` field.")
        idem = request.headers.get("idempotency-key")
        with state._lock:
            if idem and idem in state.by_key:
                return JSONResponse({"id": state.by_key[idem]})
            email_id = str(uuid.uuid4())
            if idem:
                state.by_key[idem] = email_id
            state.sent.append({"id": email_id, **body, "created_at": datetime.now(UTC).isoformat()})
        return JSONResponse({"id": email_id})

    return router


def instantly_router(state: InstantlyState) -> APIRouter:
    router = APIRouter(prefix="/api/v2")

    def gate(request: Request) -> JSONResponse | None:
        if (injected := _faulted(state, request, _instantly_error)) is not None:
            return injected
        if _bearer(request) != state.api_key:
            return _instantly_error(401, "Invalid API key")
        return None

    @router.post("/leads")
    async def add_lead(request: Request) -> JSONResponse:
        if (refused := gate(request)) is not None:
            return refused
        body = await _json(request)
        email = str(body.get("email") or "").strip().lower()
        if not email or not ADDRESS.match(email):
            return _instantly_error(400, "body/email must be a valid e-mail address")
        campaign = body.get("campaign")
        if campaign is not None and campaign not in state.campaigns:
            return _instantly_error(404, "Campaign not found")
        with state._lock:
            if body.get("skip_if_in_campaign"):
                for lead in state.leads.values():
                    if lead["email"] == email and lead["campaign"] == campaign:
                        return JSONResponse(lead)
            lead_id = str(uuid.uuid4())
            lead = {
                "id": lead_id,
                "email": email,
                "campaign": campaign,
                "first_name": body.get("first_name"),
                "last_name": body.get("last_name"),
                "company_name": body.get("company_name"),
                "payload": body.get("custom_variables") or {},
                "timestamp_created": datetime.now(UTC).isoformat(),
            }
            state.leads[lead_id] = lead
        return JSONResponse(lead)

    @router.get("/campaigns/{campaign_id}")
    def campaign(campaign_id: str, request: Request) -> JSONResponse:
        if (refused := gate(request)) is not None:
            return refused
        found = state.campaigns.get(campaign_id)
        return JSONResponse(found) if found else _instantly_error(404, "Campaign not found")

    @router.post("/campaigns/{campaign_id}/activate")
    def activate(campaign_id: str, request: Request) -> JSONResponse:
        if (refused := gate(request)) is not None:
            return refused
        found = state.campaigns.get(campaign_id)
        if found is None:
            return _instantly_error(404, "Campaign not found")
        found["status"] = 1
        return JSONResponse(found)

    @router.post("/emails/reply")
    async def reply(request: Request) -> JSONResponse:
        if (refused := gate(request)) is not None:
            return refused
        body = await _json(request)
        if not body.get("reply_to_uuid") or not body.get("eaccount"):
            return _instantly_error(400, "body must have required properties reply_to_uuid, eaccount")
        email = {"id": str(uuid.uuid4()), **body}
        state.replies.append(email)
        return JSONResponse(email)

    return router


def create_app(resend: ResendState | None = None, instantly: InstantlyState | None = None) -> FastAPI:
    app = FastAPI(title="Fake Resend and Instantly")
    app.include_router(resend_router(resend or ResendState()), prefix="/resend")
    app.include_router(instantly_router(instantly or InstantlyState()), prefix="/instantly")
    return app
