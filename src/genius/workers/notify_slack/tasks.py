"""Queue ``notify.slack``: incoming webhooks and ``chat.postMessage`` through slack_sdk.

Slack answers 429 with ``Retry-After`` (seconds) when rate limited; the task is retried after
exactly that long instead of blocking the worker.
"""

from __future__ import annotations

from typing import Any

from celery import Task
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from genius.config import get_settings
from genius.workers import idempotency
from genius.workers.celery_app import celery_app

MAX_RETRIES = 8


class SlackError(Exception):
    """Slack refused the message for good (bad channel, revoked token, invalid payload)."""


def _retry_after(headers: Any, default: int = 30) -> int:
    value = None
    if headers:
        value = headers.get("Retry-After") or headers.get("retry-after")
        if isinstance(value, list):
            value = value[0] if value else None
    try:
        return max(1, int(value)) if value is not None else default
    except (TypeError, ValueError):
        return default


@celery_app.task(
    name="notify.slack.webhook",
    bind=True,
    acks_late=True,
    max_retries=MAX_RETRIES,
    autoretry_for=(idempotency.InProgress,),
    retry_backoff=1,
)
def post_webhook(
    self: Task,
    text: str,
    blocks: list[dict[str, Any]] | None = None,
    webhook_url: str | None = None,
    idempotency_key: str | None = None,
) -> dict[str, Any]:
    url = webhook_url or get_settings().slack_webhook_url
    if not url:
        raise SlackError("no webhook URL: pass webhook_url or set GENIUS_SLACK_WEBHOOK_URL")

    def deliver() -> dict[str, Any]:
        response = WebhookClient(url, timeout=10).send(text=text, blocks=blocks)
        if response.status_code == 429:
            raise self.retry(countdown=_retry_after(response.headers))
        if response.status_code >= 500:
            raise self.retry(countdown=min(2**self.request.retries * 5, 300))
        if response.status_code != 200:
            raise SlackError(f"webhook refused: {response.status_code} {response.body}")
        return {"ok": True, "status": response.status_code}

    return idempotency.once("notify.slack.webhook", idempotency_key, deliver, owner=self.request.id)


@celery_app.task(
    name="notify.slack.post",
    bind=True,
    acks_late=True,
    max_retries=MAX_RETRIES,
    autoretry_for=(idempotency.InProgress,),
    retry_backoff=1,
)
def post_message(
    self: Task,
    channel: str,
    text: str,
    blocks: list[dict[str, Any]] | None = None,
    idempotency_key: str | None = None,
) -> dict[str, Any]:
    settings = get_settings()
    if not settings.slack_bot_token:
        raise SlackError("GENIUS_SLACK_BOT_TOKEN is not set")

    def deliver() -> dict[str, Any]:
        client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=10)
        try:
            response = client.chat_postMessage(channel=channel, text=text, blocks=blocks)
        except SlackApiError as exc:
            if exc.response.status_code == 429:
                raise self.retry(countdown=_retry_after(exc.response.headers)) from exc
            if exc.response.status_code >= 500:
                raise self.retry(countdown=min(2**self.request.retries * 5, 300)) from exc
            raise SlackError(f"chat.postMessage failed: {exc.response.get('error')}") from exc
        return {"ok": True, "channel": response.get("channel"), "ts": response.get("ts")}

    return idempotency.once("notify.slack.post", idempotency_key, deliver, owner=self.request.id)


def health() -> str:
    """Deep check: the Slack API answers ``api.test`` (or the webhook host resolves)."""
    settings = get_settings()
    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=5)
    response = client.api_test()
    return f"slack api.test ok={response.get('ok')}"
