"""Churn under ``/v1/crm``.

* ``GET /accounts/{id}/churn`` (crm:read): the account's latest score (bucket, top features, model
  version); 404 for an unknown account or one never scored.
* ``POST /churn/train`` (crm:write): defers ``ai.churn.train`` for the tenant (202 + the task id); the
  task trains when the tenant has enough labelled history, then rescores every account.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from genius.core.auth.deps import TenantDB
from genius.core.kit.errors import NotFound
from genius.vettify.api import PROBLEMS, CorrId, actor
from genius.vettify.churn import service
from genius.vettify.churn.schemas import ChurnOut, TrainOut
from genius.vettify.deps import CrmRead, CrmWrite

router = APIRouter(prefix="/v1/crm", tags=["crm"])


@router.get(
    "/accounts/{account_id}/churn",
    response_model=ChurnOut,
    responses={404: PROBLEMS[404]},
    summary="The account's churn risk (ai.churn): score, bucket, top features, model version",
    operation_id="get_account_churn",
)
def get_churn(account_id: uuid.UUID, principal: CrmRead, db: TenantDB) -> Any:
    row = service.get(db, account_id)
    if row is None:
        raise NotFound(f"Account {account_id} has not been scored yet.")
    return ChurnOut.model_validate(row)


@router.post(
    "/churn/train",
    response_model=TrainOut,
    status_code=202,
    summary="Train the tenant's churn model and rescore every account (ai.churn.train)",
    operation_id="train_churn_model",
)
def train(principal: CrmWrite, db: TenantDB, request: Request, corr: CorrId = None) -> Any:
    task_id = service.request_train(db, actor(principal, request, corr))
    return JSONResponse(TrainOut(task=str(task_id)).model_dump(), status_code=202)
