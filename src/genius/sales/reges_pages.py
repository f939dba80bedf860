"""The compliance desk's REGES page in the Shell: the tenant's messages to REGES (employees and their
contracts) with their state, the receipt REGES gave and its result, and a form that checks a message
(pasted or uploaded, XML or JSON as REGES takes it) with compliance's own checks (the model, the CNP
checksum, the XSD when configured), each finding where it is, in the user's language. Checking stores
and sends nothing.

A message that passes can then be sent ("Send to REGES", behind a confirmation): the page records it
exactly as ``POST /v1/compliance/reges/submissions`` does — ``reges.service.create`` under the
message's idempotency key (its SHA-256), and the ``reges.submit`` task as an outbox row of the page's
transaction — so a double click, or the same message sent again, finds the first submission and sends
nothing more. The submission's page shows its state, REGES's receipt and the result as the worker
reads them (it reloads itself until the state is final; "Check now" reads the status queue at once).

REGES messages carry personal data (CNPs): the pages take ``compliance:read`` (the scope of
``/v1/compliance/reges``), sending ``compliance:write`` — not the sales scopes of the desk's ANAF pages."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.exc import IntegrityError

from genius.compliance.reges import service as reges
from genius.core.auth.scopes import Scope
from genius.core.events.service import defer
from genius.core.kit.breaker import CircuitOpen
from genius.core.kit.errors import NotFound, Problem
from genius.core.kit.manifest import N_
from genius.core.kit.pagination import BadCursor
from genius.sales.finding_text import with_texts
from genius.sales.pages import PAGE_SIZE
from genius.web.kit import (
    CsrfChecked,
    PageDB,
    PageForm,
    PageUser,
    _,
    context,
    error_page,
    flash,
    page_requires,
    platform_of,
    render,
)

router = APIRouter(include_in_schema=False)
log = structlog.get_logger("genius.sales.reges")
ComplianceReader = Annotated[PageUser, Depends(page_requires(Scope.COMPLIANCE_READ))]
ComplianceWriter = Annotated[PageUser, Depends(page_requires(Scope.COMPLIANCE_WRITE))]

MAX_MESSAGE_BYTES = 5 * 1024 * 1024
STATES = {
    "pending": (N_("Queued"), "info"),
    "submitted": (N_("Sent to REGES"), "info"),
    "succeeded": (N_("Registered"), "ok"),
    "failed": (N_("Refused"), "err"),
}
ENTITIES = {"salariat": N_("Employee"), "contract": N_("Contract")}
SEVERITY = {"fatal": (N_("Error"), "err"), "warning": (N_("Warning"), "warn")}


def outcome(summary: dict[str, Any]) -> str:
    """REGES's answer in a line: its description (a refusal's reason), else the record's reference."""
    body = (summary.get("result") or {}).get("result") or {}
    if body.get("description"):
        return str(body["description"])
    if summary["state"] == "failed" and summary["errors"]:
        first = summary["errors"][0]
        return str(first.get("message") if isinstance(first, dict) else first)
    parts = [str(body[k]) for k in ("codeType", "code", "ref") if body.get(k)]
    return " · ".join(parts)


def _page(
    request: Request,
    user: PageUser,
    db: PageDB,
    *,
    state: str | None = None,
    cursor: str | None = None,
    status: int = 200,
    **extra: Any,
) -> Response:
    state = state if state in STATES else None
    try:
        page = reges.listing(db, user.account.tid, state=state, cursor=cursor, limit=PAGE_SIZE)
    except (BadCursor, Problem):  # an old or edited link: the first page
        page = reges.listing(db, user.account.tid, state=state, cursor=None, limit=PAGE_SIZE)
    base = "/sales/reges" + (f"?state={state}" if state else "")
    ctx = context(
        request,
        account=user.account,
        tenant=user.tenant,
        rows=[{**reges.summary(r), "outcome": outcome(reges.summary(r))} for r in page.items],
        state=state or "",
        reges_states={k: (_(label), tone) for k, (label, tone) in STATES.items()},
        entities={k: _(v) for k, v in ENTITIES.items()},
        severities={k: (_(label), tone) for k, (label, tone) in SEVERITY.items()},
        next_url=f"{base}{'&' if state else '?'}cursor={page.next}" if page.next else None,
        first_url=base if cursor else None,
        max_mb=MAX_MESSAGE_BYTES // 2**20,
        **({"errors": {}, "pasted": ""} | extra),
    )
    return render(request, "sales/reges.html", ctx, status)


@router.get("/sales/reges", response_class=HTMLResponse)
def messages(
    request: Request,
    user: ComplianceReader,
    db: PageDB,
    state: Annotated[str | None, Query(max_length=20)] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    return _page(request, user, db, state=state, cursor=cursor)


def _message_bytes(form: PageForm) -> tuple[bytes, str, str]:
    """The uploaded file (else the pasted text): its bytes, its name, and the pasted text to show again."""
    upload = form.get("file")
    data, name = b"", ""
    if upload is not None and not isinstance(upload, str):
        data = upload.file.read(MAX_MESSAGE_BYTES + 1)
        name = upload.filename or ""
    pasted = str(form.get("message") or "")
    if not data.strip() and pasted.strip():
        data, name = pasted.encode("utf-8"), _("pasted message")
    return data, name, pasted[:200_000]


def _size_error(data: bytes) -> str | None:
    if not data.strip():
        return _("Choose a file or paste the message (XML or JSON).")
    if len(data) > MAX_MESSAGE_BYTES:
        return _("The file is larger than %(n)s MB.", n=MAX_MESSAGE_BYTES // 2**20)
    return None


def _checked(
    request: Request, user: PageUser, db: PageDB, data: bytes, name: str, pasted: str, status: int = 200
) -> Response:
    """The page with the check's findings; a message that passes offers to be sent."""
    findings = with_texts(reges.check_document(data, platform_of(request).settings), reges.FINDING_TEMPLATES)
    fatal = sum(1 for f in findings if f["severity"] == "fatal")
    sendable: str | None = None
    operation = ""
    if not fatal:
        try:
            message = reges.parse_message(data)
            sendable = data.decode("utf-8-sig", errors="replace")
            operation = message.header.operation
        except Problem:  # a batch, the status queue's parameters…: checked, not sent from here
            sendable = None
    return _page(
        request,
        user,
        db,
        status=status,
        checked=True,
        file_name=name,
        findings=findings,
        fatal=fatal,
        warnings=len(findings) - fatal,
        pasted=pasted,
        sendable=sendable,
        send_operation=operation,
        can_send=Scope.COMPLIANCE_WRITE in user.account.scopes,
    )


@router.post("/sales/reges", response_class=HTMLResponse, dependencies=[CsrfChecked])
def validate(request: Request, user: ComplianceReader, db: PageDB, form: PageForm) -> Response:
    """Check one uploaded (or pasted) REGES message; nothing is stored or sent."""
    data, name, pasted = _message_bytes(form)
    error = _size_error(data)
    if error:
        return _page(request, user, db, status=422, errors={"file": error}, pasted=pasted)
    return _checked(request, user, db, data, name, pasted)


def _record(db: PageDB, user: PageUser, request: Request, message: Any) -> tuple[Any, bool]:
    """The submission of this message (recorded now, or the one a first click recorded) and whether
    this request recorded it. Two clicks at once: the second meets the unique key and reads the first."""
    settings = platform_of(request).settings
    tid = user.account.tid
    for attempt in (1, 2):
        try:
            with db.begin_nested():
                return reges.create(db, tid, message, settings=settings)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


@router.post("/sales/reges/send", response_class=HTMLResponse, dependencies=[CsrfChecked])
def send(request: Request, user: ComplianceWriter, db: PageDB, form: PageForm) -> Response:
    """Record a checked message and queue its sending to REGES (once, whatever the clicks)."""
    data = str(form.get("message") or "").encode("utf-8")
    error = _size_error(data)
    if error:
        return _page(request, user, db, status=422, errors={"file": error})
    try:
        message = reges.parse_message(data)
        row, created = _record(db, user, request, message)
    except Problem:  # changed since it was checked (or never was): the findings say why
        db.expire_all()
        return _checked(request, user, db, data, _("the message to send"), "", status=422)
    tid = user.account.tid
    if created:  # the send as an outbox row of this transaction: a broker outage only delays it
        defer(db, "reges.submit", tid=tid, args=[str(tid), str(row.id)], correlation_id=row.correlation_id)
    log.info("reges_send_requested", submission=str(row.id), created=created, operation=row.operation)
    response = RedirectResponse(f"/sales/reges/{row.id}", status_code=303)
    if created:
        return flash(response, _("Queued for REGES: its receipt and result show here."))
    return flash(response, _("This message was already sent: here is its submission."), "info")


def _submission(request: Request, user: PageUser, db: PageDB, submission_id: uuid.UUID) -> Response:
    try:
        row = reges.get(db, user.account.tid, submission_id)
    except NotFound:
        return error_page(request, 404)
    summary = reges.summary(row)
    body = (summary.get("result") or {}).get("result") or {}
    ctx = context(
        request,
        account=user.account,
        tenant=user.tenant,
        s=summary,
        outcome=outcome(summary),
        body=body,
        waiting=summary["state"] in ("pending", "submitted"),
        reges_states={k: (_(label), tone) for k, (label, tone) in STATES.items()},
        entities={k: _(v) for k, v in ENTITIES.items()},
    )
    return render(request, "sales/reges_submission.html", ctx)


@router.get("/sales/reges/{submission_id}", response_class=HTMLResponse)
def submission(request: Request, submission_id: uuid.UUID, user: ComplianceReader, db: PageDB) -> Response:
    return _submission(request, user, db, submission_id)


@router.post("/sales/reges/{submission_id}/refresh", response_class=HTMLResponse, dependencies=[CsrfChecked])
def refresh(request: Request, submission_id: uuid.UUID, user: ComplianceReader, db: PageDB) -> Response:
    """Read REGES's status queue now for this submission (the worker does it on its own, with backoff)."""
    try:
        reges.get(db, user.account.tid, submission_id)
    except NotFound:
        return error_page(request, 404)
    platform = platform_of(request)
    ctx = reges.Context(db=platform.db, settings=platform.settings, redis=platform.redis)
    response = RedirectResponse(f"/sales/reges/{submission_id}", status_code=303)
    try:
        found = reges.poll(ctx, user.account.tid, submission_id)
    except (
        reges.RegesError,
        CircuitOpen,
    ) as exc:  # unreachable, refused, its circuit open: the worker retries
        log.warning("reges_refresh_failed", submission=str(submission_id), error=str(exc)[:200])
        return flash(
            response, _("REGES could not be reached: the result is read again in the background."), "error"
        )
    if found["state"] == "submitted":
        return flash(response, _("REGES has no result for this message yet."), "info")
    return flash(response, _("REGES's result was read."))
