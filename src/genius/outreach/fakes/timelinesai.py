"""A local TimelinesAI (paths under ``/v1``, as ``https://api.timelines.ai/v1``), faithful to what the
client relies on: Bearer keys (401), ``{"status": "ok", "data": …}`` / ``{"status": "error", "message":
…}`` bodies, 400 for a recipient that is not an E.164 number, 50 requests a minute per WhatsApp account
(429 with ``Retry-After``), chats created by the first message, and injected faults (``State.faults``:
status codes answered by the next requests, in order).

``create_app(state)`` for a server (``uvicorn``), ``make_router(state)`` to mount it elsewhere.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")
PER_MINUTE = 50


@dataclass
class State:
    api_key: str = "tla_fake_key"
    # WhatsApp account phone → status ("active", "disconnected")
    accounts: dict[str, str] = field(default_factory=lambda: {"+40700000001": "active"})
    faults: deque[int] = field(default_factory=deque)
    retry_after: int = 1
    chats: dict[str, dict[str, Any]] = field(default_factory=dict)  # chat id → chat
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    requests: list[tuple[str, str, str]] = field(default_factory=list)  # (method, path, account)
    clock: Any = time.monotonic
    _hits: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def chat_for(self, account: str, phone: str) -> dict[str, Any]:
        for chat in self.chats.values():
            if chat["whatsapp_account_phone"] == account and chat["phone"] == phone:
                return chat
        chat = {
            "id": str(len(self.chats) + 1000),
            "name": phone,
            "phone": phone,
            "whatsapp_account_phone": account,
        }
        chat["last_message_timestamp"] = None
        self.chats[chat["id"]] = chat
        return chat

    def receive(self, account: str, phone: str, text: str) -> dict[str, Any]:
        """An inbound message from ``phone`` (tests: a lead answers)."""
        return self._store(self.chat_for(account, phone), text, from_me=False)

    def _store(self, chat: dict[str, Any], text: str, *, from_me: bool) -> dict[str, Any]:
        now = datetime.now(UTC).isoformat()
        message = {"uid": uuid.uuid4().hex, "text": text, "from_me": from_me, "timestamp": now}
        self.messages[chat["id"]].append(message)
        chat["last_message_timestamp"] = now
        return message


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"status": "error", "message": message}, status_code=status, headers=headers)


def _ok(data: dict[str, Any]) -> JSONResponse:
    return JSONResponse({"status": "ok", "data": data})


def make_router(state: State) -> APIRouter:
    router = APIRouter(prefix="/v1")

    def gate(request: Request, account: str) -> JSONResponse | None:
        with state._lock:
            state.requests.append((request.method, request.url.path, account))
            if request.headers.get("authorization") != f"Bearer {state.api_key}":
                return _error(401, "Unauthorized: invalid API token")
            if state.faults:
                status = state.faults.popleft()
                headers = {"Retry-After": str(state.retry_after)} if status == 429 else None
                return _error(status, "injected fault", headers)
            hits = state._hits[account]
            now = state.clock()
            while hits and hits[0] <= now - 60:
                hits.popleft()
            if len(hits) >= PER_MINUTE:
                wait = max(1, int(hits[0] + 60 - now) + 1)
                return _error(429, "Too many requests", {"Retry-After": str(wait)})
            hits.append(now)
        return None

    @router.post("/messages")
    async def send(request: Request) -> JSONResponse:
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return _error(400, "Body must be a JSON object")
        account = str(body.get("whatsapp_account_phone") or "")
        if refused := gate(request, account):
            return refused
        phone, text = str(body.get("phone") or ""), body.get("text")
        if account not in state.accounts:
            return _error(400, f"Unknown WhatsApp account {account}")
        if state.accounts[account] != "active":
            return _error(400, f"WhatsApp account {account} is {state.accounts[account]}")
        if not E164.match(phone):
            return _error(400, f"Invalid phone number: {phone}")
        if not isinstance(text, str) or not text.strip():
            return _error(400, "text is required")
        with state._lock:
            chat = state.chat_for(account, phone)
            message = state._store(chat, text, from_me=True)
        return _ok({"message_uid": message["uid"], "chat_id": chat["id"]})

    @router.get("/chats/{chat_id}/messages")
    def history(request: Request, chat_id: str, limit: int = 50) -> JSONResponse:
        chat = state.chats.get(chat_id)
        if refused := gate(request, chat["whatsapp_account_phone"] if chat else ""):
            return refused
        if chat is None:
            return _error(404, f"Chat {chat_id} not found")
        newest_first = list(reversed(state.messages[chat_id]))[: max(1, min(limit, 100))]
        return _ok({"messages": newest_first})  # the API lists newest first; the client sorts

    @router.get("/whatsapp_accounts")
    def accounts(request: Request) -> JSONResponse:
        if refused := gate(request, "*"):
            return refused
        return _ok({"whatsapp_accounts": [{"phone": p, "status": s} for p, s in state.accounts.items()]})

    @router.get("/chats")
    def chats(request: Request, whatsapp_account_phone: str = "", limit: int = 50) -> JSONResponse:
        if refused := gate(request, whatsapp_account_phone):
            return refused
        rows = [c for c in state.chats.values() if c["whatsapp_account_phone"] == whatsapp_account_phone]
        public = [{k: v for k, v in c.items() if k != "whatsapp_account_phone"} for c in rows]
        return _ok({"chats": public[: max(1, min(limit, 100))]})

    return router


def create_app(state: State | None = None) -> FastAPI:
    state = state or State()
    app = FastAPI(title="Fake TimelinesAI", docs_url=None, redoc_url=None)
    app.state.fake = state
    app.include_router(make_router(state))
    return app
