"""An OpenAI-compatible chat-completions client (``POST {base}/chat/completions``).

Works with OpenAI, vLLM, llama.cpp's server and Ollama (``http://localhost:11434/v1``): the request
is the common subset (``model``, ``messages``, ``max_tokens``, ``temperature``), the answer is read from
``choices[0].message.content``. The Bearer key is sent only when one is configured (local servers need
none).

* Timeout on every request (``GENIUS_AI_SUMMARY_TIMEOUT``).
* 429, 5xx, timeouts and network errors are retried with exponential backoff (1 s, 2 s, 4 s …,
  honouring ``Retry-After``, at most 60 s a wait) up to ``max_retries`` times, then raised as
  ``Temporary`` (the task retries later). 400, 401, 403, 404 and answers without a message are
  ``Permanent``: retrying cannot help.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

MAX_WAIT = 60.0


class ChatError(Exception):
    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class Temporary(ChatError):
    """Rate limited, unavailable or timed out: may succeed later."""


class Permanent(ChatError):
    """Refused (bad request, key, model) or an answer that is not a chat completion."""


@dataclass(frozen=True)
class Completion:
    text: str
    model: str
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int


class ChatClient:
    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout: float = 30.0,
        max_retries: int = 3,
        max_tokens: int = 400,
        base_delay: float = 1.0,
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.api_key = api_key
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_tokens = max_tokens
        self.base_delay = base_delay
        self.http = http or httpx.Client(timeout=timeout)
        self.sleep = sleep

    def complete(self, messages: Sequence[dict[str, str]], *, temperature: float = 0.2) -> Completion:
        body = {
            "model": self.model,
            "messages": list(messages),
            "max_tokens": self.max_tokens,
            "temperature": temperature,
        }
        headers = {"Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        attempt = 0
        while True:
            try:
                response = self.http.post(self.url, json=body, headers=headers, timeout=self.timeout)
            except httpx.HTTPError as exc:
                error: ChatError = Temporary(f"chat completions: {exc or type(exc).__name__}")
            else:
                if response.status_code < 400:
                    return _completion(response, self.model)
                error = _error(response)
            if isinstance(error, Permanent) or attempt >= self.max_retries:
                raise error
            self.sleep(min(MAX_WAIT, max(error.retry_after or 0.0, self.base_delay * 2**attempt)))
            attempt += 1


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _completion(response: httpx.Response, model: str) -> Completion:
    body = _json(response)
    try:
        choice = body["choices"][0]
        text = choice["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise Permanent("the server's answer is not a chat completion", status=response.status_code) from None
    if not isinstance(text, str) or not text.strip():
        raise Permanent("the model answered with an empty message", status=response.status_code)
    raw_usage = body.get("usage")
    usage: dict[str, Any] = raw_usage if isinstance(raw_usage, dict) else {}
    return Completion(
        text=text.strip(),
        model=str(body.get("model") or model),
        finish_reason=str(choice.get("finish_reason") or ""),
        prompt_tokens=int(usage.get("prompt_tokens") or 0),
        completion_tokens=int(usage.get("completion_tokens") or 0),
    )


def _error(response: httpx.Response) -> ChatError:
    status = response.status_code
    detail = _json(response).get("error")
    message = str(detail.get("message") if isinstance(detail, dict) else detail or response.reason_phrase)
    raw = response.headers.get("Retry-After")
    retry_after = float(raw) if raw and raw.replace(".", "", 1).isdigit() else None
    text = f"chat completions {status}: {message}"
    if status == 429 or status >= 500 or status == 408:
        return Temporary(text, status=status, retry_after=retry_after)
    return Permanent(text, status=status)
