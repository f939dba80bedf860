"""A local stand-in for Slack, shaped like the real thing (api.slack.com):

* ``POST /api/chat.postMessage`` — Bearer token, JSON or form body; ``{"ok": true, "channel", "ts"}``;
  ``{"ok": false, "error": "channel_not_found"}`` for unknown channels; 429 + ``Retry-After`` when told to.
* ``POST /api/api.test`` — ``{"ok": true}``.
* ``POST /services/T…/B…/…`` — incoming webhook: ``ok`` as text/plain, 429 + ``Retry-After`` when told to.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse


@dataclass
class SlackState:
    token: str = "xoxb-test-token"
    channels: set[str] = field(default_factory=lambda: {"C0GENERAL", "#general"})
    rate_limit_next: int = 0
    retry_after: int = 1
    received: list[dict[str, Any]] = field(default_factory=list)
    webhooks: list[dict[str, Any]] = field(default_factory=list)


def fake_slack(state: SlackState) -> FastAPI:
    app = FastAPI()

    def limited() -> JSONResponse | None:
        if state.rate_limit_next > 0:
            state.rate_limit_next -= 1
            return JSONResponse(
                {"ok": False, "error": "ratelimited"},
                status_code=429,
                headers={"Retry-After": str(state.retry_after)},
            )
        return None

    @app.post("/api/api.test")
    async def api_test() -> dict[str, Any]:
        return {"ok": True}

    @app.post("/api/chat.postMessage")
    async def post_message(request: Request) -> JSONResponse:
        if request.headers.get("authorization") != f"Bearer {state.token}":
            return JSONResponse({"ok": False, "error": "invalid_auth"})
        if (r := limited()) is not None:
            return r
        if request.headers.get("content-type", "").startswith("application/json"):
            body = await request.json()
        else:
            body = dict(await request.form())
        if body.get("channel") not in state.channels:
            return JSONResponse({"ok": False, "error": "channel_not_found"})
        ts = f"{time.time():.6f}"
        state.received.append({**body, "ts": ts, "at": time.monotonic()})
        return JSONResponse(
            {"ok": True, "channel": body["channel"], "ts": ts, "message": {"text": body.get("text")}}
        )

    @app.post("/services/{team}/{bot}/{secret}")
    async def webhook(team: str, bot: str, secret: str, request: Request) -> PlainTextResponse:
        if limited() is not None:
            return PlainTextResponse(
                "rate_limited", status_code=429, headers={"Retry-After": str(state.retry_after)}
            )
        state.webhooks.append({**(await request.json()), "at": time.monotonic()})
        return PlainTextResponse("ok")

    return app
