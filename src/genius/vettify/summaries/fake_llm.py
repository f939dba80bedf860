"""A local OpenAI-compatible chat-completions server, faithful to what clients rely on.

* ``POST /v1/chat/completions``: Bearer key (401 ``invalid_api_key``), a JSON body with ``model`` (404
  ``model_not_found`` for an unknown one) and non-empty ``messages`` of ``{role, content}`` (400
  ``invalid_request_error``); ``max_tokens`` or ``max_completion_tokens`` caps the answer (then
  ``finish_reason: "length"``). The answer has OpenAI's shape: ``id``, ``object: "chat.completion"``,
  ``created``, ``model``, ``choices[{index, message{role, content}, finish_reason}]``, ``usage``.
* ``GET /v1/models``: the known models.
* Injected faults (``State.faults``): statuses answered by the next requests, in order; a 429 or 503
  carries ``Retry-After``. Errors use OpenAI's ``{"error": {message, type, param, code}}``.

The "model" summarises the last user message with the offline extractive summariser, so answers are
deterministic and real text.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from genius.vettify.summaries.extractive import summarize, words


@dataclass
class State:
    api_key: str = "sk-fake-key"
    models: tuple[str, ...] = ("gpt-4o-mini", "llama3.1:8b")
    faults: deque[int] = field(default_factory=deque)
    retry_after: int = 1
    requests: list[dict[str, Any]] = field(default_factory=list)  # request bodies received
    _lock: threading.Lock = field(default_factory=threading.Lock)


ERROR_TYPES = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    404: ("invalid_request_error", "model_not_found"),
    429: ("rate_limit_exceeded", "rate_limit_exceeded"),
    500: ("server_error", None),
    503: ("server_error", None),
}


def _error(
    status: int, message: str, retry_after: int | None = None, param: str | None = None
) -> JSONResponse:
    kind, code = ERROR_TYPES.get(status, ("server_error", None))
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    return JSONResponse(body, status_code=status, headers=headers)


def make_router(state: State) -> APIRouter:
    router = APIRouter(prefix="/v1")

    @router.post("/chat/completions")
    async def completions(request: Request) -> JSONResponse:
        if request.headers.get("authorization") != f"Bearer {state.api_key}":
            return _error(401, "Incorrect API key provided.")
        try:
            body = await request.json()
        except ValueError:
            body = None
        with state._lock:
            state.requests.append(body if isinstance(body, dict) else {})
            if state.faults:
                status = state.faults.popleft()
                wait = state.retry_after if status in (429, 503) else None
                return _error(status, "injected fault", wait)
        if not isinstance(body, dict):
            return _error(400, "We could not parse the JSON body of your request.")
        model = body.get("model")
        if not isinstance(model, str) or not model:
            return _error(400, "you must provide a model parameter", param="model")
        if model not in state.models:
            return _error(404, f"The model `{model}` does not exist.", param="model")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return _error(400, "messages must be a non-empty array", param="messages")
        for m in messages:
            if (
                not isinstance(m, dict)
                or m.get("role") not in ("system", "user", "assistant")
                or not isinstance(m.get("content"), str)
            ):
                return _error(400, "each message needs a role and a string content", param="messages")
        limit = body.get("max_completion_tokens", body.get("max_tokens"))
        if limit is not None and (not isinstance(limit, int) or limit < 1):
            return _error(400, "max_tokens must be a positive integer", param="max_tokens")
        user = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
        answer = summarize(user, 2) or "—"
        tokens = answer.split()
        finish = "stop"
        if limit is not None and len(tokens) > limit:
            answer, finish = " ".join(tokens[:limit]), "length"
        prompt_tokens = sum(len(words(m["content"])) for m in messages)
        return JSONResponse(
            {
                "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": answer},
                        "logprobs": None,
                        "finish_reason": finish,
                    }
                ],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": len(answer.split()),
                    "total_tokens": prompt_tokens + len(answer.split()),
                },
            }
        )

    @router.get("/models")
    def models(request: Request) -> JSONResponse:
        if request.headers.get("authorization") != f"Bearer {state.api_key}":
            return _error(401, "Incorrect API key provided.")
        data = [{"id": m, "object": "model", "created": 0, "owned_by": "genius-fake"} for m in state.models]
        return JSONResponse({"object": "list", "data": data})

    return router


def create_app(state: State | None = None) -> FastAPI:
    state = state or State()
    app = FastAPI(title="Fake chat completions", docs_url=None, redoc_url=None)
    app.state.fake = state
    app.include_router(make_router(state))
    return app
