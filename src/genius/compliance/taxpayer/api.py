"""HTTP API for taxpayer (under /v1/compliance).

* ``GET /v1/compliance/taxpayers/{cui}?date=YYYY-MM-DD``: one CUI (cached lookup, 24 h).
* ``POST /v1/compliance/taxpayers/lookup``: up to 100 CUIs; invalid ones are answered locally.

ANAF being down is not an error of this API: the answer is 200 with ``status: "unavailable"`` (and a
``Retry-After`` header); a malformed CUI in the path is a 422 problem with the field's detail.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, Field, StringConstraints

from genius.compliance.common.deps import ComplianceRead
from genius.compliance.taxpayer.records import MAX_BATCH, TaxpayerCheck, validate_cui
from genius.compliance.taxpayer.service import TaxpayerService, today
from genius.core.auth.deps import PlatformDep
from genius.core.kit.errors import Unprocessable

router = APIRouter(tags=["compliance"])

API_MAX_WAIT = 10.0  # seconds an API request may wait for an ANAF rate-limit token
API_TIMEOUT = 15.0
UNAVAILABLE_RETRY_AFTER = "60"
CuiText = Annotated[str, StringConstraints(max_length=40)]
# What ``validate_cui`` accepts, but the check digit: an optional RO prefix, 2-10 digits not starting with
# 0, spaces and dashes anywhere (python-stdnum drops them), other whitespace only around the value.
CUI_PATTERN = r"^[\s-]*(?:[Rr][ -]*[Oo][ -]*)?[1-9](?:[ -]*[0-9]){1,9}[\s-]*$"

_PROBLEM: dict[int | str, dict[str, Any]] = {
    422: {"description": "Invalid CUI or date", "content": {"application/problem+json": {}}}
}


class LookupIn(BaseModel):
    cuis: list[CuiText | int] = Field(
        min_length=1,
        max_length=MAX_BATCH,
        description="CUIs, with or without the RO prefix",
        examples=[["RO14399840", "18400000"]],
    )
    date: dt.date | None = Field(default=None, description="Registries on this date (default: today)")


class LookupOut(BaseModel):
    results: list[TaxpayerCheck]


def taxpayer_service(request: Request, platform: PlatformDep) -> TaxpayerService:
    """One service per app (shared HTTP client); limiter, cache and breaker live in Redis."""
    svc: TaxpayerService | None = getattr(request.app.state, "taxpayer_service", None)
    if svc is None or svc.client.url != platform.settings.anaf_taxpayer_url:
        svc = TaxpayerService.from_settings(
            platform.settings,
            platform.redis,
            max_wait=API_MAX_WAIT,
            timeout=min(platform.settings.anaf_timeout, API_TIMEOUT),
        )
        request.app.state.taxpayer_service = svc
    return svc


ServiceDep = Annotated[TaxpayerService, Depends(taxpayer_service)]


def _check_date(value: dt.date | None, where: str, field: str) -> dt.date:
    day = value or today()
    if day > today():
        raise Unprocessable(
            "The date is in the future.",
            errors=[
                {"field": field, "in": where, "message": "must not be in the future", "type": "date.future"}
            ],
        )
    return day


@router.get(
    "/v1/compliance/taxpayers/{cui}",
    response_model=TaxpayerCheck,
    summary="Check one CUI against ANAF's registries (VAT, VAT on collection, split VAT, inactive, "
    "RO e-Factura)",
    responses=_PROBLEM,
)
def get_taxpayer(
    principal: ComplianceRead,
    svc: ServiceDep,
    response: Response,
    cui: Annotated[
        str,
        Path(
            max_length=40,
            pattern=CUI_PATTERN,
            description="CUI (2-10 digits, no leading 0), with or without the RO prefix; spaces and dashes "
            "are ignored. The check digit is checked too (422 ``cui.checksum``).",
        ),
    ],
    date: Annotated[dt.date | None, Query(description="Registries on this date (default: today)")] = None,
) -> TaxpayerCheck:
    verdict = validate_cui(cui)
    if not verdict.valid:
        raise Unprocessable(
            f"{cui!r} is not a valid CUI: {verdict.message}",
            errors=[
                {"field": "cui", "in": "path", "message": verdict.message, "type": f"cui.{verdict.error}"}
            ],
        )
    check = svc.check_one(cui, _check_date(date, "query", "date"))
    if check.status == "unavailable":
        response.headers["Retry-After"] = UNAVAILABLE_RETRY_AFTER
    return check


@router.post(
    "/v1/compliance/taxpayers/lookup",
    response_model=LookupOut,
    summary="Check up to 100 CUIs (invalid ones are answered locally, the rest in one ANAF request)",
    responses=_PROBLEM,
)
def lookup_taxpayers(
    principal: ComplianceRead, svc: ServiceDep, response: Response, body: LookupIn
) -> LookupOut:
    checks = svc.check([str(c) for c in body.cuis], _check_date(body.date, "body", "date"))
    if any(c.status == "unavailable" for c in checks):
        response.headers["Retry-After"] = UNAVAILABLE_RETRY_AFTER
    return LookupOut(results=checks)
