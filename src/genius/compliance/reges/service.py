"""Sending employee and contract operations to REGES: validate, record, send once, read the result.

* ``create`` checks a message (our model and checks — CNP checksum included — plus the XSD when
  ``GENIUS_REGES_XSD`` points at it) and records it under an idempotency key (default:
  ``message_digest``, the same for a message sent as JSON or as XML): the same key again returns the
  first row; a key reused for another message is a 409. A message with fatal findings is refused
  (422, field-level ``errors``) and nothing is recorded.
* ``submit`` is the idempotency guard: under a row lock it moves ``pending`` → ``submitted`` and commits
  *before* calling REGES, so a retried task never sends twice. The receipt (``responseId``) is stored.
  When the call times out the row stays ``submitted`` without a receipt: the result is recognised by
  the message's ``messageId`` (the status queue returns the original header). A refusal before sending
  (4xx) → ``failed``; a temporary failure (429/5xx/unreachable) puts the row back to ``pending``.
* ``poll`` reads the status queue (``PollBatch`` then ``CommitReadBatch``). The queue belongs to the
  REGES account, not to a tenant, so every result read is kept in Redis (``genius:reges:result:*``, 14
  days) under its receipt and messageId, and each submission picks up its own. ``SUCCES`` →
  ``succeeded`` + ``reges.submission.succeeded``; ``FAIL`` → ``failed`` + ``reges.submission.failed``,
  in the same tenant transaction, with the submission's correlation id.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import redis
import structlog
from pydantic import ValidationError
from pydantic_core import to_jsonable_python
from sqlalchemy.orm import Session

from genius.compliance.common.backoff import poll_until
from genius.compliance.common.lifecycle import touch
from genius.compliance.reges import events as _events  # noqa: F401  (registers the topics)
from genius.compliance.reges import repository, schema
from genius.compliance.reges.base import RegesModel
from genius.compliance.reges.client import KeycloakTokens, RegesClient, RegesError, RegesTimeout
from genius.compliance.reges.findings import TEMPLATES
from genius.compliance.reges.messages import DocumentError, parse_json, parse_xml, to_json
from genius.compliance.reges.models import RegesSubmission
from genius.compliance.reges.validate import check, model_findings
from genius.compliance.reges.validate import validate as validate_document
from genius.config import Settings
from genius.core.db.session import Database
from genius.core.events.service import publish
from genius.core.kit.breaker import CircuitBreaker
from genius.core.kit.crypto import sha256_hex
from genius.core.kit.errors import Conflict, NotFound, Problem
from genius.core.kit.pagination import Page

log = structlog.get_logger("genius.reges")

# The findings' English templates by code, for the pages that show them in the user's language.
FINDING_TEMPLATES: dict[str, str] = TEMPLATES
RESULT_TTL = 14 * 86400
STASH_PREFIX = "genius:reges:result:"


class InvalidMessage(Problem):
    status, code, title = 422, "reges-invalid", "Invalid REGES message"


def xsd_path_of(settings: Settings | None) -> Path | None:
    """The optional official XSD (``GENIUS_REGES_XSD``); the product works without it."""
    value = getattr(settings, "reges_xsd", None) if settings is not None else None
    return Path(value) if value else None


def field_errors(findings: list[dict[str, str]]) -> list[dict[str, str]]:
    """Findings as the API's field-level ``errors`` (``field`` is the JSON path in the message)."""
    return [
        {"field": f["location"], "rule": f["rule"], "message": f["message"]}
        for f in findings
        if f["severity"] == "fatal"
    ]


@dataclass
class Context:
    """What the service needs besides the session (built by the API and the tasks)."""

    db: Database
    settings: Settings
    redis: redis.Redis | None = None
    http: httpx.Client | None = None
    timeout: float | None = None
    sleep: Callable[[float], None] = field(default=time.sleep)
    _client: RegesClient | None = field(default=None, init=False)
    _local_stash: dict[str, str] = field(default_factory=dict, init=False)

    def client(self) -> RegesClient:
        if self._client is None:
            http = self.http or httpx.Client(timeout=self.timeout or self.settings.reges_timeout)
            breaker = CircuitBreaker(
                "reges",
                client=self.redis,
                counts=lambda exc: isinstance(exc, RegesError) and exc.kind in ("unavailable", "timeout"),
            )
            self._client = RegesClient(
                self.settings,
                KeycloakTokens(self.settings, http),
                http=http,
                breaker=breaker,
                timeout=self.timeout or self.settings.reges_timeout,
                sleep=self.sleep,
            )
        return self._client

    # the account-wide status queue's results, shared by all tenants' submissions
    def stash(self, key: str, value: dict[str, Any]) -> None:
        text = json.dumps(value)
        if self.redis is not None:
            try:
                self.redis.set(STASH_PREFIX + key.lower(), text, ex=RESULT_TTL)
                return
            except redis.RedisError:
                pass
        self._local_stash[key.lower()] = text

    def unstash(self, key: str) -> dict[str, Any] | None:
        text: Any = None
        if self.redis is not None:
            try:
                text = self.redis.get(STASH_PREFIX + key.lower())
            except redis.RedisError:
                text = None
        if text is None:
            text = self._local_stash.get(key.lower())
        return json.loads(text) if text else None


def _now() -> datetime:
    return datetime.now(UTC)


def summary(row: RegesSubmission) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "entity": row.entity,
        "operation": row.operation,
        "message_id": row.message_id,
        "state": row.state,
        "receipt_id": row.receipt_id,
        "result": row.result,
        "errors": list(row.errors or []),
        "attempts": row.attempts,
        "polls": row.polls,
        "correlation_id": row.correlation_id,
        "submitted_at": row.submitted_at.isoformat() if row.submitted_at else None,
        "finished_at": row.finished_at.isoformat() if row.finished_at else None,
        "created_at": row.created_at.isoformat() if row.created_at else None,
        "updated_at": row.updated_at.isoformat() if row.updated_at else None,
    }


def check_document(data: bytes, settings: Settings | None = None) -> list[dict[str, str]]:
    """Every finding for a JSON or XML REGES document (our model and checks, the XSD when configured);
    broken input gives a finding, never an exception. Nothing is recorded (the desk's validate form)."""
    return [f.as_dict() for f in validate_document(data, xsd_path_of(settings))]


# --- create ------------------------------------------------------------------------------------------------
@contextmanager
def _refused_as_invalid() -> Iterator[None]:
    """A document that cannot be read, or does not fit the REGES model: 422 with its field errors."""
    try:
        yield
    except DocumentError as exc:
        raise InvalidMessage(
            str(exc), errors=[{"field": exc.location, "rule": "REGES-PARSE", "message": str(exc)}]
        ) from None
    except ValidationError as exc:
        findings = [f.as_dict() for f in model_findings(exc)]
        raise InvalidMessage(
            "the message does not fit the REGES model", errors=field_errors(findings)
        ) from None


def to_message(data: Any) -> schema.Message:
    """A JSON message (``$type`` salariat/contract) → its model; 422 with field errors otherwise."""
    with _refused_as_invalid():
        doc = parse_json(data)
    if not isinstance(doc, (schema.Salariat, schema.Contract)):
        raise InvalidMessage(
            "only employee (salariat) and contract messages are sent here",
            errors=[{"field": "/$type", "rule": "REGES-PARSE", "message": "expected salariat or contract"}],
        )
    return doc


def parse_message(data: bytes) -> schema.Message:
    """An employee or contract message as a file holds it (JSON as the REGES API takes it, or XML per
    the XSD) → its model; 422 with field errors otherwise (the desk's "send" form)."""
    try:
        with _refused_as_invalid():
            if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
                return to_message(json.loads(data.decode("utf-8-sig")))
            doc = parse_xml(data)
    except (ValueError, RecursionError) as exc:
        raise InvalidMessage(f"unreadable message: {exc}") from None
    return to_message(doc.model_dump(mode="json", by_alias=True, exclude_none=True))


def message_digest(message: schema.Message) -> str:
    """SHA-256 of what a message says, the same whether it came as JSON or as XML: the JSON ``$type``
    tags (kept as given for the round trip, in any casing, and absent from XML) are left out; the
    model's class, which they decided, stands in their place."""
    return sha256_hex(json.dumps(_content(message), sort_keys=True, ensure_ascii=False).encode())


def _content(value: Any) -> Any:
    if isinstance(value, RegesModel):
        out: dict[str, Any] = {"@": type(value).__name__}
        for name in type(value).model_fields:
            item = getattr(value, name)
            if name != "type_tag" and item is not None:
                out[name] = _content(item)
        return out
    if isinstance(value, (list, tuple)):
        return [_content(item) for item in value]
    return to_jsonable_python(value)


def create(
    session: Session,
    tid: uuid.UUID,
    message: schema.Message,
    *,
    settings: Settings | None = None,
    idempotency_key: str | None = None,
    correlation_id: str | None = None,
) -> tuple[RegesSubmission, bool]:
    """Check and record a message to send; the same key again returns the first row."""
    if not isinstance(message, (schema.Salariat, schema.Contract)):
        raise InvalidMessage("only employee (salariat) and contract messages are sent to REGES here")
    findings = [f.as_dict() for f in check(message, xsd_path_of(settings))]
    fatal = field_errors(findings)
    if fatal:
        raise InvalidMessage("the message has errors; nothing was sent", errors=fatal)
    payload = to_json(message)
    digest = message_digest(message)
    # rows recorded before the digest ignored ``$type``: their key and digest are the JSON's own
    legacy = sha256_hex(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode())
    key = idempotency_key or digest
    if len(key) > 128:
        raise InvalidMessage("the idempotency key is longer than 128 characters")
    existing = repository.submissions.by_key(session, tid, key)
    if existing is None and idempotency_key is None:
        existing = repository.submissions.by_key(session, tid, legacy)
    if existing is not None:
        if existing.payload_sha256 not in (digest, legacy):
            raise Conflict("This idempotency key was used for a different REGES message.")
        return existing, False
    row = RegesSubmission(
        id=uuid.uuid4(),
        tid=tid,
        idempotency_key=key,
        entity="salariat" if isinstance(message, schema.Salariat) else "contract",
        operation=message.header.operation,
        message_id=message.header.message_id.strip("{}").lower(),
        payload=payload,
        payload_sha256=digest,
        state="pending",
        errors=[f for f in findings if f["severity"] == "warning"],
        attempts=0,
        polls=0,
        correlation_id=correlation_id or uuid.uuid4().hex,
        created_at=_now(),
        updated_at=_now(),
    )
    repository.submissions.add(session, row)
    return row, True


def get(session: Session, tid: uuid.UUID, submission_id: uuid.UUID) -> RegesSubmission:
    row = repository.submissions.get(session, tid, submission_id)
    if row is None:
        raise NotFound(f"No REGES submission {submission_id}.")
    return row


def listing(
    session: Session, tid: uuid.UUID, *, state: str | None = None, cursor: str | None = None, limit: int = 50
) -> Page[RegesSubmission]:
    """The tenant's submissions, newest first (a keyset page; ``state`` filters)."""
    model = repository.submissions.model
    where = [model.state == state] if state else []
    return repository.submissions.page(session, tid, cursor=cursor, limit=limit, where=where)


def _locked(session: Session, tid: uuid.UUID, submission_id: uuid.UUID) -> RegesSubmission:
    row = repository.submissions.locked(session, tid, submission_id)
    if row is None:
        raise NotFound(f"No REGES submission {submission_id}.")
    return row


# --- submit ------------------------------------------------------------------------------------------------
def submit(ctx: Context, tid: uuid.UUID, submission_id: uuid.UUID) -> dict[str, Any]:
    """Send a pending submission once. Returns the summary (state ``submitted`` on success)."""
    with ctx.db.tenant_session(tid) as session:
        row = _locked(session, tid, submission_id)
        if row.state != "pending":
            return summary(row)  # the guard: sent (or being sent) already
        row.attempts += 1
        row.submitted_at = _now()
        touch(row, "submitted")
        payload = dict(row.payload)
    message = parse_json(payload)
    assert isinstance(message, schema.Message)
    try:
        receipt = ctx.client().submit(message)
    except RegesTimeout:
        with ctx.db.tenant_session(tid) as session:
            row = _locked(session, tid, submission_id)
            row.errors = ["the call timed out; REGES may have it: the result is matched by messageId"]
            row.updated_at = _now()
            return summary(row)
    except Exception as exc:
        with ctx.db.tenant_session(tid) as session:
            row = _locked(session, tid, submission_id)
            if isinstance(exc, RegesError) and exc.kind == "rejected":
                touch(row, "failed", [exc.message])
                _outcome(session, row, None)
                return summary(row)
            touch(row, "pending", [str(exc)])
        raise
    with ctx.db.tenant_session(tid) as session:
        row = _locked(session, tid, submission_id)
        row.receipt_id = receipt.response_id.strip("{}").lower()
        row.errors = []
        row.updated_at = _now()
        return summary(row)


# --- results -----------------------------------------------------------------------------------------------
def _outcome(session: Session, row: RegesSubmission, result: dict[str, Any] | None) -> None:
    body = (result or {}).get("result") or {}
    messages = [str(body["description"])] if body.get("description") else list(map(str, row.errors or []))
    publish(
        session,
        "reges.submission.succeeded" if row.state == "succeeded" else "reges.submission.failed",
        {
            "submission_id": row.id,
            "receipt_id": row.receipt_id,
            "message_id": row.message_id,
            "operation": row.operation,
            "entity": row.entity,
            "code": body.get("code"),
            "code_type": body.get("codeType"),
            "ref": body.get("ref"),
            "messages": messages,
        },
        tid=row.tid,
        aggregate_id=row.id,
        correlation_id=row.correlation_id,
    )


def drain(ctx: Context, batch: int = 100) -> int:
    """Read the account's status queue once (poll, stash every result, commit). Returns how many."""
    client = ctx.client()
    results = client.poll_batch(batch)
    for result in results:
        data = result.model_dump(mode="json", by_alias=True, exclude_none=True)
        ctx.stash(f"receipt:{result.response_id.strip('{}')}", data)
        ctx.stash(f"message:{result.header.message_id.strip('{}')}", data)
    if results:
        client.commit_read(len(results))
    return len(results)


def poll(ctx: Context, tid: uuid.UUID, submission_id: uuid.UUID) -> dict[str, Any]:
    """Look for the submission's result (in the stash, else after one drain of the queue)."""
    with ctx.db.tenant_session(tid) as session:
        row = get(session, tid, submission_id)
        if row.state != "submitted":
            return summary(row)
        receipt, message_id = row.receipt_id, row.message_id

    def found() -> dict[str, Any] | None:
        return (ctx.unstash(f"receipt:{receipt}") if receipt else None) or ctx.unstash(
            f"message:{message_id}"
        )

    result = found()
    if result is None:
        drain(ctx)
        result = found()
    with ctx.db.tenant_session(tid) as session:
        row = _locked(session, tid, submission_id)
        row.polls += 1
        row.updated_at = _now()
        if row.state != "submitted" or result is None:
            return summary(row)
        body = result.get("result") or {}
        if not row.receipt_id and result.get("responseId"):
            row.receipt_id = str(result["responseId"]).strip("{}").lower()
        row.result = result
        ok = body.get("code") == "SUCCES"
        touch(row, "succeeded" if ok else "failed", [] if ok else [str(body.get("description") or "FAIL")])
        _outcome(session, row, result)
        log.info("reges_result", submission=str(row.id), state=row.state, operation=row.operation)
        return summary(row)


def follow(
    ctx: Context,
    tid: uuid.UUID,
    submission_id: uuid.UUID,
    *,
    initial: float = 2.0,
    factor: float = 2.0,
    max_delay: float = 60.0,
    max_polls: int = 20,
) -> dict[str, Any]:
    """Poll with exponential backoff until the state is final (or ``max_polls``)."""
    return poll_until(
        lambda: poll(ctx, tid, submission_id),
        lambda result: result["state"] == "submitted",
        ctx.sleep,
        initial=initial,
        factor=factor,
        max_delay=max_delay,
        max_polls=max_polls,
    )
