"""Summaries under ``/v1/crm/{leads|opportunities}/{id}/summary``.

* ``POST``: asks for the summary. 202 with the pending summary (``Location`` → the GET) once the
  ``ai.summary.generate`` task is in the outbox; 200 when the stored summary is already of the current
  notes and activities (nothing is recomputed); 404 for an unknown record; 409 ``nothing-to-summarize``
  when the record has no notes or activities.
* ``GET``: 200 with the summary (ready, or failed with ``error``), 202 while it is pending
  (``Retry-After``), 404 when none was ever asked for.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from genius.core.auth.deps import TenantDB
from genius.core.kit.errors import NotFound
from genius.vettify.api import PROBLEMS, CorrId, actor
from genius.vettify.deps import CrmRead, CrmWrite
from genius.vettify.summaries import service
from genius.vettify.summaries.schemas import SummaryOut

router = APIRouter(prefix="/v1/crm", tags=["crm"])
SUBJECTS = (("leads", "lead"), ("opportunities", "opportunity"))
RETRY_AFTER = "2"
RESPONSES: dict[int | str, dict[str, Any]] = {
    202: {"model": SummaryOut, "description": "Pending: the task is queued or running"},
    404: PROBLEMS[404],
    409: {"description": "The record has no notes or activities to summarise"},
}


def out(row: Any, current: service.SummaryInput | None = None) -> SummaryOut:
    body = SummaryOut.model_validate(row)
    if current is not None and row.input_hash is not None:
        body.stale = row.input_hash != current.input_hash
    return body


def _pending(body: SummaryOut, location: str) -> JSONResponse:
    return JSONResponse(
        body.model_dump(mode="json"),
        status_code=202,
        headers={"Location": location, "Retry-After": RETRY_AFTER},
    )


def _routes(path: str, subject_type: str) -> None:
    label = "lead" if subject_type == "lead" else "opportunity"

    @router.post(
        f"/{path}/{{record_id}}/summary",
        response_model=SummaryOut,
        responses=RESPONSES,
        summary=f"Summarise the {label}'s notes, activities and e-mails (ai.summary)",
        operation_id=f"request_{subject_type}_summary",
    )
    def request_summary(
        record_id: uuid.UUID, principal: CrmWrite, db: TenantDB, request: Request, corr: CorrId = None
    ) -> Any:
        row, deferred = service.request(db, actor(principal, request, corr), subject_type, record_id)
        body = out(row)
        if deferred:
            return _pending(body, f"/v1/crm/{path}/{record_id}/summary")
        return body

    @router.get(
        f"/{path}/{{record_id}}/summary",
        response_model=SummaryOut,
        responses=RESPONSES,
        summary=f"The {label}'s summary (202 while it is made)",
        operation_id=f"get_{subject_type}_summary",
    )
    def get_summary(record_id: uuid.UUID, principal: CrmRead, db: TenantDB, response: Response) -> Any:
        row = service.get(db, subject_type, record_id)
        if row is None:
            raise NotFound(f"No summary of {label} {record_id} yet: POST to ask for one.")
        body = out(row, service.collect(db, subject_type, record_id))
        if row.status == "pending":
            return _pending(body, f"/v1/crm/{path}/{record_id}/summary")
        return body


for _path, _subject in SUBJECTS:
    _routes(_path, _subject)
