"""The summary panel of the lead and opportunity pages (``ai.summary``).

``panel(db, subject_type, subject_id)`` is the panel's context for the record pages. The panel asks for
a summary with ``POST /crm/{leads|opportunities}/{id}/summary`` (the API's ``summaries.service.request``:
pending + an outbox task) and, while the summary is pending, htmx polls ``GET …/summary`` every 2 s;
the ready or failed panel has no trigger, so the polling stops. A failed summary shows why and a
"try again" button. Without htmx both routes go back to the record page.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from genius.core.kit.errors import NotFound, Problem
from genius.vettify.pages.common import CrmReader, CrmWriter, actor, can_write
from genius.vettify.summaries import service
from genius.web.kit import CsrfChecked, PageDB, PageUser, _, context, error_page, flash, render, toast

router = APIRouter(include_in_schema=False)
PATHS = {"lead": "leads", "opportunity": "opportunities"}


def panel(db: Session, subject_type: str, subject_id: uuid.UUID) -> dict[str, Any]:
    """The panel's state: ``empty`` (nothing to summarise), ``none`` (never asked), ``pending``,
    ``ready`` or ``failed``; ``summary_stale`` when the notes changed since the text was made."""
    current = service.collect(db, subject_type, subject_id)
    row = service.repository.summary_of(db, subject_type, subject_id)
    if row is not None:
        state = row.status
    else:
        state = "none" if current.sources else "empty"
    return {
        "summary": row,
        "summary_state": state,
        "summary_stale": bool(row and row.input_hash and row.input_hash != current.input_hash),
        "summary_url": f"/crm/{PATHS[subject_type]}/{subject_id}/summary",
    }


def _fragment(
    request: Request, user: PageUser, db: Session, subject_type: str, subject_id: uuid.UUID
) -> Response:
    ctx = context(request, can_write=can_write(user), **panel(db, subject_type, subject_id))
    return render(request, "vettify/summary_panel.html", ctx)


def _routes(subject_type: str) -> None:
    path = PATHS[subject_type]

    @router.get(f"/crm/{path}/{{record_id}}/summary", response_class=HTMLResponse)
    def summary_panel(request: Request, record_id: uuid.UUID, user: CrmReader, db: PageDB) -> Response:
        if not request.headers.get("hx-request"):
            return RedirectResponse(f"/crm/{path}/{record_id}", status_code=303)
        try:
            return _fragment(request, user, db, subject_type, record_id)
        except NotFound:
            return error_page(request, 404)

    @router.post(
        f"/crm/{path}/{{record_id}}/summary", response_class=HTMLResponse, dependencies=[CsrfChecked]
    )
    def summary_request(request: Request, record_id: uuid.UUID, user: CrmWriter, db: PageDB) -> Response:
        try:
            _row, deferred = service.request(db, actor(request, user), subject_type, record_id)
        except NotFound:
            return error_page(request, 404)
        except Problem:
            message, kind = _("There are no notes or activities to summarise yet."), "error"
        else:
            message, kind = (
                (_("The summary is being made; it appears here in a moment."), "success")
                if deferred
                else (_("The summary is already up to date."), "success")
            )
        if not request.headers.get("hx-request"):
            return flash(RedirectResponse(f"/crm/{path}/{record_id}", status_code=303), message, kind)
        return toast(_fragment(request, user, db, subject_type, record_id), message, kind)


for _subject in PATHS:
    _routes(_subject)
