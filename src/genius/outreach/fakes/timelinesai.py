"""A local TimelinesAI (paths under ``/v1``, as ``https://api.timelines.ai/v1``), faithful to what the
client relies on: Bearer keys (401), ``{"status": "ok", "data": …}`` / ``{"status": "error", "message":
…}`` bodies, 400 for a recipient that is not an E.164 number, 50 requests a minute per WhatsApp account
(429 with ``Retry-After``), chats created by the first message, and injected faults (``State.faults``:
status codes answered by the next requests, in order).

Webhooks as TimelinesAI delivers them: ``POST|GET /v1/webhooks`` and ``DELETE /v1/webhooks/{id}`` manage
subscriptions (``event_type``, ``url``, ``enabled``); an inbound message is POSTed as JSON
``{"event_type": "message:received:new", "chat": {…}, "message": {…}}`` to every enabled subscription of
that type. With ``State.reply_rate`` above 0 the fake plays the leads: after each message we send, a
share of the recipients (chosen by their number, so the same ones always do) answer after
``reply_delay`` seconds with a line from ``REPLIES`` (Romanian and English, friendly, curious, refusing
and opting out), which is what makes ``genius demo``'s journeys and review queue move.

``create_app(state)`` for a server (``uvicorn``), ``make_router(state)`` to mount it elsewhere.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import structlog
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")
PER_MINUTE = 50
WEBHOOK_EVENTS = ("message:received:new", "message:sent:new", "message:new")
# What the fake's leads answer: the mix a cold campaign gets (the classifier sorts them; the refusals and
# opt-outs land in the review queue).
REPLIES = (
    "Bună ziua! Da, sunt interesat. Ne puteți suna mâine după ora 10?",
    "Mulțumesc pentru mesaj. Cât costă pentru o firmă cu 15 angajați?",
    "Trimiteți-mi vă rog o ofertă pe e-mail.",
    "Nu suntem interesați momentan.",
    "Vă rog să nu mă mai contactați.",
    "Sounds interesting, can we talk next week?",
    "Buna, revin eu saptamana viitoare, acum suntem in inventar.",
    "STOP",
    "Am mai primit astfel de mesaje și nu mă interesează. Ce tupeu!",
    "Perfect, aștept detaliile. Mulțumesc!",
)

log = structlog.get_logger("genius.outreach.fake_timelinesai")


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
    webhooks: dict[str, dict[str, Any]] = field(default_factory=dict)  # subscription id → subscription
    reply_rate: float = 0.0  # the share of recipients who answer (0: nobody; the tests drive replies)
    reply_delay: tuple[float, float] = (5.0, 40.0)  # seconds before an answer, spread by the message
    post: Any = None  # delivers a webhook: (url, json) → None; None = an HTTP POST
    timers: list[threading.Timer] = field(default_factory=list)
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

    # --- webhooks ------------------------------------------------------------------------------------
    def answers(self, phone: str) -> bool:
        """Whether the lead behind ``phone`` answers (the same numbers always do)."""
        if self.reply_rate <= 0:
            return False
        draw = int.from_bytes(hashlib.sha256(phone.encode()).digest()[:4], "big") / 2**32
        return draw < self.reply_rate

    def reply_text(self, phone: str, sent_uid: str) -> str:
        pick = int.from_bytes(hashlib.sha256(f"{phone}|{sent_uid}".encode()).digest()[:4], "big")
        return REPLIES[pick % len(REPLIES)]

    def answer_later(self, chat: dict[str, Any], sent: dict[str, Any]) -> None:
        """Schedule the lead's answer to our message ``sent`` (a daemon timer: nothing waits for it)."""
        low, high = self.reply_delay
        spread = int(sent["uid"][:8], 16) / 0xFFFFFFFF
        timer = threading.Timer(
            low + (high - low) * spread,
            self.deliver_reply,
            (chat, sent, self.reply_text(chat["phone"], sent["uid"])),
        )
        timer.daemon = True
        self.timers.append(timer)
        timer.start()

    def deliver_reply(self, chat: dict[str, Any], sent: dict[str, Any], text: str) -> dict[str, Any]:
        """The lead answers: the message is stored in the chat and sent to the subscribed webhooks."""
        with self._lock:
            message = self._store(chat, text, from_me=False)
        self.publish("message:received:new", chat, {**message, "reply_to_uid": sent["uid"]})
        return message

    def publish(self, event_type: str, chat: dict[str, Any], message: dict[str, Any]) -> None:
        # TimelinesAI's webhook body: the chat, the WhatsApp account and the message, its time as
        # "2026-12-04 10:15:00 +0200".
        at = datetime.fromisoformat(message["timestamp"]).astimezone()
        payload = {
            "event_type": event_type,
            "chat": {"chat_id": chat["id"], "phone": chat["phone"], "full_name": chat["name"]},
            "whatsapp_account": {"phone": chat["whatsapp_account_phone"]},
            "message": {
                "message_uid": message["uid"],
                "text": message["text"],
                "from_me": message["from_me"],
                "direction": "sent" if message["from_me"] else "received",
                "timestamp": at.strftime("%Y-%m-%d %H:%M:%S %z"),
                "reply_to_uid": message.get("reply_to_uid"),
            },
        }
        with self._lock:
            targets = [
                w["url"] for w in self.webhooks.values() if w["enabled"] and w["event_type"] == event_type
            ]
        for url in targets:
            try:
                if self.post is not None:
                    self.post(url, payload)
                else:
                    httpx.post(url, json=payload, timeout=10.0)
            except Exception as exc:  # the receiver is down: TimelinesAI drops the delivery, so do we
                log.warning("fake_timelinesai.webhook_failed", url=url.split("?")[0], error=str(exc))


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
        if state.answers(phone):
            state.answer_later(chat, message)
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

    @router.post("/webhooks")
    async def subscribe(request: Request) -> JSONResponse:
        if refused := gate(request, "*"):
            return refused
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return _error(400, "Body must be a JSON object")
        event_type, url = body.get("event_type"), body.get("url")
        if event_type not in WEBHOOK_EVENTS:
            return _error(400, f"event_type must be one of {', '.join(WEBHOOK_EVENTS)}")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            return _error(400, "url must be an http(s) URL")
        hook = {
            "id": str(len(state.webhooks) + 1),
            "event_type": event_type,
            "url": url,
            "enabled": body.get("enabled", True) is not False,
        }
        with state._lock:
            state.webhooks[hook["id"]] = hook
        return _ok(hook)

    @router.get("/webhooks")
    def webhooks(request: Request) -> JSONResponse:
        if refused := gate(request, "*"):
            return refused
        return _ok({"webhooks": list(state.webhooks.values())})

    @router.delete("/webhooks/{webhook_id}")
    def unsubscribe(request: Request, webhook_id: str) -> JSONResponse:
        if refused := gate(request, "*"):
            return refused
        with state._lock:
            hook = state.webhooks.pop(webhook_id, None)
        if hook is None:
            return _error(404, f"Webhook {webhook_id} not found")
        return _ok({"id": webhook_id})

    return router


def create_app(state: State | None = None) -> FastAPI:
    state = state or State()
    app = FastAPI(title="Fake TimelinesAI", docs_url=None, redoc_url=None)
    app.state.fake = state
    app.include_router(make_router(state))
    return app
