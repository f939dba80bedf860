"""The compliance desk's REGES page in the Shell: the tenant's messages to REGES (employees and their
contracts) with their state, the receipt REGES gave and its result, and a form that checks a message
(pasted or uploaded, XML or JSON as REGES takes it) with compliance's own checks (the model, the CNP
checksum, the XSD when configured), each finding where it is. Checking stores and sends nothing.

REGES messages carry personal data (CNPs): the page takes ``compliance:read`` (the scope of
``/v1/compliance/reges``), not the sales scopes of the desk's ANAF pages."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from genius.compliance.reges import service as reges
from genius.core.auth.scopes import Scope
from genius.core.kit.errors import Problem
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
    page_requires,
    platform_of,
    render,
)

router = APIRouter(include_in_schema=False)
ComplianceReader = Annotated[PageUser, Depends(page_requires(Scope.COMPLIANCE_READ))]

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


@router.post("/sales/reges", response_class=HTMLResponse, dependencies=[CsrfChecked])
def validate(request: Request, user: ComplianceReader, db: PageDB, form: PageForm) -> Response:
    """Check one uploaded (or pasted) REGES message; nothing is stored or sent."""
    upload = form.get("file")
    data, name = b"", ""
    if upload is not None and not isinstance(upload, str):
        data = upload.file.read(MAX_MESSAGE_BYTES + 1)
        name = upload.filename or ""
    pasted = str(form.get("message") or "")
    if not data.strip() and pasted.strip():
        data, name = pasted.encode("utf-8"), _("pasted message")
    error = None
    if not data.strip():
        error = _("Choose a file or paste the message (XML or JSON).")
    elif len(data) > MAX_MESSAGE_BYTES:
        error = _("The file is larger than %(n)s MB.", n=MAX_MESSAGE_BYTES // 2**20)
    if error:
        return _page(request, user, db, status=422, errors={"file": error}, pasted=pasted[:200_000])
    findings = with_texts(reges.check_document(data, platform_of(request).settings), reges.FINDING_TEMPLATES)
    fatal = sum(1 for f in findings if f["severity"] == "fatal")
    return _page(
        request,
        user,
        db,
        checked=True,
        file_name=name,
        findings=findings,
        fatal=fatal,
        warnings=len(findings) - fatal,
        pasted=pasted[:200_000],
    )
